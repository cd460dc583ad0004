"""What the security-page tests share: a member enrolled at the emulator with the number on
file, signed in, and each step of a change of number as the browser makes it (the step-up with
the current number, the new number typed, ``sms.enroll`` and ``sms.verify``, the final post)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests import client_api
from tests.conftest import PASSWORD

OLD = "+15005550061"
NEW = "+15005550062"
OTHER = "+15005550069"
SECURITY = "/mfa/security/"
CHANGE = "/mfa/security/phone/change/"
VERIFY = "/mfa/security/phone/verify/"
CALLBACK = "/mfa/security/phone/callback/"
RESEND = "/mfa/security/phone/resend/"
FAILED = "/mfa/security/phone/failed/"
CANCEL = "/mfa/security/phone/cancel/"
REMOVE = "/mfa/security/phone/remove/"
STEP_UP = "/mfa/step-up/"
STEP_UP_CALLBACK = "/mfa/step-up/callback/"


@pytest.fixture
def live(emulator, settings):
    """The app against the emulator (its settings point there); every action challenged."""
    settings.AUTHSIGNAL_SMS = {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}
    emulator.set_rules({"defaultState": {"signIn": "CHALLENGE_REQUIRED"}})
    return emulator


def make_member(emulator, username="alice", phone=OLD):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", PASSWORD, phone_number=phone
    )
    emulator.enroll_sms(str(user.pk), phone)
    return user


@pytest.fixture
def member(db, live):
    """alice: her number on file is her sign-in phone at Authsignal."""
    return make_member(live)


def sign_in(client, user, settings):
    """Signed in without a login track (the login has tests of its own)."""
    current = settings.AUTHSIGNAL_SMS
    settings.AUTHSIGNAL_SMS = {**current, "ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = current
    return client


@pytest.fixture
def alice(client, member, settings):
    """alice's signed-in browser."""
    return sign_in(client, member, settings)


def numbers_at_authsignal(emulator, user):
    """The user's verified SMS numbers, as get_authenticators lists them."""
    user_id = str(user.pk)
    return sorted(a.phone_number for a in emulator.store.authenticators_of(user_id))


def number_on_file(user):
    user.refresh_from_db()
    return user.phone_number


def token_on(page) -> str:
    [token] = client_api.tokens_in(page.content)
    return token


def step_up(client, emulator, phone=OLD, url=CHANGE):
    """GET ``url`` needs a code to the current number: pass it on the step-up's code page."""
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == STEP_UP, response
    final = emulator.pass_challenge(token_on(client.get(STEP_UP)))
    assert emulator.outbox()[-1]["to"] == phone
    done = client.post(STEP_UP_CALLBACK, {"token": final})
    assert done.status_code == 302 and done["Location"] == url, done
    return done


def type_number(client, number=NEW):
    """The change form, posted; a started change goes to the new number's code page."""
    return client.post(CHANGE, {"phone_number": number})


def started(client, emulator, number=NEW, current=OLD):
    """Stepped up and the new number typed: returns the token of the new number's code page."""
    step_up(client, emulator, current)
    response = type_number(client, number)
    assert response.status_code == 302 and response["Location"] == VERIFY, response
    return token_on(client.get(VERIFY))


def enroll_and_verify(emulator, token, number=NEW):
    """What the page's script does: sms.enroll the number, read the code, sms.verify it.
    Returns the final token."""
    enrolled = client_api.enroll(emulator.base_url, token, number)
    assert "userAuthenticatorId" in enrolled, enrolled
    verified = client_api.verify(emulator.base_url, token, emulator.latest_code(to=number))
    assert verified["isVerified"] is True, verified
    return verified["accessToken"]


def finish(client, token):
    return client.post(CALLBACK, {"token": token})


def change_number(client, emulator, number=NEW):
    """The whole change; returns the final post's response."""
    token = started(client, emulator, number)
    return finish(client, enroll_and_verify(emulator, token, number))


# Authsignal does not say whether verifying a second SMS number replaces the first (the
# emulator's default) or keeps both: the app must leave one number either way.
SEMANTICS = ("replaces", "keeps")


def keep_both(emulator, monkeypatch):
    """From now on, verifying an SMS authenticator keeps the user's other ones."""
    store = emulator.store

    def verify_keeping_the_others(authenticator, *, is_default=False):
        authenticator.verified_at = authenticator.last_verified_at = emulator.clock.now()

    monkeypatch.setattr(store, "verify_authenticator", verify_keeping_the_others)


@pytest.fixture(params=SEMANTICS)
def semantics(request, live, monkeypatch):
    """Each test that takes it runs once per behaviour."""
    if request.param == "keeps":
        keep_both(live, monkeypatch)
    return request.param
