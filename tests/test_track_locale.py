"""The track tells Authsignal the user's language (`locale`, a BCP 47 tag), for a sign-in and for
a step-up: the language the page is in, so Authsignal's own messages can match it."""

from __future__ import annotations

import re

import pytest
import responses
from django.test import Client
from django.utils import translation

from django_authsignal_sms.attributes import sign_in_attributes
from tests.conftest import API, log_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept_language", "locale"),
    [("es", "es"), ("pt-BR", "pt-BR"), ("ja,en;q=0.5", "ja"), ("de-AT", "de"), ("en-GB", "en-GB")],
)
def test_the_sign_in_track_sends_the_pages_language(user, authsignal, accept_language, locale):
    authsignal.on_track("CHALLENGE_REQUIRED")
    log_in(Client(headers={"Accept-Language": accept_language}))
    [body] = authsignal.track_bodies()
    assert body["locale"] == locale


def test_the_step_up_track_sends_it_too(client, user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "ENABLED": True}
    track = re.compile(rf"{re.escape(API)}/users/[^/]+/actions/changeEmail")
    authsignal.mock.upsert(responses.POST, track, json=challenge_required())
    page = client.get("/stepup-tests/email/", headers={"Accept-Language": "fr"})
    assert page.status_code == 302 and "/mfa/step-up/" in page["Location"]
    [body] = authsignal.track_bodies()
    assert body["locale"] == "fr"


def test_no_locale_when_translation_is_off(user, authsignal, settings):
    settings.USE_I18N = False
    authsignal.on_track("CHALLENGE_REQUIRED")
    log_in(Client(headers={"Accept-Language": "es"}))
    [body] = authsignal.track_bodies()
    assert "locale" not in body


def test_no_locale_when_translation_is_deactivated(rf, user):
    with translation.override(None):
        assert sign_in_attributes(rf.get("/"), user)["locale"] is None
    with translation.override("zh-hans"):
        assert sign_in_attributes(rf.get("/"), user)["locale"] == "zh-Hans"


def challenge_required() -> dict:
    return {
        "state": "CHALLENGE_REQUIRED",
        "idempotencyKey": "idem-step-up",
        "token": "track-token-step-up",
        "isEnrolled": True,
        "enrolledVerificationMethods": ["SMS"],
        "allowedVerificationMethods": ["SMS"],
    }
