#!/usr/bin/env python3
"""Counts one `meson test` run: prints "N passed, M failed".

Reads BUILD_DIR/meson-logs/testlog.json (one JSON object per test). OK and EXPECTEDFAIL
count as passed, SKIP is not counted, every other result (FAIL, TIMEOUT, ERROR,
UNEXPECTEDPASS, ...) as failed. Given meson test's exit status, a run that exited non-zero
but logged no failure (it could not build, or stopped early) counts one failure more, so a
broken run never reads as a pass.

Usage: count_results.py BUILD_DIR [MESON_TEST_EXIT_STATUS]
"""
import json
import os
import sys


def main() -> int:
    build = sys.argv[1]
    status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    passed = failed = 0
    log = os.path.join(build, "meson-logs", "testlog.json")
    if os.path.exists(log):
        with open(log, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                result = json.loads(line).get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result != "SKIP":
                    failed += 1
    if status != 0 and failed == 0:
        failed = 1
    print(f"{passed} passed, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
