"""Removing the sign-in phone: offered only where the site allows it (SECURITY_ALLOW_REMOVE) and
its enrollment policy does not require a second factor of the user; a code to the number first."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from django_authsignal_sms.security import rollback
from django_authsignal_sms.security.state import PhoneChange
from tests.account.conftest import (
    OLD,
    REMOVE,
    SECURITY,
    STEP_UP,
    STEP_UP_CALLBACK,
    number_on_file,
    numbers_at_authsignal,
    token_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def allowed(settings):
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "SECURITY_ALLOW_REMOVE": True,
        "REQUIRE_ENROLLMENT": "none",
    }


def test_removing_is_not_offered_by_default(alice, live, member):
    assert b"Remove number" not in alice.get(SECURITY).content
    assert alice.post(REMOVE).status_code == 404
    assert numbers_at_authsignal(live, member) == [OLD]


def test_nor_to_a_user_the_site_requires_a_second_factor_of(alice, live, member, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SECURITY_ALLOW_REMOVE": True}
    assert b"Remove number" not in alice.get(SECURITY).content
    assert alice.post(REMOVE).status_code == 404
    assert numbers_at_authsignal(live, member) == [OLD]


def test_removing_takes_a_code_to_the_number_first(alice, live, member, allowed, sent):
    assert b"Remove number" in alice.get(SECURITY).content
    response = alice.post(REMOVE)
    assert response["Location"] == STEP_UP
    assert numbers_at_authsignal(live, member) == [OLD]

    final = live.pass_challenge(token_on(alice.get(STEP_UP)))
    assert [m["to"] for m in live.outbox()] == [OLD]
    back = alice.post(STEP_UP_CALLBACK, {"token": final})
    assert back["Location"] == SECURITY  # the POST is never replayed: the user presses again
    assert b"Please submit the form again." in alice.get(SECURITY).content
    removed = alice.post(REMOVE)

    assert removed["Location"] == SECURITY
    assert numbers_at_authsignal(live, member) == []
    assert number_on_file(member) == OLD  # the site's own contact number is the site's
    assert [s["masked_phone"] for s in sent["sign_in_phone_removed"]] == ["+15*******61"]
    assert [str(m) for m in get_messages(removed.wsgi_request)] == [
        "Your sign-in phone was removed."
    ]
    assert b'id="authsignal-sms-no-phone"' in alice.get(SECURITY).content


def test_a_step_up_removes_once(alice, live, member, allowed):
    alice.post(REMOVE)
    alice.post(STEP_UP_CALLBACK, {"token": live.pass_challenge(token_on(alice.get(STEP_UP)))})
    alice.post(REMOVE)
    live.enroll_sms(str(member.pk), OLD)  # enrolled again, e.g. at the next sign-in
    assert alice.post(REMOVE)["Location"] == STEP_UP
    assert numbers_at_authsignal(live, member) == [OLD]


def test_an_outage_while_removing_is_a_clear_page(alice, live, member, allowed):
    alice.post(REMOVE)
    alice.post(STEP_UP_CALLBACK, {"token": live.pass_challenge(token_on(alice.get(STEP_UP)))})
    live.set_fault("status:503", routes=["delete_authenticator"])
    response = alice.post(REMOVE)
    assert response.status_code == 503
    assert b"not carried out" in response.content
    live.clear_faults()
    assert alice.post(REMOVE)["Location"] == SECURITY  # the step-up was not used up
    assert numbers_at_authsignal(live, member) == []


def test_a_repair_owed_by_another_tab_does_not_bring_the_number_back(alice, live, member, allowed):
    alice.post(REMOVE)
    alice.post(STEP_UP_CALLBACK, {"token": live.pass_challenge(token_on(alice.get(STEP_UP)))})
    live.set_fault("status:503")
    rollback.put_back(PhoneChange("pending", user_id=str(member.pk), old_phone=OLD))
    live.clear_faults()

    assert alice.post(REMOVE)["Location"] == SECURITY
    assert b'id="authsignal-sms-no-phone"' in alice.get(SECURITY).content
    assert numbers_at_authsignal(live, member) == []
