"""The middleware's async path holds a login and keeps the marker cookie, as the sync one does."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse, HttpResponseRedirect

from django_authsignal_sms.middleware import AuthsignalSmsMiddleware
from django_authsignal_sms.record import MARKER_COOKIE

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def browser_request(rf, path="/accounts/login/"):
    request = rf.post(path)
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


def test_an_async_stack_holds_the_login(rf, user, authsignal):
    authsignal.on_track("CHALLENGE_REQUIRED")

    async def login_view(request):
        await sync_to_async(login)(request, user, backend=BACKEND)
        return HttpResponseRedirect("/protected/")

    response = async_to_sync(AuthsignalSmsMiddleware(login_view))(browser_request(rf))
    assert response.status_code == 302
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"
    assert response.cookies[MARKER_COOKIE].value == "1"


def test_an_async_stack_removes_a_stale_marker(rf):
    async def plain_view(request):
        return HttpResponse("plain")

    request = browser_request(rf, "/plain/")
    request.session.save()
    request.COOKIES[MARKER_COOKIE] = "1"
    response = async_to_sync(AuthsignalSmsMiddleware(plain_view))(request)
    assert response.content == b"plain"
    assert response.cookies[MARKER_COOKIE].value == ""
