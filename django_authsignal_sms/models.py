"""The app's own records: sign-ins held for review, and the staff permissions of its admin tools.

Nothing here is read during an ordinary login: a held review is written when Authsignal answers
``REVIEW_REQUIRED``, and read only then and in the admin (docs/admin-tools.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInReview(models.Model):
    """A sign-in Authsignal held for review, and what staff decided about it.

    An approval lets the user's *next* sign-in go on to the SMS code (once, before
    ``approval_expires_at``); the held sign-in itself never completes.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    STATUSES = [
        (PENDING, _("waiting for a decision")),
        (APPROVED, _("approved")),
        (REJECTED, _("rejected")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=64)
    # The held action at Authsignal (with the user id and the action code).
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    held_at = models.DateTimeField(_("held at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=STATUSES, default=PENDING, db_index=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    approval_expires_at = models.DateTimeField(_("approval expires at"), null=True, blank=True)
    used_at = models.DateTimeField(_("approval used at"), null=True, blank=True)
    # The idempotency key of the later action the approval let through to the code.
    used_for = models.CharField(_("approval used for"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("sign-in held for review")
        verbose_name_plural = _("sign-ins held for review")
        ordering = ("-held_at",)
        permissions = [
            ("decide_sign_in_review", _("Can approve or reject sign-ins held for review")),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.held_at:%Y-%m-%d %H:%M} ({self.status})"

    def approval_is_usable(self, now: datetime | None = None) -> bool:
        """Approved, not used yet, not expired."""
        now = now or timezone.now()
        return (
            self.status == self.APPROVED
            and self.used_at is None
            and self.approval_expires_at is not None
            and self.approval_expires_at > now
        )


class SignInTools(models.Model):
    """No table: it carries the permissions of the user admin's sign-in tools."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("user sign-in tools")
        verbose_name_plural = _("user sign-in tools")
        permissions = [
            ("view_sign_in_status", _("Can see a user's sign-in status at Authsignal")),
            ("reset_sign_in_phone", _("Can reset a user's sign-in phone")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


# The permissions as has_perm() takes them.
DECIDE_REVIEWS = "authsignal_sms.decide_sign_in_review"
VIEW_STATUS = "authsignal_sms.view_sign_in_status"
RESET_PHONE = "authsignal_sms.reset_sign_in_phone"


def staff_may(user: Any, *permissions: str) -> bool:
    """``user`` is active staff and holds one of ``permissions`` (superusers hold them all)."""
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    return any(user.has_perm(permission) for permission in permissions)
