"""Client IP: what the client writes in X-Forwarded-For never becomes the ``ipAddress`` that
Authsignal's rules see, unless CLIENT_IP_HEADER and TRUSTED_PROXY_COUNT say which part of the
header trusted proxies wrote; then only that part counts."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.security.conftest import examples

pytestmark = pytest.mark.django_db

REAL = "198.51.100.7"  # the client's real address, as the first trusted proxy saw it
PROXY = "10.0.0.2"  # the second proxy (the one next to Django)
SPOOF = "6.6.6.6"  # what an attacker would like Authsignal to see
XFF = "HTTP_X_FORWARDED_FOR"


def tracked_ip(authsignal, remote_addr="192.0.2.1", **headers):
    authsignal.on_track("ALLOW")
    before = len(authsignal.track_bodies())
    Client().post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=remote_addr,
        **headers,
    )
    bodies = authsignal.track_bodies()
    assert len(bodies) == before + 1
    return bodies[-1].get("ipAddress")


SPOOFING_HEADERS = {
    "x-forwarded-for": {XFF: SPOOF},
    "x-forwarded-for-list": {XFF: f"{SPOOF}, {SPOOF}"},
    "x-real-ip": {"HTTP_X_REAL_IP": SPOOF},
    "forwarded": {"HTTP_FORWARDED": f"for={SPOOF}"},
    "true-client-ip": {"HTTP_TRUE_CLIENT_IP": SPOOF},
    "cf-connecting-ip": {"HTTP_CF_CONNECTING_IP": SPOOF},
    "x-client-ip": {"HTTP_X_CLIENT_IP": SPOOF},
}


@pytest.mark.parametrize("headers", SPOOFING_HEADERS.values(), ids=list(SPOOFING_HEADERS))
def test_without_configuration_only_remote_addr_counts(user, authsignal, headers):
    assert tracked_ip(authsignal, "192.0.2.1", **headers) == "192.0.2.1"


@pytest.mark.parametrize(
    ("count", "header", "expected"),
    [
        (1, f"{SPOOF}, {REAL}", REAL),
        (1, f"{SPOOF},{SPOOF}, {REAL}", REAL),
        (1, REAL, REAL),
        (2, f"{SPOOF}, {REAL}, {PROXY}", REAL),
        (2, f"{REAL}, {PROXY}", REAL),
        (3, f"{SPOOF}, {REAL}, 10.0.0.3, {PROXY}", REAL),
        (1, f"{SPOOF}, , {REAL} ,", REAL),
        (1, f"{SPOOF}, 2001:db8::7", "2001:db8::7"),
    ],
)
def test_with_n_trusted_proxies_the_client_written_left_part_is_ignored(
    user, authsignal, settings, count, header, expected
):
    settings.AUTHSIGNAL_SMS = {"CLIENT_IP_HEADER": XFF, "TRUSTED_PROXY_COUNT": count}
    assert tracked_ip(authsignal, PROXY, **{XFF: header}) == expected


@pytest.mark.parametrize(
    ("count", "header"),
    [
        (2, REAL),  # fewer entries than proxies: the header was not written by them
        (3, f"{SPOOF}, {REAL}"),
        (1, ""),
        (1, f"{REAL}, not-an-ip"),
        (1, f"{REAL}, {SPOOF}:443"),
        (1, f"{REAL}, [2001:db8::7]"),
        (0, f"{SPOOF}, {REAL}"),  # zero trusted proxies: the header is not used
    ],
)
def test_an_unusable_header_falls_back_to_remote_addr(user, authsignal, settings, count, header):
    settings.AUTHSIGNAL_SMS = {"CLIENT_IP_HEADER": XFF, "TRUSTED_PROXY_COUNT": count}
    assert tracked_ip(authsignal, PROXY, **{XFF: header}) == PROXY


def test_another_header_is_not_read_when_one_is_configured(user, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {"CLIENT_IP_HEADER": "HTTP_X_REAL_IP", "TRUSTED_PROXY_COUNT": 1}
    assert tracked_ip(authsignal, PROXY, HTTP_X_REAL_IP=REAL, **{XFF: SPOOF}) == REAL


def test_a_garbage_remote_addr_is_not_sent(user, authsignal):
    assert tracked_ip(authsignal, "not-an-ip", **{XFF: SPOOF}) is None


ANYTHING = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
ADDRESSES = st.ip_addresses().map(str)


@examples(60)
@given(written_by_client=ANYTHING, real=ADDRESSES, proxies=st.integers(1, 3))
def test_whatever_the_client_writes_the_proxies_part_wins(
    user, authsignal, settings, written_by_client, real, proxies
):
    """Each trusted proxy appends what it saw; the client controls only what comes before."""
    settings.AUTHSIGNAL_SMS = {"CLIENT_IP_HEADER": XFF, "TRUSTED_PROXY_COUNT": proxies}
    hops = [real] + [f"10.0.0.{n}" for n in range(1, proxies)]
    header = ", ".join([written_by_client, *hops])
    assert tracked_ip(authsignal, "10.0.0.99", **{XFF: header}) == real


@examples(40)
@given(header=ANYTHING)
def test_without_configuration_no_header_value_matters(user, authsignal, header):
    assert tracked_ip(authsignal, "192.0.2.1", **{XFF: header}) == "192.0.2.1"
