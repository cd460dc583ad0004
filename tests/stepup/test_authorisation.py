"""What a completed step-up authorises: this session, this user, this action, for ``max_age``
seconds, and, where the action binds its data, only that data."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.test import Client

from django_authsignal_sms.stepup.state import DONE_KEY
from tests.conftest import PASSWORD, log_in, pending_mark
from tests.stepup.conftest import complete, over_1000, sign_in

pytestmark = pytest.mark.django_db

SMALL = "/stepup-tests/transfer/?amount=1250&payee=acme"
LARGE = "/stepup-tests/transfer/?amount=9000&payee=mallory"
STEP_UP = "/mfa/step-up/"


@pytest.fixture
def challenged(rules):
    """Authsignal asks for a code for every action (a transfer: over $1,000)."""
    rules.states.update(transferMoney=over_1000, changeEmail="CHALLENGE_REQUIRED")
    rules.states["exportData"] = "CHALLENGE_REQUIRED"
    return rules


def stepped_up(client, authority, url):
    assert client.get(url)["Location"] == STEP_UP
    assert complete(client, authority).status_code == 302
    assert client.get(url).status_code == 200
    return client


def asks_again(client, url):
    return client.get(url).get("Location") == STEP_UP


def test_a_step_up_for_one_transfer_does_not_authorise_another(alice, challenged, authority):
    stepped_up(alice, authority, SMALL)
    assert asks_again(alice, LARGE)
    assert asks_again(alice, "/stepup-tests/transfer/?amount=1250&payee=mallory")
    assert asks_again(alice, "/stepup-tests/transfer/?amount=1251&payee=acme")


def test_the_api_binds_its_data_too(alice, challenged, authority):
    api = "/stepup-tests/api/transfer/"
    assert alice.post(api, {"amount": 1250, "payee": "acme"}).status_code == 403
    complete(alice, authority)
    assert alice.post(api, {"amount": 1250, "payee": "acme"}).status_code == 200
    other = alice.post(api, {"amount": 9000, "payee": "mallory"})
    assert other.status_code == 403 and other.json()["code"] == "step_up_required"


def test_the_same_data_in_another_shape_is_authorised(alice, challenged, authority):
    """The step-up is for the action and its data, not for one URL."""
    stepped_up(alice, authority, SMALL)
    api = alice.post("/stepup-tests/api/transfer/", {"amount": 1250, "payee": "acme"})
    assert api.status_code == 200


def test_a_step_up_authorises_its_own_action_only(alice, challenged, authority):
    stepped_up(alice, authority, "/stepup-tests/email/")
    assert asks_again(alice, "/stepup-tests/export-cbv/")
    assert asks_again(alice, SMALL)


def test_one_action_is_authorised_wherever_it_is_protected(alice, challenged, authority):
    stepped_up(alice, authority, "/stepup-tests/export-cbv/")
    assert alice.get("/stepup-tests/export/").status_code == 200


def test_another_session_of_the_same_user_is_not_authorised(
    alice, user, challenged, authority, settings
):
    stepped_up(alice, authority, "/stepup-tests/email/")
    other = sign_in(Client(), user, settings)
    assert asks_again(other, "/stepup-tests/email/")


def test_copying_the_step_up_into_another_session_does_not_authorise_it(
    alice, user, challenged, authority, settings
):
    stepped_up(alice, authority, "/stepup-tests/email/")
    other = sign_in(Client(), user, settings)
    session = other.session
    session[DONE_KEY] = alice.session[DONE_KEY]
    session.save()
    assert asks_again(other, "/stepup-tests/email/")


def test_another_user_in_the_session_is_not_authorised(alice, challenged, authority):
    stepped_up(alice, authority, "/stepup-tests/email/")
    bob = get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    session = alice.session  # same session key: only the user changed
    session[SESSION_KEY] = str(bob.pk)
    session[HASH_SESSION_KEY] = bob.get_session_auth_hash()
    session.save()
    assert asks_again(alice, "/stepup-tests/email/")


def test_a_new_login_ends_every_step_up(alice, user, challenged, authority):
    """Signing in again with a code (the session's key changes) starts without step-ups."""
    stepped_up(alice, authority, "/stepup-tests/email/")
    key = alice.session.session_key
    challenged.states["signIn"] = "CHALLENGE_REQUIRED"
    assert log_in(alice, next_url="/protected/")["Location"].startswith("/mfa/challenge/")
    authority.verify("login-token", user.pk, pending_mark(alice)["idempotency_key"])
    assert alice.post("/mfa/callback/", {"token": "login-token"})["Location"] == "/protected/"
    assert alice.session[SESSION_KEY] == str(user.pk)
    assert alice.session.session_key != key
    assert asks_again(alice, "/stepup-tests/email/")


def test_signing_in_again_as_the_same_user_ends_every_step_up(alice, user, challenged, authority):
    """Django's login() keeps the session key for the same user signing in again: the app's
    receiver ends the step-ups itself."""
    stepped_up(alice, authority, "/stepup-tests/email/")
    key = alice.session.session_key
    challenged.states["signIn"] = "ALLOW"
    log_in(alice, next_url="/protected/")
    assert alice.session.session_key == key
    assert alice.session[SESSION_KEY] == str(user.pk)
    assert DONE_KEY not in alice.session
    assert asks_again(alice, "/stepup-tests/email/")


def test_a_new_session_key_ends_every_step_up(alice, challenged, authority):
    stepped_up(alice, authority, "/stepup-tests/email/")
    session = alice.session
    session.cycle_key()
    alice.cookies["sessionid"] = session.session_key
    assert asks_again(alice, "/stepup-tests/email/")


def test_a_logout_ends_every_step_up(alice, user, challenged, authority, settings):
    stepped_up(alice, authority, "/stepup-tests/email/")
    alice.post("/accounts/logout/")
    assert DONE_KEY not in alice.session
    sign_in(alice, user, settings)
    assert asks_again(alice, "/stepup-tests/email/")


def age_step_up(client, action, seconds):
    session = client.session
    done = session[DONE_KEY]
    done[action]["at"] = time.time() - seconds
    session[DONE_KEY] = done
    session.save()


@pytest.mark.parametrize(
    ("url", "action", "max_age"),
    [("/stepup-tests/export/", "exportData", 60), ("/stepup-tests/email/", "changeEmail", 300)],
)
def test_a_step_up_lasts_max_age_seconds(alice, challenged, authority, url, action, max_age):
    stepped_up(alice, authority, url)
    age_step_up(alice, action, max_age - 5)
    assert alice.get(url).status_code == 200
    age_step_up(alice, action, max_age + 1)
    assert asks_again(alice, url)


def test_a_step_up_from_the_future_is_not_fresh(alice, challenged, authority):
    stepped_up(alice, authority, "/stepup-tests/email/")
    age_step_up(alice, "changeEmail", -3600)
    assert asks_again(alice, "/stepup-tests/email/")


@pytest.mark.parametrize("damage", [None, "yesterday", [], {"at": "now"}])
def test_a_damaged_record_is_no_step_up(alice, challenged, authority, damage):
    stepped_up(alice, authority, "/stepup-tests/email/")
    session = alice.session
    session[DONE_KEY] = {"changeEmail": damage}
    session.save()
    assert asks_again(alice, "/stepup-tests/email/")
