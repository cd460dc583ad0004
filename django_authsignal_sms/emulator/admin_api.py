"""Emulator-only routes under /_emulator/ (no auth: loopback only; guard.py turns pages away)."""

from __future__ import annotations

from . import render
from .clock import iso
from .engine import Emulator
from .errors import ApiError, invalid_request
from .faults import Fault
from .rules import Rules
from .variants import merge_variants
from .wire import Reply, Request


def outbox(emulator: Emulator, request: Request) -> Reply:
    to, user_id = request.query.get("to"), request.query.get("userId")
    messages = [
        m
        for m in emulator.store.outbox
        if (to is None or m.to == to) and (user_id is None or m.key.user_id == user_id)
    ]
    return Reply([render.message(m) for m in messages])


def get_clock(emulator: Emulator, request: Request) -> Reply:
    return Reply({"now": iso(emulator.clock.now()), "offset": emulator.clock.offset})


def advance_clock(emulator: Emulator, request: Request) -> Reply:
    seconds = request.body.get("advance")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise invalid_request('Send {"advance": seconds}, a number >= 0.')
    emulator.clock.advance(seconds)
    return get_clock(emulator, request)


def get_rules(emulator: Emulator, request: Request) -> Reply:
    return Reply(emulator.rules.to_mapping())


def put_rules(emulator: Emulator, request: Request) -> Reply:
    try:
        emulator.rules = Rules.from_mapping(request.body)
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_rules(emulator, request)


def get_variants(emulator: Emulator, request: Request) -> Reply:
    return Reply(dict(emulator.variants))


def put_variants(emulator: Emulator, request: Request) -> Reply:
    """Change the variants named in the body; the others keep their value."""
    try:
        emulator.variants = merge_variants(request.body, emulator.variants)
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_variants(emulator, request)


def reset(emulator: Emulator, request: Request) -> Reply:
    emulator.reset()
    return Reply({"reset": True})


def stats(emulator: Emulator, request: Request) -> Reply:
    return Reply(emulator.stats())


def get_faults(emulator: Emulator, request: Request) -> Reply:
    fault = emulator.faults.current
    return Reply({"fault": None if fault is None else fault.to_mapping()})


def set_faults(emulator: Emulator, request: Request) -> Reply:
    try:
        emulator.faults.set(Fault.from_mapping(request.body, emulator.route_names))
    except ValueError as error:
        raise invalid_request(str(error)) from error
    return get_faults(emulator, request)


def clear_faults(emulator: Emulator, request: Request) -> Reply:
    emulator.faults.set(None)
    return get_faults(emulator, request)


def hosted_ui(emulator: Emulator, request: Request) -> Reply:
    """Where track's `url` points: the emulator has no pre-built UI, and says so."""
    raise ApiError(
        501,
        "not_implemented",
        "The emulator has no pre-built UI; use the browser SDK (sms.challenge / sms.verify).",
    )
