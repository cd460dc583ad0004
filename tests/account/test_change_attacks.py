"""Attacks on a change of sign-in phone: without the step-up with the current number, with a
stale one (past its max_age, or from another session), for another user, with a final token for
another number than the one typed, with a replayed final token or another action's. Each leaves
the old number in place, at Authsignal and on file."""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient
from django.test import Client

from django_authsignal_sms.security.state import CHANGE_KEY
from django_authsignal_sms.stepup.state import DONE_KEY
from tests import client_api
from tests.account.conftest import (
    CHANGE,
    NEW,
    OLD,
    OTHER,
    SECURITY,
    STEP_UP,
    STEP_UP_CALLBACK,
    VERIFY,
    change_number,
    enroll_and_verify,
    finish,
    keep_both,
    make_member,
    number_on_file,
    numbers_at_authsignal,
    sign_in,
    started,
    step_up,
    token_on,
    type_number,
)
from tests.emulator_fixtures import EMULATOR_SECRET_KEY

pytestmark = pytest.mark.django_db

BOB_OLD = "+15005550071"
BOB_NEW = "+15005550072"


def assert_unchanged(emulator, user, number=OLD):
    assert numbers_at_authsignal(emulator, user) == [number]
    assert number_on_file(user) == number


# Without the step-up with the current number


def test_the_form_cannot_be_posted_without_the_step_up(alice, live, member):
    response = type_number(alice, NEW)
    assert response.status_code == 302 and response["Location"] == STEP_UP
    assert CHANGE_KEY not in alice.session
    assert alice.get(VERIFY).status_code == 400
    assert [m["to"] for m in live.outbox()] == []
    assert_unchanged(live, member)


def test_a_step_up_for_another_action_does_not_count(alice, live, member):
    step_up(alice, live)
    session = alice.session
    session[DONE_KEY] = {"transferMoney": session[DONE_KEY]["changeSignInPhone"]}
    session.save()
    assert type_number(alice, NEW)["Location"] == STEP_UP
    assert_unchanged(live, member)


def test_a_step_up_to_remove_does_not_allow_a_change(alice, live, member, settings):
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "SECURITY_ALLOW_REMOVE": True,
        "REQUIRE_ENROLLMENT": "none",
    }
    alice.post("/mfa/security/phone/remove/")
    final = live.pass_challenge(token_on(alice.get(STEP_UP)))
    alice.post(STEP_UP_CALLBACK, {"token": final})
    assert alice.get(CHANGE)["Location"] == STEP_UP
    assert_unchanged(live, member)


# A stale step-up


def test_a_step_up_older_than_its_max_age_is_not_enough(alice, live, member, settings):
    step_up(alice, live)
    session = alice.session
    entry = session[DONE_KEY]["changeSignInPhone"]
    entry["at"] -= settings.AUTHSIGNAL_SMS.get("SECURITY_STEP_UP_MAX_AGE", 180) + 1
    session.save()
    assert type_number(alice, NEW)["Location"] == STEP_UP
    assert CHANGE_KEY not in alice.session
    assert_unchanged(live, member)


