"""Per-module mutation score from mutmut's results (run by scripts/mutation).

A mutant is killed when the tests fail with it (exit code other than 0); "no tests" counts as
survived: a line no test runs is a line no test checks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOAL = 0.90
# mutmut's exit codes for a killed mutant: the tests failed (1), pytest itself failed (3), a
# timeout (a mutant that loops), the type checker refused it (37). 0 is survived; 5 and 33 are
# "no tests".
KILLED = {1, 3, 24, -24, 36, 37, 152, 255}


def main() -> int:
    rows = []
    for meta in sorted(Path("mutants/django_authsignal_sms").glob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        done = [code for code in codes if code is not None]
        killed = sum(1 for code in done if code in KILLED)
        rows.append((meta.name.removesuffix(".meta"), killed, len(done)))
    print(f"{'module':<14} {'killed':>7} {'mutants':>8} {'score':>7}")
    for name, killed, total in rows:
        print(f"{name:<14} {killed:>7} {total:>8} {killed / total:>7.1%}")
    killed = sum(row[1] for row in rows)
    total = sum(row[2] for row in rows)
    print(f"{'all':<14} {killed:>7} {total:>8} {killed / total:>7.1%}")
    return 0 if all(k / t >= GOAL for _, k, t in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
