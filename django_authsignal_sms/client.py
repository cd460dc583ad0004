"""The one place that talks to Authsignal's server API, through the official SDK.

It reuses one SDK client (and so its keep-alive connections) per process and covers the pitfalls
of authsignal 4.1: the SDK's own timeout is never applied, a ``None``
value in a body hangs the call, a reply whose Content-Type is not exactly ``application/json``
raises ``AttributeError``, and keys are sent as given (so they must be camelCase).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authsignal.client import ApiException, AuthsignalClient
from requests.adapters import HTTPAdapter

from .conf import app_settings
from .exceptions import (
    AuthsignalApiError,
    AuthsignalError,
    AuthsignalMalformedResponse,
    AuthsignalTimeout,
    AuthsignalUnavailable,
)

# A user id no site has: the app sends primary keys (integers, UUIDs), never a name like this.
PROBE_USER_ID = "django-authsignal-sms:doctor-probe"


@dataclass(frozen=True)
class TrackResult:
    state: str
    idempotency_key: str
    token: str
    is_enrolled: bool
    enrolled_methods: tuple[str, ...]
    allowed_methods: tuple[str, ...] = ()
    default_method: str = ""  # defaultVerificationMethod, when Authsignal names one

    @property
    def has_sms(self) -> bool:
        """``isEnrolled`` counts any method; only an SMS authenticator can receive a code."""
        return "SMS" in self.enrolled_methods


@dataclass(frozen=True)
class ValidationResult:
    is_valid: bool
    state: str | None
    user_id: str | None
    action: str | None
    idempotency_key: str | None
    verification_method: str | None = None


@dataclass(frozen=True)
class SmsAuthenticator:
    authenticator_id: str
    phone_number: str
    last_verified_at: str


@dataclass(frozen=True)
class Authenticator:
    """Any authenticator, as far as the first enrollment's proof needs it."""

    authenticator_id: str
    verification_method: str
    last_verified_at: str


class TimeoutAdapter(HTTPAdapter):
    """Applies our timeout: requests hands the SDK's session ``timeout=None`` explicitly."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


@functools.lru_cache(maxsize=4)
def _sdk_client(api_url: str, secret_key: str, timeout: float) -> AuthsignalClient:
    client = AuthsignalClient(secret_key, api_url=api_url, timeout=timeout)
    adapter = TimeoutAdapter(timeout)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    _settle_environment(client.session, api_url)
    return client


def _settle_environment(session: requests.Session, api_url: str) -> None:
    """Read proxy and CA-bundle settings for ``api_url`` from the environment once, now.

    ``requests`` would read them again on every call (``trust_env``): the same answer for a
    fixed environment, at a cost on every login.
    """
    session.proxies.update(requests.utils.get_environ_proxies(api_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


def get_sdk_client() -> AuthsignalClient:
    """The process-wide SDK client for the current settings."""
    return _sdk_client(app_settings.API_URL, app_settings.SECRET_KEY, app_settings.TIMEOUT)


def track_sign_in(user_id: str, attributes: Mapping[str, Any]) -> TrackResult:
    return track_action(user_id, app_settings.ACTION, attributes)


def track_action(user_id: str, action: str, attributes: Mapping[str, Any]) -> TrackResult:
    """Track ``action`` for the user; Authsignal's rules answer with a state."""
    _check_user_id(user_id)
    body = _without_none(attributes)
    data = _call(lambda sdk: sdk.track(user_id, action, body))
    return TrackResult(
        state=_required_str(data, "state"),
        idempotency_key=_required_str(data, "idempotency_key"),
        token=_optional_str(data, "token") or "",
        is_enrolled=bool(data.get("is_enrolled", False)),
        enrolled_methods=_methods(data, "enrolled_verification_methods"),
        allowed_methods=_methods(data, "allowed_verification_methods"),
        default_method=_optional_str(data, "default_verification_method") or "",
    )


def enroll_sms(user_id: str, phone_number: str) -> SmsAuthenticator:
    """Enroll ``phone_number`` as the user's SMS authenticator, server-side: no code is sent."""
    _check_user_id(user_id)
    body = {"verificationMethod": "SMS", "phoneNumber": phone_number}
    data = _call(lambda sdk: sdk.enroll_verified_authenticator(user_id, body))
    authenticator = _sms_authenticator(data.get("authenticator"))
    if authenticator is None:
        raise AuthsignalMalformedResponse("enroll reply has no SMS authenticator")
    return authenticator


