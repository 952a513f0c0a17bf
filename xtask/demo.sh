#!/usr/bin/env bash
# Runs the demo box: soft spans and ports, embedded database, status web, simulated
# callers on the FXO lines and phones on the FXS ports that answer, talk and hang up.
# The traffic generator drives the box through the HIL rig's far-end simulators, so it is
# built only here, with the appliance's `demo` feature; the shipped binary has none of it.
set -euo pipefail
cd "$(dirname "$0")/.."
source xtask/setup.sh
exec cargo run --release -p appliance --features demo --bin appliance -- \
    demo --config config/demo --data "${DATA_DIR:-target/demo-data}" "$@"
