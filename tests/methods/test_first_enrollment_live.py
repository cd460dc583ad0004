"""First enrollment of the email on file over real HTTP against the emulator: a never-enrolled
user with only an email signs in with a code emailed to the address on file, under each answer
validate may give for an ALLOW action; the code page's token cannot enroll another address."""

from __future__ import annotations

import pytest
from authsignal.client import AuthsignalClient
from django.contrib.auth import SESSION_KEY, get_user_model

from django_authsignal_sms.testing import VARIANTS
from tests import client_api
from tests.conftest import PASSWORD, log_in, pending_mark
from tests.emulator_fixtures import EMULATOR_SECRET_KEY

pytestmark = pytest.mark.django_db

ON_FILE = "erin@example.com"
ATTACKER = "mallory@example.net"
CHALLENGE_RULES = {"defaultState": {"signIn": "CHALLENGE_REQUIRED"}}
ALLOW_RULES = {"defaultState": {"signIn": "ALLOW"}}


@pytest.fixture
def live(emulator, settings):
    """The app against the emulator, email codes enabled on both sides."""
    settings.AUTHSIGNAL_API_URL = emulator.base_url
    settings.AUTHSIGNAL_SECRET_KEY = EMULATOR_SECRET_KEY
    settings.AUTHSIGNAL_SMS = {"METHODS": ["SMS", "EMAIL_OTP"]}
    return emulator


def allow_email(emulator, rules):
    emulator.set_rules({**rules, "allowedVerificationMethods": ["SMS", "EMAIL_OTP"]})


@pytest.fixture
def erin(db):
    """Never enrolled at Authsignal, an email on file and no number."""
    return get_user_model().objects.create_user("erin", ON_FILE, PASSWORD, phone_number="")


def page_token(client):
    [token] = client_api.tokens_in(client.get("/mfa/challenge/").content)
    return token


def enrolled(emulator, user):
    sdk = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)
    return [
        (a["verification_method"], a.get("email"), a.get("phone_number"))
        for a in sdk.get_authenticators(str(user.pk))
    ]


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
@pytest.mark.parametrize("rules", [CHALLENGE_RULES, ALLOW_RULES], ids=["challenge", "allow"])
def test_an_email_only_newcomer_signs_in_with_the_code_emailed_to_the_address_on_file(
    client, live, erin, rules, allow_verified
):
    allow_email(live, rules)
    live.set_variants({"allow_verified": allow_verified})
    assert log_in(client, "erin", next_url="/protected/")["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in client.session
    assert enrolled(live, erin) == [("EMAIL_OTP", ON_FILE, None)]
    assert pending_mark(client)["channel"] == "email"

    token = page_token(client)
    assert "challengeId" in client_api.challenge(live.base_url, token, "email-otp")
    [message] = live.outbox()
    assert (message["channel"], message["to"]) == ("EMAIL", ON_FILE)
    verified = client_api.verify(live.base_url, token, message["code"], "email-otp")
    response = client.post("/mfa/callback/", {"token": verified["accessToken"]})

    assert response["Location"] == "/protected/"
    assert client.session[SESSION_KEY] == str(erin.pk)


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
def test_an_email_first_login_without_the_code_is_refused(client, live, erin, allow_verified):
    allow_email(live, ALLOW_RULES)
    live.set_variants({"allow_verified": allow_verified})
    log_in(client, "erin")
    response = client.post("/mfa/callback/", {"token": page_token(client)})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_the_code_pages_token_cannot_enroll_another_address(client, live, erin):
    allow_email(live, CHALLENGE_RULES)
    log_in(client, "erin")
    token = page_token(client)
    refused = client_api.call(
        live.base_url, token, "user-authenticators/email-otp", {"email": ATTACKER}
    )
    assert refused.get("error") == "unauthorized", refused
    assert live.outbox(to=ATTACKER) == []
    assert enrolled(live, erin) == [("EMAIL_OTP", ON_FILE, None)]
