"""The performance benchmark: every figure is a ratio against a baseline measured in this run.

    python -m bench.bench            # about 2 minutes on 2 cores
    python -m bench.bench --quick    # fewer rounds and smaller batches, for a smoke run

1. middleware fast path, in-process, with vs without the app's middleware;
2. pending path vs Django's own login_required redirect;
3. the whole MFA login through gunicorn vs a plain password login (app disabled): server CPU
   per login, logins/s at 1, 4 and 16 concurrent users, p50/p99 per step;
4. Authsignal traffic per login, TCP connections of 100 sequential logins on one worker, and
   database queries per step;
5. the pending mark's size in the session, and that it is gone after the callback;
6. throughput with 1, 2 and 4 gunicorn workers (Redis sessions and cache).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tests.load import harness
from tests.load.browser import STEPS, Browser, Run, pending_footprint, run_logins
from tests.load.harness import Emulator, Site, SiteUser, prepare_emulator

from . import inprocess
from .load import percentile

CONCURRENCY = (1, 4, 16)


def say(text: str = "") -> None:
    print(text, flush=True)


def spread(values: Sequence[float], digits: int = 1) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"[{min(values):.{digits}f}–{max(values):.{digits}f}]"
    )


# The machine


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    import django

    cores = len(os.sched_getaffinity(0))
    versions = [
        f"Python {platform.python_version()}",
        f"Django {django.get_version()}",
        f"gunicorn {_version('gunicorn')}",
        f"authsignal {_version('authsignal')}",
        f"requests {_version('requests')}",
    ]
    return f"machine: {model}, {cores} cores ({os.cpu_count()} CPUs); " + ", ".join(versions)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


# Batches of logins through gunicorn


@dataclass
class Batch:
    kind: str  # "mfa" or "plain"
    concurrency: int
    run: Run
    server_cpu: float  # seconds, all workers
    emulator_cpu: float
    client_cpu: float

    def per_login(self, seconds: float) -> float:
        """Milliseconds per completed login."""
        return seconds / max(self.run.completed, 1) * 1000


def batch(
    site: Site,
    emulator: Emulator,
    users: Sequence[SiteUser],
    concurrency: int,
    kind: str = "mfa",
) -> Batch:
    prepare_emulator(emulator, users)

    def cpu() -> tuple[float, float, float]:
        """Seconds so far: gunicorn workers, the emulator, this process (the browsers)."""
        return site.worker_cpu(), harness.cpu_seconds(emulator.process.pid), time.process_time()

    before = cpu()
    run = run_logins(site.url, emulator.url, users, concurrency=concurrency)
    server, emu, client = (after - start for after, start in zip(cpu(), before, strict=True))
    batch = Batch(kind, concurrency, run, server, emu, client)
    if run.errors or run.wrong_user or run.completed != len(users):
        raise SystemExit(
            f"{kind} batch at {concurrency}: {len(run.errors)} errors, {run.wrong_user} wrong "
            f"user, first: {run.errors[0].error if run.errors else '-'}"
        )
    return batch


def step_table(runs: Sequence[Run], steps: Sequence[str]) -> list[str]:
    lines = []
    for step in (*steps, "total"):
        values = [
            value
            for run in runs
            for value in (run.total_times() if step == "total" else run.step_times(step))
        ]
        if values:
            lines.append(
                f"      {step:<16} {percentile(values, 0.5) * 1000:>8.1f} "
                f"{percentile(values, 0.99) * 1000:>8.1f}"
            )
    return lines


def section_whole_login(
    emulator: Emulator, data: harness.SiteData, redis: harness.Redis, rounds: int, sizes: dict
) -> None:
    users = data.users[: max(sizes.values())]
    with (
        harness.gunicorn_site(data, emulator, workers=4, sessions="redis", redis=redis) as mfa,
        harness.gunicorn_site(
            data, emulator, workers=4, sessions="redis", redis=redis, app_enabled=False
        ) as plain,
    ):
        for site in (mfa, plain):  # a few full logins per worker: SDK client, connections
            batch(site, emulator, users[:16], 4)
        batches: list[Batch] = []
        for round_index in range(rounds):
            for concurrency in CONCURRENCY:
                chosen = users[: sizes[concurrency]]
                order = [("mfa", mfa), ("plain", plain)]
                for kind, site in order if round_index % 2 == 0 else order[::-1]:
                    batches.append(batch(site, emulator, chosen, concurrency, kind))

    def pick(kind: str, concurrency: int) -> list[Batch]:
        return [b for b in batches if b.kind == kind and b.concurrency == concurrency]

    say(
        f"3. The whole login through gunicorn (4 sync workers, sessions and cache in Redis, "
        f"hasher {data.hasher}); {rounds} rounds, median [min–max]"
    )
    say("   MFA = password + SMS code (5 requests to the site, 2 server API calls);")
    say("   plain = the same site with AUTHSIGNAL_SMS['ENABLED'] = False (3 requests).")
    say(
        f"   {'users at once':<14} {'MFA logins/s':<20} {'plain logins/s':<20} "
        f"{'MFA CPU ms/login':<20} {'plain CPU ms/login':<20} CPU MFA/plain"
    )
    for concurrency in CONCURRENCY:
        mfa_b, plain_b = pick("mfa", concurrency), pick("plain", concurrency)
        ratios = [m.server_cpu / p.server_cpu for m, p in zip(mfa_b, plain_b, strict=True)]
        say(
            f"   {concurrency:<14} "
            f"{spread([b.run.logins_per_second for b in mfa_b]):<20} "
            f"{spread([b.run.logins_per_second for b in plain_b]):<20} "
            f"{spread([b.per_login(b.server_cpu) for b in mfa_b]):<20} "
            f"{spread([b.per_login(b.server_cpu) for b in plain_b]):<20} "
            f"{spread(ratios, 2)}"
        )
    heavy = pick("mfa", CONCURRENCY[-1])
    say(
        "   CPU per MFA login at 16 at once, by process: gunicorn workers "
        f"{spread([b.per_login(b.server_cpu) for b in heavy])} ms, emulator (Authsignal) "
        f"{spread([b.per_login(b.emulator_cpu) for b in heavy])} ms, the Python browsers "
        f"{spread([b.per_login(b.client_cpu) for b in heavy])} ms (all on the same 2 cores)"
    )
    for concurrency in (CONCURRENCY[0], CONCURRENCY[-1]):
        say(f"   latency per step at {concurrency} at once (all rounds), ms:")
        say(f"      {'step':<16} {'p50':>8} {'p99':>8}   MFA")
        for line in step_table([b.run for b in pick("mfa", concurrency)], STEPS):
            say(line)
        say(f"      {'step':<16} {'p50':>8} {'p99':>8}   plain")
        for line in step_table(
            [b.run for b in pick("plain", concurrency)], ("login_page", "password", "protected")
        ):
            say(line)


def section_traffic(site: Site, emulator: Emulator, users: Sequence[SiteUser]) -> None:
    """100 sequential logins on a fresh one-worker site; every 10th user gets ALLOW."""
    allow = {user.username for index, user in enumerate(users) if index % 10 == 9}
    prepare_emulator(emulator, users, rules={"users": dict.fromkeys(allow, "ALLOW")})
    per_path: dict[str, Counter[int]] = {"mfa": Counter(), "allow": Counter()}
    routes: dict[str, Counter[str]] = {"mfa": Counter(), "allow": Counter()}
    client_connections, failures = 0, 0
    start = emulator.stats()
    for user in users:
        before = emulator.stats()
        with Browser(site.url, emulator.url, user) as browser:
            result = browser.login()
        after = emulator.stats()
        failures += not result.completed
        client_connections += result.client_api_connections
        calls = harness.diff_stats(before, after)["requests"]
        server = {name: calls[name] for name in harness.SERVER_ROUTES if name in calls}
        path = "allow" if result.path == "allow" else "mfa"
        per_path[path][sum(server.values())] += 1
        routes[path].update(server)
    total = harness.diff_stats(start, emulator.stats())
    server_connections = total["api_connections"] - client_connections

    def describe(path: str) -> str:
        counts = ", ".join(f"{n} call(s) in {k} logins" for n, k in sorted(per_path[path].items()))
        logins = sum(per_path[path].values())
        names = " + ".join(f"{name} {n / logins:g}" for name, n in sorted(routes[path].items()))
        return f"{counts} ({names} per login)"

    say(
        f"4. Authsignal traffic: {len(users)} sequential logins of distinct users on ONE fresh "
        f"gunicorn worker ({len(users) - len(allow)} challenged, {len(allow)} ALLOW; "
        f"{failures} failed)"
    )
    say(f"   server API calls per MFA login       {describe('mfa')}")
    say(f"   server API calls per ALLOW login     {describe('allow')}")
    say(
        f"   TCP connections to the server API    {server_connections}   (emulator counted "
        f"{total['api_connections']} connections to /v1, of which the browsers' SDK "
        f"opened {client_connections})"
    )


def section_costs(emulator: Emulator, users: Sequence[SiteUser], logins: int) -> None:
    """In-process, db sessions: queries (writes) and median CPU of each server-side step."""
    prepare_emulator(emulator, users, enrolled_every=1)
    runs: dict[str, list[list[inprocess.StepCost]]] = {"mfa": [], "plain": []}
    for index in range(logins):
        runs["mfa"].append(inprocess.login_costs(emulator, users[2 * index], app_enabled=True))
        runs["plain"].append(
            inprocess.login_costs(emulator, users[2 * index + 1], app_enabled=False)
        )
    say(
        f"   per server-side step, in-process (django.test.Client, db sessions on SQLite, "
        f"{logins} logins each, median CPU):"
    )
    head = f"{'MFA queries (writes)':>21} {'CPU ms':>7}   {'plain queries (writes)':>22}"
    say(f"      {'step':<16} {head} {'CPU ms':>7}")
    columns = {}
    for kind, samples in runs.items():
        first = samples[0]
        columns[kind] = {
            cost.step: (
                f"{cost.queries} ({cost.writes})",
                statistics.median(run[n].cpu_ms for run in samples),
            )
            for n, cost in enumerate(first)
        }
        totals = (
            f"{sum(c.queries for c in first)} ({sum(c.writes for c in first)})",
            statistics.median(sum(c.cpu_ms for c in run) for run in samples),
        )
        columns[kind]["total"] = totals
    for step in (*columns["mfa"].keys(),):
        mfa = columns["mfa"][step]
        plain = columns["plain"].get(step)
        plain_text = f"{plain[0]:>22} {plain[1]:>7.2f}" if plain else f"{'-':>22} {'-':>7}"
        say(f"      {step:<16} {mfa[0]:>21} {mfa[1]:>7.2f}   {plain_text}")


def section_footprint(sites: Sequence[Site], emulator: Emulator, users: Sequence[SiteUser]):
    from django_authsignal_sms.record import RECORD_KEY, serialised_size

    say("5. Session footprint of a pending login (a real login through gunicorn)")
    for site, user in zip(sites, users, strict=True):
        prepare_emulator(emulator, [user])
        footprint = pending_footprint(site, emulator.url, user)
        after = footprint.new_session
        say(
            f"   {site.sessions + ' sessions':<16} pending mark "
            f"{serialised_size(footprint.record)} B serialised (limit 1024), whole pending "
            f"session {footprint.pending_bytes} B stored; after the callback: signed in as "
            f"{footprint.signed_in_as == user.username}, "
            f"mark in the new session {after is not None and RECORD_KEY in after[0]}, "
            f"old session deleted {footprint.pending_session_after is None}, "
            f"new session {after[1] if after else '?'} B"
        )


def section_scaling(
    emulator: Emulator, data: harness.SiteData, redis: harness.Redis, rounds: int, size: int
) -> None:
    users = data.users[:size]
    with ExitStack() as stack:
        sites = {
            workers: stack.enter_context(
                harness.gunicorn_site(
                    data, emulator, workers=workers, sessions="redis", redis=redis
                )
            )
            for workers in (1, 2, 4)
        }
        for site in sites.values():
            batch(site, emulator, users[:16], 4)
        results: dict[int, list[Batch]] = {workers: [] for workers in sites}
        for round_index in range(rounds):
            order = list(sites.items())
            for workers, site in order if round_index % 2 == 0 else order[::-1]:
                results[workers].append(batch(site, emulator, users, CONCURRENCY[-1]))
    say(
        f"6. Scaling: gunicorn sync workers, sessions and cache in Redis, {CONCURRENCY[-1]} "
        f"users at once, {size} MFA logins per batch, {rounds} rounds (2 cores, shared with the "
        "emulator and the browsers)"
    )
    say(f"   {'workers':<8} {'logins/s':<20} {'vs 1 worker':<12} server CPU ms/login")
    base = statistics.median(b.run.logins_per_second for b in results[1])
    for workers, batches in results.items():
        rates = [b.run.logins_per_second for b in batches]
        say(
            f"   {workers:<8} {spread(rates):<20} {statistics.median(rates) / base:<12.2f} "
            f"{spread([b.per_login(b.server_cpu) for b in batches])}"
        )


def hasher_note() -> None:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode("bench-password", hasher.salt())
    times = []
    for _ in range(3):
        started = time.process_time()
        hasher.verify("bench-password", encoded)
        times.append((time.process_time() - started) * 1000)
    say(
        f"   note: the figures above use the MD5 hasher so the app's own cost shows; Django's "
        f"default (PBKDF2, {hasher.iterations} iterations) costs {statistics.median(times):.0f} "
        "ms CPU per password check here, the same for an MFA and a plain login."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches")
    parser.add_argument("--rounds", type=int, default=None, help="in-process rounds (7)")
    parser.add_argument("--gunicorn-rounds", type=int, default=None, help="gunicorn rounds (5)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    g_rounds = args.gunicorn_rounds or (1 if args.quick else 5)
    seconds = 0.08 if args.quick else 0.3
    sizes = {1: 12, 4: 24, 16: 48} if args.quick else {1: 40, 4: 64, 16: 128}
    cost_logins = 5 if args.quick else 25
    missing = harness.missing_tools()
    if missing:
        say(f"error: missing {', '.join(missing)}")
        return 2

    started = time.monotonic()
    say(machine())
    say()
    with ExitStack() as stack:
        redis = stack.enter_context(harness.redis_server())
        emulator = stack.enter_context(harness.emulator())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        data = harness.prepare_site(directory, max(sizes.values()) + 110 + 2 * cost_logins)
        spare = data.users[max(sizes.values()) :]  # users sections 3 and 6 never log in
        inprocess.setup_django(data)

        say(
            f"1. Middleware fast path (in-process: BaseHandler + RequestFactory, same view, same "
            f"process; {rounds} rounds; µs per request, median of rounds)"
        )
        fast = inprocess.fast_path(rounds, seconds)
        say(inprocess.format_pairs(fast, "without", "with"))
        say()
        say("2. Pending path: a pending session asking for /protected/ (redirect to the code page)")
        say("   vs Django's own login_required redirect to the login page")
        pending = inprocess.pending_path(rounds, seconds)
        say(inprocess.format_pairs(pending, "baseline", "pending"))
        say()

        section_whole_login(emulator, data, redis, g_rounds, sizes)
        say()
        with harness.gunicorn_site(data, emulator, workers=1, sessions="redis", redis=redis) as one:
            section_traffic(one, emulator, spare[:100])
            section_costs(emulator, spare[104 : 104 + 2 * cost_logins], cost_logins)
            say()
            with harness.gunicorn_site(data, emulator, workers=1, sessions="db") as db_site:
                section_footprint([one, db_site], emulator, spare[100:102])
        say()
        section_scaling(emulator, data, redis, g_rounds, sizes[16])
        say()
        hasher_note()
    say(f"bench: done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
