"""What a change of sign-in phone asks of Authsignal, as the emulator answers it through the
app's own client: sms.enroll needs add:authenticators once a user has a number, a verified
enrollment is listed with createdAt, verifiedAt and lastVerifiedAt, and removing it works (a
removal of an unknown id is a 404)."""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient

from django_authsignal_sms import client
from django_authsignal_sms.exceptions import AuthsignalApiError
from tests import client_api
from tests.account.conftest import NEW, OLD
from tests.emulator_fixtures import EMULATOR_SECRET_KEY

pytestmark = pytest.mark.django_db


def track(emulator, user, scope=None):
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    return sdk.track(str(user.pk), "changeSignInPhone", {"scope": scope} if scope else {})["token"]


def test_a_second_number_needs_a_token_with_add_authenticators(live, member):
    refused = client_api.enroll(live.base_url, track(live, member), NEW)
    assert refused["error"] == "unauthorized"
    assert live.outbox(to=NEW) == []
    enrolled = client_api.enroll(live.base_url, track(live, member, "add:authenticators"), NEW)
    assert enrolled["userAuthenticatorId"]
    assert len(live.outbox(to=NEW)) == 1


def test_a_verified_number_is_listed_with_when_it_was_added_and_used(live, member):
    token = track(live, member, "add:authenticators")
    client_api.enroll(live.base_url, token, NEW)
    assert [phone.phone_number for phone in client.sign_in_phones(str(member.pk))] == [OLD]
    live.advance_clock(60)
    client_api.verify(live.base_url, token, live.latest_code(to=NEW))

    [phone] = [p for p in client.sign_in_phones(str(member.pk)) if p.phone_number == NEW]

    assert phone.is_verified
    assert phone.created_at < phone.verified_at <= phone.last_verified_at
    assert phone.created_at.endswith("Z")


def test_a_number_can_be_removed_once(live, member):
    [phone] = client.sign_in_phones(str(member.pk))
    client.delete_authenticator(str(member.pk), phone.authenticator_id)
    assert client.sign_in_phones(str(member.pk)) == []
    with pytest.raises(AuthsignalApiError) as refused:
        client.delete_authenticator(str(member.pk), phone.authenticator_id)
    assert refused.value.status == 404
