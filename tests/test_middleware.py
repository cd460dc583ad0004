"""The gate: a pending session sees nothing of the site, and the fast path costs nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import override_settings

from django_authsignal_sms.middleware import AuthsignalSmsMiddleware
from django_authsignal_sms.record import MARKER_COOKIE, PendingRecord, write
from tests.conftest import pending_mark
from tests.records import age_record, make_record, put_record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/protected/", "/admin/", "/admin/auth/user/", "/admin/password_change/", "/", "/plain/"],
)
def test_a_pending_session_reaches_no_page(pending_staff, url):
    response = pending_staff.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/mfa/challenge/?next=")
    assert pending_mark(pending_staff)["outcome"] == "pending"


def test_a_pending_session_keeps_the_wanted_url_as_next(pending_staff):
    assert pending_staff.get("/admin/auth/user/?o=1")["Location"] == (
        "/mfa/challenge/?next=%2Fadmin%2Fauth%2Fuser%2F%3Fo%3D1"
    )


@override_settings(AUTHSIGNAL_SMS={"EXEMPT_URLS": [r"^/plain/"]})
def test_an_exempt_url_is_served_to_an_anonymous_user_and_keeps_the_mark(pending_staff):
    assert pending_staff.get("/plain/").content == b"plain"
    assert pending_staff.get("/static/anything.css").status_code == 404
    assert pending_staff.get("/favicon.ico").status_code == 404
    assert pending_mark(pending_staff)["outcome"] == "pending"


@override_settings(AUTHSIGNAL_SMS={"EXEMPT_URL_NAMES": ["home"]})
def test_an_exempt_url_name_is_served_to_an_anonymous_user(pending_staff):
    response = pending_staff.get("/")
    assert response.status_code == 200
    assert response.context["user"].is_anonymous
    assert b"signed-in-as" not in response.content
    assert pending_mark(pending_staff)["outcome"] == "pending"


def test_post_requests_are_redirected_too(pending_staff):
    response = pending_staff.post("/admin/auth/user/add/", {"username": "mallory"})
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"


def test_logout_while_pending_clears_everything(pending_staff):
    """allauth's logout view does nothing for an anonymous user (a pending session is one): the
    gate itself must end the pending login."""
    response = pending_staff.post("/allauth/logout/")
    assert response.status_code in (200, 302)
    assert pending_mark(pending_staff) is None
    assert pending_staff.get("/protected/")["Location"].startswith("/accounts/login/")


def test_cancel_clears_everything(pending_staff):
    response = pending_staff.post("/mfa/cancel/")
    assert response["Location"] == "/accounts/login/?next=%2Fprotected%2F"
    assert pending_mark(pending_staff) is None


def test_an_expired_mark_goes_back_to_login_with_a_message(pending_staff):
    age_record(pending_staff, 601)
    response = pending_staff.get("/protected/", follow=True)
    assert response.redirect_chain[0][0] == "/accounts/login/?next=%2Fprotected%2F"
    assert pending_mark(pending_staff) is None
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Your sign-in took too long to finish. Please sign in again."]


@override_settings(AUTHSIGNAL_SMS={"PENDING_LIFETIME": 60})
def test_the_lifetime_is_a_setting(pending_staff):
    age_record(pending_staff, 61)
    assert pending_staff.get("/protected/")["Location"].startswith("/accounts/login/")


def test_a_damaged_mark_is_ignored(client, user):
    """Treated as no record at all: the login page, as for anyone not signed in, not the code
    page a pending login would get."""
    put_record(client, {"outcome": "pending", "unknown": 1, "started": "x" * 3})
    assert client.get("/protected/")["Location"].startswith("/accounts/login/")


def test_fast_path_adds_no_query(client, user, django_assert_num_queries, settings):
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}  # so force_login is not held back
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = {}
    client.get("/protected/")
    with django_assert_num_queries(2):  # the session, the user: as without the app
        client.get("/protected/")
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "authsignal" not in m]
    with django_assert_num_queries(2):
        client.get("/protected/")


def test_anonymous_without_a_session_adds_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/plain/").content == b"plain"


def _request_with_mark(rf, mark: PendingRecord | None, path="/protected/"):
    request = rf.get(path)
    request.session = SessionStore()
    request.user = AnonymousUser()
    if mark:
        write(request, mark)
        request.session.save()  # as if it came back with its session cookie
        request.COOKIES[MARKER_COOKIE] = "1"  # and the marker set beside the record
    return request


def test_sync_and_async_gate_alike(rf):
    def view(request):
        return HttpResponse("ok")

    async def async_view(request):
        return HttpResponse("ok")

    sync_mw = AuthsignalSmsMiddleware(view)
    async_mw = AuthsignalSmsMiddleware(async_view)
    mark = make_record()
    assert sync_mw(_request_with_mark(rf, mark)).status_code == 302
    assert async_to_sync(async_mw)(_request_with_mark(rf, mark)).status_code == 302
    assert sync_mw(_request_with_mark(rf, None)).status_code == 200
    assert async_to_sync(async_mw)(_request_with_mark(rf, None)).status_code == 200
    blocked = make_record("blocked")
    assert async_to_sync(async_mw)(_request_with_mark(rf, blocked))["Location"] == "/mfa/denied/"
