#!/bin/bash
# CPU-bound guest speed: firmware/bench-cpu (CRC-32, linked list, matrix,
# state machine, sort; ~1.4 billion guest instructions) under minivm
# --clock virtual (the default), minivm --clock host and qemu-system-arm.
# Prints wall times, guest MIPS and the ratios minivm/QEMU and
# virtual/host; no pass/fail.
#
#   bench/cpu.sh [BUILDDIR]            (default: $BUILD, else ./build)
#   RUNS=10 ITERATIONS=3000 ICOUNT_CHECK=0 bench/cpu.sh /tmp/build-release
#
# Guest instruction count: bench-cpu reads DWT CYCCNT around its work and
# reports it on the semihosting stderr. minivm's virtual clock advances one
# cycle per executed instruction (counted per translated block from the
# decoded Thumb instruction lengths), so under --clock virtual CYCCNT is
# minivm's count of executed instructions. The program is deterministic, so
# the count is the same in every configuration. ICOUNT_CHECK=1 (default)
# cross-checks it with QEMU's own count: under -icount shift=0 QEMU's
# virtual clock advances 1 ns per executed instruction, and bench-cpu also
# reports CMSDK timer0 ticks (25 MHz), so ticks * 40 is QEMU's instruction
# count to within 40 per timer read; that configuration (QEMU's own
# deterministic mode) is also timed. MIPS = that count / median wall time
# of the whole process (start-up included: ~10 ms for minivm, ~50 ms for
# QEMU); "MIPS cpu" divides by the mean user+sys CPU time instead, which
# is steadier on a busy host (QEMU's includes its other threads).
set -eu
here=$(dirname "$0")
. "$here/common.sh"
build=$(bench_build_dir "${1:-}") || exit 2
runs=${RUNS:-5}
warmup=${WARMUP:-1}
icount_check=${ICOUNT_CHECK:-1}

minivm=$build/src/minivm
elf=$(bench_firmware "$build" bench-cpu) || exit 2
# ITERATIONS overrides the built-in count through the semihosting command
# line (bench-cpu takes its last word when it is a number)
minivm_args=()
qemu_semi=enable=on,target=native
if [ -n "${ITERATIONS:-}" ]; then
    minivm_args=(--cmdline "$ITERATIONS")
    qemu_semi=$qemu_semi,arg=bench-cpu,arg=$ITERATIONS
fi
virt=("$minivm" --clock virtual "${minivm_args[@]}" "$elf")
host=("$minivm" --clock host "${minivm_args[@]}" "$elf")
qemu=(qemu-system-arm -M mps2-an385 -nographic -semihosting-config "$qemu_semi" -kernel "$elf")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "cpu: $elf, $runs runs after $warmup warm-up run(s) each"
bench_load

# the reference run: console output and the instruction count
"${virt[@]}" >"$tmp/virt.out" 2>"$tmp/virt.err"
insns=$(sed -n 's/^bench-cpu: dwt-cycles \([0-9]*\) .*/\1/p' "$tmp/virt.err")
[ -n "$insns" ] || { echo "$0: bench-cpu reported no count:" >&2; cat "$tmp/virt.err" >&2; exit 1; }
echo "$(head -n 1 "$tmp/virt.out"), $(grep checksum "$tmp/virt.out")"
echo "guest instructions (minivm, DWT CYCCNT under --clock virtual): $insns"

# the same output everywhere (QEMU's stderr line lands anywhere: compare stdout)
same() {
    if "$@" 2>/dev/null | cmp -s - "$tmp/virt.out"; then echo identical; else echo DIFFERS; fi
}
echo "console output, minivm --clock host: $(same "${host[@]}")"
have_qemu=false
if bench_have_qemu; then
    have_qemu=true
    echo "console output, QEMU: $(same "${qemu[@]}")"
    if [ "$icount_check" = 1 ]; then
        ticks=$("${qemu[@]}" -icount shift=0 2>&1 >/dev/null |
                sed -n 's/.*timer0-ticks \([0-9]*\).*/\1/p')
        echo "guest instructions (QEMU -icount shift=0, timer0 ticks * 40): $((ticks * 40))" \
            "(minivm - QEMU: $((insns - ticks * 40)); expect |d| < 100)"
    fi
fi

printf '\n%-16s %9s %9s %9s %9s %9s %8s %8s\n' "" "median s" "mean s" "stddev" "user s" "sys s" \
    "MIPS" "MIPS cpu"
row() { # name median mean stddev user sys
    awk -v n="$1" -v md="$2" -v mn="$3" -v sd="$4" -v u="$5" -v s="$6" -v i="$insns" 'BEGIN {
        printf "%-16s %9.3f %9.3f %9.3f %9s %9s %8.0f %8s\n", n, md, mn, sd,
            (u == "-" ? "-" : sprintf("%.3f", u)), (s == "-" ? "-" : sprintf("%.3f", s)), i / md / 1e6,
            (u == "-" ? "-" : sprintf("%.0f", i / (u + s) / 1e6))
    }'
}
read -r v_med v_mean v_sd v_user v_sys < <(bench_time "$runs" "$warmup" "${virt[@]}")
row "minivm virtual" "$v_med" "$v_mean" "$v_sd" "$v_user" "$v_sys"
read -r h_med h_mean h_sd h_user h_sys < <(bench_time "$runs" "$warmup" "${host[@]}")
row "minivm host" "$h_med" "$h_mean" "$h_sd" "$h_user" "$h_sys"
if $have_qemu; then
    read -r q_med q_mean q_sd q_user q_sys < <(bench_time "$runs" "$warmup" "${qemu[@]}")
    row "qemu" "$q_med" "$q_mean" "$q_sd" "$q_user" "$q_sys"
    if [ "$icount_check" = 1 ]; then
        read -r i_med i_mean i_sd i_user i_sys < <(bench_time "$runs" "$warmup" "${qemu[@]}" -icount shift=0)
        row "qemu -icount 0" "$i_med" "$i_mean" "$i_sd" "$i_user" "$i_sys"
    fi
fi

echo
echo "ratio virtual/host (time): $(bench_ratio "$v_med" "$h_med")x (goal: < 1.5x)"
if $have_qemu; then
    echo "ratio minivm virtual/QEMU (time): $(bench_ratio "$v_med" "$q_med")x," \
        "minivm host/QEMU: $(bench_ratio "$h_med" "$q_med")x (> 1: minivm slower)"
    [ "$icount_check" = 1 ] && echo "ratio minivm virtual/QEMU -icount shift=0" \
        "(both deterministic): $(bench_ratio "$v_med" "$i_med")x"
fi
