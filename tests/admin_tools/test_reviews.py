"""The review queue: held sign-ins recorded, decided by staff through update action, and an
approval spent once by the user's next sign-in (against the emulator, its default variant:
Authsignal's rules hold that next sign-in for review again)."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from authsignal.client import AuthsignalClient
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from django_authsignal_sms import reviews
from django_authsignal_sms.models import SignInReview
from django_authsignal_sms.testing import EMULATOR_SECRET_KEY
from tests.admin_tools.conftest import (
    CHANGELIST,
    REVIEW_RULES,
    decide,
    held_for_review,
    sign_in_with_code,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

APPROVE, REJECT = "approve_reviews", "reject_reviews"


@pytest.fixture
def reviewing(emulator, user):
    """alice (enrolled) is held for review at every sign-in, by Authsignal's rules."""
    emulator.set_rules(REVIEW_RULES)
    emulator.enroll_sms(str(user.pk), user.phone_number)
    return emulator


@pytest.fixture
def reviewer(make_staff, signed_in):
    staff = make_staff(
        "reviewer", "authsignal_sms.view_signinreview", "authsignal_sms.decide_sign_in_review"
    )
    return signed_in(staff)


def sdk(emulator):
    return AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)


def state_at_authsignal(emulator, review):
    action = sdk(emulator).get_action(str(review.user_id), review.action, review.idempotency_key)
    return action["state"]


def updates(emulator):
    return emulator.stats()["requests"]["update_action"]


# Recording


def test_a_sign_in_held_for_review_is_recorded(reviewing, user, sent, client):
    review = held_for_review(client)
    [signal] = sent["login_review"]
    assert signal["idempotency_key"] == review.idempotency_key
    assert (review.user, review.action, review.status) == (user, "signIn", "pending")
    assert review.ip_address == "127.0.0.1"
    assert state_at_authsignal(reviewing, review) == "REVIEW_REQUIRED"


def test_a_review_that_cannot_be_recorded_is_logged_and_still_refused(
    reviewing, client, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        from django.db import DatabaseError

        raise DatabaseError("no such table")

    monkeypatch.setattr(SignInReview.objects, "get_or_create", broken)
    with caplog.at_level(logging.ERROR, "django_authsignal_sms"):
        response = log_in(client, "alice")
    assert response["Location"] == "/mfa/denied/"
    assert any(r.authsignal_sms["event"] == "review_not_recorded" for r in caplog.records)


# The queue in the admin


def test_the_queue_lists_held_sign_ins_with_their_state(reviewing, reviewer, client):
    held_for_review(client)
    page = reviewer.get(CHANGELIST)
    assert page.status_code == 200
    assert b"alice" in page.content and b"waiting for a decision" in page.content
    assert reviewer.get(CHANGELIST, {"state": "rejected"}).content.count(b"alice") == 0


def test_approving_asks_for_confirmation_first(reviewing, reviewer, client):
    review = held_for_review(client)
    page = reviewer.post(CHANGELIST, {"action": APPROVE, "_selected_action": [review.pk]})
    assert page.status_code == 200
    assert b"Yes, approve" in page.content and b'name="post" value="yes"' in page.content
    review.refresh_from_db()
    assert review.status == "pending"
    assert updates(reviewing) == 0


def test_an_approval_is_recorded_here_and_at_authsignal(
    reviewing, reviewer, client, sent, settings
):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "REVIEW_APPROVAL_LIFETIME": 3600}
    review = held_for_review(client)
    response = decide(reviewer, APPROVE, review)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "approved"
    assert review.decided_by.username == "reviewer"
    assert review.approval_expires_at - review.decided_at == timedelta(hours=1)
    assert state_at_authsignal(reviewing, review) == "REVIEW_SUCCEEDED"
    [signal] = sent["sign_in_review_decided"]
    assert (signal["review"], signal["approved"], signal["by"].username) == (
        review,
        True,
        "reviewer",
    )


