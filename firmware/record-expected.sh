#!/bin/sh
# Runs test firmware under qemu-system-arm and records its console output as
# the program's expected.txt. Usage, from the source tree:
#   firmware/record-expected.sh BUILDDIR NAME...
# NAME is a program's ELF name (svc, hello-lm3s6965evb, ...). The machine is
# lm3s6965evb for names ending in -lm3s6965evb, else mps2-an385; the output
# goes to firmware/<dir>/expected[-<board>].txt; firmware/<dir>/input.txt,
# if present, is fed to the console UART. Builds the ELF first; prints
# QEMU's exit status.
set -u
build=$1
shift
here=$(dirname "$0")
for name in "$@"; do
    case $name in
    *-lm3s6965evb) machine=lm3s6965evb dir=${name%-lm3s6965evb} out=expected-lm3s6965evb.txt ;;
    *-mps2-an385) machine=mps2-an385 dir=${name%-mps2-an385} out=expected-mps2-an385.txt ;;
    *) machine=mps2-an385 dir=$name out=expected.txt ;;
    esac
    ninja -C "$build" "firmware/$name.elf" >/dev/null || { echo "$name: build failed"; continue; }
    input=/dev/null
    [ -f "$here/$dir/input.txt" ] && input=$here/$dir/input.txt
    timeout 10 qemu-system-arm -M "$machine" -nographic -semihosting \
        -kernel "$build/firmware/$name.elf" <"$input" >"$here/$dir/$out"
    echo "$name: qemu exit status $?"
done
