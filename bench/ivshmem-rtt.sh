#!/usr/bin/env bash
# Doorbell round trip host peer -> guest ISR -> host peer (DESIGN.md §5):
# starts minivm-ivshmem-server, one minivm on firmware/ivshmem-bounce and
# the ivshmem-rtt host program, which prints min/median/p90/p99/p99.9/max
# in µs; then the host-only floor (--loopback: the peer rings itself).
# Builds nothing: give a configured and built build directory.
# Usage: bench/ivshmem-rtt.sh BUILDDIR [ivshmem-rtt options, e.g. -n 20000]
# MINIVM_ARGS adds minivm options, e.g. MINIVM_ARGS="--idle-poll 0" to
# measure without the CPU thread's busy-poll window.
# Target (issue 4): median <= 15 µs, p99 <= 100 µs (QEMU 10.2's
# ivshmem-flat measured 30.8 µs median, 1365 µs p99).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILDDIR [ivshmem-rtt options]}" && pwd)
shift
for f in src/minivm tools/minivm-ivshmem-server bench/ivshmem-rtt firmware/ivshmem-bounce.elf; do
    [ -e "$build/$f" ] || { echo "$0: $build/$f missing: build first (ninja -C $build)" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/minivm-rtt-XXXXXX)
sock=$dir/sock
server=
vm=
bench=
cleanup() {
    set +e # a killed child's status must not end the clean-up
    for pid in $bench $vm $server; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# In the background and waited for, so that a signal stops it at once.
run_bench() {
    "$build/bench/ivshmem-rtt" -S "$sock" "$@" &
    bench=$!
    wait "$bench"
    bench=
}

"$build/tools/minivm-ivshmem-server" -F -S "$sock" --memfd -l 64K -p "$dir/pid" &
server=$!
for _ in $(seq 500); do [ -e "$dir/pid" ] && break; sleep 0.01; done
[ -e "$dir/pid" ] || { echo "$0: the server did not start" >&2; exit 1; }

"$build/src/minivm" ${MINIVM_ARGS:-} --timeout 600 --ivshmem "$sock" --ivshmem-size 64K \
    "$build/firmware/ivshmem-bounce.elf" >"$dir/vm.out" 2>&1 &
vm=$!

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run_bench "$@"
status=0
wait "$vm" || status=$?
vm=
sed 's/^/guest: /' "$dir/vm.out"
[ "$status" = 0 ] || { echo "$0: minivm exited with $status" >&2; exit 1; }
run_bench --loopback "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
