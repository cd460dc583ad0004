"""The gate knows the code page and its endpoints from the request's path: a pending sign-in's
requests to them resolve their URL once (Django's own resolve), not a second time in the gate."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import RequestFactory, override_settings
from django.urls import URLResolver, get_resolver

from django_authsignal_sms import redirects

pytestmark = pytest.mark.django_db


def counting_resolve():
    original = URLResolver.resolve
    return mock.patch.object(URLResolver, "resolve", autospec=True, side_effect=original)


def resolves(counted: mock.MagicMock) -> int:
    """Whole resolves: calls on the root resolver (an include's resolver is called within)."""
    return sum(1 for call in counted.call_args_list if call.args[0] is get_resolver())


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/mfa/challenge/", 200), ("post", "/mfa/resend/", 200), ("post", "/mfa/failed/", 200)],
)
def test_a_pending_page_is_resolved_once(pending, method, url, status):
    with counting_resolve() as resolved:
        response = getattr(pending, method)(
            url, **({"data": {"first": "1"}} if method == "post" else {})
        )
    assert response.status_code == status
    assert resolves(resolved) == 1  # Django's, for the view; none in the gate


def test_any_other_page_is_still_resolved_and_steered(pending):
    with counting_resolve() as resolved:
        response = pending.get("/protected/")
    assert response["Location"] == "/mfa/challenge/?next=%2Fprotected%2F"
    assert resolves(resolved) == 1  # the gate's: it steered before any view


@pytest.mark.parametrize(
    "path", ["/mfa/challenge/", "/mfa/resend/", "/mfa/callback/", "/mfa/denied/"]
)
def test_the_pending_pages_are_known_by_path(path):
    assert redirects.is_pending_page(RequestFactory().get(path))


@pytest.mark.parametrize("path", ["/mfa/challenge", "/mfa/challenge/x/", "/protected/", "/mfa/"])
def test_nothing_else_is(path):
    assert not redirects.is_pending_page(RequestFactory().get(path))


def test_a_request_with_its_own_urlconf_is_left_to_resolve():
    # A middleware's request.urlconf applies only when Django resolves the view, after the gate.
    request = RequestFactory().get("/mfa/challenge/")
    request.urlconf = "tests.urls_elsewhere"
    assert not redirects.is_pending_page(request)


def test_without_the_app_urls_no_path_is_known_and_nothing_fails():
    with override_settings(ROOT_URLCONF="tests.urls_without_app"):
        assert not redirects.is_pending_page(RequestFactory().get("/mfa/challenge/"))


def test_the_script_prefix_is_part_of_the_path():
    request = RequestFactory().get("/mfa/challenge/", SCRIPT_NAME="/shop")
    assert request.path == "/shop/mfa/challenge/"
    assert not redirects.is_pending_page(request)  # the prefix of this thread is "/"
