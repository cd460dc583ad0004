"""Per step, the app against the hand-written reference and a plain password login, through
``WSGIHandler`` (bench/flows.py), with Django's default hasher (PBKDF2) and with MD5.

A fourth arm, "rotating", is the reference that also rotates the session key when the password
is accepted. The app does that because Django's ``login()`` does (the app works under any login
view by letting ``login()`` run, then holding it back). That arm shows how much of the gap to the
reference is this rotation.

A fifth arm, "again", is the rotating reference once more, in its own process: "again ÷
rotating" should be 1, and how far it is from 1 is the noise floor of the app's ratio. The arms
are started afresh ``GENERATIONS`` times, the rounds shared among them, so that no process's own
layout (its heap, its hash seed) leans one arm for the whole run.

Same stack for all five: the example project's settings, database sessions on SQLite, the
local-memory cache, ``CONN_MAX_AGE`` 0 (Django's defaults), the Authsignal emulator in its own
process. The app arm has the app installed; the other arms do not have it at all.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any

from tests.load.harness import Emulator, SiteData

from . import flows
from .flows import MFA_STEPS, WHOLE

ARMS = ("plain", "reference", "rotating", "again", "app")
GENERATIONS = 3


def compare(
    emulator: Emulator, data: SiteData, users: Iterator[Any], rounds: int, per_round: int
) -> dict[str, Any]:
    specs = [
        flows.plain_arm(),
        flows.reference_arm(),
        flows.rotating_arm(),
        flows.rotating_arm("again"),
        flows.app_arm(),
    ]
    envs = [flows.arm_env(spec, data, emulator, sessions="db") for spec in specs]
    raw: dict[str, list[list[dict[str, Any]]]] = {spec.name: [] for spec in specs}
    for share in shares(rounds, GENERATIONS):
        with flows.arms(specs, envs, data.directory) as running:
            for name, logins in flows.interleave(running, users, share, per_round).items():
                raw[name] += logins
    return {**figures(raw, rounds, per_round), "generations": min(rounds, GENERATIONS)}


def shares(rounds: int, generations: int) -> list[int]:
    """``rounds`` split as evenly as can be among at most ``generations`` (none empty)."""
    count = min(rounds, generations)
    return [rounds // count + (index < rounds % count) for index in range(count)]


def users_needed(rounds: int, per_round: int) -> int:
    """Each generation warms every arm with a user of its own (``flows.interleave``)."""
    return len(ARMS) * (min(rounds, GENERATIONS) + rounds * per_round)


def like_for_like(row: dict[str, Any]) -> dict[str, Any]:
    """The goal's baseline, ``like``: the rotating reference's two processes ("rotating" and
    "again"), round by round their mean, so that neither process's own luck is the baseline; and
    ``again/rotating``, how far those two are apart (the noise floor)."""
    pair = (row["rotating"], row["again"])
    like = {
        key: [statistics.mean(values) for values in zip(*(arm[key] for arm in pair), strict=True)]
        for key in ("cpu_rounds", "wall_rounds")
    }
    like["cpu_ms"] = statistics.median(like["cpu_rounds"])
    return {
        **row,
        "like": like,
        "app/like": flows.ratios(row["app"], like),
        "again/rotating": flows.ratios(row["again"], row["rotating"]),
    }


def figures(raw: dict[str, Any], rounds: int, per_round: int) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    for step in (*MFA_STEPS, WHOLE):
        summaries = {name: flows.summarise(raw[name], step) for name in ARMS}
        row: dict[str, Any] = {
            name: summary for name, summary in summaries.items() if summary is not None
        }
        for base in ("reference", "rotating", "plain"):
            if base in row:
                row[f"app/{base}"] = flows.ratios(row["app"], row[base])
        steps[step] = like_for_like(row)
    first_of_day = {}
    for step in ("callback", WHOLE):
        first: dict[str, Any] = {
            name: flows.summarise(raw[name], step, first=True)
            for name in ("reference", "rotating", "again", "app")
        }
        first["app/reference"] = flows.ratios(first["app"], first["reference"])
        first["app/rotating"] = flows.ratios(first["app"], first["rotating"])
        first_of_day[step] = like_for_like(first)
    whole_wall = {
        name: steps[WHOLE][name] for name in ARMS if name in steps[WHOLE]
    }  # same summaries, read for wall_ms
    return {
        "rounds": rounds,
        "users_per_round": per_round,
        "steps": steps,
        "first_of_day": first_of_day,
        "wall": {
            "app/reference": flows.ratios(
                whole_wall["app"], whole_wall["reference"], "wall_rounds"
            ),
            "app/plain": flows.ratios(whole_wall["app"], whole_wall["plain"], "wall_rounds"),
        },
        "calls": {
            name: {
                "again": flows.calls_per_login(raw[name], first=False),
                "first": flows.calls_per_login(raw[name], first=True),
            }
            for name in ARMS
        },
    }
