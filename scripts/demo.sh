#!/usr/bin/env bash
# Installs the dependencies, builds minivm and runs the demo: two emulated
# Cortex-M3 boards playing ping-pong through ivshmem shared memory and
# doorbell interrupts, served by minivm's built-in ivshmem server.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
meson setup build --reconfigure >/dev/null 2>&1 || meson setup build
meson compile -C build

echo "== hello =="
./build/src/minivm --board mps2-an385 build/firmware/hello-mps2-an385.elf
