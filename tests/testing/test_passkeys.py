"""Passkeys on the emulator: the client API routes of the browser SDK's passkey.signUp and
passkey.signIn, with every WebAuthn answer checked for real (a software authenticator plays the
browser here; tests/e2e/test_emulator_methods.py uses Chromium's virtual one)."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
import requests

from django_authsignal_sms.testing import VARIANTS, Rules
from django_authsignal_sms.testing.passkeys import (
    authentication_options,
    sign_in_challenge,
    verify,
)
from django_authsignal_sms.testing.relying_party import RelyingParty
from django_authsignal_sms.testing.state import Request
from tests.emulator_fixtures import EMULATOR_TENANT_ID, assert_envelope, client_post, enroll
from tests.testing.soft_authenticator import SoftAuthenticator

OPTIONS = "user-authenticators/passkey/registration-options"
ENROLL = "user-authenticators/passkey"
SIGN_IN_OPTIONS = "user-authenticators/passkey/authentication-options"
VERIFY = "verify/passkey"
WITH_PASSKEYS = {"allowedVerificationMethods": ["SMS", "PASSKEY"]}


@pytest.fixture(autouse=True)
def passkeys_allowed(emulator):
    emulator.set_rules(WITH_PASSKEYS)


def post(emulator, token, path, body=None):
    reply = client_post(emulator, token, path, {} if body is None else body)
    assert reply.status_code == 200, reply.text
    return reply.json()


def sign_up(emulator, sdk, authenticator, user_id="u1", **answer):
    """passkey.signUp with a token tracked with add:authenticators; the enroll reply."""
    token = sdk.track(user_id, "addPasskey", {"scope": "add:authenticators"})["token"]
    options = post(emulator, token, OPTIONS, {"username": "jane@example.com"})
    credential = authenticator.create(options["options"], **answer)
    body = {"registrationCredential": credential, "challengeId": options["challengeId"]}
    return post(emulator, token, ENROLL, body)


def sign_in(emulator, token, authenticator, **answer):
    """passkey.signIn({token}): options, the authenticator's answer, verify; the reply."""
    options = post(emulator, token, SIGN_IN_OPTIONS, {})
    credential = authenticator.get(options["options"], **answer)
    body = {"authenticationCredential": credential, "challengeId": options["challengeId"]}
    return client_post(emulator, token, VERIFY, body)


def signed_up(emulator, sdk, user_id="u1"):
    authenticator = SoftAuthenticator()
    assert sign_up(emulator, sdk, authenticator, user_id)["isVerified"] is True
    return authenticator


# Signing up and signing in


def test_sign_up_then_sign_in_passes_a_challenge_required_action(emulator, sdk):
    enroll(sdk)
    authenticator = signed_up(emulator, sdk)
    tracked = sdk.track("u1", "signIn")
    assert tracked["state"] == "CHALLENGE_REQUIRED"
    reply = sign_in(emulator, tracked["token"], authenticator)
    body = reply.json()
    assert body["isVerified"] is True and body["userId"] == "u1"
    assert body["username"] == "jane@example.com"
    validated = sdk.validate_challenge({"token": body["accessToken"], "userId": "u1"})
    assert validated["is_valid"] is True
    assert validated["state"] == "CHALLENGE_SUCCEEDED"
    assert validated["verification_method"] == "PASSKEY"
    assert validated["idempotency_key"] == tracked["idempotency_key"]


def test_the_new_passkey_is_an_authenticator(emulator, sdk):
    authenticator = SoftAuthenticator()
    reply = sign_up(emulator, sdk, authenticator)
    assert reply["userId"] == "u1" and reply["accessToken"]
    new = reply["userAuthenticator"]
    assert new["userAuthenticatorId"] == reply["userAuthenticatorId"]
    assert new["verificationMethod"] == "PASSKEY"
    assert new["username"] == new["displayName"] == "jane@example.com"
    assert new["webauthnCredential"]["credentialId"] == authenticator.credential_id
    assert new["webauthnCredential"]["authenticatorAttachment"] == "platform"
    [listed] = sdk.get_authenticators("u1")
    assert listed["verification_method"] == "PASSKEY"
    tracked = sdk.track("u1", "signIn")
    assert tracked["is_enrolled"] is True
    assert tracked["enrolled_verification_methods"] == ["PASSKEY"]
    assert tracked["default_verification_method"] == "PASSKEY"
    assert tracked["state"] == "CHALLENGE_REQUIRED"  # enrolled now: the rules apply


