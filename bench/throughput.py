"""Whole logins through gunicorn: logins/s, and the CPU each process spends per login (the
gunicorn workers', the emulator's and the load generator's, from /proc), apart.

Batches of logins, each user once per batch (tests/load/browser.py), the emulator reset before
each; an MFA site and the same site with ``AUTHSIGNAL_SMS["ENABLED"] = False`` in alternating
batches (``section_whole_login``), or sites with 1, 2 and 4 workers (``section_scaling``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from tests.load import harness
from tests.load.browser import STEPS, Run, run_logins
from tests.load.harness import Emulator, Site, SiteUser, prepare_emulator

from .load import percentile

CONCURRENCY = (1, 4, 16)
PLAIN_STEPS = ("login_page", "password", "protected")


@dataclass
class Batch:
    kind: str  # "mfa" or "plain"
    concurrency: int
    run: Run
    server_cpu: float  # seconds, all workers
    emulator_cpu: float
    client_cpu: float  # this process: the Python browsers (the load generator)

    def per_login(self, seconds: float) -> float:
        """Milliseconds per completed login."""
        return seconds / max(self.run.completed, 1) * 1000

    def figures(self) -> dict[str, float]:
        return {
            "logins_per_s": self.run.logins_per_second,
            "server_cpu_ms": self.per_login(self.server_cpu),
            "emulator_cpu_ms": self.per_login(self.emulator_cpu),
            "client_cpu_ms": self.per_login(self.client_cpu),
        }


def batch(
    site: Site, emulator: Emulator, users: Sequence[SiteUser], concurrency: int, kind: str = "mfa"
) -> Batch:
    prepare_emulator(emulator, users)

    def cpu() -> tuple[float, float, float]:
        return site.worker_cpu(), harness.cpu_seconds(emulator.process.pid), time.process_time()

    before = cpu()
    run = run_logins(site.url, emulator.url, users, concurrency=concurrency)
    server, emu, client = (after - start for after, start in zip(cpu(), before, strict=True))
    if run.errors or run.wrong_user or run.completed != len(users):
        raise SystemExit(
            f"{kind} batch at {concurrency}: {len(run.errors)} errors, {run.wrong_user} wrong "
            f"user, first: {run.errors[0].error if run.errors else '-'}"
        )
    return Batch(kind, concurrency, run, server, emu, client)


def latencies(runs: Sequence[Run], steps: Sequence[str]) -> dict[str, list[float]]:
    """p50 and p99 (ms) of each step and of the whole login, over all the runs."""
    table = {}
    for step in (*steps, "total"):
        values = [
            value
            for run in runs
            for value in (run.total_times() if step == "total" else run.step_times(step))
        ]
        if values:
            table[step] = [percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000]
    return table


def section_whole_login(
    emulator: Emulator,
    data: harness.SiteData,
    redis: harness.Redis,
    rounds: int,
    sizes: dict[int, int],
) -> dict[str, Any]:
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

    return {
        "rounds": rounds,
        "workers": 4,
        "hasher": data.hasher,
        "sizes": {str(k): v for k, v in sizes.items()},
        "by_concurrency": {
            str(concurrency): {
                kind: [b.figures() for b in pick(kind, concurrency)] for kind in ("mfa", "plain")
            }
            for concurrency in CONCURRENCY
        },
        "latency": {
            str(concurrency): {
                "mfa": latencies([b.run for b in pick("mfa", concurrency)], STEPS),
                "plain": latencies([b.run for b in pick("plain", concurrency)], PLAIN_STEPS),
            }
            for concurrency in (CONCURRENCY[0], CONCURRENCY[-1])
        },
    }


def section_scaling(
    emulator: Emulator, data: harness.SiteData, redis: harness.Redis, rounds: int, size: int
) -> dict[str, Any]:
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
    return {
        "rounds": rounds,
        "logins_per_batch": size,
        "concurrency": CONCURRENCY[-1],
        "by_workers": {str(w): [b.figures() for b in batches] for w, batches in results.items()},
    }
