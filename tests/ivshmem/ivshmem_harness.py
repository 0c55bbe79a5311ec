"""Processes for the end-to-end ivshmem tests (test-ivshmem.py): the
ivshmem server, minivm VMs and host peers as real processes in a private
temporary directory. Everything started through a Session is stopped, and
the directory removed, however the test ends (failure, exception, SIGTERM
from meson's timeout).

Synchronisation is by output, not by sleeping: Proc.expect() waits for a
line to appear. Only two things are polled: the server's pid file (written
once it listens) and /proc/net/unix for minivm's built-in server."""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

# How long one expected event may take. Generous: the tests run on two
# cores next to other tests, under ASan too; meson's limit is 60 s.
WAIT = 20.0
# minivm stops itself after this (exit 124), should a test lose track of it.
VM_TIMEOUT = 45


class Failure(Exception):
    pass


def pattern(seed, count):
    """count test-pattern words from seed, little-endian bytes: xorshift32
    as ivshmem_pattern_next() in firmware/common/ivshmem.h."""
    x = (seed & 0xFFFFFFFF) or 1
    words = []
    for _ in range(count):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        words.append(x)
    return struct.pack("<%dI" % count, *words)


def first_difference(got, want):
    """'word N (offset 0x..): got X, expected Y' for the first differing
    32-bit word, or None."""
    for i in range(0, min(len(got), len(want)), 4):
        if got[i:i + 4] != want[i:i + 4]:
            return "word %d (offset %#x): %s, expected %s" % (
                i // 4, i, got[i:i + 4].hex(), want[i:i + 4].hex())
    if len(got) != len(want):
        return "%d bytes, expected %d" % (len(got), len(want))
    return None


class Stream:
    """Collects a pipe's lines on a thread; waits for one to match."""

    def __init__(self, pipe):
        self.lines = []
        self.eof = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe):
        for raw in iter(pipe.readline, b""):
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        pipe.close()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_match(self, regex, timeout):
        """The first line matching regex (re.search), or None at EOF or
        after timeout seconds."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    m = re.search(regex, line)
                    if m:
                        return m
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(left)

    def text(self):
        self.thread.join(timeout=5)
        with self.cond:
            return "\n".join(self.lines)


class Proc:
    """A child process whose stdout and stderr are collected line by line."""

    def __init__(self, name, argv, stdin=False):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = Stream(self.p.stdout)
        self.err = Stream(self.p.stderr)

    @property
    def pid(self):
        return self.p.pid

    def running(self):
        return self.p.poll() is None

    def expect(self, regex, stream="out", timeout=WAIT):
        """Waits for a line matching regex on stdout (or stderr)."""
        lines = self.out if stream == "out" else self.err
        m = lines.wait_match(regex, timeout)
        if m is None:
            if lines.eof:
                try:
                    why = "its %s ended; it exited with %s" % (stream, self.p.wait(5))
                except subprocess.TimeoutExpired:
                    why = "its %s ended" % stream
            else:
                why = "not within %g s" % timeout
            raise Failure("%s: no %s line matching %r (%s)" % (self.name, stream, regex, why))
        return m

    def wait(self, timeout=WAIT):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Failure("%s did not exit within %g s" % (self.name, timeout)) from None

    def expect_exit(self, status, timeout=WAIT):
        got = self.wait(timeout)
        if got != status:
            raise Failure("%s exited with %s, expected %s" % (self.name, got, status))

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def stop(self):
        """SIGTERM, then SIGKILL if it does not go within 3 s."""
        if self.running():
            self.p.terminate()
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass

    def describe(self):
        def tail(stream):  # the last lines, each cut short (hex dumps are long)
            return "\n".join(line[:160] for line in stream.text().split("\n")[-40:])
        return "--- %s (pid %d, status %s): %s\n[stdout]\n%s\n[stderr]\n%s" % (
            self.name, self.pid, self.p.poll(), " ".join(self.argv), tail(self.out),
            tail(self.err))


class FakeServer:
    """A misbehaving ivshmem server for one client: sends the given
    messages (int64 value, optional fd by SCM_RIGHTS), then stays silent
    until the client hangs up. Listening once constructed."""

    def __init__(self, path, messages):
        self.messages = messages
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(WAIT)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(WAIT * 2)
            try:
                for value, fd in self.messages:
                    data = struct.pack("<q", value)
                    if fd is None:
                        conn.sendall(data)
                    else:
                        socket.send_fds(conn, [data], [fd])
                while conn.recv(64):
                    pass
            except OSError:
                pass

    def close(self):
        self.sock.close()
        self.thread.join(timeout=5)


class Session:
    """One test's processes and temporary directory. Use as a context
    manager; tools holds the paths given on the command line."""

    def __init__(self, tools):
        self.tools = tools
        self.dir = tempfile.mkdtemp(prefix="minivm-ivshmem-")
        self.sock = os.path.join(self.dir, "sock")
        self.procs = []
        self.fakes = []
        self.counter = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def stop_all(self):
        for fake in self.fakes:
            fake.close()
        self.fakes = []
        for proc in reversed(self.procs):
            proc.stop()

    def path(self, name):
        return os.path.join(self.dir, name)

    def _name(self, kind):
        n = self.counter.get(kind, 0)
        self.counter[kind] = n + 1
        return "%s %d" % (kind, n)

    def start(self, kind, argv, stdin=False):
        proc = Proc(self._name(kind), argv, stdin)
        self.procs.append(proc)
        return proc

    def report(self):
        return "\n".join(p.describe() for p in self.procs)

    # ---- the pieces ----

    def server(self, vectors=1, size="128K"):
        """minivm-ivshmem-server in the foreground; returns once it listens
        (its pid file is written after listen())."""
        pidfile = self.path("server.pid")
        proc = self.start("server", [self.tools.server, "-F", "-S", self.sock, "--memfd",
                                     "-l", size, "-n", vectors, "-p", pidfile])
        poll_until(lambda: os.path.exists(pidfile), proc, "the server's pid file")
        return proc

    def vm(self, role=None, firmware=None, socket_opt="--ivshmem", size="128K", extra=(),
           stdin=False):
        """minivm on the selftest firmware with --cmdline role (or on
        another firmware), connected to the session's socket."""
        argv = [self.tools.minivm, "--timeout", VM_TIMEOUT, socket_opt, self.sock,
                "--ivshmem-size", size] + list(extra)
        if role is not None:
            argv += ["--cmdline", role]
        argv.append(firmware or self.tools.selftest)
        return self.start("vm", argv, stdin)

    def ready_vm(self, role, **kw):
        """A selftest VM that has enabled its interrupt; returns (proc, id)."""
        proc = self.vm(role, **kw)
        return proc, int(proc.expect(r"^ready: peer (\d+)$").group(1))

    def peer(self, *actions, size="128K", timeout=WAIT):
        """minivm-ivshmem-peer running actions, in the background."""
        return self.start("peer", [self.tools.peer, "-S", self.sock, "--size", size,
                                   "--timeout", timeout] + list(actions))

    def fake_server(self, messages):
        fake = FakeServer(self.sock, messages)
        self.fakes.append(fake)
        return fake

    def listening(self, proc):
        """Waits until something listens on the session's socket, without
        connecting (a connection would take a peer id)."""
        poll_until(lambda: unix_socket_listening(self.sock), proc, "a listener on " + self.sock)


def unix_socket_listening(path):
    """Whether /proc/net/unix lists a listening socket (__SO_ACCEPTCON)
    bound to path."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            if len(fields) >= 8 and fields[7] == path and int(fields[3], 16) & 0x10000:
                return True
    return False


def poll_until(cond, proc, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not cond():
        if not proc.running():
            raise Failure("%s exited with %s before %s appeared" % (proc.name, proc.p.poll(), what))
        if time.monotonic() > deadline:
            raise Failure("no %s within %g s" % (what, timeout))
        time.sleep(0.01)


def run(cases, tools, case):
    """Runs one case in a Session; prints what failed with every process's
    output. Returns the exit status for the test (0 pass, 1 fail)."""
    def on_signal(signum, frame):
        raise SystemExit(128 + signum)  # unwinds through the Session: cleanup

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    with Session(tools) as s:
        try:
            cases[case](s)
        except Failure as e:
            s.stop_all()  # their output is complete only once they are gone
            print("FAIL: %s: %s\n%s" % (case, e, s.report()), file=sys.stderr)
            return 1
    print("PASS: " + case)
    return 0
