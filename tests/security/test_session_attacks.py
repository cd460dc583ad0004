"""Session attacks: cross-site requests, fixation, logging out while pending, and editing the
pending mark: none of them gets a session logged in without a validated code."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from tests.conftest import PASSWORD, pending_mark, start_pending
from tests.records import put_record

pytestmark = pytest.mark.django_db

# CSRF: the four POST views of the app, from a page on another site.

POST_VIEWS = {
    "callback": {"token": "verified"},
    "resend": {},
    "failed": {},
    "cancel": {},
}


@pytest.fixture
def browser(user, authsignal, settings):
    """A real browser's view of CSRF: enforced checks, the token from the cookie and the page."""
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 0}
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    authsignal.on_track("CHALLENGE_REQUIRED")
    data = {"username": "alice", "password": PASSWORD}
    browser.post("/accounts/login/", {**data, "csrfmiddlewaretoken": csrf(browser)})
    assert browser.get("/mfa/challenge/").status_code == 200
    authsignal.on_validate(str(user.pk))
    return browser


def csrf(browser):
    return browser.cookies["csrftoken"].value


FORGERIES = {
    "no-token": lambda browser: {},
    "wrong-token": lambda browser: {"csrfmiddlewaretoken": "x" * 64},
    "wrong-header": lambda browser: {"HTTP_X_CSRFTOKEN": "x" * 64},
    "right-token-foreign-origin": lambda browser: {
        "csrfmiddlewaretoken": csrf(browser),
        "HTTP_ORIGIN": "https://evil.example",
    },
    "right-token-null-origin": lambda browser: {
        "csrfmiddlewaretoken": csrf(browser),
        "HTTP_ORIGIN": "null",
    },
}


def post(browser, view, forgery):
    extra = FORGERIES[forgery](browser)
    headers = {key: value for key, value in extra.items() if key.startswith("HTTP_")}
    data = {**POST_VIEWS[view], **{k: v for k, v in extra.items() if k not in headers}}
    return browser.post(f"/mfa/{view}/", data, **headers)


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("view", POST_VIEWS)
def test_a_forged_cross_site_post_changes_nothing(browser, authsignal, view, forgery):
    before = pending_mark(browser)
    response = post(browser, view, forgery)
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert pending_mark(browser) == before
    assert SESSION_KEY not in browser.session
    assert authsignal.calls_to("/validate") == []


@pytest.mark.parametrize(
    ("view", "status"), [("callback", 302), ("resend", 200), ("failed", 200), ("cancel", 302)]
)
def test_the_same_post_from_the_page_itself_works(browser, user, view, status):
    """The control: with the page's token the views do act, so the 403s above are CSRF's."""
    response = browser.post(f"/mfa/{view}/", POST_VIEWS[view], HTTP_X_CSRFTOKEN=csrf(browser))
    assert response.status_code == status
    if view == "callback":
        assert browser.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize("view", POST_VIEWS)
def test_a_get_does_nothing(browser, view):
    """No state change by GET (a link or an <img> on another site)."""
    before = pending_mark(browser)
    assert browser.get(f"/mfa/{view}/", POST_VIEWS[view]).status_code == 405
    assert pending_mark(browser) == before


# Session fixation


def test_the_session_key_changes_at_the_password_and_at_the_code(user, authsignal):
    """Mallory plants a session cookie she knows; every key she could know is worthless."""
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    victim = Client()
    victim.cookies["sessionid"] = str(planted.session_key)
    start_pending(victim, authsignal)
    after_password = victim.session.session_key
    authsignal.on_validate(str(user.pk))
    assert victim.post("/mfa/callback/", {"token": "verified"}).status_code == 302
    after_code = victim.session.session_key
    assert len({planted.session_key, after_password, after_code}) == 3
    assert victim.session[SESSION_KEY] == str(user.pk)
    for known_key in (planted.session_key, after_password):
        mallory = Client()
        mallory.cookies["sessionid"] = str(known_key)
        assert mallory.get("/protected/")["Location"].startswith("/accounts/login/")
        assert SESSION_KEY not in mallory.session
        assert pending_mark(mallory) is None


def test_a_stolen_pending_cookie_cannot_finish_after_the_victim_did(user, authsignal):
    victim = Client()
    start_pending(victim, authsignal)
    mallory = Client()
    mallory.cookies["sessionid"] = str(victim.session.session_key)
    authsignal.on_validate(str(user.pk))
    victim.post("/mfa/callback/", {"token": "verified"})
    assert mallory.post("/mfa/callback/", {"token": "verified"}).status_code == 400
    assert SESSION_KEY not in mallory.session


# Logging out while pending

LOGOUTS = ["/accounts/logout/", "/admin/logout/", "/allauth/logout/"]


@pytest.mark.parametrize("logout", LOGOUTS)
def test_logging_out_while_pending_clears_the_mark(client, user, authsignal, logout):
    start_pending(client, authsignal)
    response = client.post(logout)
    assert response.status_code in (200, 302)
    assert pending_mark(client) is None, f"{logout} left the pending login in the session"
    assert SESSION_KEY not in client.session
    authsignal.on_validate(str(user.pk))
    assert client.post("/mfa/callback/", {"token": "verified"}).status_code == 400
    assert SESSION_KEY not in client.session


