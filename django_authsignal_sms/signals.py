"""Signals sent for integrators. Every one is sent with ``sender=`` the app's config class."""

from __future__ import annotations

from django.dispatch import Signal

# Authsignal asked for a code. kwargs: request, user, idempotency_key.
challenge_required = Signal()

# The code was verified and the login is final. kwargs: request, user.
challenge_succeeded = Signal()

# The callback refused to finalise a login. kwargs: request, user_id (may be ""), reason.
challenge_failed = Signal()

# Authsignal said BLOCK (or a state the app does not know). kwargs: request, user, state.
login_blocked = Signal()

# Authsignal said REVIEW_REQUIRED and ON_REVIEW is "block". kwargs: request, user.
login_review = Signal()

# Authsignal could not be asked. kwargs: request, user (may be None), error, failed_open.
authsignal_error = Signal()
