#!/usr/bin/env bash
# Installs the dependencies, builds minivm and runs the demo: two emulated
# Cortex-M3 boards play ping-pong through ivshmem shared memory and
# doorbell interrupts. The first VM runs minivm's built-in ivshmem server
# (--ivshmem-serve); the second joins it (--ivshmem).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
meson setup build --reconfigure >/dev/null 2>&1 || meson setup build
meson compile -C build

fw=build/firmware/ivshmem-pingpong.elf
sock=$(mktemp -u /tmp/minivm-demo-XXXXXX.sock)
./build/src/minivm --board mps2-an385 --timeout 30 --ivshmem-serve "$sock" "$fw" \
    2>&1 | sed 's/^/[vm A] /' &
a=$!
# the server socket appears before VM A's guest starts
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
./build/src/minivm --board mps2-an385 --timeout 30 --ivshmem "$sock" "$fw" \
    2>&1 | sed 's/^/[vm B] /'
wait "$a"
