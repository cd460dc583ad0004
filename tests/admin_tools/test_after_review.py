"""Whether Authsignal's rules remember an approval is undocumented: the app on each variant of
the emulator's ``after_review``. Either way an approved user's next sign-in goes on to the SMS
code, once, and the one after it is judged by the rules again."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from django_authsignal_sms.models import SignInReview
from django_authsignal_sms.testing import VARIANTS
from tests.admin_tools.conftest import REVIEW_RULES, decide, held_for_review, sign_in_with_code

pytestmark = pytest.mark.django_db

# What the app does with its approval on the next sign-in, by variant.
APPROVAL_AFTER_THE_NEXT_SIGN_IN = {
    # The rules hold it for review again: the app spends its approval on it.
    "reviews_again": "used",
    # Authsignal challenges it by itself: the app's approval is not needed and stays unused.
    "remembers": "unused",
}


def test_every_value_is_covered_here():
    assert tuple(APPROVAL_AFTER_THE_NEXT_SIGN_IN) == VARIANTS["after_review"]


@pytest.mark.parametrize("variant", VARIANTS["after_review"])
def test_an_approved_user_signs_in_with_a_code_once(
    emulator, user, make_staff, signed_in, variant, sent
):
    emulator.set_variants({"after_review": variant})
    emulator.set_rules(REVIEW_RULES)
    emulator.enroll_sms(str(user.pk), user.phone_number)
    review = held_for_review(Client())
    reviewer = signed_in(make_staff("reviewer", "authsignal_sms.decide_sign_in_review"))
    decide(reviewer, "approve_reviews", review)

    signing_in = Client()
    assert sign_in_with_code(signing_in, emulator)["Location"] == "/protected/"
    assert signing_in.session[SESSION_KEY] == str(user.pk)
    [message] = emulator.outbox()
    assert message["to"] == user.phone_number

    review.refresh_from_db()
    spent = review.used_at is not None
    assert spent == (APPROVAL_AFTER_THE_NEXT_SIGN_IN[variant] == "used")
    assert len(sent["sign_in_review_used"]) == int(spent)
    # The sign-in after that one is the rules' again: held for review, a new review recorded.
    held_for_review(Client())
    assert SignInReview.objects.filter(user=user, status="pending").count() == 1


@pytest.mark.parametrize("variant", VARIANTS["after_review"])
def test_without_an_approval_the_next_sign_in_is_held_again(emulator, user, variant):
    emulator.set_variants({"after_review": variant})
    emulator.set_rules(REVIEW_RULES)
    emulator.enroll_sms(str(user.pk), user.phone_number)
    held_for_review(Client())
    held_for_review(Client())
    assert SignInReview.objects.filter(user=user).count() == 2
    assert emulator.outbox() == []
