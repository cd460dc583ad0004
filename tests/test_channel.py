"""The channel of the code (SMS or WhatsApp): chosen by the page at each send, checked and
recorded by the resend endpoint, shown again after a reload; the login's and the step-up's."""

from __future__ import annotations

import pytest
import responses

from django_authsignal_sms.stepup.state import PENDING_KEY
from tests.conftest import log_in, pending_mark
from tests.records import age_record
from tests.stepup.conftest import ACTION_URL, Rules, sign_in
from tests.test_challenge_page import data, template_messages

pytestmark = pytest.mark.django_db

BOTH = ["SMS", "WHATSAPP"]
REFUSED_CHANNELS = ["email", "SMS", "WhatsApp", "", " sms", "x" * 10_000, "whatsapp\x00", "☎"]


@pytest.fixture
def offered(client, user, authsignal, settings):
    """alice's pending login, WhatsApp offered (the site's setting and the action's methods)."""
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    authsignal.on_track("CHALLENGE_REQUIRED", allowedVerificationMethods=BOTH)
    log_in(client, next_url="/protected/")
    return client


@pytest.fixture
def sms_only(client, user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    authsignal.on_track("CHALLENGE_REQUIRED", allowedVerificationMethods=["SMS"])
    log_in(client, next_url="/protected/")
    return client


def first_send(client, url="/mfa/resend/", **fields):
    return client.post(url, {"first": "1", **fields})


def cool_down(client):
    age_record(client, 31, "sent_at")


def intro_channel(page):
    """The channel the page's sentence shows (the other one is hidden)."""
    html = page.content.decode()
    shown = [c for c in ("sms", "whatsapp") if f'data-shown-for="{c}">' in html]
    assert len(shown) == 1, shown
    return shown[0]


def test_a_new_pending_login_sends_by_text_message(offered):
    page = offered.get("/mfa/challenge/")
    assert data(page, "channel") == "sms"
    assert intro_channel(page) == "sms"
    assert 'id="authsignal-sms-sms"' in page.content.decode()  # hidden, offered after a switch
    assert pending_mark(offered)["channel"] == "sms"


def test_the_resend_endpoint_records_whatsapp_and_a_reload_shows_it(offered):
    first_send(offered)
    cool_down(offered)
    answer = offered.post("/mfa/resend/", {"channel": "whatsapp"})
    assert answer.status_code == 200
    assert answer.json() == {"allowed": True, "cooldown": 30}
    assert pending_mark(offered)["channel"] == "whatsapp"
    assert pending_mark(offered)["resends"] == 1
    page = offered.get("/mfa/challenge/")
    assert data(page, "channel") == "whatsapp"
    assert intro_channel(page) == "whatsapp"
    assert "Your one-time code goes on WhatsApp to +15*******06." in page.content.decode()


def test_and_back_to_sms(offered):
    first_send(offered, channel="whatsapp")
    assert pending_mark(offered)["channel"] == "whatsapp"
    cool_down(offered)
    assert offered.post("/mfa/resend/", {"channel": "sms"}).json()["allowed"] is True
    assert pending_mark(offered)["channel"] == "sms"
    assert data(offered.get("/mfa/challenge/"), "channel") == "sms"


def test_without_a_channel_a_resend_keeps_the_last_one(offered):
    first_send(offered, channel="whatsapp")
    cool_down(offered)
    assert offered.post("/mfa/resend/").json()["allowed"] is True
    assert pending_mark(offered)["channel"] == "whatsapp"


def test_a_switch_during_the_cooldown_waits_and_records_nothing(offered):
    first_send(offered)
    answer = offered.post("/mfa/resend/", {"channel": "whatsapp"})
    assert answer.status_code == 429
    assert answer.json()["reason"] == "cooldown"
    assert 0 < answer.json()["wait"] <= 30
    assert pending_mark(offered)["channel"] == "sms"
    assert pending_mark(offered)["resends"] == 0


@pytest.mark.parametrize("channel", REFUSED_CHANNELS)
def test_an_unknown_channel_is_a_clear_400_and_uses_nothing_up(offered, channel):
    answer = first_send(offered, channel=channel)
    assert answer.status_code == 400
    assert answer.json() == {
        "allowed": False,
        "reason": "unknown_channel",
        "detail": "channel must be one of: sms, whatsapp.",
        "channels": ["sms", "whatsapp"],
    }
    mark = pending_mark(offered)
    assert (mark["sent_at"], mark["resends"], mark["channel"]) == (None, 0, "sms")
    assert data(offered.get("/mfa/challenge/"), "auto-send") == "true"


def test_whatsapp_is_refused_when_the_action_does_not_allow_it(sms_only):
    answer = first_send(sms_only, channel="whatsapp")
    assert answer.status_code == 400
    assert answer.json()["reason"] == "whatsapp_not_offered"
    assert answer.json()["channels"] == ["sms"]
    assert pending_mark(sms_only)["sent_at"] is None
    assert first_send(sms_only, channel="sms").json()["allowed"] is True


def test_whatsapp_is_refused_when_the_site_does_not_offer_it(offered, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": False}
    answer = first_send(offered, channel="whatsapp")
    assert answer.status_code == 400 and answer.json()["reason"] == "whatsapp_not_offered"


def test_whatsapp_turned_off_after_a_switch_shows_sms_again(offered, settings):
    first_send(offered, channel="whatsapp")
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": False}
    page = offered.get("/mfa/challenge/")
    assert data(page, "channel") == "sms"
    assert intro_channel(page) == "sms"
    assert 'id="authsignal-sms-whatsapp"' not in page.content.decode()


def test_the_channel_is_checked_before_the_first_send_is_refused(offered):
    first_send(offered)
    assert first_send(offered, channel="fax").status_code == 400
    assert first_send(offered, channel="sms").status_code == 409


def test_a_damaged_channel_in_the_session_counts_as_no_record(offered):
    session = offered.session
    session["_authsignal_sms"]["channel"] = ["whatsapp"]
    session.save()
    assert offered.post("/mfa/resend/", {"channel": "sms"}).status_code == 400
    assert offered.get("/mfa/challenge/").status_code == 400


# The step-up's code page: the same endpoint, the same rules


@pytest.fixture
def stepping_up(client, user, authsignal, settings):
    """alice, signed in, asked for a code to change her email; WhatsApp offered."""
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    rules = Rules(states={"changeEmail": "CHALLENGE_REQUIRED"}, methods=BOTH)
    authsignal.mock.add_callback(
        responses.POST, ACTION_URL, callback=rules.answer, content_type="application/json"
    )
    sign_in(client, user, settings)
    assert client.get("/stepup-tests/email/")["Location"] == "/mfa/step-up/"
    return client


STEP_UP_RESEND = "/mfa/step-up/resend/"


def test_the_step_up_records_the_channel_and_shows_it(stepping_up):
    assert data(stepping_up.get("/mfa/step-up/"), "channel") == "sms"
    assert first_send(stepping_up, STEP_UP_RESEND, channel="whatsapp").json()["allowed"] is True
    assert stepping_up.session[PENDING_KEY]["channel"] == "whatsapp"
    page = stepping_up.get("/mfa/step-up/")
    assert data(page, "channel") == "whatsapp"
    assert intro_channel(page) == "whatsapp"


@pytest.mark.parametrize("channel", ["email", "", "x" * 5000])
def test_the_step_up_refuses_an_unknown_channel(stepping_up, channel):
    answer = first_send(stepping_up, STEP_UP_RESEND, channel=channel)
    assert answer.status_code == 400 and answer.json()["reason"] == "unknown_channel"
    assert stepping_up.session[PENDING_KEY]["sent_at"] is None


def test_the_step_up_refuses_whatsapp_when_not_offered(stepping_up, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": False}
    answer = first_send(stepping_up, STEP_UP_RESEND, channel="whatsapp")
    assert answer.status_code == 400 and answer.json()["reason"] == "whatsapp_not_offered"


def test_the_step_up_page_words_its_messages_for_an_action(stepping_up):
    page = stepping_up.get("/mfa/step-up/")
    messages = template_messages(page.content.decode())
    assert messages["too_many_wrong"] == "Too many wrong codes. Please try again."
    assert messages["accepted"] == "Code accepted."
    assert "Confirm it's you to change your email address." in page.content.decode()
