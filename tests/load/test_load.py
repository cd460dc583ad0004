"""Load tests in counts, not times: real gunicorn workers, Redis or the database, the emulator.

Many concurrent complete MFA logins of distinct users (tests/load/browser.py does what the code
page and the browser SDK do; tests/load/harness.py starts the servers) must each end signed in
as their own user. The app must make exactly the Authsignal calls a login needs, reuse its
connection, and keep the pending mark small and gone once the login is complete.
``python -m bench.load`` is the big version. All slow: servers in subprocesses.

Skipped with a reason when redis-server or gunicorn is missing, except under
``AUTHSIGNAL_SMS_REQUIRE_BROWSER=1`` (CI's "require everything" switch), where that fails.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from django_authsignal_sms.record import RECORD_KEY, serialised_size
from tests.load import harness
from tests.load.browser import Browser, pending_footprint, run_logins
from tests.load.harness import prepare_emulator

CONCURRENT = 40
SEQUENTIAL = 100
WORKERS = 4
AUTH_USER_KEY = "_auth_user_id"

pytestmark = pytest.mark.slow


def require(*, redis: bool) -> None:
    missing = harness.missing_tools(redis=redis)
    if not missing:
        return
    message = f"the load tests need {', '.join(missing)}"
    if os.environ.get("AUTHSIGNAL_SMS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (AUTHSIGNAL_SMS_REQUIRE_BROWSER=1 requires everything)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def emulator_process():
    require(redis=False)
    with harness.emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def site_data(emulator_process, tmp_path_factory):
    return harness.prepare_site(tmp_path_factory.mktemp("load-site"), SEQUENTIAL)


@pytest.fixture(scope="module")
def redis():
    require(redis=True)
    with harness.redis_server() as server:
        yield server


@pytest.fixture(scope="module", params=["redis", "db"])
def site(request, emulator_process, site_data):
    """gunicorn with 4 workers, sessions (and cache) in Redis, or sessions in SQLite (WAL)."""
    redis = request.getfixturevalue("redis") if request.param == "redis" else None
    with harness.gunicorn_site(
        site_data, emulator_process, workers=WORKERS, sessions=request.param, redis=redis
    ) as server:
        yield server


def server_calls(traffic) -> dict[str, int]:
    return {name: n for name, n in traffic["requests"].items() if name in harness.SERVER_ROUTES}


def test_concurrent_complete_logins_each_end_as_their_own_user(site, emulator_process, site_data):
    users = site_data.users[:CONCURRENT]
    prepare_emulator(emulator_process, users, enrolled_every=2)
    before = emulator_process.stats()

    run = run_logins(site.url, emulator_process.url, users)

    first_error = run.errors[0].error if run.errors else None
    assert run.errors == [], f"{len(run.errors)} errors, first: {first_error}"
    assert run.wrong_user == 0
    assert run.completed == CONCURRENT
    assert Counter(r.signed_in_as for r in run.results) == Counter(u.username for u in users)
    assert run.paths() == Counter(challenge=CONCURRENT)
    traffic = harness.diff_stats(before, emulator_process.stats())
    # Per MFA login: track at the password and validate at the code. A never-enrolled user (half
    # of them) also costs the enrollment and a second track; an enrolled one, the once-a-day
    # check that the number on file is the enrolled one.
    half = CONCURRENT // 2
    assert server_calls(traffic) == {
        "track": CONCURRENT + half,
        "enroll_authenticator": half,
        "validate": CONCURRENT,
        "get_authenticators": half,
    }


def test_the_pending_mark_is_small_and_gone_after_the_callback(site, emulator_process, site_data):
    user = site_data.users[CONCURRENT]
    prepare_emulator(emulator_process, [user], enrolled_every=1)
    footprint = pending_footprint(site, emulator_process.url, user)
    assert AUTH_USER_KEY not in footprint.pending_session  # pending: not logged in
    mark = footprint.record
    assert mark.is_pending and mark.user_id == user.user_id
    assert serialised_size(mark) <= 1024

    assert footprint.signed_in_as == user.username
    assert footprint.new_key and footprint.new_key != footprint.pending_key
    assert footprint.pending_session_after is None  # the pending session is deleted
    final = footprint.new_session
    assert final is not None
    assert RECORD_KEY not in final[0]
    assert final[0][AUTH_USER_KEY] == user.user_id


def test_sequential_logins_on_one_worker_make_exact_calls_on_one_connection(
    emulator_process, site_data, redis
):
    """100 logins on ONE fresh worker: 2 server calls per MFA login (plus the once-a-day check of
    the enrolled number), 1 per ALLOW login, and the app's SDK client keeps its keep-alive
    connection (one client per process)."""
    users = site_data.users[:SEQUENTIAL]
    allowed = {user.username for index, user in enumerate(users) if index % 10 == 9}
    with harness.gunicorn_site(
        site_data, emulator_process, workers=1, sessions="redis", redis=redis
    ) as site:
        prepare_emulator(
            emulator_process,
            users,
            enrolled_every=1,
            rules={"users": dict.fromkeys(allowed, "ALLOW")},
        )
        redis.client().flushdb()  # no number check remembered from an earlier test
        start = emulator_process.stats()
        per_login: dict[str, Counter] = {"allow": Counter(), "mfa": Counter()}
        browser_connections = 0
        for user in users:
            before = emulator_process.stats()
            with Browser(site.url, emulator_process.url, user) as browser:
                result = browser.login()
            calls = server_calls(harness.diff_stats(before, emulator_process.stats()))
            assert result.completed, result.error
            expected_path = "allow" if user.username in allowed else "mfa"
            assert (result.path == "allow") == (expected_path == "allow")
            per_login[expected_path][tuple(sorted(calls.items()))] += 1
            browser_connections += result.client_api_connections
        total = harness.diff_stats(start, emulator_process.stats())

    # The first login of an enrolled user also checks, once a day, that codes go to the number on
    # file (get_authenticators).
    first_mfa = (("get_authenticators", 1), ("track", 1), ("validate", 1))
    assert per_login["mfa"] == {first_mfa: SEQUENTIAL - len(allowed)}
    assert per_login["allow"] == {(("track", 1),): len(allowed)}
    # The emulator counts every connection that carries a /v1 request, the browsers' SDK
    # calls (client API) included; each browser here counted its own, so the rest is the app's.
    app_connections = total["api_connections"] - browser_connections
    assert browser_connections >= SEQUENTIAL - len(allowed)
    assert 1 <= app_connections <= 3, total


RACERS = 20


def race_one_token(site, emulator_process, user):
    """A pending login, its code verified; then RACERS callbacks at once with that one token."""
    import concurrent.futures

    with Browser(site.url, emulator_process.url, user) as browser:
        pending = browser.login(stop_when_pending=True)
        assert pending.error is None, pending.error
        page = browser.challenge
        assert browser.record_first_send(page)
        browser.send_code(page)
        token = browser.verify(page, browser.read_sms())
        before = emulator_process.stats()

        def post_callback(_):
            return browser.site.post(
                f"{site.url}/mfa/callback/",
                data={**page.callback_fields, "token": token},
                headers={"Origin": browser.origin, "Referer": page.url},
                allow_redirects=False,
                timeout=60,
            )

        with concurrent.futures.ThreadPoolExecutor(RACERS) as pool:
            replies = list(pool.map(post_callback, range(RACERS)))
        calls = server_calls(harness.diff_stats(before, emulator_process.stats()))
    new_keys = {r.cookies.get("sessionid") for r in replies if r.status_code == 302}
    signed_in = [
        key for key in new_keys if key and (site.read_session(key) or ({}, 0))[0].get(AUTH_USER_KEY)
    ]
    return replies, calls, signed_in


@pytest.mark.parametrize("run", [1, 2, 3])
def test_one_token_completes_one_login_under_parallel_callbacks(
    emulator_process, site_data, redis, run
):
    """gunicorn with 4 workers, sessions in Redis: 20 parallel callbacks with one verified
    token give exactly one signed-in session and one validate call, every time."""
    user = site_data.users[CONCURRENT + run]
    with harness.gunicorn_site(
        site_data, emulator_process, workers=WORKERS, sessions="redis", redis=redis
    ) as site:
        prepare_emulator(emulator_process, [user], enrolled_every=1)
        replies, calls, signed_in = race_one_token(site, emulator_process, user)
    successes = [
        r for r in replies if r.status_code == 302 and "/protected/" in r.headers["Location"]
    ]
    assert len(successes) == 1, Counter(r.status_code for r in replies)
    assert len(signed_in) == 1
    assert calls.get("validate") == 1, calls
    assert all(r.status_code < 500 for r in replies)
