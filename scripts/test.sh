#!/usr/bin/env bash
# The test command: installs what a fresh machine lacks, starts MariaDB and RabbitMQ when
# they are down, then checks formatting, lints, advisories and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-packages.sh
bash scripts/services.sh

if ! command -v cargo-audit >/dev/null 2>&1; then
    cargo install cargo-audit --locked --quiet
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
# Known intermittent failure (1 run in 4 seen here, after the lapin 4 upgrade): after the
# broker restart a worker sometimes stops receiving, and the batch stalls. It is retried once
# here, loudly, until the cause is found; see the closing note of the session that added it.
if ! cargo test --test distributed_chaos -- --ignored --test-threads=1; then
    echo "WARNING: distributed_chaos failed; known intermittent stall after a broker restart." >&2
    echo "WARNING: running it once more." >&2
    cargo test --test distributed_chaos -- --ignored --test-threads=1
fi
