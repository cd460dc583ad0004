"""What integrators hear from the flow: every signal with its documented kwargs and sender, and
every log record with its fields, exactly (the README's Signals table and log records)."""

from __future__ import annotations

import logging
import time

import pytest
import responses
from django.contrib.auth import get_user_model

from django_authsignal_sms import claims
from django_authsignal_sms.apps import AuthsignalSmsConfig
from django_authsignal_sms.flow import FINALISING
from django_authsignal_sms.record import PendingRecord
from tests.conftest import API, log_in, pending_mark
from tests.records import age_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.DEBUG, "django_authsignal_sms")

    def events(name=None):
        found = [r.authsignal_sms for r in caplog.records if hasattr(r, "authsignal_sms")]
        return [e for e in found if name is None or e["event"] == name]

    return events


def test_a_completed_challenge(client, user, authsignal, heard, logged):
    authsignal.on_track("CHALLENGE_REQUIRED")
    login = log_in(client, next_url="/protected/")
    authsignal.on_validate(str(user.pk))
    done = client.post("/mfa/callback/", {"token": "verified"})
    assert heard["challenge_required"] == [
        (
            AuthsignalSmsConfig,
            {"request": login.wsgi_request, "user": user, "idempotency_key": "idem-1"},
        )
    ]
    [(sender, kwargs)] = heard["challenge_succeeded"]
    assert sender is AuthsignalSmsConfig
    assert kwargs["request"] is done.wsgi_request
    assert kwargs["user"] == user and set(kwargs) == {"request", "user"}
    assert logged("tracked") == [
        {
            "event": "tracked",
            "user_id": user.pk,
            "state": "CHALLENGE_REQUIRED",
            "enrolled": True,
            "phone": "+15*******06",
        }
    ]
    assert logged("challenge_succeeded") == [
        {"event": "challenge_succeeded", "user_id": str(user.pk)}
    ]
    assert getattr(done.wsgi_request, FINALISING) is False


def failed(heard):
    return [(sender, kw["user_id"], kw["reason"]) for sender, kw in heard["challenge_failed"]]


def test_a_replayed_completion(pending, user, authsignal, heard, logged):
    claims.claim(PendingRecord(**pending_mark(pending)))  # another worker got there first
    response = pending.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 403
    assert failed(heard) == [(AuthsignalSmsConfig, str(user.pk), "replayed")]
    assert heard["challenge_failed"][0][1]["request"] is response.wsgi_request
    assert logged("challenge_failed") == [
        {"event": "challenge_failed", "user_id": str(user.pk), "reason": "replayed"}
    ]
    assert authsignal.calls_to("/validate") == []


def test_a_user_deleted_while_pending(pending, user, authsignal, heard):
    authsignal.on_validate(str(user.pk))
    get_user_model().objects.filter(pk=user.pk).delete()
    response = pending.post("/mfa/callback/", {"token": "verified"})
    assert response.status_code == 403
    assert failed(heard) == [(AuthsignalSmsConfig, str(user.pk), "user_gone")]


def test_too_many_resends(pending, user, heard, settings):
    settings.AUTHSIGNAL_SMS = {"MAX_RESENDS": 0, "RESEND_COOLDOWN": 0}
    pending.post("/mfa/resend/", {"first": "1"})
    response = pending.post("/mfa/resend/")
    assert response.status_code == 429
    assert failed(heard) == [(AuthsignalSmsConfig, str(user.pk), "too_many_resends")]


def test_an_expiry(pending, user, heard):
    age_record(pending, 601)
    response = pending.get("/protected/")
    assert failed(heard) == [(AuthsignalSmsConfig, str(user.pk), "expired")]
    assert heard["challenge_failed"][0][1]["request"] is response.wsgi_request


def test_a_user_who_cannot_get_a_code(client, user, authsignal, heard, logged):
    user.phone_number = ""
    user.save()
    authsignal.on_track("ALLOW", isEnrolled=False, enrolledVerificationMethods=[])
    login = log_in(client)
    assert heard["cannot_challenge"] == [
        (AuthsignalSmsConfig, {"request": login.wsgi_request, "user": user, "reason": "no_phone"})
    ]
    assert logged("cannot_challenge") == [
        {"event": "cannot_challenge", "user_id": user.pk, "reason": "no_phone"}
    ]


def test_an_outage_at_track(client, user, authsignal, heard, logged):
    authsignal.mock.upsert(responses.POST, f"{API}/users/{user.pk}/actions/signIn", status=503)
    login = log_in(client)
    [(sender, kwargs)] = heard["authsignal_error"]
    assert sender is AuthsignalSmsConfig
    assert kwargs["request"] is login.wsgi_request and kwargs["user"] == user
    assert kwargs["error"].status == 503 and kwargs["failed_open"] is False
    assert logged("authsignal_error") == [
        {
            "event": "authsignal_error",
            "user_id": str(user.pk),
            "reason": "http_error",
            "detail": "HTTP 503: no error code",
            "failed_open": False,
            "phone": "+15*******06",
        }
    ]


def test_an_outage_at_validate(pending, user, authsignal, heard, logged):
    authsignal.mock.upsert(responses.POST, f"{API}/validate", status=500)
    response = pending.post("/mfa/callback/", {"token": "t"}, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    [(sender, kwargs)] = heard["authsignal_error"]
    assert kwargs["request"] is response.wsgi_request and kwargs["user"] is None
    assert [e["user_id"] for e in logged("authsignal_error")] == [str(user.pk)]


def test_a_bug_while_deciding(client, user, authsignal, heard, caplog, monkeypatch):
    bug = RuntimeError("bug")

    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr("django_authsignal_sms.client.track_sign_in", broken)
    with caplog.at_level(logging.ERROR, "django_authsignal_sms"):
        login = log_in(client)
    [record] = [r for r in caplog.records if r.name == "django_authsignal_sms"]
    assert record.getMessage() == f"authsignal_sms unexpected error for user_id={user.pk}"
    assert record.exc_info and record.exc_info[1] is bug
    assert heard["authsignal_error"] == [
        (
            AuthsignalSmsConfig,
            {"request": login.wsgi_request, "user": user, "error": bug, "failed_open": False},
        )
    ]
    assert client.get("/mfa/denied/").status_code == 403


def test_the_resend_cooldown_is_exact(pending, settings):
    settings.AUTHSIGNAL_SMS = {"RESEND_COOLDOWN": 30}
    pending.post("/mfa/resend/", {"first": "1"})
    session = pending.session
    session["_authsignal_sms"]["sent_at"] = time.time() - 28.5  # 1 s and a half left
    session.save()
    answer = pending.post("/mfa/resend/")
    assert answer.status_code == 429 and answer.json()["wait"] == 1
    session = pending.session
    session["_authsignal_sms"]["sent_at"] = time.time() - 31
    session.save()
    assert pending.post("/mfa/resend/").json()["allowed"] is True
    assert pending.post("/mfa/resend/").status_code == 429  # the resend restarted the wait
