"""Brute force: wrong codes and resends are counted per pending login, in the session (so on
any number of processes), and reaching a limit ends that pending login and only that one."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from django_authsignal_sms.record import RECORD_KEY
from tests.conftest import pending_mark, start_pending

pytestmark = pytest.mark.django_db

TOO_MANY_CODES = "Too many wrong codes. Please sign in again."


@pytest.fixture
def fast_resend(settings):
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 0}


def pending_browser(authsignal, idem="idem-1"):
    browser = Client()
    start_pending(browser, authsignal, idem=idem, next_url="/protected/")
    assert browser.get("/mfa/challenge/").status_code == 200
    # the page's script records its automatic send, then sends the first code
    assert browser.post("/mfa/resend/", {"first": "1"}).json()["allowed"] is True
    return browser


def wrong_code(browser):
    return browser.post("/mfa/failed/")


def resend(browser):
    return browser.post("/mfa/resend/")


def stored_mark(browser):
    """The mark as the session store has it, read without the test client's help."""
    return SessionStore(session_key=browser.cookies["sessionid"].value).load().get(RECORD_KEY)


def assert_ended(browser, answer):
    """Back to the login page (keeping ``next``), nothing left to finish with a code."""
    assert answer.status_code == 429
    assert answer.json()["redirect"] == "/accounts/login/?next=%2Fprotected%2F"
    assert pending_mark(browser) is None
    assert SESSION_KEY not in browser.session
    assert browser.get("/mfa/challenge/").status_code == 400
    assert browser.post("/mfa/callback/", {"token": "verified"}).status_code == 400


def messages_on(browser, url):
    page = browser.get(url)
    assert page.status_code == 200
    return [str(m) for m in page.context["messages"]]


@pytest.mark.parametrize("limit", [1, 2, 5, 7])
def test_too_many_wrong_codes_end_the_pending_login(user, authsignal, settings, sent, limit):
    if limit != 5:  # 5 is the default
        settings.AUTHSIGNAL_SMS = {"MAX_FAILED_VERIFICATIONS": limit}
    browser = pending_browser(authsignal)
    authsignal.on_validate(str(user.pk))
    for attempt in range(1, limit):
        answer = wrong_code(browser)
        assert answer.json() == {"ended": False, "attempts_left": limit - attempt}
        assert stored_mark(browser)["failures"] == attempt
    answer = wrong_code(browser)
    assert answer.json()["ended"] is True
    assert [s["reason"] for s in sent["challenge_failed"]] == ["too_many_failures"]
    assert_ended(browser, answer)


@pytest.mark.parametrize("limit", [0, 1, 3, 4])
def test_too_many_resends_end_the_pending_login(user, authsignal, settings, limit):
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 0, "MAX_RESENDS": limit}
    browser = pending_browser(authsignal)
    for count in range(1, limit + 1):
        assert resend(browser).json() == {"allowed": True, "cooldown": 0}
        assert stored_mark(browser)["resends"] == count
    answer = resend(browser)
    assert answer.json()["reason"] == "too_many"
    assert_ended(browser, answer)


def test_the_login_page_says_why_after_too_many_wrong_codes(user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"MAX_FAILED_VERIFICATIONS": 1}
    browser = pending_browser(authsignal)
    answer = wrong_code(browser)
    assert messages_on(browser, answer.json()["redirect"]) == [TOO_MANY_CODES]


def test_the_login_page_says_why_after_too_many_resends(user, authsignal, settings):
    """The page's script navigates straight to the login page, so only a message there tells
    the user why their sign-in was dropped (as for too many wrong codes)."""
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 0, "MAX_RESENDS": 0}
    browser = pending_browser(authsignal)
    answer = resend(browser)
    assert messages_on(browser, answer.json()["redirect"]), "the login page does not say why"


def test_resends_wait_for_the_cooldown(user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 30}
    browser = pending_browser(authsignal)
    for _ in range(10):
        answer = resend(browser)
        assert answer.status_code == 429 and answer.json()["reason"] == "cooldown"
    assert stored_mark(browser)["resends"] == 0
    assert 0 < answer.json()["wait"] <= 30


def test_one_validation_per_password(user, authsignal, sent):
    """Guessing tokens at the callback: the first guess consumes the pending login."""
    browser = pending_browser(authsignal)
    authsignal.on_validate(str(user.pk), isValid=False)
    statuses = [
        browser.post("/mfa/callback/", {"token": f"guess-{n}"}).status_code for n in range(20)
    ]
    assert statuses == [403] + [400] * 19
    assert len(authsignal.calls_to("/validate")) == 1


# The counters live in the session, per pending login: nothing in process memory.


def test_two_sessions_count_apart(user, authsignal):
    first, second = pending_browser(authsignal, "idem-a"), pending_browser(authsignal, "idem-b")
    for _ in range(4):
        wrong_code(first)
        wrong_code(second)
    assert wrong_code(first).json()["ended"] is True
    assert pending_mark(second)["failures"] == 4
    assert wrong_code(second).json()["ended"] is True


def test_a_success_elsewhere_does_not_reset_the_count(user, authsignal):
    attacker, owner = pending_browser(authsignal, "idem-a"), pending_browser(authsignal, "idem-b")
    for _ in range(4):
        wrong_code(attacker)
    authsignal.on_validate(str(user.pk), idempotencyKey="idem-b")
    assert owner.post("/mfa/callback/", {"token": "verified"}).status_code == 302
    assert owner.session[SESSION_KEY] == str(user.pk)
    assert stored_mark(attacker)["failures"] == 4
    assert wrong_code(attacker).json()["ended"] is True


def test_the_count_follows_the_session_to_another_process(user, authsignal):
    """Two workers behind a load balancer: a new Client with the same cookie continues the count."""
    browser = pending_browser(authsignal)
    for _ in range(3):
        wrong_code(browser)
    other_worker = Client()
    other_worker.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert wrong_code(other_worker).json() == {"ended": False, "attempts_left": 1}
    assert wrong_code(browser).json()["ended"] is True


def test_clearing_process_memory_changes_nothing(user, authsignal):
    """What a restart would lose (the SDK client cache, the app's lru caches) holds no count."""
    from django_authsignal_sms.attributes import _load_source
    from django_authsignal_sms.client import _sdk_client

    browser = pending_browser(authsignal)
    for _ in range(4):
        wrong_code(browser)
    _sdk_client.cache_clear()
    _load_source.cache_clear()
    assert wrong_code(browser).json()["ended"] is True
