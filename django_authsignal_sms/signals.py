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

# Authsignal said REVIEW_REQUIRED and ON_REVIEW is "block". kwargs: request, user,
# idempotency_key (the held action's; the review queue records it).
login_review = Signal()

# Authsignal could not be asked. kwargs: request, user (may be None), error, failed_open.
authsignal_error = Signal()

# The app enrolled the number on file as the user's SMS authenticator (first enrollment).
# kwargs: request, user, masked_phone.
sms_enrolled = Signal()

# A user who must pass a code cannot get one: no usable number on file ("no_phone") or only
# methods other than SMS enrolled ("sms_only"). kwargs: request, user, reason.
cannot_challenge = Signal()

# The number on file is not the enrolled SMS authenticator's; codes still go to the enrolled one.
# kwargs: request, user, masked_phone, masked_enrolled (list).
phone_mismatch = Signal()

# Too many pending logins were started lately for this user or this client IP (MAX_PENDING_PER_*).
# kwargs: request, user, scope ("user" or "ip").
login_rate_limited = Signal()

# Step-up (django_authsignal_sms.stepup), each with the action code.
# Authsignal asked for a code before the action. kwargs: request, user, action, idempotency_key.
step_up_required = Signal()

# The code was validated; the action may run for max_age seconds. kwargs: request, user, action.
step_up_succeeded = Signal()

# The step-up was not completed (a refused code, expiry, a limit). kwargs: request, user_id,
# action (may be ""), reason.
step_up_failed = Signal()

# Authsignal refused the action, or no code can be sent for it. kwargs: request, user, action,
# reason ("step_up_blocked", "step_up_review", "step_up_unavailable").
step_up_refused = Signal()

# The security page (django_authsignal_sms.security): the user's sign-in phone. Numbers masked.
# The sign-in phone was changed; tell the old number's owner (an email is the site's choice).
# kwargs: request, user, masked_old_phone, masked_new_phone.
sign_in_phone_changed = Signal()

# A change of sign-in phone did not complete; the old number stays. kwargs: request, user_id,
# reason.
sign_in_phone_change_failed = Signal()

# The user removed their sign-in phone (SECURITY_ALLOW_REMOVE). kwargs: request, user,
# masked_phone.
sign_in_phone_removed = Signal()

# The admin tools and the review queue (docs/admin-tools.md). ``by`` is the staff user who
# acted, or None for a management command; ``request`` is None there too.
# A user's sign-in status was read from Authsignal. kwargs: request, user, by.
sign_in_status_viewed = Signal()

# Staff reset a user's sign-in phone: their SMS authenticators were deleted, so their next login
# enrolls the number on file. kwargs: request, user, by, masked_phones (the deleted numbers).
sign_in_phone_reset = Signal()

# Staff approved or rejected a sign-in held for review. kwargs: request, review, by, approved.
sign_in_review_decided = Signal()

# An approval let the user's next sign-in (held for review again) go on to the SMS code.
# kwargs: request, user, review.
sign_in_review_used = Signal()
