from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_large_transfer_asks_for_a_code_then_runs(client, django_user_model, emulator, settings):
    settings.AUTHSIGNAL_SMS = {}
    user = django_user_model.objects.create_user(
        "alice", password=PASSWORD, phone_number="+15005550006"
    )
    emulator.enroll_sms(str(user.pk), "+15005550006")
    emulator.set_rules({"defaultState": {"transferMoney": "CHALLENGE_REQUIRED"}})
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = {}
    page = client.get("/stepup-tests/transfer/?amount=1250&payee=acme", follow=True)
    assert page.resolver_match.url_name == "step_up_challenge", page.content[:300]
    assert b"transfer $1,250 to acme" in page.content
    token = emulator.pass_challenge(page.context["token"])
    done = client.post("/mfa/step-up/callback/", {"token": token})
    assert (
        done.status_code == 302
        and done["Location"] == "/stepup-tests/transfer/?amount=1250&payee=acme"
    )
    again = client.get("/stepup-tests/transfer/?amount=1250&payee=acme")
    assert again.content == b"transfer form"
    other = client.get("/stepup-tests/transfer/?amount=9000&payee=mallory")
    assert other.status_code == 302 and "/mfa/step-up/" in other["Location"]
