"""Each outcome of Authsignal's track, in each shape of the protection: the decorator on a sync
and on an async view, the mixin on a sync and on an async view (each as a page and as JSON),
and the DRF permission."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from django_authsignal_sms.stepup.state import DONE_KEY
from tests.stepup import views
from tests.stepup.conftest import (
    CALLBACK,
    JSON,
    OUTAGE,
    complete,
    pending_of,
    verified_token,
)

pytestmark = pytest.mark.django_db

STEP_UP_KEYS = {
    "token",
    "tenantId",
    "baseUrl",
    "methods",
    "maskedPhone",
    "callbackUrl",
    "cancelUrl",
    "expiresIn",
    "action",
    "purpose",
}


@dataclass(frozen=True)
class Shape:
    """One protected view, requested as a page or as JSON; ``ran`` is in its answer only when
    the view ran."""

    name: str
    action: str
    url: str
    ran: bytes
    json: bool = False
    body: dict = field(default_factory=dict)
    purpose: str = ""

    def request(self, client, **extra):
        if self.body:
            return client.post(self.url, self.body, content_type="application/json", **extra)
        return client.get(self.url, **(JSON if self.json else {}), **extra)

    def __str__(self):
        return f"{self.name}-{'json' if self.json else 'html'}"


TRANSFER = "/stepup-tests/transfer/?amount=1250&payee=acme"
TRANSFER_PURPOSE = "transfer $1,250 to acme"
PAGES = [
    Shape(
        "decorator", "transferMoney", TRANSFER, b"transfer form", purpose="transfer $1,250 to acme"
    ),
    Shape("async-decorator", "exportData", "/stepup-tests/export/", b"exported"),
    Shape(
        "mixin",
        "changeEmail",
        "/stepup-tests/email/",
        b"email form",
        purpose="change your email address",
    ),
    Shape("async-mixin", "exportData", "/stepup-tests/export-cbv/", b"exported"),
]
DRF = Shape(
    "drf",
    "transferMoney",
    "/stepup-tests/api/transfer/",
    b'"transferred":true',
    json=True,
    body={"amount": 1250, "payee": "acme"},
)
JSON_SHAPES = [*(replace(shape, json=True) for shape in PAGES), DRF]
SHAPES = [*PAGES, *JSON_SHAPES]


def assert_ran(response, shape):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    assert shape.ran in response.content


def assert_did_not_run(response, shape, done_before=0):
    assert shape.ran not in response.content
    assert len(views.DONE) == done_before


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_allow_runs_the_view(alice, rules, shape):
    rules.states[shape.action] = "ALLOW"
    assert_ran(shape.request(alice), shape)
    assert [t["action"] for t in rules.tracked] == [shape.action]
    assert pending_of(alice) is None


@pytest.mark.parametrize("shape", PAGES, ids=str)
def test_challenge_sends_a_page_to_the_code_page(alice, rules, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    response = shape.request(alice)
    assert response.status_code == 302 and response["Location"] == "/mfa/step-up/"
    assert_did_not_run(response, shape)
    page = alice.get("/mfa/step-up/")
    assert page.status_code == 200
    assert b"Confirm it's you" in page.content
    assert page.context["action"] == shape.action
    if shape.purpose:
        assert f"Confirm it's you to {shape.purpose}.".encode() in page.content
    assert page.context["callback_url"] == CALLBACK


@pytest.mark.parametrize("shape", JSON_SHAPES, ids=str)
def test_challenge_answers_json_with_what_the_sdk_needs(alice, rules, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    response = shape.request(alice)
    assert response.status_code == 403
    assert_did_not_run(response, shape)
    body = response.json()
    assert body["code"] == "step_up_required"
    step = body["stepUp"]
    assert set(step) == STEP_UP_KEYS
    pending = pending_of(alice)
    assert step["token"] == pending["token"] == "track-token-1"
    assert step["action"] == shape.action
    assert step["tenantId"] == "test-tenant"
    assert step["baseUrl"].startswith("https://")
    assert step["methods"] == ["SMS"]
    assert step["maskedPhone"] == pending["masked_phone"] and step["maskedPhone"].endswith("06")
    assert "+15005550006" not in response.content.decode()
    assert step["callbackUrl"] == CALLBACK
    assert step["cancelUrl"] == "/mfa/step-up/cancel/"
    assert 0 < step["expiresIn"] <= 600
    assert step["purpose"] == shape.purpose


@pytest.mark.parametrize("shape", PAGES, ids=str)
def test_after_the_callback_the_page_runs(alice, rules, authority, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    first = shape.request(alice)
    assert first.status_code == 302
    done = complete(alice, authority)
    assert done.status_code == 302 and done["Location"] == shape.url
    assert_ran(shape.request(alice), shape)
    assert len(rules.tracked) == 1, "a fresh step-up is not tracked again"


@pytest.mark.parametrize("shape", JSON_SHAPES, ids=str)
def test_after_the_callback_the_api_call_runs(alice, rules, authority, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    assert shape.request(alice).status_code == 403
    token = verified_token(alice, authority)
    done = alice.post(CALLBACK, {"token": token}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["code"] == "stepped_up" and done.json()["action"] == shape.action
    assert_ran(shape.request(alice), shape)


REFUSALS = [
    ("BLOCK", "step_up_blocked"),
    ("REVIEW_REQUIRED", "step_up_review"),
    ("SOMETHING_NEW", "step_up_blocked"),
]


@pytest.mark.parametrize(("state", "reason"), REFUSALS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_a_refused_action_does_not_run(alice, rules, authority, shape, state, reason):
    rules.states[shape.action] = state
    response = shape.request(alice)
    assert response.status_code == 403
    assert_did_not_run(response, shape)
    if shape.json:
        assert response.json()["code"] == reason
    else:
        assert b"Action" in response.content and b"<html" in response.content.lower()
    assert pending_of(alice) is None
    assert alice.post(CALLBACK, {"token": "any"}).status_code == 400
    assert DONE_KEY not in alice.session


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_no_sms_for_the_user_refuses_the_action(alice, rules, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    rules.enrolled = ["PASSKEY"]
    response = shape.request(alice)
    assert response.status_code == 403
    assert_did_not_run(response, shape)
    assert pending_of(alice) is None


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_an_outage_fails_closed(alice, rules, shape):
    rules.states[shape.action] = OUTAGE
    response = shape.request(alice)
    assert response.status_code == 503
    assert_did_not_run(response, shape)
    if shape.json:
        assert response.json()["code"] == "step_up_error"


FAIL_OPEN = [
    Shape("decorator", "exportData", "/stepup-tests/export-anyway/", b"exported"),
    Shape("async-decorator", "exportData", "/stepup-tests/export-anyway-async/", b"exported"),
    Shape("mixin", "changeEmail", "/stepup-tests/email/", b"email form"),
    Shape("async-mixin", "exportData", "/stepup-tests/export-cbv/", b"exported"),
    DRF,
]


@pytest.mark.parametrize("shape", FAIL_OPEN, ids=str)
def test_an_outage_runs_the_view_when_the_action_fails_open(alice, rules, shape, monkeypatch):
    for cls in (views.ChangeEmailView, views.AsyncExportView, views.TransferPermission):
        monkeypatch.setattr(cls, "step_up_fail_open", True)
    rules.states[shape.action] = OUTAGE
    assert_ran(shape.request(alice), shape)


@pytest.mark.parametrize("shape", FAIL_OPEN, ids=str)
def test_a_refusal_is_not_an_outage_even_when_failing_open(alice, rules, shape, monkeypatch):
    for cls in (views.ChangeEmailView, views.AsyncExportView, views.TransferPermission):
        monkeypatch.setattr(cls, "step_up_fail_open", True)
    rules.states[shape.action] = "BLOCK"
    response = shape.request(alice)
    assert response.status_code == 403
    assert_did_not_run(response, shape)


@pytest.mark.parametrize("shape", PAGES, ids=str)
def test_an_anonymous_page_request_goes_to_the_login(client, rules, shape):
    response = shape.request(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert_did_not_run(response, shape)
    assert rules.tracked == []


@pytest.mark.parametrize("shape", JSON_SHAPES, ids=str)
def test_an_anonymous_api_request_gets_401(client, rules, shape):
    response = shape.request(client)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "not_authenticated"
    assert_did_not_run(response, shape)
    assert rules.tracked == []


@pytest.mark.parametrize("shape", [PAGES[0], DRF], ids=str)
def test_the_track_says_who_what_and_from_where(alice, rules, shape):
    rules.states[shape.action] = "CHALLENGE_REQUIRED"
    alice.cookies["__as_aid"] = "device-42"
    shape.request(alice, HTTP_USER_AGENT="Firefox/1", REMOTE_ADDR="203.0.113.9")
    [track] = rules.tracked
    assert track["user"] == str(alice.session["_auth_user_id"])
    assert track["action"] == "transferMoney"
    assert track["custom"] == {"amount": 1250, "payee": "acme"}
    assert track["ipAddress"] == "203.0.113.9"
    assert track["userAgent"] == "Firefox/1"
    assert track["deviceId"] == "device-42"


def test_a_view_without_custom_data_sends_none(alice, rules):
    rules.states["changeEmail"] = "ALLOW"
    alice.get("/stepup-tests/email/")
    assert "custom" not in rules.tracked[0]
    assert "redirectUrl" not in rules.tracked[0]
