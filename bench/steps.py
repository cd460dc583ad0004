"""Per step, the app against the hand-written reference and a plain password login, through
``WSGIHandler`` (bench/flows.py), with Django's default hasher (PBKDF2) and with MD5.

A fourth arm, "rotating", is the reference that also rotates the session key when the password
is accepted. The app does that because Django's ``login()`` does (the app works under any login
view by letting ``login()`` run, then holding it back). That arm shows how much of the gap to the
reference is this rotation.

Same stack for all four: the example project's settings, database sessions on SQLite, the
local-memory cache, ``CONN_MAX_AGE`` 0 (Django's defaults), the Authsignal emulator in its own
process. The app arm has the app installed; the other arms do not have it at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.load.harness import Emulator, SiteData

from . import flows
from .flows import MFA_STEPS, WHOLE

ARMS = ("plain", "reference", "rotating", "app")


def compare(
    emulator: Emulator, data: SiteData, users: Iterator[Any], rounds: int, per_round: int
) -> dict[str, Any]:
    specs = [flows.plain_arm(), flows.reference_arm(), flows.rotating_arm(), flows.app_arm()]
    envs = [flows.arm_env(spec, data, emulator, sessions="db") for spec in specs]
    with flows.arms(specs, envs, data.directory) as running:
        raw = flows.interleave(running, users, rounds, per_round)
    return figures(raw, rounds, per_round)


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
        steps[step] = row
    first_of_day = {}
    for step in ("callback", WHOLE):
        first: dict[str, Any] = {
            name: flows.summarise(raw[name], step, first=True)
            for name in ("reference", "rotating", "app")
        }
        first["app/reference"] = flows.ratios(first["app"], first["reference"])
        first["app/rotating"] = flows.ratios(first["app"], first["rotating"])
        first_of_day[step] = first
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
