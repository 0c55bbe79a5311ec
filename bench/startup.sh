#!/bin/bash
# Start-to-exit time and peak RSS of the hello firmware under minivm and
# under qemu-system-arm (-M mps2-an385 -nographic -semihosting -kernel), on
# the same ELF. Prints medians and the ratio QEMU/minivm; no pass/fail.
#
#   bench/startup.sh [BUILDDIR]       (default: $BUILD, else ./build)
#   RUNS=100 WARMUP=10 bench/startup.sh /tmp/build-release
#
# The issue's goal: a hello run in a small fraction of QEMU's ~45-60 ms.
set -eu
here=$(dirname "$0")
. "$here/common.sh"
build=$(bench_build_dir "${1:-}") || exit 2
runs=${RUNS:-50}
warmup=${WARMUP:-5}
rss_runs=${RSS_RUNS:-10}

minivm=$build/src/minivm
elf=$(bench_firmware "$build" hello-mps2-an385) || exit 2
qemu=(qemu-system-arm -M mps2-an385 -nographic -semihosting -kernel "$elf")

echo "startup: $elf, $runs runs after $warmup warm-up runs"
bench_load
if command -v hyperfine >/dev/null 2>&1; then
    echo "timing: $(hyperfine --version) (no intermediate shell)"
else
    echo "timing: date +%s%N loop (hyperfine not installed; includes a fork per run)"
fi
echo "output: minivm \"$("$minivm" "$elf" 2>&1 | head -n 1)\""
have_qemu=false
bench_have_qemu && have_qemu=true

printf '\n%-10s %10s %10s %10s %10s %10s %14s\n' "" "median ms" "mean ms" "stddev" \
    "user ms" "sys ms" "RSS KiB med/max"
row() { # name median mean stddev user sys rss_med rss_max
    awk -v n="$1" -v md="$2" -v mn="$3" -v sd="$4" -v u="$5" -v s="$6" -v r="$7/$8" 'BEGIN {
        printf "%-10s %10.2f %10.2f %10.2f %10s %10s %14s\n", n, md * 1000, mn * 1000, sd * 1000,
            (u == "-" ? "-" : sprintf("%.2f", u * 1000)), (s == "-" ? "-" : sprintf("%.2f", s * 1000)), r
    }'
}

read -r m_med m_mean m_sd m_user m_sys < <(bench_time "$runs" "$warmup" "$minivm" "$elf")
read -r m_rss m_rss_max < <(bench_rss "$rss_runs" "$minivm" "$elf")
row minivm "$m_med" "$m_mean" "$m_sd" "$m_user" "$m_sys" "$m_rss" "$m_rss_max"

if $have_qemu; then
    read -r q_med q_mean q_sd q_user q_sys < <(bench_time "$runs" "$warmup" "${qemu[@]}")
    read -r q_rss q_rss_max < <(bench_rss "$rss_runs" "${qemu[@]}")
    row qemu "$q_med" "$q_mean" "$q_sd" "$q_user" "$q_sys" "$q_rss" "$q_rss_max"
    echo
    echo "ratio QEMU/minivm: time $(bench_ratio "$q_med" "$m_med")x (medians)," \
        "peak RSS $(bench_ratio "$q_rss" "$m_rss")x"
    if [ "$m_user" != - ]; then # on a busy host wall time includes waiting for a CPU
        cpu() { awk -v u="$1" -v s="$2" 'BEGIN { print u + s }'; }
        echo "ratio QEMU/minivm: CPU time (user+sys, means)" \
            "$(bench_ratio "$(cpu "$q_user" "$q_sys")" "$(cpu "$m_user" "$m_sys")")x"
    fi
    echo "minivm takes $(awk -v a="$m_med" -v b="$q_med" 'BEGIN { printf "%.1f", 100 * a / b }')% of QEMU's start-to-exit time"
fi
