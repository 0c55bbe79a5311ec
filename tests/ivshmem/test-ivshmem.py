#!/usr/bin/env python3
"""End-to-end ivshmem tests: real minivm processes on real firmware, a real
server (minivm-ivshmem-server, or minivm's built-in one), real shared memory
and the host peer tool. One case per run:

  test-ivshmem.py --minivm M --server S --peer P --selftest ELF
                  --pingpong ELF --echo ELF CASE

The first four cases are those of QEMU's proposed ivshmem-flat test, on
128 KiB of shared memory; the guest side is firmware/ivshmem-selftest.
Pattern words come from a seed chosen here (printed; IVSHMEM_TEST_SEED
overrides it) so that both sides can check them."""

import argparse
import os
import random
import struct
import sys
import time

from ivshmem_harness import WAIT, Failure, first_difference, pattern, run

SHM_SIZE = 128 * 1024
SHM_WORDS = SHM_SIZE // 4
# What minivm exits with when the ivshmem server is unusable (README).
EXIT_UNAVAILABLE = 69
# The client's default greeting time limit (IVSHMEM_DEFAULT_GREETING_TIMEOUT_MS).
GREETING_TIMEOUT = 5.0


def seed():
    text = os.environ.get("IVSHMEM_TEST_SEED")
    value = int(text, 0) if text else random.getrandbits(32)
    print("seed %#x (set IVSHMEM_TEST_SEED to repeat)" % value)
    return value


def expect_lines(proc, *regexes):
    for regex in regexes:
        proc.expect(regex)


def hex_word(value):
    return struct.pack("<I", value).hex()


# ---- QEMU's four cases ----

def case_irq(s):
    """A VM ringing its own id gets exactly one interrupt per doorbell, on
    each of its vectors; a vector it lacks and an unknown peer get none
    (and are reported as guest errors with --trace)."""
    s.server(vectors=2)
    vm = s.vm("irq 2", extra=["--trace"])
    expect_lines(vm, r"^ready: peer 0$", r"^vector 0: 1 interrupt\(s\)$",
                 r"^vector 1: 1 interrupt\(s\)$", r"^vector 2 and peer 65535: 0 interrupt\(s\)$",
                 r"^irq: PASS$")
    vm.expect_exit(0)
    vm.expect(r"guest error: .*peer 0 vector 2, which it does not have", stream="err")
    vm.expect(r"guest error: .*unknown peer 65535", stream="err")


def case_shm_write(s):
    """Words the guest writes are read back identically by a host peer."""
    seed_ = seed()
    s.server()
    host = s.peer("--list", "--wait-irq", "--read", "0", str(SHM_SIZE))
    host_id = int(host.expect(r"^own (\d+) vectors 1 size %d$" % SHM_SIZE).group(1))
    vm = s.vm("shm-write %d %d" % (seed_, host_id))
    expect_lines(vm, r"^wrote %d words, rang peer %d$" % (SHM_WORDS, host_id), r"^shm-write: PASS$")
    vm.expect_exit(0)
    host.expect(r"^irq 0$")
    got = bytes.fromhex(host.expect(r"^([0-9a-f]{%d})$" % (2 * SHM_SIZE)).group(1))
    host.expect_exit(0)
    diff = first_difference(got, pattern(seed_, SHM_WORDS))
    if diff:
        raise Failure("the host read something else than the guest wrote: " + diff)


def case_shm_read(s):
    """Words a host peer writes are read back identically by the guest."""
    seed_ = seed()
    s.server()
    vm, vm_id = s.ready_vm("shm-read %d" % seed_)
    data = s.path("pattern.bin")
    with open(data, "wb") as f:
        f.write(pattern(seed_, SHM_WORDS))
    host = s.peer("--wait-peer", str(vm_id), "--write", "0", "@" + data, "--notify", str(vm_id))
    host.expect_exit(0)
    expect_lines(vm, r"^%d words match the pattern$" % SHM_WORDS, r"^shm-read: PASS$")
    vm.expect_exit(0)