def test_a_first_passkey_on_an_allow_action_succeeds_its_challenge(emulator, sdk):
    token = sdk.track("new", "addPasskey")["token"]  # never enrolled: ALLOW
    options = post(emulator, token, OPTIONS, {})
    credential = SoftAuthenticator().create(options["options"])
    body = {"registrationCredential": credential, "challengeId": options["challengeId"]}
    reply = post(emulator, token, ENROLL, body)
    validated = sdk.validate_challenge({"token": reply["accessToken"]})
    assert (validated["state"], validated["verification_method"]) == (
        "CHALLENGE_SUCCEEDED",
        "PASSKEY",
    )


def test_registration_options(emulator, sdk):
    sdk.update_user("u1", {"displayName": "Jane Smith", "username": "jane"})
    first = signed_up(emulator, sdk)
    token = sdk.track("u1", "addPasskey", {"scope": "add:authenticators"})["token"]
    reply = post(emulator, token, OPTIONS, {"authenticatorAttachment": "platform"})
    options = reply["options"]
    assert reply["challengeId"] and options["challenge"]
    assert options["rp"] == {"id": "localhost", "name": "test-tenant"}
    assert options["user"]["name"] == "jane" and options["user"]["displayName"] == "Jane Smith"
    assert [c["id"] for c in options["excludeCredentials"]] == [first.credential_id]
    assert options["authenticatorSelection"]["authenticatorAttachment"] == "platform"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["attestation"] == "none"
    again = post(emulator, token, OPTIONS, {})
    assert again["options"]["challenge"] != options["challenge"]


def test_a_user_keeps_a_passkey_per_device(emulator, sdk):
    phone, laptop = signed_up(emulator, sdk), signed_up(emulator, sdk)
    assert len(sdk.get_authenticators("u1")) == 2
    for authenticator in (phone, laptop):
        reply = sign_in(emulator, sdk.track("u1", "signIn")["token"], authenticator)
        assert reply.json()["isVerified"] is True
    options = post(emulator, sdk.track("u1", "signIn")["token"], SIGN_IN_OPTIONS)
    allowed = {c["id"] for c in options["options"]["allowCredentials"]}
    assert allowed == {phone.credential_id, laptop.credential_id}


def test_adding_a_passkey_needs_the_add_scope_once_enrolled(emulator, sdk):
    enroll(sdk)
    token = sdk.track("u1", "addPasskey")["token"]
    assert_envelope(client_post(emulator, token, OPTIONS, {}), 403, "unauthorized")
    assert signed_up(emulator, sdk)  # with the scope


def test_the_action_must_allow_passkeys(emulator, sdk):
    enroll(sdk)
    emulator.set_rules({"actionVerificationMethods": {"signIn": ["SMS"]}, **WITH_PASSKEYS})
    token = sdk.track("u1", "signIn")["token"]
    for path in (OPTIONS, SIGN_IN_OPTIONS):
        reply = client_post(emulator, token, path, {})
        assert_envelope(reply, 400, "invalid_request")
        assert "PASSKEY is not an allowed" in reply.json()["errorDescription"]


