"""The performance benchmark: every figure is a ratio against a baseline measured in this run,
or a count. One run produces every figure the documentation quotes.

    python -m bench.bench            # the whole run; writes bench/results.json, bench/RESULTS.md
                                     # and the generated blocks of bench/README.md and
                                     # docs/performance.md (bench/report.py)
    python -m bench.bench --quick    # a smoke run: fewer rounds, smaller batches; writes nothing
                                     # unless --write

Sections (bench/README.md says what each measures and how):

1. the middleware's fast path, in-process, with and without the app;
2. the pending path against Django's own login_required redirect;
3. per step, through WSGIHandler: the app against a hand-written minimal MFA flow and a plain
   password login, with PBKDF2 and with MD5;
4. deployment choices: database connections, session backends, the Redis client, the cache;
5. whole logins through gunicorn: throughput, and CPU per login by process;
6. Authsignal traffic per login and the app's connections to it;
7. the pending record's size, and that it is gone after the callback;
8. throughput with 1, 2 and 4 gunicorn workers;
9. the emulator's own cost per login, at the start and after 5,000 logins;
10. 200 concurrent logins (the load test), Redis and database sessions.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.load import harness
from tests.load.browser import Browser, pending_footprint, run_logins
from tests.load.harness import Emulator, SiteUser, prepare_emulator

from . import deploy, emulator_growth, inprocess, report, steps
from .load import percentile
from .throughput import section_scaling, section_whole_login

RESULTS_JSON = Path(__file__).resolve().parent / "results.json"


def say(text: str = "") -> None:
    print(text, flush=True)


# The machine


def machine() -> dict[str, Any]:
    import django

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.date.today().isoformat(),
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": _version("gunicorn"),
        "authsignal": _version("authsignal"),
        "redis_py": _version("redis"),
        "requests": _version("requests"),
    }


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


# Sections that need little code of their own


def section_traffic(site: harness.Site, emulator: Emulator, users: Sequence[SiteUser]) -> dict:
    """Sequential logins on a fresh one-worker site; every 10th user gets ALLOW. Every user is
    enrolled first, so an ALLOW is an ALLOW (a never-enrolled user gets ALLOW + isEnrolled
    false, and the app then enrolls the number on file and asks for a code)."""
    allow = {user.username for index, user in enumerate(users) if index % 10 == 9}
    prepare_emulator(
        emulator, users, enrolled_every=1, rules={"users": dict.fromkeys(allow, "ALLOW")}
    )
    routes: dict[str, Counter[str]] = {"mfa": Counter(), "allow": Counter()}
    logins: Counter[str] = Counter()
    client_connections, failures, wrong_path = 0, 0, 0
    start = emulator.stats()
    for user in users:
        before = emulator.stats()
        with Browser(site.url, emulator.url, user) as browser:
            result = browser.login()
        calls = harness.diff_stats(before, emulator.stats())["requests"]
        failures += not result.completed
        expected = "allow" if user.username in allow else "mfa"
        wrong_path += (result.path == "allow") != (expected == "allow")
        client_connections += result.client_api_connections
        logins[expected] += 1
        routes[expected].update({k: v for k, v in calls.items() if k in harness.SERVER_ROUTES})
    total = harness.diff_stats(start, emulator.stats())
    return {
        "logins": dict(logins),
        "failures": failures,
        "wrong_path": wrong_path,
        "calls_per_login": {
            path: {name: count / logins[path] for name, count in sorted(counter.items())}
            for path, counter in routes.items()
        },
        "api_connections": total["api_connections"],
        "browser_connections": client_connections,
        "app_connections": total["api_connections"] - client_connections,
    }


def section_footprint(
    sites: Sequence[harness.Site], emulator: Emulator, users: Sequence[SiteUser]
) -> dict:
    from django_authsignal_sms.record import RECORD_KEY, serialised_size

    rows = {}
    for site, user in zip(sites, users, strict=True):
        prepare_emulator(emulator, [user], enrolled_every=1)
        footprint = pending_footprint(site, emulator.url, user)
        after = footprint.new_session
        rows[site.sessions] = {
            "record_bytes": serialised_size(footprint.record),
            "pending_session_bytes": footprint.pending_bytes,
            "signed_in": footprint.signed_in_as == user.username,
            "mark_in_new_session": after is not None and RECORD_KEY in after[0],
            "pending_session_deleted": footprint.pending_session_after is None,
            "new_session_bytes": after[1] if after else None,
        }
    return rows


def section_load(
    emulator: Emulator, directory: Path, redis: harness.Redis, users: int, workers: int
) -> dict:
    """The load test's run: every user at once, each logging in once (bench/load.py)."""
    results = {}
    for sessions in ("redis", "db"):
        data = harness.prepare_site(directory / f"load-{sessions}", users)
        with harness.gunicorn_site(
            data, emulator, workers=workers, sessions=sessions, redis=redis
        ) as site:
            prepare_emulator(emulator, data.users, enrolled_every=2)
            before = emulator.stats()
            run = run_logins(site.url, emulator.url, data.users)
            traffic = harness.diff_stats(before, emulator.stats())
        results[sessions] = {
            "users": users,
            "workers": workers,
            "completed": run.completed,
            "errors": len(run.errors),
            "wrong_user": run.wrong_user,
            "wall_s": run.wall,
            "logins_per_s": run.logins_per_second,
            "paths": dict(run.paths()),
            "server_calls": {
                name: n for name, n in traffic["requests"].items() if name in harness.SERVER_ROUTES
            },
            "p50_ms": percentile(run.total_times(), 0.5) * 1000,
            "p99_ms": percentile(run.total_times(), 0.99) * 1000,
        }
    return results


