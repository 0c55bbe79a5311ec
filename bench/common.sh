# shellcheck shell=bash
# Helpers shared by bench/startup.sh and bench/cpu.sh (bash; sourced, not run).
# They time commands and print numbers; they never decide pass or fail.

# bench_build_dir [DIR]: the meson build directory to use (the argument,
# else $BUILD, else <source>/build); checks that minivm is there.
bench_build_dir() {
    local dir=${1:-${BUILD:-$(dirname "$0")/../build}}
    if [ ! -x "$dir/src/minivm" ]; then
        echo "$0: no $dir/src/minivm: build first (meson setup $dir && ninja -C $dir)" >&2
        exit 2
    fi
    (cd "$dir" && pwd)
}

# bench_firmware BUILDDIR NAME: the path of firmware NAME's ELF (checked)
bench_firmware() {
    local elf=$1/firmware/$2.elf
    if [ ! -f "$elf" ]; then
        echo "$0: no $elf (configure with -Dfirmware=true)" >&2
        exit 2
    fi
    echo "$elf"
}

# bench_have_qemu: whether qemu-system-arm is installed (says so if not)
bench_have_qemu() {
    command -v qemu-system-arm >/dev/null 2>&1 && return 0
    echo "qemu-system-arm not installed: minivm only"
    return 1
}

# bench_time RUNS WARMUP CMD ARG...: runs CMD (output discarded) WARMUP
# times untimed, then RUNS times, and prints one line
#   "median mean stddev user system"
# in seconds (user/system: mean process CPU time, "-" when unknown).
# hyperfine when installed (-N: no intermediate shell), else a loop timed
# with date +%s%N (which adds the cost of a fork to every run).
bench_time() {
    local runs=$1 warmup=$2 json cmd times t0 t1 i
    shift 2
    if command -v hyperfine >/dev/null 2>&1; then
        json=$(mktemp)
        cmd=$(printf '%q ' "$@")
        hyperfine -N --style none --warmup "$warmup" --runs "$runs" \
            --export-json "$json" -- "$cmd" >/dev/null || { rm -f "$json"; return 1; }
        python3 - "$json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.6f %.6f %.6f %.6f %.6f" % (r["median"], r["mean"], r["stddev"] or 0.0,
                                    r["user"], r["system"]))
EOF
        rm -f "$json"
        return
    fi
    i=0
    while [ "$i" -lt "$warmup" ]; do
        "$@" >/dev/null 2>&1
        i=$((i + 1))
    done
    times=$(mktemp)
    i=0
    while [ "$i" -lt "$runs" ]; do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s%N)
        echo $((t1 - t0)) >>"$times"
        i=$((i + 1))
    done
    python3 - "$times" <<'EOF'
import statistics, sys
t = [int(x) / 1e9 for x in open(sys.argv[1])]
print("%.6f %.6f %.6f - -" % (statistics.median(t), statistics.mean(t),
                              statistics.stdev(t) if len(t) > 1 else 0.0))
EOF
    rm -f "$times"
}

# bench_rss RUNS CMD ARG...: median and maximum peak RSS in KiB of RUNS
# runs ("median max"), from /usr/bin/time -f %M; "- -" without it.
bench_rss() {
    local runs=$1 rss i
    shift
    if [ ! -x /usr/bin/time ]; then
        echo "- -"
        return
    fi
    rss=$(mktemp)
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -f %M -a -o "$rss" "$@" >/dev/null 2>&1
        i=$((i + 1))
    done
    sort -n "$rss" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[NR] }'
    rm -f "$rss"
}

# bench_ratio A B: A / B with two decimals
bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
}

# bench_load: the 1-minute load average and the CPU count, for the record
bench_load() {
    echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
