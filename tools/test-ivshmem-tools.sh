#!/bin/sh
# The two ivshmem tools together: a server and two peers exchanging data
# through the shared memory and interrupts through the doorbells.
# Usage: test-ivshmem-tools.sh SERVER PEER
set -u
SERVER=$1
PEER=$2
dir=$(mktemp -d)
sock=$dir/sock
server_pid=
a_pid=

cleanup() {
    [ -n "$a_pid" ] && kill "$a_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid"
    rm -rf "$dir"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

expect_status() { # expected command...
    want=$1
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    got=$?
    [ "$got" = "$want" ] || fail "$* exited $got, expected $want: $(cat "$dir/err")"
}

# Wait until FILE contains PATTERN (up to 10 s); show FILE and LOG if not.
wait_for() {
    i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 200 ] && fail "timed out waiting for '$2' in $1: $(cat "$1" "$3" 2>&1)"
        sleep 0.05
    done
}

expect_status 69 "$PEER" -S "$sock" --list
grep -q "minivm-ivshmem-server -S $sock" "$dir/err" || fail "no hint to start a server"
expect_status 64 "$SERVER" -F -S "$sock" -n 65
expect_status 64 "$PEER" --bogus

"$SERVER" -F -S "$sock" --memfd -l 64K -n 2 -p "$dir/pid" 2>"$dir/server.err" &
server_pid=$!
wait_for "$dir/pid" .
[ "$(cat "$dir/pid")" = "$server_pid" ] || fail "pid file does not hold the server's pid"
[ -S "$sock" ] || fail "no socket"
[ "$(stat -c %a "$sock")" = 600 ] || fail "socket is not owner-only"

# Peer A: 0; waits for an interrupt, then reads what B wrote.
"$PEER" -S "$sock" --size 64K --list --wait-irq --timeout 10 --read 0x10 4 >"$dir/a.out" 2>"$dir/a.err" &
a_pid=$!
wait_for "$dir/a.out" "^own 0 vectors 2 size 65536" "$dir/a.err"

# Peer B: 1; waits for A, writes, rings A's vector 1.
expect_status 0 "$PEER" -S "$sock" --size 64K --wait-peer 0 --write 0x10 deadbeef --notify 0:1 --list
grep -q "^peer 0$" "$dir/out" || fail "B did not report peer 0: $(cat "$dir/out")"
grep -q "^own 1 vectors 2" "$dir/out" || fail "B is not peer 1: $(cat "$dir/out")"

wait "$a_pid" || fail "peer A failed: $(cat "$dir/a.err")"
a_pid=
grep -q "^irq 1$" "$dir/a.out" || fail "A saw no interrupt on vector 1: $(cat "$dir/a.out")"
grep -q "^deadbeef$" "$dir/a.out" || fail "A did not read B's bytes: $(cat "$dir/a.out")"

# A second server on a live socket is refused (its probe costs an id).
expect_status 69 "$SERVER" -F -S "$sock" --memfd
grep -q "already listening" "$dir/err" || fail "no reason given for refusing"

# The memory outlives the peers; file data and the dump.
printf 'hello' >"$dir/data"
expect_status 0 "$PEER" -S "$sock" --size 0 --write 0x100 "@$dir/data" --read 0x100 5 --dump
grep -q "^68656c6c6f$" "$dir/out" || fail "file data not read back"
grep -q "^00000010  de ad be ef" "$dir/out" || fail "dump lacks B's bytes: $(head "$dir/out")"
grep -q "|hello\.\.\." "$dir/out" || fail "dump lacks the file's bytes"
grep -q "^00010000$" "$dir/out" || fail "dump does not end at the size"

# Errors: timeouts, bad ranges, unknown peers, wrong size, missing file.
expect_status 124 "$PEER" -S "$sock" --size 64K --wait-irq --timeout 0.2
expect_status 124 "$PEER" -S "$sock" --size 64K --wait-peer --timeout 0.2
expect_status 64 "$PEER" -S "$sock" --size 64K --read 0xfffe 4
expect_status 64 "$PEER" -S "$sock" --size 64K --write 0 abc
expect_status 69 "$PEER" -S "$sock" --size 64K --notify 42
expect_status 69 "$PEER" -S "$sock" --size 64K --notify 0:2
expect_status 69 "$PEER" -S "$sock" --size 4M --list
expect_status 66 "$PEER" -S "$sock" --size 64K --write 0 "@$dir/missing"

