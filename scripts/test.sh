#!/usr/bin/env bash
# Installs the dependencies, builds minivm and its firmware, and runs the
# whole test suite twice: a normal build and an ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

meson setup build --reconfigure >/dev/null 2>&1 || meson setup build
meson compile -C build
meson test -C build --print-errorlogs --num-processes 2

meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false --reconfigure \
    >/dev/null 2>&1 || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp":print_suppressions=0 \
    meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3