def test_the_max_age_is_a_setting(alice, live, member, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SECURITY_STEP_UP_MAX_AGE": 30}
    step_up(alice, live)
    session = alice.session
    session[DONE_KEY]["changeSignInPhone"]["at"] -= 31
    session.save()
    assert type_number(alice, NEW)["Location"] == STEP_UP


def test_a_step_up_from_another_session_is_not_enough(alice, live, member, settings):
    step_up(alice, live)
    other = sign_in(Client(), member, settings)
    session = other.session
    session[DONE_KEY] = alice.session[DONE_KEY]
    session.save()
    assert type_number(other, NEW)["Location"] == STEP_UP
    assert CHANGE_KEY not in other.session
    assert_unchanged(live, member)


def test_a_login_ends_the_step_up_and_a_change_under_way(alice, live, member, settings):
    token = started(alice, live)
    final = enroll_and_verify(live, token)
    session = alice.session
    session.cycle_key()  # what login() does to the session
    session.save()
    alice.cookies["sessionid"] = session.session_key
    response = finish(alice, final)
    assert response.status_code == 400
    assert alice.get(CHANGE)["Location"] == STEP_UP


# Another user


@pytest.fixture
def bob(live, settings, db):
    user = make_member(live, "bob", BOB_OLD)
    return user, sign_in(Client(), user, settings)


def test_a_step_up_of_one_user_is_nothing_for_another(alice, live, member, bob):
    bob_user, bob_client = bob
    step_up(alice, live)
    session = bob_client.session
    session[DONE_KEY] = alice.session[DONE_KEY]
    session.save()
    assert type_number(bob_client, BOB_NEW)["Location"] == STEP_UP
    assert_unchanged(live, bob_user, BOB_OLD)


def test_a_final_token_of_one_user_does_not_change_anothers_number(alice, live, member, bob, sent):
    bob_user, bob_client = bob
    alice_final = enroll_and_verify(live, started(alice, live))
    bob_token = started(bob_client, live, BOB_NEW, BOB_OLD)
    client_api.enroll(live.base_url, bob_token, BOB_NEW)

    response = finish(bob_client, alice_final)

    assert response.status_code == 403
    assert_unchanged(live, bob_user, BOB_OLD)
    [failed] = sent["sign_in_phone_change_failed"]
    assert failed["reason"] in ("not_valid", "wrong_user")  # Authsignal refuses it, or we do
    assert finish(alice, alice_final)["Location"] == SECURITY  # alice's own is intact
    assert number_on_file(member) == NEW


def test_a_pending_change_of_one_user_does_nothing_in_anothers_session(alice, live, member, bob):
    bob_user, bob_client = bob
    alice_final = enroll_and_verify(live, started(alice, live))
    session = bob_client.session
    session[CHANGE_KEY] = alice.session[CHANGE_KEY]
    session.save()

    assert bob_client.get(VERIFY).status_code == 400
    response = finish(bob_client, alice_final)

    assert response.status_code == 400
    assert CHANGE_KEY not in bob_client.session
    assert_unchanged(live, bob_user, BOB_OLD)
    assert number_on_file(member) == OLD
    assert numbers_at_authsignal(live, member) in ([NEW], [NEW, OLD])  # alice's, untouched
    assert finish(alice, alice_final)["Location"] == SECURITY


# The number verified is not the number typed


def test_a_final_token_for_another_number_than_the_one_typed(alice, live, member, semantics, sent):
    token = started(alice, live, NEW)
    final = enroll_and_verify(live, token, OTHER)  # the script enrolls another number

    response = finish(alice, final)

    assert response.status_code == 403
    assert_unchanged(live, member)
    assert [s["reason"] for s in sent["sign_in_phone_change_failed"]] == ["wrong_number"]
    assert sent["sign_in_phone_changed"] == []


def test_a_second_number_verified_beside_the_one_typed_is_refused(alice, live, member, monkeypatch):
    keep_both(live, monkeypatch)
    token = started(alice, live, NEW)
    enroll_and_verify(live, token, OTHER)
    final = enroll_and_verify(live, token, NEW)
    assert finish(alice, final).status_code == 403
    assert_unchanged(live, member)


# Replayed and misdirected tokens


def test_a_replayed_final_token_changes_nothing_more(alice, live, member, sent):
    token = started(alice, live)
    final = enroll_and_verify(live, token)
    assert finish(alice, final)["Location"] == SECURITY
    sent.clear()

    response = finish(alice, final)

    assert response.status_code == 400
    assert numbers_at_authsignal(live, member) == [NEW]  # not undone either
    assert number_on_file(member) == NEW
    assert sent["sign_in_phone_changed"] == []


def test_a_final_token_replayed_into_the_next_change_is_refused(alice, live, member, sent):
    first = enroll_and_verify(live, started(alice, live))
    finish(alice, first)
    started(alice, live, OTHER, NEW)
    sent.clear()

    response = finish(alice, first)

    assert response.status_code == 403
    assert_unchanged(live, member, NEW)
    [failed] = sent["sign_in_phone_change_failed"]
    assert failed["reason"] == "wrong_idempotency_key"


def test_a_final_token_completes_its_change_once_across_workers(alice, live, member, sent):
    token = started(alice, live)
    final = enroll_and_verify(live, token)
    held = alice.session[CHANGE_KEY]
    assert finish(alice, final)["Location"] == SECURITY
    session = alice.session
    session[CHANGE_KEY] = held  # a second worker that read the change before the first ended it
    session.save()
    sent.clear()

    response = finish(alice, final)

    assert response.status_code == 403
    assert [s["reason"] for s in sent["sign_in_phone_change_failed"]] == ["replayed"]
    assert numbers_at_authsignal(live, member) == [NEW]  # the first completion is not undone
    assert number_on_file(member) == NEW


def test_the_step_ups_token_is_not_a_final_token(alice, live, member, sent):
    alice.get(CHANGE)
    step_up_final = live.pass_challenge(token_on(alice.get(STEP_UP)))
    alice.post(STEP_UP_CALLBACK, {"token": step_up_final})
    type_number(alice, NEW)

    assert finish(alice, step_up_final).status_code == 403
    assert_unchanged(live, member)
    [failed] = sent["sign_in_phone_change_failed"]
    assert failed["reason"] == "wrong_idempotency_key"  # the same action, another track


def test_a_login_token_is_not_a_final_token(alice, live, member, sent):
    login_token = live.pass_challenge(live_sign_in_token(live, member))
    started(alice, live)
    assert finish(alice, login_token).status_code == 403
    assert_unchanged(live, member)
    [failed] = sent["sign_in_phone_change_failed"]
    assert failed["reason"] in ("not_valid", "wrong_action")  # Authsignal refuses it, or we do


def live_sign_in_token(emulator, user):
    """A sign-in's track token, as the login's code page gets it."""
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    return sdk.track(str(user.pk), "signIn", {})["token"]


def test_a_forged_token_is_refused_without_touching_the_number(alice, live, member):
    started(alice, live)
    assert finish(alice, "eyJhbGciOiJIUzI1NiJ9.e30.forged").status_code == 403
    assert_unchanged(live, member)


def test_a_whole_change_still_works_after_the_attacks(alice, live, member):
    assert change_number(alice, live)["Location"] == SECURITY
    assert number_on_file(member) == NEW