def pending_browser(authsignal):
    browser = Client()
    browser.get("/accounts/login/")  # as a browser does: the form sets the CSRF cookie
    start_pending(browser, authsignal)
    return browser


def csrf_checked(browser):
    """The same browser (its cookies), now with Django's CSRF checks enforced as in production."""
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = browser.cookies
    return checked


@pytest.mark.parametrize("logout", LOGOUTS)
def test_a_forged_cross_site_logout_does_not_cancel_a_pending_sign_in(user, authsignal, logout):
    """A page on another site can make the victim's browser POST to the logout URL, with the
    session cookie but without the CSRF token: the pending sign-in must survive it."""
    victim = csrf_checked(pending_browser(authsignal))
    before = pending_mark(victim)
    response = victim.post(logout, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert pending_mark(victim) == before


@pytest.mark.parametrize("logout", LOGOUTS)
def test_a_same_site_logout_with_its_token_ends_the_pending_sign_in(user, authsignal, logout):
    browser = csrf_checked(pending_browser(authsignal))
    token = browser.cookies["csrftoken"].value
    response = browser.post(logout, HTTP_X_CSRFTOKEN=token)
    assert response.status_code in (200, 302)
    assert pending_mark(browser) is None


# Editing the mark (only possible if the session store itself is compromised, e.g. signed-cookie
# sessions with a leaked SECRET_KEY; check W004): a damaged mark counts as none.

DAMAGED_FIELDS = {
    "outcome-allow": {"outcome": "ALLOW"},
    "outcome-done": {"outcome": "done"},
    "outcome-logged-in": {"outcome": "logged_in"},
    "outcome-empty": {"outcome": ""},
    "outcome-none": {"outcome": None},
    "outcome-true": {"outcome": True},
    "outcome-list": {"outcome": ["pending"]},
    "user-id-int": {"user_id": 1},
    "user-id-none": {"user_id": None},
    "token-list": {"token": ["t"]},
    "key-none": {"idempotency_key": None},
    "action-int": {"action": 0},
    "started-string": {"started": "0"},
    "whatsapp-string": {"whatsapp": "yes"},
    "confirm-allow-int": {"confirm_allow": 1},
    "baseline-none": {"verified_baseline": None},
    "failures-string": {"failures": "0"},
    "resends-float": {"resends": 0.5},
    "sent-at-string": {"sent_at": "never"},
    "next-url-list": {"next_url": ["/"]},
}
DAMAGED_MARKS: dict[str, object] = {
    "string": "pending",
    "list": ["pending"],
    "none": None,
    "empty": {},
    "int": 1,
}


def assert_counts_as_no_mark(client):
    assert client.get("/protected/")["Location"] == "/accounts/login/?next=/protected/"
    assert client.get("/mfa/challenge/").status_code == 400
    response = client.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 400
    assert b"No sign-in waiting" in response.content
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("fields", DAMAGED_FIELDS.values(), ids=list(DAMAGED_FIELDS))
def test_a_mark_with_a_damaged_field_counts_as_none(client, user, authsignal, fields):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk))
    put_record(client, {**pending_mark(client), **fields})
    assert_counts_as_no_mark(client)


@pytest.mark.parametrize("replacement", DAMAGED_MARKS.values(), ids=list(DAMAGED_MARKS))
def test_a_damaged_mark_counts_as_none(client, user, authsignal, replacement):
    start_pending(client, authsignal)
    authsignal.on_validate(str(user.pk))
    put_record(client, replacement)
    assert_counts_as_no_mark(client)


def test_extra_fields_do_not_upgrade_a_mark(client, user, authsignal):
    start_pending(client, authsignal)
    put_record(
        client, {**pending_mark(client), "logged_in": True, "is_valid": True, "state": "ALLOW"}
    )
    assert client.get("/protected/")["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in client.session


def test_a_mark_moved_to_another_user_is_refused(client, user, staff, authsignal):
    """The code was verified for alice: a mark edited to say root still needs root's code."""
    start_pending(client, authsignal)
    put_record(client, {**pending_mark(client), "user_id": str(staff.pk)})
    authsignal.on_validate(str(user.pk))
    response = client.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "backend",
    ["", "no.such.Backend", "builtins.dict", "django.contrib.auth.hashers.make_password"],
)
def test_a_mark_naming_a_backend_that_is_not_configured_is_refused(
    client, user, authsignal, backend
):
    """Like django.contrib.auth.get_user, only a backend in AUTHENTICATION_BACKENDS is loaded:
    the mark must not make the app import and call whatever it names. (The code page does not
    load the user at all: it shows what the record holds; the callback is where it matters.)"""
    authsignal.on_validate(str(user.pk))
    start_pending(client, authsignal)
    put_record(client, {**pending_mark(client), "backend": backend})
    response = client.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