def enroll_email(user_id: str, email: str) -> Authenticator:
    """Enroll ``email`` as the user's email OTP authenticator, server-side: no code is sent."""
    _check_user_id(user_id)
    body = {"verificationMethod": "EMAIL_OTP", "email": email}
    data = _call(lambda sdk: sdk.enroll_verified_authenticator(user_id, body))
    authenticator = _authenticator(data.get("authenticator"))
    if authenticator is None or authenticator.verification_method != "EMAIL_OTP":
        raise AuthsignalMalformedResponse("enroll reply has no email OTP authenticator")
    return authenticator


def authenticators(user_id: str) -> list[Authenticator]:
    """The user's authenticators as Authsignal has them, whatever their method."""
    _check_user_id(user_id)
    data = _call(lambda sdk: sdk.get_authenticators(user_id), expect=list)
    found = (_authenticator(item) for item in data)
    return [authenticator for authenticator in found if authenticator is not None]


def sms_authenticators(user_id: str) -> list[SmsAuthenticator]:
    """The user's SMS authenticators as Authsignal has them."""
    _check_user_id(user_id)
    data = _call(lambda sdk: sdk.get_authenticators(user_id), expect=list)
    found = (_sms_authenticator(item) for item in data)
    return [authenticator for authenticator in found if authenticator is not None]


def validate_challenge(token: str, user_id: str, action: str) -> ValidationResult:
    body = {"token": token, "userId": user_id, "action": action}
    data = _call(lambda sdk: sdk.validate_challenge(body))
    if not isinstance(data.get("is_valid"), bool):
        raise AuthsignalMalformedResponse("validate reply has no boolean isValid")
    return ValidationResult(
        is_valid=data["is_valid"],
        state=_optional_str(data, "state"),
        user_id=_optional_str(data, "user_id"),
        action=_optional_str(data, "action"),
        idempotency_key=_optional_str(data, "idempotency_key"),
        verification_method=_optional_str(data, "verification_method"),
    )


def read_probe_user(timeout: float) -> None:
    """One read-only server-API call, to check the secret key and the region URL.

    ``GET /users/{PROBE_USER_ID}``: Authsignal answers it for any user id, known or not, and it
    changes nothing there. Raises the app's errors, as a login's calls do.
    """
    if not app_settings.SECRET_KEY:
        raise AuthsignalError("AUTHSIGNAL_SECRET_KEY is not set")
    sdk = _sdk_client(app_settings.API_URL, app_settings.SECRET_KEY, timeout)
    # _call hands over the process-wide client; this one has the caller's timeout instead.
    _call(lambda _process_client: sdk.get_user(PROBE_USER_ID))


def _call(operation: Callable[[AuthsignalClient], Any], expect: type = dict) -> Any:
    try:
        data = operation(get_sdk_client())
    except ApiException as exc:
        raise _translate(exc) from exc
    except AttributeError as exc:
        # The SDK only sets ``decamelized_content`` for ``Content-Type: application/json``.
        raise AuthsignalMalformedResponse("reply is not application/json") from exc
    if not isinstance(data, expect):
        raise AuthsignalMalformedResponse(f"reply is not a JSON {expect.__name__}")
    return data


def _translate(exc: ApiException) -> AuthsignalError:
    cause = exc.__cause__
    if isinstance(cause, requests.Timeout):
        return AuthsignalTimeout(f"no answer within {app_settings.TIMEOUT}s")
    if isinstance(cause, requests.exceptions.InvalidJSONError):
        return AuthsignalMalformedResponse("reply is not valid JSON")
    if exc.status_code is not None:
        return AuthsignalApiError(
            f"HTTP {exc.status_code}: {exc.error_code or 'no error code'}",
            status=exc.status_code,
            code=exc.error_code,
        )
    return AuthsignalUnavailable(f"cannot reach Authsignal: {type(cause).__name__}")


def _check_user_id(user_id: str) -> None:
    # The SDK quotes path parameters but keeps "/", which would change the path.
    if not user_id or "/" in user_id:
        raise AuthsignalError(f"user id {user_id!r} cannot be sent to Authsignal")


def _without_none(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in attributes.items() if value is not None}


