"""The fast path in counts, not time: an authenticated, non-pending request costs the app nothing.

Each test sends the same request to the same view twice, through the whole middleware stack
with the app's middleware and without it, and compares what the two cost: database queries,
cache calls and Authsignal calls. Timings live in bench/ (``python -m bench.bench``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

import pytest
import responses
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from django_authsignal_sms import client as authsignal_client

pytestmark = pytest.mark.django_db

APP_MIDDLEWARE = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
CACHE_SESSIONS = "django.contrib.sessions.backends.cache"
CACHE_METHODS = (
    "get",
    "set",
    "add",
    "delete",
    "touch",
    "has_key",
    "incr",
    "decr",
    "get_many",
    "set_many",
    "delete_many",
    "get_or_set",
    "clear",
)
NOW = re.compile(r"'\d{4}-\d\d-\d\d [\d:.]+'")  # the session's expiry check
# Views an authenticated user sees: login_required, and a page whose template shows the user.
PAGES = ["/protected/", "/"]


def middleware(with_app: bool) -> list[str]:
    return [m for m in django_settings.MIDDLEWARE if with_app or m != APP_MIDDLEWARE]


@contextmanager
def counting_cache_calls() -> Iterator[Counter[str]]:
    """Counts every call on the configured cache backends (by method name)."""
    calls: Counter[str] = Counter()
    classes = {type(caches[alias]) for alias in django_settings.CACHES}
    with ExitStack() as stack:
        for cls in classes:
            for name in CACHE_METHODS:
                original = getattr(cls, name)

                def counted(self, *args, _name=name, _original=original, **kwargs):
                    calls[_name] += 1
                    return _original(self, *args, **kwargs)

                stack.enter_context(mock.patch.object(cls, name, counted))
        yield calls


@contextmanager
def no_authsignal_calls() -> Iterator[tuple[responses.RequestsMock, mock.MagicMock]]:
    """Any HTTP call would be caught by ``responses`` (no URL registered: it fails and is
    recorded); the app's one entry point to the SDK is spied on as well."""
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as http,
        mock.patch.object(authsignal_client, "_call", wraps=authsignal_client._call) as sdk_calls,
    ):
        yield http, sdk_calls


def signed_in_cookies(user, settings, session_engine=None):
    """A real authenticated session; logged in with the app off, as the README advises."""
    settings.AUTHSIGNAL_SMS = {"ENABLED": False}
    if session_engine:
        settings.SESSION_ENGINE = session_engine
    browser = Client()
    browser.force_login(user)
    settings.AUTHSIGNAL_SMS = {}
    return browser.cookies


def costs(cookies, path, *, with_app: bool):
    """One warm request's queries, cache calls, Authsignal calls and response."""
    with override_settings(MIDDLEWARE=middleware(with_app)):
        browser = Client()
        browser.cookies = cookies
        browser.get(path)  # loads this client's middleware chain; not counted
        with (
            CaptureQueriesContext(connection) as queries,
            counting_cache_calls() as cache_calls,
            no_authsignal_calls() as (http, sdk_calls),
        ):
            response = browser.get(path)
    return {
        "queries": [NOW.sub("'<now>'", q["sql"]) for q in queries.captured_queries],
        "cache": dict(cache_calls),
        "http": len(http.calls),
        "sdk": sdk_calls.call_count,
        "response": response,
    }


@pytest.mark.parametrize("path", PAGES)
def test_an_authenticated_request_makes_no_extra_query(client, user, settings, path):
    cookies = signed_in_cookies(user, settings)
    without = costs(cookies, path, with_app=False)
    with_app = costs(cookies, path, with_app=True)
    assert with_app["response"].status_code == without["response"].status_code == 200
    assert b'id="signed-in-as">alice<' in with_app["response"].content
    assert with_app["queries"] == without["queries"]
    assert len(with_app["queries"]) == 2  # the session and the user, as without the app


@pytest.mark.parametrize("path", PAGES)
def test_an_authenticated_request_makes_no_extra_query_counted_by_pytest_django(
    client, user, settings, path, django_assert_num_queries
):
    cookies = signed_in_cookies(user, settings)
    expected = len(costs(cookies, path, with_app=False)["queries"])
    with override_settings(MIDDLEWARE=middleware(True)):
        browser = Client()
        browser.cookies = cookies
        browser.get(path)
        with django_assert_num_queries(expected):
            assert browser.get(path).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_an_authenticated_request_makes_no_cache_call(client, user, settings, path):
    cookies = signed_in_cookies(user, settings)
    assert costs(cookies, path, with_app=True)["cache"] == {}
    assert costs(cookies, path, with_app=False)["cache"] == {}


@pytest.mark.parametrize("path", PAGES)
def test_with_cache_sessions_the_app_adds_no_cache_call(client, user, settings, path):
    cookies = signed_in_cookies(user, settings, session_engine=CACHE_SESSIONS)
    without = costs(cookies, path, with_app=False)
    with_app = costs(cookies, path, with_app=True)
    assert b'id="signed-in-as">alice<' in with_app["response"].content
    assert without["cache"] == {"get": 1}  # the session itself
    assert with_app["cache"] == without["cache"]
    assert with_app["queries"] == without["queries"]


@pytest.mark.parametrize("path", PAGES)
def test_an_authenticated_request_makes_no_authsignal_call(client, user, settings, path):
    cookies = signed_in_cookies(user, settings)
    with_app = costs(cookies, path, with_app=True)
    assert with_app["http"] == 0
    assert with_app["sdk"] == 0
    assert authsignal_client._sdk_client.cache_info().currsize == 0  # not even a client made


def test_a_request_without_a_session_cookie_leaves_the_session_alone(client):
    """No session read, so no ``Vary: Cookie`` added to pages that never look at the user."""
    without = costs(client.cookies, "/plain/", with_app=False)
    with_app = costs(client.cookies, "/plain/", with_app=True)
    assert with_app["queries"] == without["queries"] == []
    assert with_app["response"].get("Vary") == without["response"].get("Vary")
