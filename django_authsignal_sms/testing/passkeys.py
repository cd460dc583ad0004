"""Passkeys on the client API, as `@authsignal/browser` 1.16's `passkey.signUp` and
`passkey.signIn` call it: registration options, then the new credential (a PASSKEY
authenticator); authentication options, then the signed assertion (the action's challenge
passed); and the challenge a sign-in without a token starts with. The WebAuthn checks are done
for real, in ``ceremony``.

With a token (signUp, and signIn for MFA or step-up), everything is the token's action: a
verified passkey moves it on as a verified code does (CHALLENGE_SUCCEEDED) and returns an
accessToken for it. Without one (signIn for a sign-in, with an `action` or autofill), the passkey
says who the user is, and a new action is created for them, already CHALLENGE_SUCCEEDED.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from . import ceremony
from .state import (
    ACTION_CODE,
    Action,
    ActionKey,
    ApiError,
    Authenticator,
    Ceremony,
    Decision,
    PasskeyCredential,
    Reply,
    Request,
    Token,
    User,
    add_scope_required,
    invalid_request,
)
from .store import ACCESS_SCOPES, Store
from .tenant import open_states, passkey_failure_is_error, state_after_verify

if TYPE_CHECKING:
    from .dispatch import RouteSpec
    from .server import EmulatorServer

METHOD = "PASSKEY"
# The action a sign-in without a token gets when the page names none (the docs' example name).
DEFAULT_SIGN_IN_ACTION = "signInWithPasskey"
ATTACHMENTS = ("platform", "cross-platform")


def registration_options(emulator: EmulatorServer, request: Request) -> Reply:
    """Options for `navigator.credentials.create()`, for the token's user."""
    token, store = request.bearer, emulator.store
    _passkey_action(emulator, token)
    _require_add_scope(store, token)
    attachment = request.text("authenticatorAttachment")
    if attachment not in (None, *ATTACHMENTS):
        raise invalid_request(f"authenticatorAttachment must be one of {', '.join(ATTACHMENTS)}.")
    user_id = token.key.user_id
    user_name = request.text("username") or _known_name(store.user(user_id))
    display_name = request.text("displayName") or store.user(user_id).display_name or user_name
    pending = store.open_ceremony(
        "registration", token.key, user_name=user_name, display_name=display_name
    )
    options = ceremony.registration_options(
        emulator.rules.passkey,
        emulator.tenant_id,
        user_id=user_id,
        user_name=user_name,
        display_name=display_name,
        challenge=pending.challenge,
        exclude=_credential_ids(store, user_id),
        attachment=attachment,
    )
    return Reply({"challengeId": pending.challenge_id, "options": options})


def enroll(emulator: EmulatorServer, request: Request) -> Reply:
    """Check the browser's new credential; it becomes the user's verified PASSKEY
    authenticator (next to any other passkeys they have)."""
    token, store = request.bearer, emulator.store
    action = _passkey_action(emulator, token)
    _require_add_scope(store, token)
    credential = _credential(request, "registrationCredential")
    pending = _take(store, request, "registration", token.key)
    if pending is None:
        return _not_verified(emulator, _STALE)
    try:
        registered = ceremony.verify_registration(
            emulator.rules.passkey, credential, pending.challenge
        )
    except ceremony.CeremonyFailed as failure:
        return _not_verified(emulator, str(failure))
    if store.passkey(registered.credential_id) is not None:
        return _not_verified(emulator, "This passkey is already registered.")
    authenticator = store.add_authenticator(
        token.key.user_id, METHOD, passkey=_stored(registered, pending, credential)
    )
    store.verify_authenticator(authenticator)
    return Reply(
        {
            "isVerified": True,
            "accessToken": _passed(emulator, action),
            "userAuthenticatorId": authenticator.authenticator_id,
            "userId": authenticator.user_id,
            "userAuthenticator": authenticator.to_json(),
        }
    )


