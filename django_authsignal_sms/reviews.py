"""Sign-ins held for review: recorded when Authsignal says ``REVIEW_REQUIRED``, decided by staff
through update action, and an approval spent, once, by the user's next sign-in.

Whether Authsignal's rules remember an approval is not documented. If they do, the next track is
``CHALLENGE_REQUIRED`` and nothing here is needed. If they judge it again and hold it for review
once more, ``let_through`` spends the user's approval on that new action: it moves the action to
``CHALLENGE_REQUIRED`` (state changes come through update action) and the sign-in goes on to the
SMS code like any other. The held sign-in itself never completes. docs/admin-tools.md explains
the choices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from . import client, signals
from .apps import AuthsignalSmsConfig
from .attributes import USER_AGENT_LIMIT, client_ip
from .client import TrackResult
from .conf import app_settings
from .exceptions import AuthsignalApiError, AuthsignalError, AuthsignalMalformedResponse
from .log import log_event
from .models import DECIDE_REVIEWS, SignInReview, staff_may

HELD = "REVIEW_REQUIRED"
DECIDED_STATES = {SignInReview.APPROVED: "REVIEW_SUCCEEDED", SignInReview.REJECTED: "REVIEW_FAILED"}
# How many of a user's approvals a sign-in tries, when others are being spent at the same time.
APPROVALS_TRIED = 5

Outcome = Literal["approved", "rejected", "already_decided", "decided_elsewhere", "gone", "error"]


# Recording: the login_review receiver (connected in apps.py)


def record_held_review(
    sender: Any,
    request: HttpRequest,
    user: AbstractBaseUser,
    idempotency_key: str = "",
    **kwargs: Any,
) -> None:
    """One ``SignInReview`` per sign-in held for review; a database problem is logged, not
    raised: the sign-in is refused either way."""
    if not idempotency_key:
        return
    try:
        with transaction.atomic():
            SignInReview.objects.get_or_create(
                idempotency_key=idempotency_key,
                defaults={
                    "user_id": user.pk,
                    "action": app_settings.ACTION,
                    "ip_address": client_ip(request),
                    "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LIMIT],
                },
            )
    except DatabaseError as error:
        log_event(
            "review_not_recorded", logging.ERROR, user_id=user.pk, reason=type(error).__name__
        )
        return
    log_event("review_held", user_id=user.pk, idempotency_key=idempotency_key)


# Deciding: staff, from the admin


@dataclass(frozen=True)
class Decision:
    """What became of one review: ``outcome`` is what happened, ``detail`` says why not."""

    review: SignInReview
    outcome: Outcome
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.outcome in ("approved", "rejected")


class DecidedElsewhere(Exception):
    """Authsignal has the action in another state already (decided in its portal)."""


def decide(
    review: SignInReview, status: str, by: AbstractBaseUser, request: HttpRequest | None = None
) -> Decision:
    """Approve (``SignInReview.APPROVED``) or reject a review still waiting for a decision.

    The review is claimed in the database and Authsignal's action updated in one transaction:
    a second decision, at the same time or later, finds nothing to claim, and if Authsignal
    cannot be told the review stays as it was.
    """
    if not staff_may(by, DECIDE_REVIEWS):
        raise PermissionDenied
    if status not in DECIDED_STATES:
        raise ValueError(f"status must be one of {', '.join(DECIDED_STATES)}")
    try:
        decided = _claim_and_settle(review, status, by)
    except DecidedElsewhere as error:
        return _not_decided(review, by, "decided_elsewhere", str(error))
    except AuthsignalError as error:
        gone = isinstance(error, AuthsignalApiError) and error.status == 404
        return _not_decided(review, by, "gone" if gone else "error", str(error))
    if decided is None:
        current = SignInReview.objects.filter(pk=review.pk).first()
        detail = current.get_status_display() if current else "deleted"
        return _not_decided(current or review, by, "already_decided", str(detail))
    approved = decided.status == SignInReview.APPROVED
    log_event(
        "review_decided",
        logging.WARNING,
        user_id=decided.user_id,
        idempotency_key=decided.idempotency_key,
        decision=decided.status,
        by=by.pk,
    )
    signals.sign_in_review_decided.send(
        AuthsignalSmsConfig, request=request, review=decided, by=by, approved=approved
    )
    return Decision(decided, "approved" if approved else "rejected")


def _claim_and_settle(
    review: SignInReview, status: str, by: AbstractBaseUser
) -> SignInReview | None:
    now = timezone.now()
    lifetime = timedelta(seconds=app_settings.REVIEW_APPROVAL_LIFETIME)
    expires = now + lifetime if status == SignInReview.APPROVED else None
    with transaction.atomic():
        claimed = SignInReview.objects.filter(pk=review.pk, status=SignInReview.PENDING).update(
            status=status, decided_at=now, decided_by=by, approval_expires_at=expires
        )
        if not claimed:
            return None
        decided = SignInReview.objects.get(pk=review.pk)
        _settle_at_authsignal(decided, DECIDED_STATES[status])
    return decided


def _settle_at_authsignal(review: SignInReview, state: str) -> None:
    """The held action becomes ``state``, unless it was decided already (then it must agree)."""
    user_id, key = str(review.user_id), review.idempotency_key
    current = client.action_state(user_id, review.action, key)
    if current == state:
        return
    if current != HELD:
        raise DecidedElsewhere(f"Authsignal has this sign-in as {current}")
    if client.update_action_state(user_id, review.action, key, state) != state:
        raise AuthsignalMalformedResponse(f"update action did not set {state}")


def _not_decided(
    review: SignInReview, by: AbstractBaseUser, outcome: Outcome, detail: str
) -> Decision:
    log_event(
        "review_not_decided",
        logging.WARNING,
        user_id=review.user_id,
        idempotency_key=review.idempotency_key,
        outcome=outcome,
        detail=detail,
        by=by.pk,
    )
    return Decision(review, outcome, detail)


# Spending an approval: flow._decide, on a sign-in held for review again


def let_through(request: HttpRequest, user: AbstractBaseUser, result: TrackResult) -> bool:
    """Spend one of the user's approvals on this ``REVIEW_REQUIRED`` sign-in, if they have one:
    the action becomes ``CHALLENGE_REQUIRED`` and the sign-in goes on to the code.

    Only a sign-in that can get a code spends one. Raises ``AuthsignalError`` when Authsignal
    cannot be told (the approval is then kept).
    """
    if not result.token or not result.has_sms:
        return False
    try:
        review = _spend_approval(user, result)
    except DatabaseError as error:
        log_event("review_check_failed", logging.ERROR, user_id=user.pk, reason=str(error))
        return False
    if review is None:
        return False
    log_event(
        "review_approval_used",
        logging.WARNING,
        user_id=user.pk,
        idempotency_key=result.idempotency_key,
        review=review.pk,
    )
    signals.sign_in_review_used.send(AuthsignalSmsConfig, request=request, user=user, review=review)
    return True


def _spend_approval(user: AbstractBaseUser, result: TrackResult) -> SignInReview | None:
    now = timezone.now()
    usable = (
        SignInReview.objects.filter(
            user_id=user.pk,
            action=app_settings.ACTION,
            status=SignInReview.APPROVED,
            used_at=None,
            approval_expires_at__gt=now,
        )
        .filter(no_sign_in_since_the_decision())
        .order_by("decided_at")
    )
    for review in usable[:APPROVALS_TRIED]:
        with transaction.atomic():
            # Single use: of two sign-ins at once, one updates the row, the other finds it used.
            spent = SignInReview.objects.filter(pk=review.pk, used_at=None).update(
                used_at=now, used_for=result.idempotency_key
            )
            if spent:
                _challenge_instead(str(user.pk), result.idempotency_key)
                review.used_at, review.used_for = now, result.idempotency_key
                return review
    return None


def no_sign_in_since_the_decision() -> Q:
    """The user has completed no sign-in since the approval: their next one is still to come.

    If Authsignal remembers an approval, the next sign-in gets a code without the app's help;
    once it completes (``last_login``, which the app writes only for completed sign-ins), the
    approval is spent all the same.
    """
    if "last_login" not in {field.name for field in get_user_model()._meta.concrete_fields}:
        return Q()
    return Q(user__last_login__isnull=True) | Q(user__last_login__lt=F("decided_at"))


def _challenge_instead(user_id: str, idempotency_key: str) -> None:
    state = client.update_action_state(
        user_id, app_settings.ACTION, idempotency_key, "CHALLENGE_REQUIRED"
    )
    if state != "CHALLENGE_REQUIRED":
        raise AuthsignalMalformedResponse("update action did not set CHALLENGE_REQUIRED")
