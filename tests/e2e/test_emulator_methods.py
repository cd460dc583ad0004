"""Passkeys and email OTP on the emulator, driven by the real @authsignal/browser SDK in
Chromium: its passkey.signUp and passkey.signIn answered by Chromium's virtual authenticator (a
platform passkey, set up through the DevTools protocol), and email.enroll, email.challenge and
email.verify with the code read from the emulator's outbox.

The page (tests/static/tests/emulator-methods.html) is served on its own loopback port and
opened as http://localhost:<port>: browsers refuse an IP address as a passkey's relying party
ID, and the emulator's default RP ID is localhost. Its SDK calls to the emulator (127.0.0.1) are
cross-origin.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser_fixtures import SDK_BUNDLE, skip_or_fail_without_browser
from tests.emulator_fixtures import EMULATOR_TENANT_ID, enroll

pytestmark = pytest.mark.browser

PAGE_DIR = Path(__file__).resolve().parents[1] / "static/tests"
FILES = {
    "/": (PAGE_DIR / "emulator-methods.html", "text/html; charset=utf-8"),
    "/emulator-methods.js": (PAGE_DIR / "emulator-methods.js", "text/javascript"),
    "/authsignal.js": (SDK_BUNDLE, "text/javascript"),
}
# What the brief's platform passkey is: a phone's or a laptop's, with its owner verified.
VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}
EMAIL = "jane@example.com"


class PageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        path, content_type = FILES.get(self.path, (None, "text/plain"))
        body = path.read_bytes() if path else b"not found"
        self.send_response(200 if path else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def page_url():
    skip_or_fail_without_browser()
    server = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def methods(page, page_url, emulator):
    """The page, its SDK pointed at the emulator, with a virtual authenticator attached."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})
    page.goto(page_url)
    page.evaluate(
        "settings => emulatorMethods.start(settings)",
        {"tenantId": EMULATOR_TENANT_ID, "baseUrl": emulator.base_url},
    )

    def credentials():
        found = devtools.send(
            "WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]}
        )
        return found["credentials"]

    page.passkeys = credentials
    yield page
    devtools.send(
        "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": added["authenticatorId"]}
    )
    devtools.detach()


def run(page, name, arguments):
    return page.evaluate(f"arguments => emulatorMethods.{name}(arguments)", arguments)


def test_passkey_sign_up_then_sign_in(emulator, emulator_sdk, methods):
    sdk = emulator_sdk
    emulator.set_rules({"allowedVerificationMethods": ["SMS", "PASSKEY"]})
    enroll(sdk, "u1")  # enrolled already: adding a passkey needs the scope
    token = sdk.track("u1", "addPasskey", {"scope": "add:authenticators"})["token"]
    arguments = {"token": token, "username": EMAIL, "displayName": "Jane Smith"}
    signed_up = run(methods, "passkeySignUp", arguments)
    authenticator = signed_up["data"]["userAuthenticator"]
    assert authenticator["verificationMethod"] == "PASSKEY", signed_up
    [passkey] = methods.passkeys()
    assert passkey["isResidentCredential"] is True and passkey["rpId"] == "localhost"
    credential_id = authenticator["webauthnCredential"]["credentialId"]
    assert passkey["credentialId"].rstrip("=").replace("+", "-").replace("/", "_") == credential_id

    tracked = sdk.track("u1", "signIn")
    assert tracked["state"] == "CHALLENGE_REQUIRED"
    assert tracked["enrolled_verification_methods"] == ["PASSKEY", "SMS"]
    signed_in = run(methods, "passkeySignIn", {"token": tracked["token"]})
    data = signed_in["data"]
    assert data["isVerified"] is True and data["userId"] == "u1", signed_in
    assert (data["username"], data["displayName"]) == (EMAIL, EMAIL)
    validated = sdk.validate_challenge({"token": data["token"], "userId": "u1", "action": "signIn"})
    assert validated["is_valid"] is True
    assert validated["state"] == "CHALLENGE_SUCCEEDED"
    assert validated["verification_method"] == "PASSKEY"
    assert validated["idempotency_key"] == tracked["idempotency_key"]
    assert methods.passkeys()[0]["signCount"] >= 1
    assert emulator.stats()["requests"]["preflight"] >= 4  # really cross-origin


@pytest.mark.parametrize("params", [{"action": "signInWithPasskey"}, {"autofill": True}, {}])
def test_a_passkey_sign_in_without_a_token(emulator, emulator_sdk, methods, params):
    sdk = emulator_sdk
    emulator.set_rules({"allowedVerificationMethods": ["PASSKEY"]})
    token = sdk.track("u1", "addPasskey")["token"]
    assert "data" in run(methods, "passkeySignUp", {"token": token, "username": EMAIL})
    signed_in = run(methods, "passkeySignIn", params)
    data = signed_in.get("data") or {}
    assert data.get("isVerified") is True and data["userId"] == "u1", signed_in
    validated = sdk.validate_challenge({"token": data["token"], "userId": "u1"})
    assert (validated["state"], validated["action"]) == ("CHALLENGE_SUCCEEDED", "signInWithPasskey")
    assert validated["verification_method"] == "PASSKEY"


def test_a_passkey_for_another_relying_party_is_refused(emulator, emulator_sdk, methods):
    """The page is on localhost: options for example.com make the browser itself refuse."""
    sdk = emulator_sdk
    emulator.set_rules(
        {"allowedVerificationMethods": ["PASSKEY"], "passkey": {"rpId": "example.com"}}
    )
    token = sdk.track("u1", "addPasskey")["token"]
    signed_up = run(methods, "passkeySignUp", {"token": token, "username": EMAIL})
    assert signed_up["thrown"].startswith("SecurityError"), signed_up
    assert methods.passkeys() == [] and sdk.get_authenticators("u1") == []


def test_email_otp_enroll_challenge_and_verify(emulator, emulator_sdk, methods):
    sdk = emulator_sdk
    emulator.set_rules({"allowedVerificationMethods": ["SMS", "EMAIL_OTP"]})
    token = sdk.track("u1", "signIn")["token"]  # never enrolled: the first needs no scope
    enrolled = run(methods, "emailEnroll", {"token": token, "email": EMAIL})
    assert enrolled["data"]["userId"] == "u1", enrolled
    [message] = emulator.outbox(user_id="u1")
    assert (message["channel"], message["to"]) == ("EMAIL", EMAIL)
    verified = run(methods, "emailVerify", {"code": message["code"]})
    assert verified["data"]["isVerified"] is True, verified
    assert verified["data"]["userAuthenticator"]["email"] == EMAIL

    tracked = sdk.track("u1", "signIn")
    assert tracked["state"] == "CHALLENGE_REQUIRED"
    sent = run(methods, "emailChallenge", {"token": tracked["token"]})
    assert sent["data"]["challengeId"], sent
    code = emulator.latest_code(to=EMAIL)
    verified = run(methods, "emailVerify", {"code": code})
    validated = sdk.validate_challenge({"token": verified["data"]["token"], "userId": "u1"})
    assert validated["is_valid"] is True
    assert validated["verification_method"] == "EMAIL_OTP"
