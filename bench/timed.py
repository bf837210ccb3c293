#!/usr/bin/env python3
"""Runs a command and appends one line to OUT: wall seconds, user and system CPU seconds,
and peak RSS in KB, read from the kernel's rusage of the child (microsecond resolution;
`/usr/bin/time` rounds to hundredths of a second). The command's output is discarded.

    timed.py OUT COMMAND [ARGS...]
"""
import os
import subprocess
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, _, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
with open(out, "a") as f:
    f.write(f"{wall:.4f} {usage.ru_utime:.4f} {usage.ru_stime:.4f} {usage.ru_maxrss}\n")