def sign_in_challenge(emulator: EmulatorServer, request: Request) -> Reply:
    """A sign-in without a token starts here when the page names its action."""
    code = request.text("action") or DEFAULT_SIGN_IN_ACTION
    if not ACTION_CODE.fullmatch(code):
        raise invalid_request("The action code must match ^[a-zA-Z0-9_-]{1,64}$.")
    _check_allowed(emulator, code)
    pending = emulator.store.open_ceremony("authentication", None, action=code)
    return Reply({"challengeId": pending.challenge_id})


def authentication_options(emulator: EmulatorServer, request: Request) -> Reply:
    """Options for `navigator.credentials.get()`: the token user's passkeys, or (without a
    token) any passkey of the relying party."""
    store, token = emulator.store, request.token
    if token is None:
        pending, allow = _sign_in_ceremony(emulator, request), []
    else:
        _passkey_action(emulator, token)
        pending = store.open_ceremony("authentication", token.key)
        allow = _credential_ids(store, token.key.user_id)
    options = ceremony.authentication_options(
        emulator.rules.passkey, challenge=pending.challenge, allow=allow
    )
    return Reply({"challengeId": pending.challenge_id, "options": options})


def verify(emulator: EmulatorServer, request: Request) -> Reply:
    """Check the browser's signed assertion against the passkey's public key and sign count."""
    store, token = emulator.store, request.token
    action = None if token is None else _passkey_action(emulator, token)
    credential = _credential(request, "authenticationCredential")
    pending = _take(store, request, "authentication", None if token is None else token.key)
    if pending is None:
        return _not_verified(emulator, _STALE)
    authenticator = store.passkey(ceremony.credential_id(credential))
    if authenticator is None or (token is not None and authenticator.user_id != token.key.user_id):
        return _not_verified(emulator, "This passkey is not registered for this user.")
    passkey = authenticator.passkey
    assert passkey is not None  # the store indexes passkey authenticators only
    try:
        passkey.sign_count = ceremony.verify_authentication(
            emulator.rules.passkey,
            credential,
            pending.challenge,
            passkey.public_key,
            passkey.sign_count,
        )
    except ceremony.CeremonyFailed as failure:
        return _not_verified(emulator, str(failure))
    authenticator.last_verified_at = emulator.clock.now()
    if action is None:
        action = _signed_in_action(store, authenticator, pending, request.text("deviceId"))
    return Reply(
        {
            "isVerified": True,
            "accessToken": _passed(emulator, action),
            "userId": authenticator.user_id,
            "userAuthenticatorId": authenticator.authenticator_id,
            "username": passkey.user_name,
            "userDisplayName": passkey.display_name,
        }
    )


_STALE = (
    "The challengeId is unknown, expired, already answered or for another action: ask for new "
    "options."
)


def _passkey_action(emulator: EmulatorServer, token: Token) -> Action:
    """The token's action, if a passkey may be used for it (else 400 invalid_request)."""
    # A live token always has its action (the store keeps actions longer than their tokens).
    action = emulator.store.action(token.key)
    assert action is not None
    states = open_states(emulator.variants)
    if action.state not in states:
        raise invalid_request(
            f"This action is {action.state}; passkeys can only be used for "
            f"{', '.join(states)} actions. Track a new action."
        )
    _check_allowed(emulator, action.key.action)
    return action


def _check_allowed(emulator: EmulatorServer, code: str) -> None:
    allowed = emulator.rules.allowed_methods(code)
    if METHOD not in allowed:
        raise invalid_request(
            f"{METHOD} is not an allowed verification method for the action {code!r} "
            f"(allowed: {', '.join(allowed)})."
        )


def _require_add_scope(store: Store, token: Token) -> None:
    if not store.may_add_authenticator(token.key.user_id, token.scopes):
        raise add_scope_required()


def _credential(request: Request, name: str) -> dict[str, Any]:
    credential = request.mapping(name)
    if credential is None:
        raise invalid_request(f"{name} is required: the browser's answer to the options.")
    return credential


