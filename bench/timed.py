#!/usr/bin/env python3
"""Runs a command and appends one line to OUT: wall seconds, user and system CPU seconds
(from the kernel's rusage of the child, in microseconds: `/usr/bin/time` rounds them to
hundredths of a second), and the command's peak RSS in KB (as `/usr/bin/time` reports it:
the rusage of a child forked from Python would count Python's own pages). The command's
output is discarded.

    timed.py OUT COMMAND [ARGS...]
"""
import os
import subprocess
import sys
import tempfile
import time

out, cmd = sys.argv[1], sys.argv[2:]
with tempfile.NamedTemporaryFile("r") as rss:
    start = time.perf_counter()
    child = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The rusage of `time` includes the command it waited for.
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    peak = rss.read().split()[-1]
with open(out, "a") as f:
    f.write(f"{wall:.4f} {usage.ru_utime:.4f} {usage.ru_stime:.4f} {peak}\n")
