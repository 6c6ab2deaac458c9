#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# test.sh [MESON_TEST_ARGS...]: build, run the meson test suites, then print
# the name of each failed test and, as the last line,
#   N passed, N failed[, N skipped]
# (TIMEOUT, ERROR, FAIL and UNEXPECTEDPASS count as failed, EXPECTEDFAIL as
# passed).  Extra arguments go to `meson test`, e.g. --suite build.
# Exit status is non-zero iff a test failed or no test ran.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash devtools/build.sh

log=build/meson-logs/testlog.json
rm -f "$log"
rc=0
meson test -C build --print-errorlogs "$@" || rc=$?

python3 - "$log" "$rc" <<'PY'
import json
import sys

log, meson_rc = sys.argv[1], int(sys.argv[2])
passed, failed, skipped = 0, [], 0
try:
    with open(log) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            result = t.get("result", "ERROR")
            name = t.get("name", "?")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed.append((name, result))
except FileNotFoundError:
    print(f"test: {log} not written: meson test did not run", file=sys.stderr)

for name, result in failed:
    print(f"FAILED: {name} ({result})")
if meson_rc != 0 and not failed:
    print(f"test: meson test exited with status {meson_rc}", file=sys.stderr)
summary = f"{passed} passed, {len(failed)} failed"
if skipped:
    summary += f", {skipped} skipped"
print(summary)
sys.exit(1 if failed or passed + len(failed) == 0 or meson_rc != 0 else 0)
PY