def test_a_rejection_is_recorded_here_and_at_authsignal(reviewing, reviewer, client):
    review = held_for_review(client)
    decide(reviewer, REJECT, review)
    review.refresh_from_db()
    assert (review.status, review.approval_expires_at) == ("rejected", None)
    assert state_at_authsignal(reviewing, review) == "REVIEW_FAILED"
    assert held_for_review(Client())  # the next sign-in is judged as usual


def test_an_approval_lets_the_next_sign_in_go_on_to_the_code_once(
    reviewing, reviewer, client, sent
):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    signing_in = Client()
    done = sign_in_with_code(signing_in, reviewing)
    assert done["Location"] == "/protected/"
    assert signing_in.session[SESSION_KEY] == str(review.user_id)
    review.refresh_from_db()
    assert review.used_at is not None
    assert review.used_for and review.used_for != review.idempotency_key
    [used] = sent["sign_in_review_used"]
    assert used["review"] == review
    # The held sign-in itself never completes; the approval is spent.
    assert state_at_authsignal(reviewing, review) == "REVIEW_SUCCEEDED"
    held_for_review(Client())


# Attacks on the queue


def test_staff_without_the_permission_cannot_decide(reviewing, make_staff, signed_in, client):
    review = held_for_review(client)
    viewer = signed_in(make_staff("viewer", "authsignal_sms.view_signinreview"))
    page = viewer.get(CHANGELIST)
    assert page.status_code == 200 and APPROVE.encode() not in page.content
    decide(viewer, APPROVE, review)
    review.refresh_from_db()
    assert review.status == "pending"
    assert updates(reviewing) == 0
    with pytest.raises(PermissionDenied):
        reviews.decide(review, "approved", viewer_user(viewer))


def viewer_user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


def test_a_non_staff_user_with_the_permission_cannot_decide(
    reviewing, make_staff, signed_in, client
):
    review = held_for_review(client)
    outsider = make_staff("outsider", "authsignal_sms.decide_sign_in_review", is_staff=False)
    response = decide(signed_in(outsider), APPROVE, review)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        reviews.decide(review, "approved", outsider)
    review.refresh_from_db()
    assert review.status == "pending"
    assert updates(reviewing) == 0


def test_approving_twice_changes_nothing_the_second_time(reviewing, reviewer, client):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    first = SignInReview.objects.get(pk=review.pk)
    page = decide(reviewer, APPROVE, review)
    assert page.status_code == 302
    again = SignInReview.objects.get(pk=review.pk)
    assert (again.decided_at, again.approval_expires_at) == (
        first.decided_at,
        first.approval_expires_at,
    )
    assert updates(reviewing) == 1
    messages = [m.message for m in reviewer.get(CHANGELIST).context["messages"]]
    assert any("already decided" in m for m in messages)


def test_a_rejected_review_cannot_be_approved(reviewing, reviewer, client):
    review = held_for_review(client)
    decide(reviewer, REJECT, review)
    decide(reviewer, APPROVE, review)
    review.refresh_from_db()
    assert review.status == "rejected"
    assert state_at_authsignal(reviewing, review) == "REVIEW_FAILED"
    held_for_review(Client())


def test_one_approval_lets_one_sign_in_through_not_two(reviewing, reviewer, client):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    first, second = Client(), Client()
    assert log_in(first, "alice")["Location"].startswith("/mfa/challenge/")
    held_for_review(second)  # while the first still waits for its code
    assert SignInReview.objects.filter(status="approved", used_at=None).count() == 0


def test_an_approval_is_for_its_own_user_only(reviewing, reviewer, client, bob):
    reviewing.enroll_sms(str(bob.pk), bob.phone_number)
    review = held_for_review(client, "alice")
    decide(reviewer, APPROVE, review)
    held_for_review(Client(), "bob")
    review.refresh_from_db()
    assert review.used_at is None
    assert sign_in_with_code(Client(), reviewing, "alice")["Location"] == "/protected/"


