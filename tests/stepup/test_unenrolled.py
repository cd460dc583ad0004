"""Authsignal ALLOWs a user who has no authenticator, whatever the rules say: a step-up must not
let such a user through on that ALLOW when the site's policy wants a second factor."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
PHONE = "+15005550006"
PAGE = "/stepup-tests/transfer/?amount=1250&payee=acme"


@pytest.fixture
def signed_in(client, django_user_model, emulator, settings):
    def sign_in(phone=PHONE):
        user = django_user_model.objects.create_user("alice", password=PASSWORD, phone_number=phone)
        settings.AUTHSIGNAL_SMS = {"ENABLED": False}
        client.force_login(user)
        settings.AUTHSIGNAL_SMS = {}
        emulator.set_rules({"defaultState": {"transferMoney": "CHALLENGE_REQUIRED"}})
        return user

    return sign_in


def test_a_never_enrolled_user_gets_the_number_on_file_enrolled_and_a_code(
    client, signed_in, emulator
):
    signed_in()
    page = client.get(PAGE, follow=True)
    assert page.resolver_match.url_name == "step_up_challenge"
    assert emulator.stats()["requests"].get("enroll_authenticator") == 1
    token = emulator.pass_challenge(page.context["token"])
    assert client.post("/mfa/step-up/callback/", {"token": token}).status_code == 302
    assert client.get(PAGE).content == b"transfer form"


def test_without_a_number_on_file_the_action_is_refused(client, signed_in):
    signed_in(phone="")
    page = client.get(PAGE)
    assert page.status_code == 403
    assert b"needs a text-message code" in page.content


def test_a_site_whose_policy_wants_no_second_factor_lets_the_allow_through(
    client, signed_in, settings, emulator
):
    signed_in()
    settings.AUTHSIGNAL_SMS = {"REQUIRE_ENROLLMENT": "none"}
    assert client.get(PAGE).content == b"transfer form"
    assert emulator.stats()["requests"].get("enroll_authenticator", 0) == 0