def _take(store: Store, request: Request, kind: str, key: ActionKey | None) -> Ceremony | None:
    """The ceremony the body's challengeId names, used up, if it is live and this caller's."""
    challenge_id = request.text("challengeId")
    if challenge_id is None:
        raise invalid_request("challengeId is required: the one the options came with.")
    pending = store.ceremony(challenge_id)
    if pending is None or pending.spent or pending.kind != kind or pending.key != key:
        return None
    pending.spent = True
    return pending


def _sign_in_ceremony(emulator: EmulatorServer, request: Request) -> Ceremony:
    """A sign-in's ceremony: the one its challenge started, or a new one for the default
    action."""
    challenge_id = request.text("challengeId")
    if challenge_id is None:
        _check_allowed(emulator, DEFAULT_SIGN_IN_ACTION)
        return emulator.store.open_ceremony("authentication", None, action=DEFAULT_SIGN_IN_ACTION)
    pending = emulator.store.ceremony(challenge_id)
    if pending is None or pending.spent or pending.key is not None:
        raise invalid_request(_STALE)
    return pending


def _not_verified(emulator: EmulatorServer, reason: str) -> Reply:
    """A passkey that does not verify: `isVerified: false`, or an error (passkey_failure)."""
    emulator.notify_refusal(f"Passkey not verified: {reason}")
    if passkey_failure_is_error(emulator.variants):
        raise ApiError(400, "invalid_credential", reason)
    return Reply({"isVerified": False})


def _passed(emulator: EmulatorServer, action: Action) -> str:
    """The action's challenge is passed with a passkey; returns its new accessToken."""
    store = emulator.store
    state = state_after_verify(action.state, emulator.variants)
    if state != action.state:
        store.set_state(action, state)
    action.verification_method = METHOD
    return store.issue_token(action.key, ACCESS_SCOPES).value


def _signed_in_action(
    store: Store, authenticator: Authenticator, pending: Ceremony, device_id: str | None
) -> Action:
    """The action a sign-in without a token creates for the passkey's user."""
    code = pending.action or DEFAULT_SIGN_IN_ACTION
    key = ActionKey(authenticator.user_id, code, str(uuid.uuid4()))
    return store.create_action(key, Decision("CHALLENGE_REQUIRED", ()), device_id)


def _stored(
    registered: ceremony.Registered, pending: Ceremony, credential: dict[str, Any]
) -> PasskeyCredential:
    attachment = credential.get("authenticatorAttachment")
    return PasskeyCredential(
        credential_id=registered.credential_id,
        public_key=registered.public_key,
        sign_count=registered.sign_count,
        aaguid=registered.aaguid,
        user_name=pending.user_name or "",
        display_name=pending.display_name or "",
        backed_up=registered.backed_up,
        multi_device=registered.multi_device,
        attachment=attachment if attachment in ATTACHMENTS else None,
    )


def _credential_ids(store: Store, user_id: str) -> list[str]:
    return [a.passkey.credential_id for a in store.authenticators_of(user_id) if a.passkey]


def _known_name(user: User) -> str:
    """What the passkey is named by when the page gives no username."""
    return user.username or user.email or user.phone_number or user.user_id


_PASSKEY = "/v1/client/user-authenticators/passkey"
# The SDK authenticates a sign-in without a token with its tenant id (HTTP Basic); the
# dispatcher accepts only bearer tokens on client routes, so that path answers 401 until it
# does (docs/emulator.md, passkeys).
ROUTES: tuple[RouteSpec, ...] = (
    (
        "passkey_registration_options",
        "POST",
        _PASSKEY + "/registration-options",
        "bearer",
        registration_options,
    ),
    ("passkey_enroll", "POST", _PASSKEY, "bearer", enroll),
    (
        "passkey_authentication_options",
        "POST",
        _PASSKEY + "/authentication-options",
        "tenant_or_bearer",
        authentication_options,
    ),
    (
        "passkey_verify",
        "POST",
        "/v1/client/verify/passkey",
        "tenant_or_bearer",
        verify,
    ),
    (
        "passkey_challenge",
        "POST",
        "/v1/client/challenge",
        "tenant_or_bearer",
        sign_in_challenge,
    ),
)