def hasher_cost() -> dict:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode("bench-password", hasher.salt())
    times = []
    for _ in range(3):
        started = time.process_time()
        hasher.verify("bench-password", encoded)
        times.append((time.process_time() - started) * 1000)
    return {"iterations": hasher.iterations, "cpu_ms": statistics.median(times)}


def users_from(pool: Sequence[SiteUser]) -> Iterator[SiteUser]:
    yield from pool
    raise SystemExit("bench: not enough users prepared")


# The run


@dataclasses.dataclass(frozen=True)
class Plan:
    rounds: int  # in-process fast and pending paths
    seconds: float  # per arm per round, in-process
    step_rounds: dict[str, int]  # per-step comparison (WSGI), by hasher
    step_users: dict[str, int]  # users per arm per round, by hasher
    deploy_rounds: int
    deploy_users: int
    gunicorn_rounds: int
    sizes: dict[int, int]  # logins per batch, by concurrency
    emulator_logins: int
    load_users: int
    quick: bool = False

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            sizes = {1: 12, 4: 24, 16: 48}
            rounds = {"md5": 3, "pbkdf2": 2}
            users = {"md5": 3, "pbkdf2": 1}
            return cls(3, 0.08, rounds, users, 2, 2, 1, sizes, 500, 40, quick=True)
        rounds, users = {"md5": 12, "pbkdf2": 6}, {"md5": 8, "pbkdf2": 3}
        return cls(7, 0.3, rounds, users, 5, 4, 5, {1: 40, 4: 64, 16: 128}, 5000, 200)


def run(plan: Plan) -> dict[str, Any]:
    results: dict[str, Any] = {"meta": machine()}
    started = time.monotonic()
    with ExitStack() as stack:
        redis = stack.enter_context(harness.redis_server())
        emulator = stack.enter_context(harness.emulator())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        biggest = max(plan.sizes.values())
        flow_users = steps.users_needed(plan.step_rounds["md5"], plan.step_users["md5"])
        deploy_users = 2 * len(deploy.CONFIGS) * (1 + plan.deploy_rounds * plan.deploy_users)
        data = harness.prepare_site(
            directory / "md5", biggest + 104 + flow_users + deploy_users + 50
        )
        spare = data.users[biggest:]  # users sections 5 and 8 never log in
        slow = harness.prepare_site(
            directory / "pbkdf2",
            steps.users_needed(plan.step_rounds["pbkdf2"], plan.step_users["pbkdf2"]) + 5,
            hasher="default",
        )
        inprocess.setup_django(data)

        say("1. fast path")
        fast = inprocess.fast_path(plan.rounds, plan.seconds)
        results["fast_path"] = {
            "rounds": plan.rounds,
            "pairs": [dataclasses.asdict(p) for p in fast],
        }
        say("2. pending path")
        pending = inprocess.pending_path(plan.rounds, plan.seconds)
        results["pending_path"] = {
            "rounds": plan.rounds,
            "pairs": [dataclasses.asdict(p) for p in pending],
        }

        say("3. per step, through WSGIHandler")
        flow_pool = spare[104 : 104 + flow_users + deploy_users]
        for user in [*flow_pool, *slow.users]:
            emulator.enroll(user.user_id, user.phone)
        pool = users_from(flow_pool)
        rounds, users = plan.step_rounds, plan.step_users
        results["steps"] = {
            "md5": steps.compare(emulator, data, pool, rounds["md5"], users["md5"]),
            "pbkdf2": steps.compare(
                emulator, slow, users_from(slow.users), rounds["pbkdf2"], users["pbkdf2"]
            ),
        }
        say("4. deployment choices")
        results["deploy"] = deploy.compare(
            emulator, data, redis, pool, plan.deploy_rounds, plan.deploy_users
        )

        say("5. whole logins through gunicorn")
        results["throughput"] = section_whole_login(
            emulator, data, redis, plan.gunicorn_rounds, plan.sizes
        )
        say("6. Authsignal traffic; 7. the pending record")
        with harness.gunicorn_site(data, emulator, workers=1, sessions="redis", redis=redis) as one:
            results["traffic"] = section_traffic(one, emulator, spare[:100])
            with harness.gunicorn_site(data, emulator, workers=1, sessions="db") as db_site:
                results["footprint"] = section_footprint([one, db_site], emulator, spare[100:102])
        say("8. scaling")
        results["scaling"] = section_scaling(
            emulator, data, redis, plan.gunicorn_rounds, plan.sizes[16]
        )
        results["hasher"] = hasher_cost()
    say("9. the emulator after 5,000 logins")
    results["emulator"] = emulator_growth.measure(plan.emulator_logins)
    say("10. the load test")
    with ExitStack() as stack:
        redis = stack.enter_context(harness.redis_server())
        emulator = stack.enter_context(harness.emulator())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        results["load"] = section_load(emulator, directory, redis, plan.load_users, 4)
    results["meta"]["duration_s"] = time.monotonic() - started
    results["meta"]["quick"] = plan.quick
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write the results and the documents' generated blocks even with --quick",
    )
    parser.add_argument("--no-write", action="store_true", help="print the report, write nothing")
    args = parser.parse_args(argv)
    missing = harness.missing_tools()
    if missing:
        say(f"error: missing {', '.join(missing)}")
        return 2
    results = run(Plan.make(args.quick))
    say()
    say(report.render_results(results))
    if (args.write or not args.quick) and not args.no_write:
        RESULTS_JSON.write_text(json.dumps(results, indent=1) + "\n")
        for path in report.write_all(results):
            say(f"bench: wrote {path.relative_to(harness.REPO)}")
    say(f"bench: done in {results['meta']['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
