#!/usr/bin/env bash
# Installs what the box and its tests need on a fresh Debian machine (run as root).
set -euo pipefail

# Reference libraries (spandsp, libpri) are linked by test-only crates; sox and tshark are
# independent references used by tests. The box itself needs espeak-ng (text prompts,
# synthesized when a configuration is applied), the English prompts and say fragments
# (asterisk-core-sounds-en-wav) and music on hold (asterisk-moh-opsound-wav). The recorder's
# libopus is built from the opus crate's bundled source with cmake; opus-tools (opusinfo,
# opusdec) check recordings in tests, as an independent reference.
# chromium and chromium-driver run the web UI's browser tests (hil-tests/browser);
# fonts-wqy-microhei lets Chromium draw the Chinese UI (its screenshots).
APT_PACKAGES=(build-essential pkg-config ca-certificates curl python3 cmake libspandsp-dev libpri-dev espeak-ng sox tshark opus-tools asterisk-core-sounds-en-wav asterisk-moh-opsound-wav chromium chromium-driver fonts-wqy-microhei)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# The web UI's front-end packages come from npm; a machine that already has Node (from
# NodeSource, say) keeps it, since Debian's npm would conflict with its bundled npm.
if ! command -v node >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        echo "setup: no Rust toolchain found; installing rustup" >&2
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
fi

# htmx and its SSE extension, embedded into the box by appliance/web/build.rs, pinned by
# package-lock.json. npm writes node_modules/.package-lock.json at every install, so an
# older one means the committed lock changed since.
if ! command -v npm >/dev/null 2>&1; then
    echo "setup: node is on PATH but npm is not; install npm (it comes with Node)" >&2
    exit 1
fi
assets_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/appliance/web/assets"
if [ ! -f "$assets_dir/node_modules/.package-lock.json" ] ||
    [ "$assets_dir/package-lock.json" -nt "$assets_dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in appliance/web/assets"
    (cd "$assets_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