# SIGTERM stops the server cleanly, even one sent the moment the pid file
# appears (it used to arrive before the handler and kill it: status 143).
for i in $(seq 50); do
    "$SERVER" -F -S "$dir/quick.sock" --memfd -l 64K -p "$dir/quick.pid" 2>"$dir/quick.err" &
    quick_pid=$!
    until [ -s "$dir/quick.pid" ]; do :; done # no sleep: as soon as it appears
    kill -TERM "$quick_pid"
    wait "$quick_pid" || fail "server exited $? on a SIGTERM right after its pid file appeared"
done

# SIGTERM stops the server cleanly: socket and pid file removed.
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exited $? on SIGTERM"
server_pid=
[ -e "$sock" ] && fail "socket left behind"
[ -e "$dir/pid" ] && fail "pid file left behind"

# Without -F the server becomes a daemon once it listens.
expect_status 0 "$SERVER" -S "$sock" --memfd -p "$dir/pid"
[ -S "$sock" ] || fail "daemon is not listening"
server_pid=$(cat "$dir/pid")
expect_status 0 "$PEER" -S "$sock" --list
kill -TERM "$server_pid"
i=0
while [ -e "$sock" ]; do
    i=$((i + 1))
    [ $i -gt 200 ] && fail "daemon did not remove its socket"
    sleep 0.05
done
server_pid=

# QEMU's ivshmem-server command lines work unchanged: getopt-style glued
# values and grouped letters, QEMU's size grammar (0x, fractions), -m.
"$SERVER" -Fv -S"$sock" -m"$dir" -l0x10000 -n2 -p"$dir/pid" 2>"$dir/server.err" &
server_pid=$!
wait_for "$dir/pid" . "$dir/server.err"
expect_status 0 "$PEER" -S "$sock" --size 0 --list
grep -q "^own 0 vectors 2 size 65536$" "$dir/out" || fail "-S/-l/-n glued: $(cat "$dir/out")"
grep -q "listening" "$dir/server.err" || fail "-Fv did not make the server verbose"
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exited $? on SIGTERM"
"$SERVER" -FS"$sock" --memfd -l 1.5M -p "$dir/pid" 2>"$dir/server.err" &
server_pid=$!
wait_for "$dir/pid" . "$dir/server.err"
expect_status 0 "$PEER" -S "$sock" --size 0 --list
grep -q "^own 0 vectors 1 size 2097152$" "$dir/out" || fail "-l 1.5M is not 2M: $(cat "$dir/out")"
kill -TERM "$server_pid"
wait "$server_pid" || fail "server exited $? on SIGTERM"
# -n 0 (shared memory only) is accepted, as QEMU's server accepts it.
"$SERVER" -F -S "$sock" --memfd -n 0 -p "$dir/pid" 2>"$dir/server.err" &
server_pid=$!
wait_for "$dir/pid" . "$dir/server.err"
kill -TERM "$server_pid"
wait "$server_pid" || fail "server with -n 0 exited $?"
server_pid=
expect_status 64 "$SERVER" -F -S "$sock" -n 65
expect_status 64 "$SERVER" -F -S "$sock" -l 4MB

# A daemon without -p writes QEMU's default pid file, if it can (it is
# left alone when another server's pid is in it, or it cannot be written).
qemu_pidfile=/var/run/ivshmem-server.pid
if [ -w /var/run ] && [ ! -e "$qemu_pidfile" ]; then
    expect_status 0 "$SERVER" -S "$sock" --memfd
    [ -s "$qemu_pidfile" ] || fail "daemon wrote no $qemu_pidfile"
    server_pid=$(cat "$qemu_pidfile")
    expect_status 0 "$PEER" -S "$sock" --list
    kill -TERM "$server_pid"
    i=0
    while [ -e "$qemu_pidfile" ]; do
        i=$((i + 1))
        [ $i -gt 200 ] && fail "daemon did not remove $qemu_pidfile"
        sleep 0.05
    done
    server_pid=
fi
echo "ok"
