"""The middleware's fast path and pending path, in-process, request by request.

Two handlers built from the same settings, one with the app's middleware and one without it,
serve requests made with ``RequestFactory`` in the same process; the requests are built before
the clock starts, the two arms alternate in blocks, and each round gives one ratio.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.load import harness
from tests.load.harness import EXAMPLE_DIR, SiteData

APP_MIDDLEWARE = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
DB_SESSIONS = "django.contrib.sessions.backends.db"
CACHE_SESSIONS = "django.contrib.sessions.backends.cache"
BLOCK = 20
FAST_PATH_GOAL = 1.02
# A track token as long as the emulator's (a JWT of about 400 characters).
TOKEN = "eyJ" + "x" * 420


def silence_app_log() -> None:
    """The app logs each decision at INFO: keep that work, send the lines nowhere."""
    log = logging.getLogger("django_authsignal_sms")
    for handler in list(log.handlers):
        log.removeHandler(handler)
    log.addHandler(logging.StreamHandler(open(os.devnull, "w")))  # noqa: SIM115
    log.propagate = False


def setup_django(data: SiteData) -> None:
    """Configure Django in this process with ``bench.settings`` on the prepared database."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": harness.DJANGO_SECRET_KEY,
            "DJANGO_DEBUG": "false",
            # Nothing listens there: a fast path that called Authsignal would fail loudly.
            "AUTHSIGNAL_API_URL": "http://127.0.0.1:9/v1",
            "AUTHSIGNAL_TENANT_ID": harness.EMULATOR_TENANT_ID,
            "AUTHSIGNAL_SECRET_KEY": harness.EMULATOR_SECRET_KEY,
            "AUTHSIGNAL_SMS_ENABLED": "true",
            "LOAD_PASSWORD_HASHER": data.hasher,
            "DATABASE_URL": data.database_url,
            "SESSION_ENGINE": DB_SESSIONS,
            "CACHE_URL": "locmemcache://",
        }
    )
    if str(EXAMPLE_DIR) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DIR))
    import django

    django.setup()
    silence_app_log()


# Handlers, sessions and requests


class PassThroughMiddleware:
    """For scale: a middleware that does nothing, in the app's place."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)


PASS_THROUGH = f"{__name__}.PassThroughMiddleware"


def make_handler(
    with_app: bool, session_engine: str = DB_SESSIONS, instead: str | None = None
) -> Any:
    """A handler with the project's middleware, with or without the app's (or ``instead``)."""
    from django.conf import settings
    from django.core.handlers.base import BaseHandler
    from django.test import override_settings

    middleware = []
    for entry in settings.MIDDLEWARE:
        if entry != APP_MIDDLEWARE or with_app:
            middleware.append(entry)
        elif instead:
            middleware.append(instead)
    with override_settings(MIDDLEWARE=middleware, SESSION_ENGINE=session_engine):
        handler = BaseHandler()
        handler.load_middleware()
    return handler


def make_session(engine: str, data: dict[str, Any]) -> str:
    from importlib import import_module

    store = import_module(engine).SessionStore()
    store.update(data)
    store.save(must_create=True)
    return str(store.session_key)


def authenticated_session(engine: str, user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    return make_session(
        engine,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )


def stepped_up_session(engine: str, user: Any) -> str:
    """A signed-in session with a fresh step-up for the benchmark's protected view, as the
    step-up's callback leaves it."""
    from importlib import import_module

    from bench.urls import STEP_UP_ACTION
    from django_authsignal_sms.stepup.state import DONE_KEY, session_digest

    key = authenticated_session(engine, user)
    store = import_module(engine).SessionStore(session_key=key)
    store[DONE_KEY] = {
        STEP_UP_ACTION: {
            "at": time.time(),
            "user": str(user.pk),
            "binding": "",
            "session": session_digest(key),
        }
    }
    store.save()
    return key


