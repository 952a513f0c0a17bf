#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, HIL scenarios (lock-step), config checks.
set -euo pipefail
cd "$(dirname "$0")/.."
source xtask/setup.sh
export CARGO_TERM_COLOR=never
cargo build --workspace --bins
cargo test --workspace 2>&1 | tee target/test-output.txt
grep -q "test result: ok" target/test-output.txt
