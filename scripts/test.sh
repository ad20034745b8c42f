#!/usr/bin/env bash
# The test command: installs what a fresh machine lacks (Debian packages, chromium and
# playwright-core for the browser test, cargo-audit), starts MariaDB and RabbitMQ when
# they are down, then checks formatting, lints, advisories and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# A test run builds once from scratch: incremental caches would only add gigabytes to disk.
export CARGO_INCREMENTAL=0
# Build products live outside the clone, in one cache folder that every clone on this machine
# shares: a fresh clone (CI's) then rebuilds only the studio itself instead of writing a
# second multi-gigabyte target folder beside the first. A fresh machine simply fills it.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/aigc-studio/target}
mkdir -p "$CARGO_TARGET_DIR"
# A debug build of every test target needs a few GB; say so up front when the disk is short.
free_kb=$(df -Pk "$CARGO_TARGET_DIR" | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((6 * 1024 * 1024)) ]; then
    echo "WARNING: only $((free_kb / 1024)) MB free here; the build needs about 5 GB." >&2
fi

# chromium (Debian's) runs the browser test of the pages; playwright-core drives it and
# never downloads a browser of its own.
bash scripts/system-packages.sh chromium
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
fi
bash scripts/services.sh

if ! command -v cargo-audit >/dev/null 2>&1; then
    # Its own build stays out of the shared target folder: cargo removes it once installed.
    env -u CARGO_TARGET_DIR cargo install cargo-audit --locked --quiet
fi

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
# RUSTSEC-2023-0071 (rsa, Marvin timing attack) has no fixed version; sqlx's MySQL driver
# links it for RSA password exchange, which the studio never uses (it connects with
# mysql_native_password or over a trusted network). See README, "Dependencies".
cargo audit --db ../shared/advisory-db --no-fetch --ignore RUSTSEC-2023-0071

# Everything but the tests that restart the shared RabbitMQ.
cargo test --all-targets
# Those run alone, one after the other.
cargo test --test queue_rabbitmq_restart -- --ignored --test-threads=1
cargo test --test distributed_chaos -- --ignored --test-threads=1