def test_an_expired_approval_lets_nothing_through(reviewing, reviewer, client, monkeypatch):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    review.refresh_from_db()
    later = review.approval_expires_at + timedelta(seconds=1)
    monkeypatch.setattr(reviews, "timezone", SimpleNamespace(now=lambda: later))
    before = updates(reviewing)
    held_for_review(Client())
    assert updates(reviewing) == before
    review.refresh_from_db()
    assert review.used_at is None


def test_an_approval_is_not_spent_on_a_sign_in_that_cannot_get_a_code(reviewing, reviewer, client):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    sdk_client = sdk(reviewing)
    [phone] = sdk_client.get_authenticators(str(review.user_id))
    sdk_client.delete_authenticator(str(review.user_id), phone["user_authenticator_id"])
    sdk_client.enroll_verified_authenticator(
        str(review.user_id), {"verificationMethod": "EMAIL_OTP", "email": "alice@example.com"}
    )
    held_for_review(Client())
    review.refresh_from_db()
    assert review.used_at is None


# Authsignal failing, or deciding elsewhere


def test_an_outage_while_approving_keeps_the_review_waiting(reviewing, reviewer, client):
    review = held_for_review(client)
    reviewing.set_fault("status:503", routes=["update_action"])
    response = decide(reviewer, APPROVE, review)
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.decided_by) == ("pending", None)
    messages = [m.message for m in reviewer.get(CHANGELIST).context["messages"]]
    assert any("could not be told" in m for m in messages)


def test_an_outage_when_the_approval_is_spent_refuses_and_keeps_it(
    reviewing, reviewer, client, settings
):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "FAIL_OPEN": True}
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    reviewing.set_fault("refuse", routes=["update_action"])
    signing_in = Client()
    assert log_in(signing_in, "alice")["Location"] == "/mfa/denied/"
    assert SESSION_KEY not in signing_in.session
    assert b"could not check" in signing_in.get("/mfa/denied/").content.lower()
    review.refresh_from_db()
    assert review.used_at is None
    reviewing.clear_faults()
    assert sign_in_with_code(Client(), reviewing)["Location"] == "/protected/"


def test_a_review_decided_in_authsignal_s_portal_is_not_overturned(reviewing, reviewer, client):
    review = held_for_review(client)
    sdk(reviewing).update_action(
        str(review.user_id), "signIn", review.idempotency_key, {"state": "REVIEW_FAILED"}
    )
    decide(reviewer, APPROVE, review)
    review.refresh_from_db()
    assert review.status == "pending"
    assert state_at_authsignal(reviewing, review) == "REVIEW_FAILED"


def test_a_review_authsignal_no_longer_has_cannot_be_decided(reviewing, reviewer, client):
    review = held_for_review(client)
    reviewing.advance_clock(2 * 3600)  # the emulator keeps an action an hour after its last use
    decide(reviewer, APPROVE, review)
    review.refresh_from_db()
    assert review.status == "pending"
    messages = [m.message for m in reviewer.get(CHANGELIST).context["messages"]]
    assert any("no longer has" in m for m in messages)


def test_deciding_is_logged(reviewing, reviewer, client, caplog):
    review = held_for_review(client)
    with caplog.at_level(logging.INFO, "django_authsignal_sms"):
        decide(reviewer, APPROVE, review)
    [record] = [r for r in caplog.records if r.authsignal_sms["event"] == "review_decided"]
    assert record.authsignal_sms["decision"] == "approved"
    assert record.authsignal_sms["idempotency_key"] == review.idempotency_key


def test_state_filters(reviewing, reviewer, client, monkeypatch):
    review = held_for_review(client)
    decide(reviewer, APPROVE, review)
    assert b"alice" in reviewer.get(CHANGELIST, {"state": "approved"}).content
    SignInReview.objects.filter(pk=review.pk).update(
        approval_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert b"alice" in reviewer.get(CHANGELIST, {"state": "expired"}).content
    assert b"alice" not in reviewer.get(CHANGELIST, {"state": "approved"}).content
