"""Whole logins through ``WSGIHandler``, one arm per process, arms interleaved round by round.

Each arm (``bench/arm.py``) is a site in its own process: the app (``bench.settings``), the
hand-written reference (``bench.reference_settings``, ``/ref/login/``) or a plain password login
(the same settings, ``/accounts/login/``), with the deployment knobs in its environment. A round
gives every arm the same number of fresh users, the arms taking turns user by user in an order
that rotates; each user logs in twice (a first login, then again: the app checks once a day
that codes go to the number on file, so the first login of a day costs one Authsignal call
more). The figures are per-round medians, then the median and the spread over rounds.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.load import harness
from tests.load.harness import REPO, Emulator, SiteData, SiteUser

MFA_STEPS = ("login_page", "password", "code_page", "resend_first", "callback", "protected")
PLAIN_STEPS = ("login_page", "password", "protected")
WHOLE = "whole flow"


@dataclass(frozen=True)
class ArmSpec:
    name: str
    flow: str  # "mfa" or "plain"
    login_url: str
    settings: str  # DJANGO_SETTINGS_MODULE
    env: Mapping[str, str] = field(default_factory=dict)


def app_arm(name: str = "app", **env: str) -> ArmSpec:
    return ArmSpec(name, "mfa", "/accounts/login/", "bench.settings", env)


def reference_arm(name: str = "reference", **env: str) -> ArmSpec:
    return ArmSpec(name, "mfa", "/ref/login/", "bench.reference_settings", env)


def rotating_arm(name: str = "rotating") -> ArmSpec:
    """The reference, rotating the session key at the password step as ``login()`` does."""
    return reference_arm(name, BENCH_REFERENCE_ROTATES_SESSION="1")


def plain_arm(name: str = "plain", **env: str) -> ArmSpec:
    return ArmSpec(name, "plain", "/accounts/login/", "bench.reference_settings", env)


class Arm:
    """A running arm process."""

    def __init__(self, spec: ArmSpec, process: subprocess.Popen[str], log: Path) -> None:
        self.spec = spec
        self.process = process
        self.log = log

    def send(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise harness.HarnessError(
                f"arm {self.spec.name} stopped:\n{harness.tail(self.log, 40)}"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    def logins(self, users: Sequence[SiteUser], *, twice: bool = True) -> list[dict[str, Any]]:
        rows = [[u.pk, u.username, u.phone, u.password] for u in users]
        answer = self.send(
            {
                "op": "logins",
                "flow": self.spec.flow,
                "login_url": self.spec.login_url,
                "users": rows,
                "twice": twice,
            }
        )
        if answer["errors"]:
            raise SystemExit(
                f"arm {self.spec.name}: {len(answer['errors'])} failed logins, first: "
                f"{answer['errors'][0]}"
            )
        logins: list[dict[str, Any]] = answer["logins"]
        return logins


def arm_env(
    spec: ArmSpec,
    data: SiteData,
    emulator: Emulator,
    *,
    sessions: str = "db",
    redis: harness.Redis | None = None,
) -> dict[str, str]:
    env = harness.site_env(data, emulator, sessions=sessions, redis=redis)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": spec.settings,
            "BENCH_EMULATOR_URL": emulator.url,
            "BENCH_ARM": spec.name,
            "PYTHONPATH": env["PYTHONPATH"],
        }
    )
    env.update(spec.env)
    return env


@contextmanager
def arms(
    specs: Sequence[ArmSpec], envs: Sequence[dict[str, str]], directory: Path
) -> Iterator[list[Arm]]:
    started: list[Arm] = []
    with ExitStack() as stack:
        for spec, env in zip(specs, envs, strict=True):
            log = Path(
                tempfile.mkstemp(prefix=f"arm-{spec.name}-", suffix=".log", dir=directory)[1]
            )
            out = stack.enter_context(open(log, "w"))  # noqa: SIM115
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.arm"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out,
                text=True,
                cwd=REPO,
                env=env,
            )
            started.append(Arm(spec, process, log))
        try:
            for arm in started:
                arm.read()  # {"ready": pid}
            yield started
        finally:
            for arm in started:
                if arm.process.poll() is None and arm.process.stdin is not None:
                    with suppress(OSError):
                        arm.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                        arm.process.stdin.close()
                harness.stop_process(arm.process)


def interleave(
    running: Sequence[Arm], users: Iterator[SiteUser], rounds: int, per_round: int
) -> dict[str, list[list[dict[str, Any]]]]:
    """``rounds`` rounds; in each, every arm logs in ``per_round`` fresh users (twice each).

    The arms take turns user by user, in an order that rotates, so that a burst of other work
    on the machine falls on every arm of a round alike.
    """
    for arm in running:  # warm: imports, templates, URL resolver, the SDK's connection
        arm.logins([next(users)], twice=True)
    results: dict[str, list[list[dict[str, Any]]]] = {arm.spec.name: [] for arm in running}
    for round_index in range(rounds):
        for arm in running:
            results[arm.spec.name].append([])
        for slot in range(per_round):
            shift = (round_index + slot) % len(running)
            order = [*running[shift:], *running[:shift]]
            if (round_index + slot) % 2:
                order.reverse()
            for arm in order:
                results[arm.spec.name][-1] += arm.logins([next(users)])
    return results


# Figures


def step_samples(logins: Sequence[dict[str, Any]], step: str, first: bool) -> list[list[int]]:
    """[cpu_ns, wall_ns, queries, writes] of ``step`` (or the whole flow, summed)."""
    chosen = [login for login in logins if login["first"] == first]
    if step == WHOLE:
        return [[sum(s[i] for s in login["steps"].values()) for i in range(4)] for login in chosen]
    return [login["steps"][step] for login in chosen if step in login["steps"]]


def summarise(
    rounds: Sequence[Sequence[dict[str, Any]]], step: str, *, first: bool = False
) -> dict[str, Any] | None:
    """Per-round medians of CPU and wall time (ms), their median over rounds and spread."""
    cpu, wall = [], []
    queries: list[int] = []
    writes: list[int] = []
    for logins in rounds:
        samples = step_samples(logins, step, first)
        if not samples:
            return None
        cpu.append(statistics.median(s[0] for s in samples) / 1e6)
        wall.append(statistics.median(s[1] for s in samples) / 1e6)
        queries += [s[2] for s in samples]
        writes += [s[3] for s in samples]
    return {
        "cpu_ms": statistics.median(cpu),
        "cpu_rounds": cpu,
        "wall_ms": statistics.median(wall),
        "wall_rounds": wall,
        "queries": statistics.median(queries),
        "writes": statistics.median(writes),
    }


def calls_per_login(rounds: Sequence[Sequence[dict[str, Any]]], first: bool) -> dict[str, float]:
    logins = [login for logins in rounds for login in logins if login["first"] == first]
    totals: dict[str, int] = {}
    for login in logins:
        for name, count in login["calls"].items():
            totals[name] = totals.get(name, 0) + count
    return {name: count / len(logins) for name, count in sorted(totals.items())}


def ratios(test: dict[str, Any], base: dict[str, Any], key: str = "cpu_rounds") -> list[float]:
    return [t / b for t, b in zip(test[key], base[key], strict=True)]
