"""Many concurrent complete MFA logins of distinct users against gunicorn.

    python -m bench.load --users 200 --workers 4 --sessions redis

Starts Redis (for ``--sessions redis``), the Authsignal emulator and gunicorn, then logs in
``--users`` distinct users at once, each in its own browser (tests/load/browser.py), and prints
what happened: completed, errors, logged in as someone else (must be 0), wall time, logins/s
and p50/p99 per step. Exits 1 unless every login ended signed in as its own user.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from tests.load import harness
from tests.load.browser import STEPS, Run, run_logins


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def format_run(run: Run, title: str) -> str:
    lines = [title]
    paths = ", ".join(f"{name} {count}" for name, count in sorted(run.paths().items()))
    rows = [
        ("logins attempted", f"{len(run.results)}"),
        ("completed", f"{run.completed}"),
        ("errors", f"{len(run.errors)}"),
        ("logged in as someone else", f"{run.wrong_user}"),
        ("wall time", f"{run.wall:.2f} s"),
        ("logins/s", f"{run.logins_per_second:.1f}"),
        ("paths", paths),
    ]
    lines += [f"  {name:<27} {value}" for name, value in rows]
    lines.append(f"  {'step':<16} {'p50 ms':>9} {'p99 ms':>9}")
    for step in (*STEPS, "total"):
        values = run.total_times() if step == "total" else run.step_times(step)
        if values:
            p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
            lines.append(f"  {step:<16} {p50:>9.1f} {p99:>9.1f}")
    for result in run.errors[:5]:
        lines.append(f"  error: {result.username}: {result.error}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="distinct users logging in")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--sessions", choices=("redis", "db"), default="redis")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="browsers at once (default: --users)"
    )
    parser.add_argument(
        "--hasher",
        choices=("md5", "default"),
        default="md5",
        help="password hasher (default md5: the app's cost, not PBKDF2's, is what shows)",
    )
    parser.add_argument(
        "--enrolled-every",
        type=int,
        default=2,
        help="every N-th user is already enrolled; the site enrolls the others (0: none)",
    )
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        redis = stack.enter_context(harness.redis_server()) if args.sessions == "redis" else None
        emulator = stack.enter_context(harness.emulator())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        data = harness.prepare_site(directory, args.users, hasher=args.hasher)
        site = stack.enter_context(
            harness.gunicorn_site(
                data, emulator, workers=args.workers, sessions=args.sessions, redis=redis
            )
        )
        harness.prepare_emulator(emulator, data.users, enrolled_every=args.enrolled_every)
        before = emulator.stats()
        run = run_logins(site.url, emulator.url, data.users, concurrency=args.concurrency)
        traffic = harness.diff_stats(before, emulator.stats())

    sessions = "Redis (sessions and cache)" if args.sessions == "redis" else "database (SQLite)"
    title = (
        f"load: {len(data.users)} complete MFA logins of distinct users, "
        f"{run.concurrency} at once; gunicorn {args.workers} sync workers; sessions: {sessions}; "
        f"hasher: {args.hasher}"
    )
    print(format_run(run, title))
    server_calls = sum(traffic["requests"].get(name, 0) for name in harness.SERVER_ROUTES)
    print(f"  {'server API calls':<27} {server_calls} ({dict(traffic['requests'])})")
    ok = run.completed == len(data.users) and run.wrong_user == 0 and not run.errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
