#!/usr/bin/env python3
"""The file system's cost of what `kvlint check --fix` does to each file it rewrites, with no
linting at all: read the file, write the new text to a temporary file in the same folder,
sync it, give it the file's permissions and rename it over the file. bench/run.sh times it
on a fresh copy of corpus (c), for scale next to `--fix`.

    replace-files.py DIR
"""
import os
import sys

for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if not name.endswith(".ts"):
            continue
        path = os.path.join(root, name)
        with open(path, "rb") as f:
            data = f.read()
        tmp = os.path.join(root, ".replace-" + name)
        with open(tmp, "wb") as out:
            out.write(data + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, os.stat(path).st_mode)
        os.rename(tmp, path)
