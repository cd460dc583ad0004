"""The app's own error types: every failure to talk to Authsignal becomes one of these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class LoginWithoutRequest(PermissionDenied):
    """``login()`` ran without an HTTP request (a websocket login): the step cannot run there."""


class AuthsignalError(Exception):
    """Authsignal could not give a usable answer; ``reason`` is a short machine-readable cause."""

    reason = "error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def is_outage(self) -> bool:
        """Authsignal could not be reached, or failed (FAIL_OPEN applies only then)."""
        return False


class AuthsignalTimeout(AuthsignalError):
    reason = "timeout"

    @property
    def is_outage(self) -> bool:
        return True


class AuthsignalUnavailable(AuthsignalError):
    reason = "unavailable"

    @property
    def is_outage(self) -> bool:
        return True


class AuthsignalApiError(AuthsignalError):
    """Authsignal answered with an HTTP error status (4xx/5xx)."""

    reason = "http_error"

    @property
    def is_outage(self) -> bool:
        """A 5xx: Authsignal is there but failing. A 4xx (429 included) is an answer."""
        return (self.status or 0) >= 500

    @property
    def refuses_the_token(self) -> bool:
        """A 4xx about what was sent (an expired, invalid or garbage token), not an outage.

        A wrong secret key or region (401 ``unauthorized``), rate limiting and server errors are
        about Authsignal or the site's configuration, not about the token.
        """
        status = self.status or 0
        if not 400 <= status < 500 or status in (408, 429):
            return False
        return self.code != "unauthorized"


class AuthsignalMalformedResponse(AuthsignalError):
    """Authsignal answered 2xx, but not with the JSON the contract promises."""

    reason = "malformed"
