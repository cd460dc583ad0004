"""Pending logins (each one a batch of codes) are budgeted per user and per client IP."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import caches
from django.test import Client

from django_authsignal_sms.conf import DEFAULTS
from tests.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(settings):
    settings.AUTHSIGNAL_SMS = {"MAX_PENDING_PER_USER": 3, "MAX_PENDING_PER_IP": 5}


def attempt(username="alice", ip="203.0.113.7"):
    client = Client(REMOTE_ADDR=ip)
    response = log_in(client, username)
    return client, response["Location"]


def test_the_defaults_are_sane():
    assert DEFAULTS["MAX_PENDING_PER_USER"] == 5
    assert DEFAULTS["MAX_PENDING_PER_IP"] == 20
    assert DEFAULTS["PENDING_WINDOW"] == 900


def test_twenty_logins_do_not_give_twenty_code_pages(user, authsignal, settings, sent):
    settings.AUTHSIGNAL_SMS = {}  # the defaults
    authsignal.on_track("CHALLENGE_REQUIRED")
    places = [attempt()[1] for _ in range(20)]
    assert sum(p.startswith("/mfa/challenge/") for p in places) == DEFAULTS["MAX_PENDING_PER_USER"]
    assert places[-1] == "/mfa/denied/"
    assert {r["scope"] for r in sent["login_rate_limited"]} == {"user"}


def test_past_the_user_budget_a_clear_page_a_signal_and_a_log(
    user, authsignal, limited, sent, caplog
):
    authsignal.on_track("CHALLENGE_REQUIRED")
    for _ in range(3):
        assert attempt()[1].startswith("/mfa/challenge/")
    with caplog.at_level(logging.WARNING, "django_authsignal_sms"):
        client, place = attempt(ip="198.51.100.9")
    assert place == "/mfa/denied/"
    page = client.get(place)
    assert page.status_code == 403
    assert b"Too many sign-in attempts" in page.content
    assert SESSION_KEY not in client.session
    assert [(r["user"], r["scope"]) for r in sent["login_rate_limited"]] == [(user, "user")]
    assert "rate_limited" in caplog.text and "scope=user" in caplog.text


def test_past_the_ip_budget_other_users_from_that_ip_wait(user, authsignal, limited, sent):
    authsignal.on_track("CHALLENGE_REQUIRED")
    model = get_user_model()
    for n in range(5):
        model.objects.create_user(f"u{n}", password=PASSWORD, phone_number=f"+1500555010{n}")
        assert attempt(f"u{n}")[1].startswith("/mfa/challenge/")
    assert attempt("alice")[1] == "/mfa/denied/"
    assert attempt("alice", ip="198.51.100.9")[1].startswith("/mfa/challenge/")
    assert [r["scope"] for r in sent["login_rate_limited"]] == ["ip"]


def test_allowed_logins_are_not_counted(user, authsignal, limited):
    authsignal.on_track("ALLOW")
    for _ in range(10):
        client, _place = attempt()
        assert client.session[SESSION_KEY] == str(user.pk)


def test_the_window_ends(user, authsignal, limited, monkeypatch):
    authsignal.on_track("CHALLENGE_REQUIRED")
    clock = [1_000_000.0]
    monkeypatch.setattr("django_authsignal_sms.budget.time.time", lambda: clock[0])
    for _ in range(3):
        attempt()
    assert attempt()[1] == "/mfa/denied/"
    clock[0] += DEFAULTS["PENDING_WINDOW"]
    assert attempt()[1].startswith("/mfa/challenge/")


def test_zero_turns_a_budget_off(user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}
    authsignal.on_track("CHALLENGE_REQUIRED")
    assert all(attempt()[1].startswith("/mfa/challenge/") for _ in range(8))


def test_a_budgeted_login_costs_one_cache_call_per_budget(user, authsignal, limited):
    authsignal.on_track("CHALLENGE_REQUIRED")
    attempt()  # opens this window's counters
    cache = caches["default"]
    with (
        mock.patch.object(cache, "incr", wraps=cache.incr) as incr,
        mock.patch.object(cache, "get", wraps=cache.get) as get,
        mock.patch.object(cache, "add", wraps=cache.add) as add,
    ):
        assert attempt()[1].startswith("/mfa/challenge/")
    assert incr.call_count == 2  # the user's and the IP's
    assert get.call_count == add.call_count == 0


def test_a_window_opened_by_another_process_is_counted_not_reset(user, authsignal, limited):
    authsignal.on_track("CHALLENGE_REQUIRED")
    cache = caches["default"]
    real_incr = cache.incr
    calls = []

    def racing_incr(key, delta=1):
        calls.append(key)
        if len(calls) == 1:  # missing when we looked; another process adds it right then
            cache.add(key, 1, DEFAULTS["PENDING_WINDOW"])
            raise ValueError(key)
        return real_incr(key, delta)

    with mock.patch.object(cache, "incr", racing_incr):
        attempt()
    assert cache.get(calls[0]) == 2
