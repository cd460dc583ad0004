"""First enrollment over real HTTP against the emulator: a never-enrolled user is held and signs
in only with a code sent to the number on file; a token from any of the app's pages cannot enroll
another number; no page carries the full number. Run under every emulator variant the app's
first-enrollment path depends on."""

from __future__ import annotations

import logging
import re

import pytest
from allauth.account.models import EmailAddress
from authsignal.client import AuthsignalClient
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from django_authsignal_sms.testing import VARIANTS
from tests import client_api
from tests.conftest import PASSWORD, log_in, pending_mark
from tests.emulator_fixtures import EMULATOR_SECRET_KEY
from tests.security.test_pending_urls import ENDPOINTS, URLCONF, fill

pytestmark = pytest.mark.django_db

ON_FILE = "+15005550042"
ATTACKER = "+15005559999"
# The rules a site with risk-based sign-in might have: enrolled users are not always challenged.
ALLOW_RULES = {"defaultState": {"signIn": "ALLOW"}}
CHALLENGE_RULES = {"defaultState": {"signIn": "CHALLENGE_REQUIRED"}}


@pytest.fixture
def live(emulator, settings):
    settings.AUTHSIGNAL_API_URL = emulator.base_url
    settings.AUTHSIGNAL_SECRET_KEY = EMULATOR_SECRET_KEY
    # The walk starts many first logins for one user: no pending-login budget here.
    settings.AUTHSIGNAL_SMS = {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}
    return emulator


@pytest.fixture
def newcomer(db):
    """A staff user with a number on file who was never enrolled at Authsignal."""
    return get_user_model().objects.create_superuser(
        "newcomer", "newcomer@example.com", PASSWORD, phone_number=ON_FILE
    )


def sdk(emulator):
    return AuthsignalClient(EMULATOR_SECRET_KEY, api_url=emulator.base_url)


def page_token(client):
    page = client.get("/mfa/challenge/")
    [token] = client_api.tokens_in(page.content)
    return token


def complete_with_the_code_on_file(client, emulator):
    """What the code page does: send the code, read it off the phone, verify, post the token."""
    token = page_token(client)
    assert "challengeId" in client_api.challenge(emulator.base_url, token)
    code = emulator.latest_code(to=ON_FILE)
    verified = client_api.verify(emulator.base_url, token, code)
    assert verified["isVerified"] is True, verified
    return client.post("/mfa/callback/", {"token": verified["accessToken"]})


def authenticator_numbers(emulator, user):
    return [a["phone_number"] for a in sdk(emulator).get_authenticators(str(user.pk))]


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
@pytest.mark.parametrize("rules", [CHALLENGE_RULES, ALLOW_RULES], ids=["challenge", "allow"])
def test_a_never_enrolled_user_signs_in_only_with_a_code_to_the_number_on_file(
    client, live, newcomer, rules, allow_verified
):
    live.set_rules(rules)
    live.set_variants({"allow_verified": allow_verified})
    response = log_in(client, "newcomer", path="/admin/login/?next=/admin/", next_url="/admin/")
    assert response["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in client.session
    assert client.get("/admin/")["Location"].startswith("/mfa/challenge/")
    assert authenticator_numbers(live, newcomer) == [ON_FILE]

    response = complete_with_the_code_on_file(client, live)

    assert response["Location"] == "/admin/"
    assert client.session[SESSION_KEY] == str(newcomer.pk)
    assert client.get("/admin/").status_code == 200
    assert [m["to"] for m in live.outbox()] == [ON_FILE]


def test_the_second_login_is_an_ordinary_challenge(client, live, newcomer):
    live.set_rules(CHALLENGE_RULES)
    log_in(client, "newcomer")
    complete_with_the_code_on_file(client, live)
    client.logout()
    before = live.stats()["requests"]

    log_in(client, "newcomer")
    assert pending_mark(client)["authenticator_id"] == ""
    complete_with_the_code_on_file(client, live)

    after = live.stats()["requests"]
    assert after["track"] - before["track"] == 1
    assert after["enroll_authenticator"] == before["enroll_authenticator"] == 1
    assert client.session[SESSION_KEY] == str(newcomer.pk)


def test_a_first_login_without_the_code_is_refused_in_every_variant(client, live, newcomer):
    for allow_verified in VARIANTS["allow_verified"]:
        live.reset()
        live.set_rules(ALLOW_RULES)
        live.set_variants({"allow_verified": allow_verified})
        browser = Client()
        log_in(browser, "newcomer")
        token = page_token(browser)
        response = browser.post("/mfa/callback/", {"token": token})
        assert response.status_code == 403, allow_verified
        assert SESSION_KEY not in browser.session


def restart_first_login(client, emulator, user):
    """Forget the user at Authsignal and give the password again: a first login, pending."""
    sdk(emulator).delete_user(str(user.pk))
    client.logout()
    log_in(client, user.username, path="/admin/login/?next=/admin/", next_url="/admin/")
    assert pending_mark(client)["authenticator_id"], "not a first enrollment"


def every_app_page(client, emulator, user):
    """Each URL of the site a pending first login can be served (GET and POST), with its reply.

    A URL that ends the pending login (cancel, logout, the callback) is followed by a new one.
    """
    for endpoint in ENDPOINTS:
        url = fill(endpoint, user)
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, {})
            yield url, response
            if pending_mark(client) is None or not pending_mark(client).get("user_id"):
                restart_first_login(client, emulator, user)


