#!/usr/bin/env python3
"""Runs one firmware image on minivm and checks what a user would see:
the console output (stdout), the exit status, and optionally stderr and
the wall time. Usage:

  run_test.py --expect-exit N [--expect-stdout-file F | --expect-stdout S]
              [--stdout-contains S] [--stderr-contains S] [--stderr-lacks S]
              [--stdin S]
              [--max-seconds S] [--twice-identical] -- MINIVM ARGS...
"""
import argparse
import subprocess
import sys
import time


def run(cmd, stdin_text, max_seconds):
    start = time.monotonic()
    proc = subprocess.run(cmd, input=stdin_text.encode() if stdin_text is not None else None,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=max_seconds + 30)
    return proc, time.monotonic() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--expect-exit", type=int, action="append", required=True,
                   help="the exit status; given several times, any of them")
    p.add_argument("--expect-stdout-file")
    p.add_argument("--expect-stdout")
    p.add_argument("--expect-stderr-file")
    p.add_argument("--stdout-contains", action="append", default=[])
    p.add_argument("--stderr-contains", action="append", default=[])
    p.add_argument("--stderr-lacks", action="append", default=[],
                   help="stderr must not contain S (e.g. a sanitizer's report)")
    p.add_argument("--stdin")
    p.add_argument("--file-equals", action="append", default=[],
                   help="PATH=TEXT: after the run, file PATH must hold exactly TEXT")
    p.add_argument("--stdin-file")
    p.add_argument("--max-seconds", type=float, default=60.0)
    p.add_argument("--twice-identical", action="store_true",
                   help="run twice; stdout must be byte-identical")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd

    if a.stdin_file:
        with open(a.stdin_file, encoding="utf-8") as f:
            a.stdin = f.read()
    proc, elapsed = run(cmd, a.stdin, a.max_seconds)
    out = proc.stdout.decode(errors="replace")
    err = proc.stderr.decode(errors="replace")
    failures = []
    if proc.returncode not in a.expect_exit:
        failures.append(f"exit status {proc.returncode}, expected "
                        + " or ".join(str(s) for s in a.expect_exit))
    expected = a.expect_stdout
    if a.expect_stdout_file:
        with open(a.expect_stdout_file, encoding="utf-8") as f:
            expected = f.read()
    if expected is not None and out != expected:
        failures.append(f"stdout differs:\n--- expected\n{expected}\n--- got\n{out}")
    if a.expect_stderr_file:
        with open(a.expect_stderr_file, encoding="utf-8") as f:
            expected_err = f.read()
        if err != expected_err:
            failures.append(f"stderr differs:\n--- expected\n{expected_err}\n--- got\n{err}")
    for s in a.stdout_contains:
        if s not in out:
            failures.append(f"stdout lacks {s!r}")
    for s in a.stderr_contains:
        if s not in err:
            failures.append(f"stderr lacks {s!r}")
    for s in a.stderr_lacks:
        if s in err:
            failures.append(f"stderr contains {s!r}")
    for spec in a.file_equals:
        path, _, text = spec.partition("=")
        try:
            with open(path, encoding="utf-8") as f:
                got = f.read()
        except OSError as e:
            failures.append(f"{path}: {e}")
            continue
        if got != text:
            failures.append(f"{path} holds {got!r}, expected {text!r}")
    if elapsed > a.max_seconds:
        failures.append(f"took {elapsed:.2f} s, limit {a.max_seconds} s")
    if a.twice_identical:
        proc2, _ = run(cmd, a.stdin, a.max_seconds)
        if proc2.stdout != proc.stdout:
            failures.append("second run's stdout differs from the first:\n"
                            f"--- first\n{out}\n--- second\n{proc2.stdout.decode(errors='replace')}")
    if failures:
        print("command:", " ".join(cmd))
        print("stderr:", err)
        for f in failures:
            print("FAIL:", f)
        return 1
    print(f"ok ({elapsed:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