@pytest.mark.parametrize("state", ["BLOCK", "REVIEW_REQUIRED"])
def test_closed_actions_get_no_options(emulator, sdk, state):
    enroll(sdk)
    emulator.set_rules({"fallbackState": state, **WITH_PASSKEYS})
    token = sdk.track("u1", "signIn")["token"]
    assert_envelope(client_post(emulator, token, SIGN_IN_OPTIONS, {}), 400, "invalid_request")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (ENROLL, {"challengeId": "x"}),
        (VERIFY, {"challengeId": "x"}),
        (VERIFY, {"authenticationCredential": {}}),
        (VERIFY, {"authenticationCredential": "text", "challengeId": "x"}),
        (OPTIONS, {"authenticatorAttachment": "usb"}),
    ],
)
def test_malformed_bodies_are_invalid_requests(emulator, sdk, path, body):
    token = sdk.track("u1", "addPasskey")["token"]
    assert_envelope(client_post(emulator, token, path, body), 400, "invalid_request")


# Every answer is checked


def attempt(emulator, sdk, answer, *, challenge_from_elsewhere=False):
    """A signed-up user's sign-in, with the authenticator's answer altered by `answer`."""
    authenticator = signed_up(emulator, sdk)
    token = sdk.track("u1", "signIn")["token"]
    options = post(emulator, token, SIGN_IN_OPTIONS)
    if challenge_from_elsewhere:
        options = {**options, "options": post(emulator, token, SIGN_IN_OPTIONS)["options"]}
    credential = answer(authenticator, options["options"])
    body = {"authenticationCredential": credential, "challengeId": options["challengeId"]}
    return client_post(emulator, token, VERIFY, body), token


def _tampered_signature(authenticator, options):
    credential = authenticator.get(options)
    signature = bytearray(credential["response"]["signature"].encode())
    signature[-3] = ord("A") if signature[-3] != ord("A") else ord("B")
    credential["response"]["signature"] = signature.decode()
    return credential


