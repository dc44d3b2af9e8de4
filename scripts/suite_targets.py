#!/usr/bin/env python3
"""Prints the build outputs (relative to BUILD_DIR, one a line) that the tests of one meson
test suite need, so that a phase can build just those instead of the whole tree: the
fuzz phase builds its fuzzers, not every target again with clang. Prints nothing when the
suite has no tests.

Usage: suite_targets.py BUILD_DIR SUITE
"""
import json
import os
import subprocess
import sys


def introspect(build: str, what: str):
    out = subprocess.run(["meson", "introspect", build, what],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> int:
    build, suite = sys.argv[1], sys.argv[2]
    tests = [t for t in introspect(build, "--tests")
             if any(s == suite or s.endswith(":" + suite) for s in t["suite"])]
    if not tests:
        return 0
    files = {t["id"]: t["filename"] for t in introspect(build, "--targets")}
    root = os.path.realpath(build)
    wanted = []
    for t in tests:
        for dep in t["depends"]:
            for f in files.get(dep, []):
                rel = os.path.relpath(os.path.realpath(f), root)
                if rel not in wanted:
                    wanted.append(rel)
    print("\n".join(wanted))
    return 0


if __name__ == "__main__":
    sys.exit(main())