@pytest.fixture
def pending_newcomer(client, live, newcomer, settings, caplog):
    settings.ROOT_URLCONF = URLCONF
    Group.objects.create(name="editors")
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    live.set_rules(ALLOW_RULES)
    caplog.set_level(logging.DEBUG, "django_authsignal_sms")
    log_in(client, "newcomer", path="/admin/login/?next=/admin/", next_url="/admin/")
    return client


def attack_with(client, emulator, token):
    """Enroll another number with ``token``, verify it as well as possible, post the result."""
    enrolled = client_api.enroll(emulator.base_url, token, ATTACKER)
    assert "error" in enrolled, enrolled
    assert [m for m in emulator.outbox() if m["to"] == ATTACKER] == []
    verified = client_api.verify(emulator.base_url, token, "000000")
    assert verified.get("isVerified") is not True
    client.post("/mfa/callback/", {"token": verified.get("accessToken") or token})
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("allow_verified", VARIANTS["allow_verified"])
def test_no_token_from_any_page_lets_a_script_enroll_another_number(
    pending_newcomer, live, newcomer, allow_verified
):
    live.set_variants({"allow_verified": allow_verified})
    attacked = 0
    for _url, response in every_app_page(pending_newcomer, live, newcomer):
        found = client_api.tokens_in(response.content)
        for value in response.headers.values():
            found |= client_api.tokens_in(value.encode())
        for token in found:
            attack_with(pending_newcomer, live, token)
            attacked += 1
    assert attacked, "the code page hands a token to the browser"
    assert authenticator_numbers(live, newcomer) == [ON_FILE]


def test_a_foreign_number_enrolled_with_a_stolen_first_token_is_useless(
    client, live, newcomer, settings
):
    """The enrollment token Authsignal gives for a never-enrolled user never reaches a page; if
    one leaked anyway, what it enrolled would not complete the login."""
    live.set_rules(ALLOW_RULES)
    stolen = sdk(live).track(str(newcomer.pk), "signIn", {})["token"]
    log_in(client, "newcomer")
    assert client_api.enroll(live.base_url, stolen, ATTACKER).get("error"), "enrolled already"
    assert authenticator_numbers(live, newcomer) == [ON_FILE]


FULL_NUMBER = re.compile(re.escape(ON_FILE[1:]).encode())


def test_no_page_reply_or_log_carries_the_full_number(pending_newcomer, live, newcomer, caplog):
    for url, response in every_app_page(pending_newcomer, live, newcomer):
        assert not FULL_NUMBER.search(response.content), url
        for value in response.headers.values():
            assert ON_FILE[1:] not in value, url
    complete_with_the_code_on_file(pending_newcomer, live)
    for record in caplog.records:
        text = record.getMessage() + repr(getattr(record, "authsignal_sms", ""))
        assert ON_FILE[1:] not in text, text
    assert any(getattr(r, "authsignal_sms", {}).get("phone") for r in caplog.records)


def test_a_user_without_a_number_is_refused_with_a_clear_page(client, live, newcomer):
    newcomer.phone_number = ""
    newcomer.save()
    response = log_in(client, "newcomer")
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert b"no mobile number for sign-in codes" in page.content
    assert SESSION_KEY not in client.session
    assert live.stats()["requests"]["enroll_authenticator"] == 0


def test_a_user_enrolled_only_by_email_gets_the_sms_only_page(client, live, newcomer):
    live.set_rules(CHALLENGE_RULES)
    sdk(live).enroll_verified_authenticator(
        str(newcomer.pk), {"verificationMethod": "EMAIL_OTP", "email": newcomer.email}
    )
    response = log_in(client, "newcomer")
    page = client.get(response["Location"])
    assert b"signs in with text-message codes" in page.content
    assert SESSION_KEY not in client.session
    assert live.outbox() == []
