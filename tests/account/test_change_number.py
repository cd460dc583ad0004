"""Changing the sign-in phone: a code to the current number, the new number typed (E.164), a
code to the new number, then the number replaced at Authsignal and on file, with a signal and a
log record for the old number's owner. Every ending that does not complete keeps the old one."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from django.contrib.messages import get_messages

from django_authsignal_sms.security.state import CHANGE_KEY
from django_authsignal_sms.stepup.state import DONE_KEY
from django_authsignal_sms.testing import VARIANTS
from tests import client_api
from tests.account import hooks
from tests.account.conftest import (
    CANCEL,
    CHANGE,
    FAILED,
    NEW,
    OLD,
    RESEND,
    SECURITY,
    STEP_UP,
    VERIFY,
    change_number,
    enroll_and_verify,
    finish,
    number_on_file,
    numbers_at_authsignal,
    started,
    step_up,
    token_on,
    type_number,
)

pytestmark = pytest.mark.django_db


def assert_unchanged(emulator, user, client=None):
    assert numbers_at_authsignal(emulator, user) == [OLD]
    assert number_on_file(user) == OLD
    if client is not None:
        assert CHANGE_KEY not in client.session


def test_a_change_replaces_the_number_at_authsignal_and_on_file(
    alice, live, member, semantics, sent, caplog
):
    caplog.set_level(logging.INFO, "django_authsignal_sms")
    response = change_number(alice, live)

    assert response.status_code == 302 and response["Location"] == SECURITY
    assert numbers_at_authsignal(live, member) == [NEW]
    assert number_on_file(member) == NEW
    assert [m["to"] for m in live.outbox()] == [OLD, NEW]
    [changed] = sent["sign_in_phone_changed"]
    assert changed["user"] == member
    assert (changed["masked_old_phone"], changed["masked_new_phone"]) == (
        "+15*******61",
        "+15*******62",
    )
    [record] = [r for r in caplog.records if r.authsignal_sms["event"] == "sign_in_phone_changed"]
    assert record.authsignal_sms["old"] == "+15*******61"
    assert record.authsignal_sms["new"] == "+15*******62"
    assert not any(OLD in r.getMessage() or NEW in r.getMessage() for r in caplog.records)
    notices = [str(m) for m in get_messages(response.wsgi_request)]
    assert notices == ["Your sign-in phone is now +15*******62."]
    assert CHANGE_KEY not in alice.session


@pytest.mark.parametrize(
    "typed",
    ["021 123 4567", "15005550062", "+0211234567", "+1", "phone", "+150055500621234567", ""],
)
def test_the_new_number_must_be_in_international_format(alice, live, member, typed):
    step_up(alice, live)
    tracks = live.stats()["requests"]["track"]

    response = type_number(alice, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert "international format" in page or "This field is required" in page
    assert 'aria-invalid="true"' in page
    assert live.stats()["requests"]["track"] == tracks  # no token was made
    assert_unchanged(live, member, alice)
    assert type_number(alice, NEW)["Location"] == VERIFY  # the step-up still holds


def test_spaces_dashes_and_brackets_are_allowed(alice, live, member):
    token = started(alice, live, "+1 (500) 555-0062")
    assert finish(alice, enroll_and_verify(live, token))["Location"] == SECURITY
    assert number_on_file(member) == NEW


def test_the_current_number_is_not_a_new_one(alice, live, member):
    step_up(alice, live)
    response = type_number(alice, OLD)
    assert response.status_code == 400
    assert b"This is already your sign-in phone." in response.content
    assert_unchanged(live, member, alice)


def test_one_step_up_allows_one_change(alice, live, member):
    change_number(alice, live)
    response = alice.get(CHANGE)
    assert response["Location"] == STEP_UP
    assert type_number(alice, "+15005550063")["Location"] == STEP_UP
    assert number_on_file(member) == NEW


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
def test_a_code_to_the_current_number_is_asked_even_when_the_rules_allow_the_action(
    alice, live, member, allow_verified
):
    live.set_rules({"defaultState": {"changeSignInPhone": "ALLOW"}})
    live.set_variants({"allow_verified": allow_verified})
    step_up(alice, live)
    assert [m["to"] for m in live.outbox()] == [OLD]
    assert type_number(alice, NEW)["Location"] == VERIFY


def test_an_unconfirmed_code_to_the_current_number_allows_nothing(alice, live, member):
    """The step-up's own token, not verified, posted to the step-up's callback."""
    live.set_rules({"defaultState": {"changeSignInPhone": "ALLOW"}})
    alice.get(CHANGE)
    token = token_on(alice.get(STEP_UP))
    alice.post("/mfa/step-up/callback/", {"token": token})
    assert alice.get(CHANGE)["Location"] == STEP_UP
    assert type_number(alice, NEW)["Location"] == STEP_UP


def scopes_of(token: str) -> set[str]:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return set(claims["scope"].split())


def test_only_the_new_numbers_code_page_carries_a_token_that_can_add_a_number(alice, live):
    pages = [alice.get(SECURITY), alice.get(CHANGE)]
    step_up_page = alice.get(STEP_UP)
    pages.append(step_up_page)
    final = live.pass_challenge(token_on(step_up_page))
    alice.post("/mfa/step-up/callback/", {"token": final})
    pages.append(alice.get(CHANGE))
    before = {token for page in pages for token in client_api.tokens_in(page.content)}
    assert before and all("add:authenticators" not in scopes_of(t) for t in before)

    type_number(alice, NEW)
    token = token_on(alice.get(VERIFY))
    assert "add:authenticators" in scopes_of(token)


@pytest.mark.parametrize("verified", [False, True], ids=["before", "after verifying"])
def test_cancelling_keeps_the_old_number(alice, live, member, semantics, verified, sent):
    token = started(alice, live)
    if verified:
        enroll_and_verify(live, token)
    response = alice.post(CANCEL)
    assert response.status_code == 302 and response["Location"] == SECURITY
    assert_unchanged(live, member, alice)
    assert [s["reason"] for s in sent["sign_in_phone_change_failed"]] == ["cancelled"]
    assert sent["sign_in_phone_changed"] == []


def test_too_many_wrong_codes_end_the_change_and_keep_the_old_number(alice, live, member, settings):
    token = started(alice, live)
    client_api.enroll(live.base_url, token, NEW)
    for _ in range(settings.AUTHSIGNAL_SMS.get("MAX_FAILED_VERIFICATIONS", 5) - 1):
        assert alice.post(FAILED).json()["attempts_left"] > 0
    ended = alice.post(FAILED).json()
    assert ended["ended"] is True and ended["redirect"] == SECURITY
    assert_unchanged(live, member, alice)


def test_the_page_sends_the_first_code_once(alice, live):
    started(alice, live)
    assert alice.post(RESEND, {"first": "1"}).json()["allowed"] is True
    assert alice.post(RESEND, {"first": "1"}).json()["reason"] == "already_sent"


def test_the_new_numbers_code_page_names_the_number_typed(alice, live):
    token = started(alice, live)
    page = alice.get(VERIFY).content.decode()
    assert f'data-phone-number="{NEW}"' in page
    assert NEW in page and OLD not in page
    assert f'data-token="{token}"' in page


def test_a_token_not_verified_changes_nothing(alice, live, member, sent):
    token = started(alice, live)
    client_api.enroll(live.base_url, token, NEW)  # a code went, but nobody typed it
    response = finish(alice, token)
    assert response.status_code == 403
    assert b"not carried out" in response.content
    assert_unchanged(live, member, alice)
    assert [s["reason"] for s in sent["sign_in_phone_change_failed"]] == ["not_valid"]


def test_a_change_left_too_long_expires(alice, live, member, settings):
    token = started(alice, live)
    final = enroll_and_verify(live, token)
    session = alice.session
    session[CHANGE_KEY] = {**session[CHANGE_KEY], "started": 1.0}
    session.save()
    response = finish(alice, final)
    assert response.status_code == 400
    assert_unchanged(live, member, alice)


def test_a_setter_hook_saves_the_number_where_the_site_keeps_it(alice, live, member, settings):
    hooks.SAVED.clear()
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "PHONE_NUMBER_SETTER": "tests.account.hooks.save_elsewhere",
    }
    change_number(alice, live)
    assert hooks.SAVED == [("alice", NEW)]
    assert number_on_file(member) == OLD  # the hook decides where the number goes
    assert numbers_at_authsignal(live, member) == [NEW]


def test_a_failing_hook_undoes_the_change(alice, live, member, settings, semantics, caplog):
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "PHONE_NUMBER_SETTER": "tests.account.hooks.broken",
    }
    response = change_number(alice, live)
    assert response.status_code == 503
    assert b"not carried out" in response.content
    assert_unchanged(live, member, alice)
    assert any("phone number was not saved" in r.getMessage() for r in caplog.records)


def test_starting_a_change_uses_up_the_step_up(alice, live):
    started(alice, live)
    assert CHANGE_KEY in alice.session
    assert "changeSignInPhone" not in alice.session.get(DONE_KEY, {})


@pytest.mark.parametrize(
    ("state", "reason", "title"),
    [
        ("BLOCK", "step_up_blocked", b"Action refused"),
        ("REVIEW_REQUIRED", "step_up_review", b"held"),
    ],
)
def test_the_rules_can_refuse_a_new_number(alice, live, member, sent, state, reason, title):
    """The tenant's rules see the operation in the custom data."""
    live.set_rules(
        {
            "rules": [
                {
                    "id": "no-new-numbers",
                    "action": "changeSignInPhone",
                    "when": {"custom.operation": {"eq": "new_number"}},
                    "state": state,
                }
            ]
        }
    )
    step_up(alice, live)
    response = type_number(alice, NEW)
    assert response.status_code == 403
    assert title in response.content
    assert [s["reason"] for s in sent["step_up_refused"]] == [reason]
    assert_unchanged(live, member, alice)