def pending_session(engine: str, user: Any) -> str:
    """A stored session with the record of a pending login, as the flow writes it."""
    from django_authsignal_sms.record import RECORD_KEY
    from tests.records import make_record

    record = make_record(
        user_id=str(user.pk),
        token=TOKEN,
        idempotency_key=str(uuid.uuid4()),
        masked_phone="+64*******99",
        sent_at=time.time(),
    )
    return make_session(engine, {RECORD_KEY: dataclasses.asdict(record)})


def request_maker(path: str, session_key: str | None, pending: bool = False) -> Callable[[], Any]:
    """Requests for ``path`` with the session cookie, and with the marker cookie the app sets
    beside a pending record when ``pending``."""
    from django.test import RequestFactory

    from django_authsignal_sms.record import MARKER_COOKIE

    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    if session_key is None:
        return lambda: factory.get(path)
    cookie = f"{harness.SESSION_COOKIE}={session_key}"
    if pending:
        cookie += f"; {MARKER_COOKIE}=1"
    return lambda: factory.get(path, HTTP_COOKIE=cookie)


# Measuring


@dataclass
class Arm:
    label: str
    handler: Any
    make_request: Callable[[], Any]


@dataclass
class Pair:
    name: str
    base_us: float  # median over rounds, microseconds per request
    test_us: float
    ratios: list[float]
    base_queries: int
    test_queries: int
    base_status: str
    test_status: str
    goal: float | None = None  # the ratio to stay under; None: shown for information
    notes: str = ""
    base_vary_cookie: bool = False  # the response has Vary: Cookie
    test_vary_cookie: bool = False

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def probe(arm: Arm) -> tuple[int, str, Any]:
    """Queries made by one request, and what it answered (status, Location, Vary)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = arm.handler.get_response(arm.make_request())
    where = response.get("Location", "")
    status = f"{response.status_code}{' → ' + where if where else ''}"
    return len(queries), status, response


@contextmanager
def gc_collected() -> Iterator[None]:
    gc.collect()
    yield


def _time_block(arm: Arm, requests: Sequence[Any]) -> int:
    get_response = arm.handler.get_response
    started = time.perf_counter_ns()
    for request in requests:
        get_response(request)
    return time.perf_counter_ns() - started


def calibrate(arm: Arm, seconds: float) -> int:
    """Blocks per arm per round so that a round's arm takes about ``seconds``."""
    requests = [arm.make_request() for _ in range(100)]
    per_request = _time_block(arm, requests) / 1e9 / len(requests)
    return max(8, min(int(seconds / max(per_request, 1e-7)) // BLOCK, 400))


def compare(
    name: str,
    base: Arm,
    test: Arm,
    *,
    rounds: int,
    seconds: float,
    goal: float | None = None,
    notes: str = "",
) -> Pair:
    """µs per request for each arm; one test/base ratio per round.

    A round alternates the two arms block by block (requests built before the clock starts)
    and takes each arm's median block, so a block hit by another process's burst of CPU or by
    a garbage collection does not decide the round.
    """
    base_queries, base_status, base_response = probe(base)
    test_queries, test_status, test_response = probe(test)
    for arm in (base, test):  # warm: first requests fill caches (URL resolver, templates)
        _time_block(arm, [arm.make_request() for _ in range(BLOCK)])
    blocks = calibrate(base, seconds)
    base_times, test_times, ratios = [], [], []
    for round_index in range(rounds):
        samples: dict[int, list[float]] = {id(base): [], id(test): []}
        with gc_collected():
            for block in range(blocks):
                order = (base, test) if (block + round_index) % 2 == 0 else (test, base)
                for arm in order:
                    requests = [arm.make_request() for _ in range(BLOCK)]
                    samples[id(arm)].append(_time_block(arm, requests) / BLOCK / 1e3)
        base_us = statistics.median(samples[id(base)])
        test_us = statistics.median(samples[id(test)])
        base_times.append(base_us)
        test_times.append(test_us)
        ratios.append(test_us / base_us)
    return Pair(
        name,
        statistics.median(base_times),
        statistics.median(test_times),
        ratios,
        base_queries,
        test_queries,
        base_status,
        test_status,
        goal,
        notes,
        vary_cookie(base_response),
        vary_cookie(test_response),
    )


def vary_cookie(response: Any) -> bool:
    return "cookie" in {v.strip().lower() for v in response.get("Vary", "").split(",")}


# The two sections


def fast_path(rounds: int, seconds: float) -> list[Pair]:
    """Section 1: requests where nothing is pending, with and without the app's middleware."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.order_by("pk").first()
    signed_in = authenticated_session(DB_SESSIONS, user)
    anonymous = make_session(DB_SESSIONS, {"seen": True})
    cases = [
        # name, path, session engine, session key (None: no cookie)
        ("signed in, minimal login_required view", "/bench/minimal/", DB_SESSIONS, signed_in),
        ("signed in, /protected/ page", "/protected/", DB_SESSIONS, signed_in),
        (
            "signed in, minimal view, locmem sessions",
            "/bench/minimal/",
            CACHE_SESSIONS,
            authenticated_session(CACHE_SESSIONS, user),
        ),
        ("signed in, view that never reads the session", "/bench/public/", DB_SESSIONS, signed_in),
        ("anonymous with a session cookie, same view", "/bench/public/", DB_SESSIONS, anonymous),
        ("anonymous, no cookie, same view", "/bench/public/", DB_SESSIONS, None),
    ]
    stepped_up = stepped_up_session(DB_SESSIONS, user)
    pairs = []
    for name, path, engine, key in cases:
        make = request_maker(path, key)
        without = Arm("without app", make_handler(False, engine), make)
        with_app = Arm("with app", make_handler(True, engine), make)
        pairs.append(
            compare(name, without, with_app, rounds=rounds, seconds=seconds, goal=FAST_PATH_GOAL)
        )
    # For scale: what any middleware costs there.
    make = request_maker("/bench/public/", anonymous)
    without = Arm("without app", make_handler(False), make)
    pass_through = Arm("pass-through", make_handler(False, instead=PASS_THROUGH), make)
    name = (
        "for scale: a middleware that does nothing, in the app's place "
        "(anonymous with a session cookie)"
    )
    pairs.append(compare(name, without, pass_through, rounds=rounds, seconds=seconds))
    # Step-up: a protected view with a fresh step-up against the same view unprotected.
    handler = make_handler(True)
    unprotected = Arm("unprotected", handler, request_maker("/bench/minimal/", stepped_up))
    protected = Arm("protected", handler, request_maker("/bench/stepped-up/", stepped_up))
    _, status, _ = probe(protected)
    if not status.startswith("200"):
        raise RuntimeError(f"the fresh step-up was not accepted: {status}")
    name = "signed in, a step-up-protected view with a fresh step-up vs the same view unprotected"
    pairs.append(
        compare(name, unprotected, protected, rounds=rounds, seconds=seconds, goal=FAST_PATH_GOAL)
    )
    return pairs


def pending_path(rounds: int, seconds: float) -> list[Pair]:
    """Section 2: a pending session's redirect vs Django's own login_required redirect."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.order_by("pk").first()
    handler = make_handler(True)
    pending_key = pending_session(DB_SESSIONS, user)
    pending = Arm("pending", handler, request_maker("/protected/", pending_key, pending=True))
    _, status, _ = probe(pending)
    if "/mfa/" not in status:
        raise RuntimeError(f"the pending session was not steered to the code page: {status}")
    anonymous = Arm("anonymous", handler, request_maker("/protected/", None))
    with_session = Arm(
        "anonymous+session",
        handler,
        request_maker("/protected/", make_session(DB_SESSIONS, {"seen": True})),
    )
    return [
        compare(
            "pending vs anonymous, no session cookie",
            anonymous,
            pending,
            rounds=rounds,
            seconds=seconds,
            notes="(the pending state lives in the session: reading it is the one query)",
        ),
        compare(
            "pending vs anonymous with a session",
            with_session,
            pending,
            rounds=rounds,
            seconds=seconds,
            goal=1.0,
        ),
    ]
