"""Authsignal failing at each server call of a change of sign-in phone: the user gets a clear
page (never a 500) and keeps the old number, at Authsignal and on file; a new number that was
already verified is removed again, and a repair Authsignal cannot take now is made later."""

from __future__ import annotations

import pytest

from django_authsignal_sms.security import rollback
from django_authsignal_sms.security.state import CHANGE_KEY, PhoneChange
from tests.account.conftest import (
    CHANGE,
    NEW,
    OLD,
    OTHER,
    SECURITY,
    STEP_UP,
    VERIFY,
    enroll_and_verify,
    finish,
    keep_both,
    number_on_file,
    numbers_at_authsignal,
    started,
    step_up,
    type_number,
)

pytestmark = pytest.mark.django_db

MODES = ["status:503", "refuse", "html", "status:401"]


def assert_unchanged(emulator, user):
    assert numbers_at_authsignal(emulator, user) == [OLD]
    assert number_on_file(user) == OLD


def assert_refused_cleanly(response):
    assert response.status_code == 503
    assert b"not carried out" in response.content
    assert b'href="/mfa/security/"' in response.content


@pytest.mark.parametrize("route", ["get_authenticators", "track"])
def test_the_step_up_with_the_current_number(alice, live, member, route):
    live.set_fault("status:503", routes=[route], count=1)
    response = alice.get(CHANGE)
    assert response.status_code == 503
    assert b"We could not check this action" in response.content
    assert b'href="/mfa/security/"' in response.content  # "Go back": to the security page
    assert_unchanged(live, member)
    assert alice.get(CHANGE)["Location"] == STEP_UP  # once it is back, the step-up works


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("route", ["get_authenticators", "track"])
def test_starting_the_change(alice, live, member, route, mode):
    step_up(alice, live)
    live.set_fault(mode, routes=[route], count=1)

    response = type_number(alice, NEW)

    assert response.status_code == 503
    assert b"could not reach our sign-in service" in response.content
    assert CHANGE_KEY not in alice.session
    assert_unchanged(live, member)
    assert type_number(alice, NEW)["Location"] == VERIFY  # the step-up was not used up


# The final post: Authsignal may already have replaced the old number with the verified new
# one ("replaces"), or kept both ("keeps"); each failure is tried under each.
COMPLETION = [
    ("validate", "replaces"),
    ("validate", "keeps"),
    ("get_authenticators", "replaces"),
    ("get_authenticators", "keeps"),
    # Removing the old number only happens when Authsignal kept it.
    ("delete_authenticator", "keeps"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("route", "semantics"), COMPLETION)
def test_completing_the_change(alice, live, member, monkeypatch, route, semantics, mode, sent):
    if semantics == "keeps":
        keep_both(live, monkeypatch)
    final = enroll_and_verify(live, started(alice, live))
    live.set_fault(mode, routes=[route], count=1)

    response = finish(alice, final)

    assert_refused_cleanly(response)
    assert_unchanged(live, member)
    assert CHANGE_KEY not in alice.session
    assert sent["sign_in_phone_changed"] == []
    assert [s["reason"] for s in sent["sign_in_phone_change_failed"]] == ["unavailable"]
    assert finish(alice, final).status_code == 400  # the change is over: start again


def test_a_timeout_is_an_outage(alice, live, member, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "TIMEOUT": 0.5}
    final = enroll_and_verify(live, started(alice, live))
    live.set_fault("timeout", routes=["validate"], count=1)
    assert_refused_cleanly(finish(alice, final))
    assert_unchanged(live, member)


@pytest.mark.parametrize("semantics", ["replaces", "keeps"])
def test_a_repair_authsignal_cannot_take_now_is_made_at_the_next_visit(
    alice, live, member, monkeypatch, semantics, caplog
):
    if semantics == "keeps":
        keep_both(live, monkeypatch)
    final = enroll_and_verify(live, started(alice, live))
    live.set_fault("status:503")  # every call, the repair's too

    assert_refused_cleanly(finish(alice, final))
    assert number_on_file(member) == OLD
    assert any(r.authsignal_sms["event"] == "sign_in_phone_rollback_failed" for r in caplog.records)
    assert alice.get(SECURITY).status_code == 503  # still down: still owed

    live.clear_faults()
    page = alice.get(SECURITY)

    assert page.status_code == 200
    assert b"+15*******61" in page.content and b"+15*******62" not in page.content
    assert_unchanged(live, member)
    listed = live.stats()["requests"]["get_authenticators"]
    assert alice.get(SECURITY).status_code == 200
    assert live.stats()["requests"]["get_authenticators"] == listed + 1  # nothing owed any more


def test_a_repair_once_made_is_not_made_again(alice, live, member):
    """A repair left over must not undo a later, completed change."""
    final = enroll_and_verify(live, started(alice, live))
    live.set_fault("status:503")
    finish(alice, final)
    live.clear_faults()
    assert alice.get(SECURITY).status_code == 200  # the repair is made
    assert finish(alice, enroll_and_verify(live, started(alice, live)))["Location"] == SECURITY
    alice.get(SECURITY)
    assert numbers_at_authsignal(live, member) == [NEW]
    assert number_on_file(member) == NEW


def test_a_repair_owed_by_another_tab_does_not_undo_a_completed_change(alice, live, member):
    final = enroll_and_verify(live, started(alice, live))
    change = PhoneChange("pending", user_id=str(member.pk), old_phone=OLD, new_phone=OTHER)
    live.set_fault("status:503")
    rollback.put_back(change)  # another tab's change failed while Authsignal was down
    live.clear_faults()

    assert finish(alice, final)["Location"] == SECURITY
    assert alice.get(SECURITY).status_code == 200
    assert numbers_at_authsignal(live, member) == [NEW]
    assert number_on_file(member) == NEW


def test_a_removal_that_only_seems_to_work_is_made_again_later(alice, live, member, monkeypatch):
    """A proxy's 200 page for the removal of the new number, while putting the old one back."""
    keep_both(live, monkeypatch)
    enroll_and_verify(live, started(alice, live))
    live.set_fault("html", routes=["delete_authenticator"], count=1)

    alice.post("/mfa/security/phone/cancel/")

    assert numbers_at_authsignal(live, member) == [OLD, NEW]  # the removal did not happen
    assert alice.get(SECURITY).status_code == 200  # the owed repair is made
    assert_unchanged(live, member)
