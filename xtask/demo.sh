#!/usr/bin/env bash
# Runs the demo box: soft spans and ports, embedded database, status web, simulated
# callers on the FXO lines and phones on the FXS ports that answer, talk and hang up.
set -euo pipefail
cd "$(dirname "$0")/.."
source xtask/setup.sh
cargo build --release --bins
exec target/release/appliance demo --config config/demo --data "${DATA_DIR:-target/demo-data}" "$@"
