"""One expiry, one experience per kind of request: a page goes back to the login page with a
notice; the page's own JSON endpoints and API clients are told in JSON. Either way the pending
login ends once, with a log record and the ``challenge_failed`` signal."""

from __future__ import annotations

import pytest

from django_authsignal_sms import signals
from tests.conftest import pending_mark
from tests.records import age_record

pytestmark = pytest.mark.django_db

LOGIN_AGAIN = "/accounts/login/?next=%2Fprotected%2F"
TOO_LONG = "Your sign-in took too long to finish. Please sign in again."


@pytest.fixture
def expired(pending, settings):
    age_record(pending, settings.AUTHSIGNAL_SMS.get("PENDING_LIFETIME", 600) + 1)
    return pending


@pytest.fixture
def ended():
    reasons = []

    def receiver(sender, reason, **kwargs):
        reasons.append(reason)

    signals.challenge_failed.connect(receiver)
    yield reasons
    signals.challenge_failed.disconnect(receiver)


PAGE_REQUESTS = {
    "a protected page": ("get", "/protected/"),
    "the code page": ("get", "/mfa/challenge/"),
    "the callback": ("post", "/mfa/callback/"),
}


@pytest.mark.parametrize("request_", list(PAGE_REQUESTS.values()), ids=list(PAGE_REQUESTS))
def test_a_page_goes_back_to_the_login_page_with_a_notice(expired, ended, request_):
    method, path = request_
    response = getattr(expired, method)(path, {"token": "t"} if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"] == LOGIN_AGAIN
    assert TOO_LONG in expired.get(response["Location"]).content.decode()
    assert pending_mark(expired) is None
    assert ended == ["expired"]


@pytest.mark.parametrize("path", ["/mfa/resend/", "/mfa/failed/"])
def test_the_code_pages_endpoints_answer_in_json(expired, ended, path):
    response = expired.post(path)
    assert response.status_code == 400
    assert response.json() == {
        "allowed": False,
        "ended": True,
        "reason": "expired",
        "redirect": LOGIN_AGAIN,
    }
    assert pending_mark(expired) is None
    assert ended == ["expired"]


def test_an_api_client_is_told_in_json(expired, ended):
    response = expired.get("/api/me/", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["reason"] == "expired"
    assert pending_mark(expired) is None
    assert ended == ["expired"]
