"""A POST without a fresh step-up never runs: the user steps up, comes back to the form's GET
with a "submit again" notice, and submits again. The POST body is never stored."""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages

from django_authsignal_sms.stepup.responses import SUBMIT_AGAIN
from tests.stepup import views
from tests.stepup.conftest import complete, over_1000

pytestmark = pytest.mark.django_db

TRANSFER = "/stepup-tests/transfer/"
EMAIL = "/stepup-tests/email/"
ORDER = {"amount": "1250", "payee": "acme", "memo": "secret-memo"}


@pytest.fixture
def challenged(rules):
    rules.states["transferMoney"] = over_1000
    rules.states["changeEmail"] = "CHALLENGE_REQUIRED"
    return rules


def notices(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def session_text(client):
    return json.dumps(dict(client.session.items()), default=str)


@pytest.mark.parametrize(
    ("url", "form"), [(TRANSFER, ORDER), (EMAIL, {"email": "new@evil.test", "memo": "secret-memo"})]
)
def test_a_post_without_a_step_up_is_not_run_and_not_stored(alice, challenged, url, form):
    response = alice.post(url, form)
    assert response.status_code == 302 and response["Location"] == "/mfa/step-up/"
    assert views.DONE == []
    stored = session_text(alice)
    for field, value in form.items():
        assert value not in stored or field in ("amount", "payee"), (field, stored)
        assert f'"{field}"' not in stored
    assert "secret-memo" not in stored and "new@evil.test" not in stored


@pytest.mark.parametrize(("url", "form"), [(TRANSFER, ORDER), (EMAIL, {"email": "a@b.test"})])
def test_after_the_step_up_the_form_comes_back_to_submit_again(
    alice, challenged, authority, url, form
):
    alice.post(url, form)
    done = complete(alice, authority)
    assert done.status_code == 302 and done["Location"] == url
    page = alice.get(url)
    assert page.status_code == 200 and b"form" in page.content
    assert notices(page) == [SUBMIT_AGAIN]
    assert views.DONE == []
    again = alice.post(url, form)
    assert again.status_code == 200
    assert len(views.DONE) == 1


def test_submitting_other_data_after_the_step_up_asks_again(alice, challenged, authority):
    alice.post(TRANSFER, ORDER)
    complete(alice, authority)
    response = alice.post(TRANSFER, {**ORDER, "amount": "9000", "payee": "mallory"})
    assert response["Location"] == "/mfa/step-up/"
    assert views.DONE == []


def test_a_get_step_up_has_no_submit_again_notice(alice, challenged, authority):
    alice.get(EMAIL)
    done = complete(alice, authority)
    assert done["Location"] == EMAIL
    assert notices(alice.get(EMAIL)) == []


def test_an_api_post_without_a_step_up_is_not_run(alice, challenged):
    response = alice.post(
        "/stepup-tests/api/transfer/",
        {"amount": 1250, "payee": "acme", "memo": "secret-memo"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert views.DONE == []
    assert "secret-memo" not in session_text(alice)


def test_a_post_with_a_query_string_comes_back_to_the_bare_form(alice, challenged, authority):
    alice.post(EMAIL + "?next=https://evil.test/", {"email": "a@b.test"})
    assert complete(alice, authority)["Location"] == EMAIL