def case_pair(s):
    """Two VMs interrupt each other and exchange data both ways; a host
    peer then finds both halves as written."""
    seed_ = seed()
    s.server()
    a, a_id = s.ready_vm("pair %d 1" % seed_)
    b, b_id = s.ready_vm("pair %d %d" % (seed_, a_id))
    if (a_id, b_id) != (0, 1):
        raise Failure("peer ids %d and %d, expected 0 and 1" % (a_id, b_id))
    for vm, other in ((a, b_id), (b, a_id)):
        expect_lines(vm, r"^doorbell from peer %d$" % other,
                     r"^%d words match the pattern$" % (SHM_WORDS // 2), r"^pair: PASS$")
        vm.expect_exit(0)
    host = s.peer("--read", "0", str(SHM_SIZE))
    got = bytes.fromhex(host.expect(r"^([0-9a-f]+)$").group(1))
    host.expect_exit(0)
    half = SHM_WORDS // 2
    diff = first_difference(got, pattern(seed_ + a_id, half) + pattern(seed_ + b_id, half))
    if diff:
        raise Failure("shared memory after the exchange: " + diff)


# ---- more peers, the examples ----

def ring_mark(sender, receiver):
    return 0x52490000 | sender << 8 | receiver  # RING_MARK in ivshmem-selftest.c


def case_ring(s):
    """Three VMs and a host peer on one server all ring each other. The
    host peer joins last and starts the round; each VM rings it on its own
    vector (its id), so the host sees exactly one interrupt per VM."""
    vms, n, vectors = 3, 4, 3
    s.server(vectors=vectors)
    procs = []
    for i in range(vms):
        vm, vm_id = s.ready_vm("ring %d %d" % (n, vectors))
        if vm_id != i:
            raise Failure("VM %d got peer id %d" % (i, vm_id))
        procs.append(vm)
    me = n - 1
    actions = ["--list"]
    for r in range(vms):
        actions += ["--wait-peer", str(r)]
    for r in range(vms):  # mark[r][me] at (r * 16 + me) * 4, as RING_SLOT
        actions += ["--write", str((r * 16 + me) * 4), hex_word(ring_mark(me, r))]
    for r in range(vms):
        actions += ["--notify", "%d:%d" % (r, me % vectors)]
    actions += ["--wait-irq"] * vms + ["--read", str(me * 16 * 4), str(4 * vms)]
    host = s.peer(*actions)
    host.expect(r"^own %d vectors %d" % (me, vectors))
    for vm in procs:
        expect_lines(vm, r"^started by peer %d$" % me, r"^marks from all %d other peers$" % (n - 1),
                     r"^ring: PASS$")
        vm.expect_exit(0)
    host.expect_exit(0)
    irqs = sorted(line for line in host.out.lines if line.startswith("irq "))
    if irqs != ["irq %d" % v for v in range(vms)]:
        raise Failure("host peer interrupts %s, expected one on each of vectors 0..%d"
                      % (irqs, vms - 1))
    want = "".join(hex_word(ring_mark(v, me)) for v in range(vms))
    host.expect(r"^%s$" % want)


def case_pingpong(s):
    """firmware/ivshmem-pingpong on two VMs, the first running minivm's
    built-in server (as scripts/demo.sh does)."""
    a = s.vm(firmware=s.tools.pingpong, socket_opt="--ivshmem-serve")
    s.listening(a)
    b = s.vm(firmware=s.tools.pingpong)
    expect_lines(a, r"^ivshmem-pingpong: peer 0 here, peer 1 there, sending first$")
    expect_lines(b, r"^ivshmem-pingpong: peer 1 here, peer 0 there, answering$")
    for n in range(1, 6):
        a.expect(r"^received: pong %d from peer 1$" % n)
        b.expect(r"^received: ping %d from peer 0$" % n)
    for vm in (a, b):
        vm.expect(r"^ivshmem-pingpong: 5 rounds done$")
        vm.expect_exit(0)
    if a.err.text():
        raise Failure("the serving VM wrote on stderr")
    # b may see a's server go first: one warning at most
    if len([l for l in b.err.lines if "warning" in l]) > 1 or \
            [l for l in b.err.lines if "warning" not in l]:
        raise Failure("the joining VM wrote more than one warning on stderr")
    if os.path.exists(s.sock):
        raise Failure("the built-in server left its socket behind")


def echo_request(seq, sender, text):
    """A request as firmware/ivshmem-echo reads it: seq, from, len, text.
    Written in two steps, seq last."""
    body = struct.pack("<II", sender, len(text)).hex() + text.encode().hex()
    return ["--write", "4", body, "--write", "0", hex_word(seq)]


def case_echo(s):
    """firmware/ivshmem-echo answers a host peer, then quits on 'quit'."""
    s.server()
    vm = s.vm(firmware=s.tools.echo)
    vm.expect(r"^ivshmem-echo: peer 0, waiting for requests$")
    host = s.peer("--list", "--wait-peer", "0",
                  *echo_request(1, 1, "hello, guest"), "--notify", "0", "--wait-irq",
                  "--read", "0x100", str(8 + 12),
                  *echo_request(2, 1, "quit"), "--notify", "0", "--wait-irq",
                  "--read", "0x100", str(8 + 4))
    host.expect(r"^own 1 vectors 1 size %d$" % SHM_SIZE)
    # reply: seq, len, text
    host.expect(r"^%s$" % (hex_word(1) + hex_word(12) + b"hello, guest".hex()))
    host.expect(r"^%s$" % (hex_word(2) + hex_word(4) + b"quit".hex()))
    host.expect_exit(0)
    expect_lines(vm, r"^request 1 from peer 1: hello, guest$", r"^request 2 from peer 1: quit$",
                 r"^ivshmem-echo: quit$")
    vm.expect_exit(0)


# ---- failures at the command line ----

def expect_unavailable(vm, *stderr_regexes, max_seconds=WAIT):
    start = time.monotonic()
    vm.expect_exit(EXIT_UNAVAILABLE, timeout=max_seconds)
    for regex in stderr_regexes:
        vm.expect(regex, stream="err")
    if vm.out.text():
        raise Failure("the guest ran although connecting failed")
    return time.monotonic() - start


def case_no_server(s):
    path = "/nonexistent.sock"
    if os.path.exists(path):
        raise Failure(path + " exists")
    vm = s.start("vm", [s.tools.minivm, "--ivshmem", path, s.tools.selftest])
    expect_unavailable(vm, r"no ivshmem server answers at /nonexistent\.sock",
                       r"start one with `minivm-ivshmem-server -S /nonexistent\.sock`")


def case_size_mismatch(s):
    s.server(size="128K")
    vm = s.vm("irq 1", size="64K")
    expect_unavailable(vm, r"shared memory is 131072 bytes, but 65536 were asked for",
                       r"-l 65536")


def memfd(size):
    fd = os.memfd_create("fake-ivshmem")
    os.ftruncate(fd, size)
    return fd


def case_greeting_stall(s):
    """A server that sends the version and then nothing (and, second, one
    that stops after the shared memory): 69 once the greeting time limit
    is over, not later."""
    for messages in ([(0, None)], [(0, None), (0, None), (-1, memfd(SHM_SIZE))]):
        fake = s.fake_server(messages)
        vm = s.vm("irq 1")
        took = expect_unavailable(vm, r"did not complete its greeting within %d ms"
                                  % (GREETING_TIMEOUT * 1000), max_seconds=GREETING_TIMEOUT + 15)
        print("gave up after %.2f s with %d message(s) sent" % (took, len(messages)))
        if took < GREETING_TIMEOUT - 0.5:
            raise Failure("gave up after %.2f s, before the time limit" % took)
        fake.close()
        s.fakes.remove(fake)
        os.unlink(s.sock)


def case_bad_version(s):
    s.fake_server([(1, None), (0, None)])
    vm = s.vm("irq 1")
    expect_unavailable(vm, r"speaks protocol version 1; minivm supports version 0")


def case_server_dies(s):
    """The server dies while a VM and a host peer run: the VM warns once
    and goes on; doorbells between the peers it knew, and to itself, still
    work; it exits normally."""
    server = s.server()
    vm, vm_id = s.ready_vm("survive 1", stdin=True)
    host = s.peer("--wait-peer", str(vm_id), "--wait-irq")
    host.expect(r"^peer %d$" % vm_id)
    server.p.kill()
    server.wait()
    vm.expect(r"warning: .*closed the connection", stream="err")
    vm.send(b"x")
    expect_lines(vm, r"^console byte: the server is gone$",
                 r"^rang peer 1, and own doorbell still interrupts$", r"^survive: PASS$")
    vm.expect_exit(0)
    host.expect(r"^irq 0$")
    host.expect_exit(0)
    if len(vm.err.lines) != 1:
        raise Failure("expected exactly one line (the warning) on stderr, got %d"
                      % len(vm.err.lines))


BOUNCE_ROUNDS = 3000


def case_bounce(s):
    """Thousands of doorbell round trips, one in flight at a time: a host
    peer rings the guest (firmware/ivshmem-bounce), whose handler rings it
    back; a round without an answer within 2 s fails (bench/ivshmem-rtt).
    Once with the CPU thread busy-polling the doorbells in WFI (the default
    with ivshmem), once blocking at once (--idle-poll 0): every kick must
    become exactly one interrupt either way."""
    s.server(size="64K")
    for extra in ([], ["--idle-poll", "0"]):
        vm = s.vm(firmware=s.tools.bounce, size="64K", extra=extra)
        vm.expect(r"^ivshmem-bounce: peer (\d+) bounces doorbells$")
        rtt = s.start("rtt", [s.tools.rtt, "-S", s.sock, "--size", "64K",
                              "-n", str(BOUNCE_ROUNDS), "-w", "100"])
        rtt.expect(r"^rtt +[0-9.]+ ", timeout=60)
        rtt.expect_exit(0, timeout=60)
        # the handshake may ring a few times before the first answer
        bounces = int(vm.expect(r"^ivshmem-bounce: (\d+) bounces$").group(1))
        if not BOUNCE_ROUNDS + 100 <= bounces <= BOUNCE_ROUNDS + 100 + 1000:
            raise Failure("the guest took %d interrupts for %d round trips"
                          % (bounces, BOUNCE_ROUNDS + 100))
        vm.expect_exit(0)


CASES = {
    "irq": case_irq,
    "shm-write": case_shm_write,
    "shm-read": case_shm_read,
    "pair": case_pair,
    "ring": case_ring,
    "pingpong": case_pingpong,
    "echo": case_echo,
    "no-server": case_no_server,
    "size-mismatch": case_size_mismatch,
    "greeting-stall": case_greeting_stall,
    "bad-version": case_bad_version,
    "server-dies": case_server_dies,
    "bounce": case_bounce,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    for tool in ("minivm", "server", "peer", "selftest", "pingpong", "echo", "bounce", "rtt"):
        ap.add_argument("--" + tool, required=True)
    ap.add_argument("case", choices=sorted(CASES))
    tools = ap.parse_args()
    return run(CASES, tools, tools.case)


if __name__ == "__main__":
    sys.exit(main())