def _required_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise AuthsignalMalformedResponse(f"reply has no {key}")
    return value


def _methods(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(str(method) for method in value)


def _sms_authenticator(data: Any) -> SmsAuthenticator | None:
    if not isinstance(data, dict) or data.get("verification_method") != "SMS":
        return None
    return SmsAuthenticator(
        authenticator_id=_optional_str(data, "user_authenticator_id") or "",
        phone_number=_optional_str(data, "phone_number") or "",
        last_verified_at=_optional_str(data, "last_verified_at") or "",
    )


def _authenticator(data: Any) -> Authenticator | None:
    if not isinstance(data, dict) or not isinstance(data.get("verification_method"), str):
        return None
    return Authenticator(
        authenticator_id=_optional_str(data, "user_authenticator_id") or "",
        verification_method=data["verification_method"],
        last_verified_at=_optional_str(data, "last_verified_at") or "",
    )


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


# The security page: the user's sign-in phones in full, and removing one.


@dataclass(frozen=True)
class SignInPhone:
    """An SMS authenticator as the security page shows it (timestamps as Authsignal gives them:
    ISO 8601, UTC; ``""`` when absent)."""

    authenticator_id: str
    phone_number: str
    created_at: str
    verified_at: str
    last_verified_at: str

    @property
    def is_verified(self) -> bool:
        return bool(self.verified_at or self.last_verified_at)


def sign_in_phones(user_id: str) -> list[SignInPhone]:
    """The user's SMS authenticators, with when each was added, verified and last used."""
    _check_user_id(user_id)
    data = _call(lambda sdk: sdk.get_authenticators(user_id), expect=list)
    return [
        SignInPhone(
            authenticator_id=_optional_str(item, "user_authenticator_id") or "",
            phone_number=_optional_str(item, "phone_number") or "",
            created_at=_optional_str(item, "created_at") or "",
            verified_at=_optional_str(item, "verified_at") or "",
            last_verified_at=_optional_str(item, "last_verified_at") or "",
        )
        for item in data
        if isinstance(item, dict) and item.get("verification_method") == "SMS"
    ]


def delete_authenticator(user_id: str, authenticator_id: str) -> None:
    """Remove one of the user's authenticators (the SDK returns nothing on success)."""
    _check_user_id(user_id)
    if not authenticator_id or "/" in authenticator_id:
        raise AuthsignalError(f"authenticator id {authenticator_id!r} cannot be sent")
    _call(lambda sdk: sdk.delete_authenticator(user_id, authenticator_id), expect=type(None))


# The admin tools (docs/admin-tools.md): a user's enrollment, and a held action's state.


@dataclass(frozen=True)
class UserEnrollment:
    """What Authsignal says about a user: enrolled at all (any method), and with which methods."""

    is_enrolled: bool
    enrolled_methods: tuple[str, ...]


def user_enrollment(user_id: str) -> UserEnrollment:
    """``GET /users/{userId}``: an unknown user is not an error, just not enrolled."""
    _check_user_id(user_id)
    data = _call(lambda sdk: sdk.get_user(user_id))
    if not isinstance(data.get("is_enrolled"), bool):
        raise AuthsignalMalformedResponse("get user reply has no boolean isEnrolled")
    return UserEnrollment(
        is_enrolled=data["is_enrolled"],
        enrolled_methods=_methods(data, "enrolled_verification_methods"),
    )


def action_state(user_id: str, action: str, idempotency_key: str) -> str:
    """The state of one tracked action (``GET .../actions/{action}/{idempotencyKey}``)."""
    _check_action_key(user_id, idempotency_key)
    data = _call(lambda sdk: sdk.get_action(user_id, action, idempotency_key))
    return _required_str(data, "state")


def update_action_state(user_id: str, action: str, idempotency_key: str, state: str) -> str:
    """Set a tracked action's state (``PATCH``, body ``{state}``); returns the state it has now."""
    _check_action_key(user_id, idempotency_key)
    body = {"state": state}
    data = _call(lambda sdk: sdk.update_action(user_id, action, idempotency_key, body))
    return _required_str(data, "state")


def _check_action_key(user_id: str, idempotency_key: str) -> None:
    _check_user_id(user_id)
    if not idempotency_key or "/" in idempotency_key:
        raise AuthsignalError(f"idempotency key {idempotency_key!r} cannot be sent to Authsignal")
