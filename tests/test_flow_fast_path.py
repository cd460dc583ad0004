"""Where nothing is pending, the gate costs nothing: no session read, no query, no
``Vary: Cookie`` — on a view that itself never reads the session. A marker cookie set beside
the pending record is the only sign the gate looks at; the session stays the authority."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY

from django_authsignal_sms import conf
from django_authsignal_sms.record import MARKER_COOKIE
from tests.conftest import log_in, pending_mark

pytestmark = pytest.mark.django_db


def vary(response):
    return response.get("Vary", "")


@pytest.fixture
def signed_in(client, user, settings):
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}  # so force_login is not held back
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = {}
    return client


@pytest.fixture
def anonymous_with_a_session(client):
    session = client.session
    session["cart"] = [1, 2]
    session.save()
    return client


@pytest.mark.parametrize("who", ["signed_in", "anonymous_with_a_session"])
def test_a_view_that_never_reads_the_session_stays_free(
    request, who, django_assert_num_queries, settings
):
    browser = request.getfixturevalue(who)
    assert "sessionid" in browser.cookies
    with django_assert_num_queries(0):
        response = browser.get("/plain/")
    assert response.content == b"plain"
    assert "Cookie" not in vary(response)


@pytest.mark.parametrize("who", ["signed_in", "anonymous_with_a_session", "client"])
def test_the_fast_path_reads_none_of_the_apps_settings(request, who):
    browser = request.getfixturevalue(who)
    browser.get("/plain/")  # builds the middleware chain
    with mock.patch.object(conf, "_option", wraps=conf._option) as option:
        response = browser.get("/plain/")
    assert response.content == b"plain"
    assert option.call_count == 0


def test_the_marker_comes_and_goes_with_the_record(client, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")
    response = log_in(client, next_url="/protected/")
    marker = response.cookies[MARKER_COOKIE]
    assert marker.value == "1" and marker["httponly"]
    authsignal.on_validate(str(user.pk))
    done = client.post("/mfa/callback/", {"token": "verified"})
    assert done.cookies[MARKER_COOKIE].value == ""  # deleted
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize("state", ["CHALLENGE_REQUIRED", "BLOCK"])
def test_every_record_sets_the_marker_and_its_end_removes_it(client, user, authsignal, state):
    authsignal.on_track(state)
    log_in(client)
    assert client.cookies[MARKER_COOKIE].value == "1"
    client.post("/mfa/cancel/")
    assert client.cookies[MARKER_COOKIE].value == ""


def test_a_stale_marker_is_removed(client, user):
    client.cookies[MARKER_COOKIE] = "1"
    response = client.get("/plain/")
    assert response.cookies[MARKER_COOKIE].value == ""


def test_dropping_the_marker_only_browses_as_anonymous(client, user, authsignal):
    """Not steered to the code page any more, and signed in as nobody: the held login's auth
    keys are gone from the session, whatever the gate does."""
    authsignal.on_track("CHALLENGE_REQUIRED")
    log_in(client, next_url="/protected/")
    del client.cookies[MARKER_COOKIE]
    response = client.get("/protected/")
    assert response["Location"].startswith("/accounts/login/")
    assert b"signed-in-as" not in client.get("/").content
    assert pending_mark(client)["outcome"] == "pending"
    authsignal.on_validate(str(user.pk))
    assert client.post("/mfa/callback/", {"token": "verified"})["Location"] == "/protected/"
