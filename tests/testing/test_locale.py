"""The track's `locale` on the emulator: kept on the action, shown on each code sent for it (the
language Authsignal would write the message in)."""

from __future__ import annotations

import pytest
import requests
from authsignal.client import ApiException

from tests.conftest import PASSWORD, log_in
from tests.emulator_fixtures import PHONE, challenged, client_post, enroll


def test_each_code_sent_for_an_action_carries_its_tracks_locale(emulator, sdk):
    enroll(sdk, "u1")
    tracked = sdk.track("u1", "signIn", {"locale": "pt-BR"})
    for _send in range(2):
        assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 200
    assert [message["locale"] for message in emulator.outbox()] == ["pt-BR", "pt-BR"]
    over_http = requests.get(f"{emulator.url}/_emulator/outbox", timeout=5).json()
    assert [message["locale"] for message in over_http] == ["pt-BR", "pt-BR"]


def test_a_track_without_locale_gives_codes_without_one(emulator, sdk):
    challenged(sdk, emulator)
    [message] = emulator.outbox()
    assert message["locale"] is None


def test_each_action_keeps_its_own_locale(emulator, sdk):
    enroll(sdk, "u1")
    for locale in ("ja", "de"):
        tracked = sdk.track("u1", "signIn", {"locale": locale})
        assert client_post(emulator, tracked["token"], "challenge/sms").status_code == 200
    assert [message["locale"] for message in emulator.outbox(to=PHONE)] == ["ja", "de"]


def test_a_locale_that_is_not_a_string_is_refused(emulator, sdk):
    with pytest.raises(ApiException) as refused:
        sdk.track("u1", "signIn", {"locale": ["es"]})
    assert (refused.value.status_code, refused.value.error_code) == (400, "invalid_request")


@pytest.mark.django_db
def test_a_sign_in_in_japanese_sends_its_code_in_japanese(emulator, client, django_user_model):
    """The app's track carries the page's language; the emulator's outbox shows it."""
    user = django_user_model.objects.create_user("alice", password=PASSWORD, phone_number=PHONE)
    emulator.enroll_sms(str(user.pk), PHONE)
    emulator.set_rules({"defaultState": {"signIn": "CHALLENGE_REQUIRED"}})
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    page = client.get(log_in(client)["Location"])
    emulator.pass_challenge(page.context["token"])
    [message] = emulator.outbox(user_id=str(user.pk))
    assert message["locale"] == "ja"
