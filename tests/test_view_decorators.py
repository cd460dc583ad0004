"""The decorators of the app's class-based views: never cached, CSRF-checked even without
CsrfViewMiddleware, the callback's token kept out of error reports, and each applied once to the
view function rather than again on every request (``decorated_view.DecoratedView``)."""

from __future__ import annotations

import pytest
from django.test import Client

from django_authsignal_sms.passkey_offer_views import PasskeyOfferView, PasskeyTokenView
from django_authsignal_sms.security.views import NewNumberCodePage
from django_authsignal_sms.stepup.views import StepUpChallengeView
from django_authsignal_sms.views import (
    CallbackView,
    CancelView,
    ChallengeView,
    DeniedView,
    FailedView,
    ResendView,
    SignedInCallbackView,
)
from tests.conftest import start_pending

pytestmark = pytest.mark.django_db

CLASS_VIEWS = [
    ChallengeView,
    StepUpChallengeView,
    NewNumberCodePage,
    CallbackView,
    SignedInCallbackView,
    ResendView,
    FailedView,
    CancelView,
    DeniedView,
    PasskeyOfferView,
    PasskeyTokenView,
]
PENDING_REQUESTS = [
    ("get", "/mfa/challenge/"),
    ("post", "/mfa/resend/"),
    ("post", "/mfa/failed/"),
    ("post", "/mfa/callback/"),
    ("post", "/mfa/cancel/"),
    ("get", "/mfa/denied/"),
    ("get", "/mfa/step-up/"),
    ("post", "/mfa/step-up/resend/"),
    ("post", "/mfa/step-up/callback/"),
    ("post", "/mfa/passkey/token/"),
]
CSRF_CHECKED = ["/mfa/resend/", "/mfa/failed/", "/mfa/callback/", "/mfa/cancel/"]


@pytest.mark.parametrize("view_class", CLASS_VIEWS, ids=lambda view: view.__name__)
def test_the_decorators_wrap_the_view_function_not_each_dispatch(view_class):
    # method_decorator(name="dispatch") puts a dispatch in the class that decorates again on
    # every request; the view function built by as_view() carries them once.
    assert "dispatch" not in vars(view_class)
    assert view_class.decorators
    view = view_class.as_view()
    assert view.view_class is view_class  # the decorators kept what the URLconf reads


@pytest.mark.parametrize(("method", "url"), PENDING_REQUESTS)
def test_no_answer_of_the_app_is_cached(client, user, authsignal, method, url):
    start_pending(client, authsignal)
    response = getattr(client, method)(url)
    assert "no-store" in response["Cache-Control"], (url, response.status_code)


@pytest.mark.parametrize("url", CSRF_CHECKED)
def test_the_endpoints_check_csrf_without_the_middleware(settings, client, user, authsignal, url):
    settings.MIDDLEWARE = [
        entry
        for entry in settings.MIDDLEWARE
        if entry != "django.middleware.csrf.CsrfViewMiddleware"
    ]
    start_pending(client, authsignal)
    browser = Client(enforce_csrf_checks=True)
    browser.cookies = client.cookies  # the pending session, posting without a CSRF token
    response = browser.post(url, {"token": "forged", "first": "1"})
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_the_callback_keeps_the_token_out_of_error_reports(client, user, authsignal):
    start_pending(client, authsignal)
    response = client.post("/mfa/callback/", {"token": "x" * 20})
    assert response.wsgi_request.sensitive_post_parameters == ("token",)