BAD_ANSWERS = {
    "wrong origin": lambda a, o: a.get(o, origin="http://evil.localhost.example:8000"),
    "wrong RP ID": lambda a, o: a.get(o, rp_id="example.com"),
    "wrong challenge": lambda a, o: a.get(o, challenge="c29tZXRoaW5nIGVsc2U"),
    "bad signature": _tampered_signature,
    "another key": lambda a, o: SoftAuthenticator().get(o) | {"id": a.credential_id},
    "unknown passkey": lambda a, o: SoftAuthenticator().get(o),
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_answers_that_do_not_verify(emulator, sdk, answer):
    reply, token = attempt(emulator, sdk, answer)
    assert reply.status_code == 200 and reply.json() == {"isVerified": False}
    assert sdk.validate_challenge({"token": token})["state"] == "CHALLENGE_REQUIRED"


def test_a_sign_count_that_does_not_go_up_is_refused(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    assert sign_in(emulator, sdk.track("u1", "signIn")["token"], authenticator).json()["isVerified"]
    assert authenticator.sign_count == 1
    token = sdk.track("u1", "signIn")["token"]
    replayed = sign_in(emulator, token, authenticator, sign_count=1)  # a cloned authenticator
    assert replayed.json() == {"isVerified": False}
    assert sign_in(emulator, token, authenticator, sign_count=2).json()["isVerified"] is True


def test_a_challenge_is_answered_once(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    token = sdk.track("u1", "signIn")["token"]
    options = post(emulator, token, SIGN_IN_OPTIONS)
    body = {
        "authenticationCredential": authenticator.get(options["options"]),
        "challengeId": options["challengeId"],
    }
    assert post(emulator, token, VERIFY, body)["isVerified"] is True
    body["authenticationCredential"] = authenticator.get(options["options"])
    assert post(emulator, token, VERIFY, body) == {"isVerified": False}


def test_a_challenge_expires(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    token = sdk.track("u1", "signIn")["token"]
    options = post(emulator, token, SIGN_IN_OPTIONS)
    emulator.advance_clock(301)
    body = {
        "authenticationCredential": authenticator.get(options["options"]),
        "challengeId": options["challengeId"],
    }
    assert post(emulator, token, VERIFY, body) == {"isVerified": False}


def test_a_passkey_only_signs_in_its_own_user(emulator, sdk):
    janes = signed_up(emulator, sdk, "jane")
    signed_up(emulator, sdk, "john")
    reply = sign_in(emulator, sdk.track("john", "signIn")["token"], janes)
    assert reply.json() == {"isVerified": False}


def test_a_registration_is_checked_too(emulator, sdk):
    for answer in ({"origin": "https://example.com"}, {"rp_id": "example.com"}):
        assert sign_up(emulator, sdk, SoftAuthenticator(), **answer) == {"isVerified": False}
    assert sdk.get_authenticators("u1") == []


def test_a_passkey_registers_once(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    assert sign_up(emulator, sdk, authenticator) == {"isVerified": False}
    assert len(sdk.get_authenticators("u1")) == 1


@pytest.mark.parametrize("value", VARIANTS["passkey_failure"])
def test_passkey_failure_variant(emulator, sdk, value):
    emulator.set_variants({"passkey_failure": value})
    reply, _ = attempt(emulator, sdk, BAD_ANSWERS["wrong origin"])
    if value == "not_verified":
        assert reply.status_code == 200 and reply.json() == {"isVerified": False}
    else:
        assert_envelope(reply, 400, "invalid_credential")
        assert "origin" in reply.json()["errorDescription"]


# The relying party


def test_the_relying_party_is_configurable(emulator, sdk):
    site = "https://app.example.com"
    emulator.set_rules(
        {"passkey": {"rpId": "example.com", "expectedOrigins": [site]}, **WITH_PASSKEYS}
    )
    assert emulator.rules.to_mapping()["passkey"]["rpId"] == "example.com"
    at_localhost = SoftAuthenticator()
    assert sign_up(emulator, sdk, at_localhost) == {"isVerified": False}
    on_site = SoftAuthenticator(origin=site, rp_id="example.com")
    assert sign_up(emulator, sdk, on_site)["isVerified"] is True
    token = sdk.track("u1", "signIn")["token"]
    assert post(emulator, token, SIGN_IN_OPTIONS)["options"]["rpId"] == "example.com"
    assert sign_in(emulator, token, on_site).json()["isVerified"] is True


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("http://localhost:8000", True),
        ("http://localhost:49152", True),
        ("http://localhost", True),
        ("https://localhost:8443", True),
        ("http://app.localhost:8000", True),
        ("http://127.0.0.1:8000", False),
        ("http://example.com", False),
        ("http://localhost.example.com", False),
        ("http://localhost:8000/path", False),
    ],
)
def test_default_origins(origin, accepted):
    assert RelyingParty().accepts(origin) is accepted


def test_default_origins_of_another_rp_id_are_https_only():
    party = RelyingParty("example.com")
    assert party.accepts("https://example.com") and party.accepts("https://a.example.com:8443")
    assert not party.accepts("http://example.com")


@pytest.mark.parametrize(
    ("passkey", "problem"),
    [
        ({"rpId": "127.0.0.1"}, "browsers refuse an IP address"),
        ({"rpId": "http://localhost"}, "must be a domain name"),
        ({"expectedOrigins": ["localhost:8000"]}, "is not an origin"),
        ({"expectedOrigins": "http://localhost"}, "must be a list"),
        ({"rpid": "localhost"}, "Unknown passkey keys"),
        ([], "must be an object"),
    ],
)
def test_bad_passkey_settings_are_refused(passkey, problem):
    with pytest.raises(ValueError, match=problem):
        Rules.from_mapping({"passkey": passkey})


def test_passkey_settings_round_trip():
    rules = Rules.from_mapping({"passkey": {"expectedOrigins": ["http://localhost:3000"]}})
    assert Rules.from_mapping(rules.to_mapping()) == rules
    assert "passkey" not in Rules().to_mapping()


# A sign-in without a token (the SDK's tenant-authenticated path, called here directly)


def call(emulator, handler, body):
    with emulator.lock:
        return handler(emulator, Request(body=body)).body


def test_a_sign_in_with_an_action_creates_it_succeeded(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    started = call(emulator, sign_in_challenge, {"action": "signInWithPasskey2"})
    options = call(emulator, authentication_options, {"challengeId": started["challengeId"]})
    assert options["challengeId"] == started["challengeId"]
    assert (
        "allowCredentials" not in options["options"] or not options["options"]["allowCredentials"]
    )
    credential = authenticator.get(options["options"])
    reply = call(
        emulator,
        verify,
        {"authenticationCredential": credential, "challengeId": started["challengeId"]},
    )
    assert reply["isVerified"] is True and reply["userId"] == "u1"
    validated = sdk.validate_challenge({"token": reply["accessToken"]})
    assert validated["is_valid"] is True and validated["action"] == "signInWithPasskey2"
    assert validated["verification_method"] == "PASSKEY"


def test_an_autofill_sign_in_gets_the_default_action(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    options = call(emulator, authentication_options, {})
    credential = authenticator.get(options["options"])
    body = {"authenticationCredential": credential, "challengeId": options["challengeId"]}
    reply = call(emulator, verify, body)
    validated = sdk.validate_challenge({"token": reply["accessToken"], "userId": "u1"})
    assert (validated["state"], validated["action"]) == (
        "CHALLENGE_SUCCEEDED",
        "signInWithPasskey",
    )
    assert call(emulator, verify, body) == {"isVerified": False}  # answered once


def test_a_sign_in_with_a_token_ceremony_is_refused(emulator, sdk):
    authenticator = signed_up(emulator, sdk)
    options = post(emulator, sdk.track("u1", "signIn")["token"], SIGN_IN_OPTIONS)
    credential = authenticator.get(options["options"])
    body = {"authenticationCredential": credential, "challengeId": options["challengeId"]}
    assert call(emulator, verify, body) == {"isVerified": False}


# Without py_webauthn


def test_passkeys_without_the_webauthn_package_say_what_to_install(emulator, sdk, monkeypatch):
    monkeypatch.setitem(sys.modules, "webauthn", None)
    reply = client_post(emulator, sdk.track("u1", "addPasskey")["token"], OPTIONS, {})
    assert_envelope(reply, 501, "not_implemented")
    assert "pip install" in reply.json()["errorDescription"]


def test_the_emulator_does_not_import_webauthn():
    script = (
        "import sys, django_authsignal_sms.testing.dispatch; "
        "assert 'webauthn' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_ceremonies_are_dropped_at_expiry(emulator, sdk):
    token = sdk.track("u1", "addPasskey")["token"]
    for _ in range(3):
        post(emulator, token, OPTIONS)
    assert emulator.store.sizes()["challenges"] == 3
    emulator.advance_clock(301)
    assert emulator.store.sizes()["challenges"] == 0


def test_preflight_for_the_passkey_routes(emulator):
    reply = requests.options(
        f"{emulator.base_url}/client/{VERIFY}",
        headers={"Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"


def tenant_post(emulator, tenant_id, path):
    """A tokenless client call as the browser SDK makes it: Basic with the tenant id."""
    credentials = base64.b64encode(tenant_id.encode()).decode()
    return requests.post(
        f"{emulator.base_url}/client/{path}",
        json={},
        headers={"Authorization": f"Basic {credentials}"},
        timeout=5,
    )


def test_a_sign_in_without_a_token_is_asked_with_the_tenant_id(emulator):
    assert tenant_post(emulator, EMULATOR_TENANT_ID, SIGN_IN_OPTIONS).status_code == 200
    assert_envelope(tenant_post(emulator, "another-tenant", SIGN_IN_OPTIONS), 401, "unauthorized")


def test_the_tenant_id_opens_only_the_passkey_sign_in_routes(emulator):
    """Every other client route still needs a token."""
    assert_envelope(tenant_post(emulator, EMULATOR_TENANT_ID, OPTIONS), 401, "unauthorized")
