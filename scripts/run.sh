#!/usr/bin/env bash
# Runs the whole product on its embedded defaults (SQLite, in-process queue, local files):
# open http://127.0.0.1:8080/aigc. Extra arguments go to the `web` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
exec cargo run --release --bin web -- "$@"
