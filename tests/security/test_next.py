"""``next``: no URL an attacker can put in a login link becomes an off-site redirect target, at
any of the three places the app keeps or uses one: the login step (the login view's redirect is
what the app keeps as ``next``), the code page's hidden ``next`` field, and the callback."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PASSWORD, pending_mark, start_pending
from tests.security.conftest import examples

pytestmark = pytest.mark.django_db

HOST = "testserver"
EVIL = [
    "https://evil.example/steal",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "https:evil.example",
    "https:/evil.example",
    "http:///evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "http://testserver@evil.example",
    "http://testserver:80@evil.example/",
    "http://evil.example\\@testserver/",
    "http://evil.example#@testserver",
    "HTTPS://EVIL.EXAMPLE",
    "hTtP://evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\r\n//evil.example",
    "\x00//evil.example",
    "\x01//evil.example",
    "//evil.example\x00/",
    "http://[::1",
]
# Look off-site, but a browser resolves them on this site (encoded slashes stay a path; only
# C0 controls and spaces are trimmed): they may be kept or dropped, never decoded into a host.
LOOKALIKES = [
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "/%09/evil.example",
    "\u3000//evil.example",
]
C0_AND_SPACE = "".join(chr(n) for n in range(0x21))


def stays_on_site(url):
    """Where a browser goes with ``url`` from a page of this site: still this site?

    Conservative: tabs and newlines removed and C0 controls/spaces trimmed as browsers do,
    backslashes read as slashes, and anything with a scheme must name this host explicitly.
    """
    cleaned = re.sub(r"[\t\n\r]", "", url).strip(C0_AND_SPACE).replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    if parts.scheme:
        after_scheme = cleaned[len(parts.scheme) + 1 :]
        return (
            parts.scheme.lower() in ("http", "https")
            and after_scheme.startswith("//")
            and parts.netloc.lower() == HOST
        )
    return not cleaned.startswith("//")


def test_the_checker_itself():
    for url in EVIL:
        assert not stays_on_site(url), url
    safe = ["/protected/", "/a//b", "relative/x", "?next=//evil", "http://testserver/x", ""]
    for url in safe + LOOKALIKES:
        assert stays_on_site(url), url


def next_of(location):
    """The ``next`` a redirect to the code page carries."""
    assert location.startswith("/mfa/challenge/"), location
    return parse_qs(urlsplit(location).query).get("next", [""])[0]


def hidden_next(page):
    match = re.search(r'name="next" value="([^"]*)"', page.content.decode())
    assert match, "no hidden next field"
    return html.unescape(match[1])


LOGIN_PATHS = {
    "LoginView": "/accounts/login/",
    "admin": "/admin/login/",
    "naive-custom-view": "/security/naive-login/",  # redirects to any next: the app must not
}


def login_with_next(authsignal, path, evil):
    """A victim follows ``<login page>?next=<evil>`` and types the password."""
    client = Client()
    authsignal.on_track("CHALLENGE_REQUIRED")
    data = {"username": "alice", "password": PASSWORD, "next": evil}
    response = client.post(path, data)
    assert response.status_code == 302, response
    return client, response


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = "tests.security.urls"


@pytest.mark.parametrize("path", LOGIN_PATHS)
@pytest.mark.parametrize("evil", EVIL + LOOKALIKES)
def test_at_the_login_step(user, authsignal, urls, path, evil):
    user.is_staff = True  # so the admin's login form accepts her
    user.save()
    client, response = login_with_next(authsignal, LOGIN_PATHS[path], evil)
    kept = pending_mark(client)["next_url"]
    assert stays_on_site(kept), kept
    assert stays_on_site(next_of(response["Location"]))


@pytest.mark.parametrize("evil", EVIL)
def test_on_the_code_page(pending, evil):
    page = pending.get("/mfa/challenge/", {"next": evil})
    assert page.status_code == 200
    assert hidden_next(page) == "/protected/"  # the page falls back to the kept, safe next


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_on_the_code_page_lookalikes_stay_on_site(pending, lookalike):
    page = pending.get("/mfa/challenge/", {"next": lookalike})
    assert stays_on_site(hidden_next(page))


@pytest.mark.parametrize("evil", EVIL)
def test_at_the_callback(pending, user, authsignal, evil):
    authsignal.on_validate(str(user.pk))
    response = pending.post("/mfa/callback/", {"token": "verified", "next": evil})
    assert response.status_code == 302
    assert response["Location"] == "/protected/"


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_at_the_callback_lookalikes_stay_on_site(pending, user, authsignal, lookalike):
    authsignal.on_validate(str(user.pk))
    response = pending.post("/mfa/callback/", {"token": "verified", "next": lookalike})
    assert stays_on_site(response["Location"]), response["Location"]


GATE_PATHS = ["//evil.example/", "///evil.example/", "/\\evil.example/", "//evil.example/%2F.."]


@pytest.mark.parametrize("path_info", GATE_PATHS)
def test_at_the_gate(pending, path_info):
    """The URL a pending session asks for becomes ``next``: one that looks off-site is dropped."""
    response = pending.get("/", PATH_INFO=path_info)
    assert stays_on_site(next_of(response["Location"]))


# The same, with whatever hypothesis makes of prefixes, hosts and free text.

PREFIXES = ["//", "///", "\\\\", "/\\", "\\/", "https:", "http:/", "HTTPS://", "javascript:"]
PREFIXES += [" //", "\t//", "/\t/", "\x00//", "%2F%2F", "http://testserver@", "data:"]
HOSTS = ["evil.example", "EVIL.example", "evil.example:443", "testserver.evil.example", "[::1]"]
CRAFTED = st.builds(
    lambda prefix, host, rest: prefix + host + rest,
    st.sampled_from(PREFIXES),
    st.sampled_from(HOSTS),
    st.text(max_size=12),
)
ANY_NEXT = st.one_of(CRAFTED, st.text(max_size=40), st.sampled_from(EVIL + LOOKALIKES))


@examples(80)
@given(evil=ANY_NEXT)
def test_no_next_leaves_the_site_at_the_login_step(user, authsignal, urls, evil):
    client, response = login_with_next(authsignal, "/security/naive-login/", evil)
    assert stays_on_site(pending_mark(client)["next_url"])
    assert stays_on_site(next_of(response["Location"]))


@examples(80)
@given(evil=ANY_NEXT)
def test_no_next_leaves_the_site_on_the_code_page(user, authsignal, evil):
    client = Client()
    start_pending(client, authsignal, next_url="/protected/")
    next_field = hidden_next(client.get("/mfa/challenge/", {"next": evil}))
    assert stays_on_site(next_field), next_field


@examples(80)
@given(evil=ANY_NEXT)
def test_no_next_leaves_the_site_at_the_callback(user, authsignal, evil):
    client = Client()
    # Every track answers with its own idempotency key: a completed one cannot complete twice.
    idem = f"idem-{uuid.uuid4()}"
    start_pending(client, authsignal, idem=idem, next_url="/protected/")
    authsignal.idempotency_key = idem
    authsignal.on_validate(str(user.pk))
    response = client.post("/mfa/callback/", {"token": "verified", "next": evil})
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]
