"""Signing in through the SMS step, against the Authsignal emulator, with pytest-django:
`pytest example_project` (the settings are in example_project/pytest.ini).

The README's example ("Testing your own site"). `authsignal_emulator` comes from the package's
pytest plugin: the emulator, reset for this test, with AUTHSIGNAL_API_URL,
AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID pointed at it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "a password long enough"


@pytest.mark.django_db
def test_login_with_a_code(client, authsignal_emulator):
    get_user_model().objects.create_user("alice", password=PASSWORD, phone_number="+15005550006")
    data = {"username": "alice", "password": PASSWORD}
    page = client.post("/accounts/login/", data, follow=True)
    assert page.resolver_match.url_name == "challenge"

    token = authsignal_emulator.pass_challenge(page.context["token"])
    response = client.post("/mfa/callback/", {"token": token}, follow=True)

    assert response.redirect_chain[-1][0] == "/protected/"
    assert response.context["user"].username == "alice"
