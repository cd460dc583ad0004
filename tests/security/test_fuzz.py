"""Fuzz: random methods, bodies, content types, headers and query strings on every view of the
app, with no mark, a pending mark and a denied mark. Never a 5xx (the test client re-raises any
exception a view lets out, so any exception fails too), never a login, and no state change but
the documented ones."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from hypothesis import event, given
from hypothesis import strategies as st

from django_authsignal_sms.verdict import TOKEN_MAX_LENGTH
from tests.conftest import pending_mark
from tests.records import make_record, put_record
from tests.security.conftest import examples

pytestmark = pytest.mark.django_db

VIEWS = ["challenge", "callback", "resend", "failed", "cancel", "denied"]
STATES = ["none", "pending", "blocked"]
EXAMPLES_PER_TEST = 80

# What a WSGI server can hand over in headers and the query string: latin-1 text.
LATIN1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF)
FIELD_NAMES = st.one_of(
    st.sampled_from(["token", "next", "csrfmiddlewaretoken", "code", "user_id", "state"]),
    st.text(max_size=10),
)
FORMS = st.dictionaries(FIELD_NAMES, st.text(max_size=60), max_size=4)
TOKENS = st.one_of(
    st.text(min_size=1, max_size=80),
    st.sampled_from(["verified", "null", "", "x" * TOKEN_MAX_LENGTH, "x" * (TOKEN_MAX_LENGTH + 1)]),
)
WITH_TOKEN = st.fixed_dictionaries({"token": TOKENS}, optional={"next": st.text(max_size=40)})
FORM_BODY = st.one_of(WITH_TOKEN, FORMS).map(lambda form: urlencode(form).encode())
BODIES = st.one_of(
    FORM_BODY,
    FORM_BODY,
    FORMS.map(lambda form: json.dumps(form).encode()),
    st.binary(max_size=300),
    st.sampled_from(
        [
            b'--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n--x--\r\n',
            b'--x\r\nContent-Disposition: form-data; name="token"; filename="t"\r\n\r\nabc\r\n',
            b"--x\r\n\r\n",
            b"token=%FF%FE&next=%00",
            b"token=a&token=b&token=",
        ]
    ),
)
FORM_TYPE = "application/x-www-form-urlencoded"
CONTENT_TYPES = st.one_of(
    st.just(FORM_TYPE),
    st.sampled_from(
        [
            FORM_TYPE,
            FORM_TYPE + "; charset=latin-1",
            FORM_TYPE + "; charset=no-such-charset",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "application/json",
            "text/plain",
            "",
        ]
    ),
    st.text(LATIN1, max_size=30),
)
# Half the time a well-formed form with a token, as the page posts it; else anything.
PAYLOADS = st.one_of(
    st.tuples(WITH_TOKEN.map(lambda form: urlencode(form).encode()), st.just(FORM_TYPE)),
    st.tuples(BODIES, CONTENT_TYPES),
)
QUERIES = st.one_of(FORMS.map(urlencode), st.text(LATIN1, max_size=60))
HEADER_NAMES = st.sampled_from(
    [
        "HTTP_X_FORWARDED_FOR",
        "HTTP_REFERER",
        "HTTP_ORIGIN",
        "HTTP_ACCEPT",
        "HTTP_X_REQUESTED_WITH",
        "HTTP_X_CSRFTOKEN",
        "HTTP_USER_AGENT",
        "HTTP_ACCEPT_LANGUAGE",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_NONE_MATCH",
        "HTTP_RANGE",
        "HTTP_COOKIE_",
    ]
)
HEADERS = st.dictionaries(HEADER_NAMES, st.text(LATIN1, max_size=40), max_size=4)
HOSTS = st.sampled_from(["testserver"] * 8 + ["evil.example", "testserver:80", "", "a b"])
OTHER_METHODS = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]),
    st.from_regex(r"[A-Z]{1,8}", fullmatch=True),
)
# The method each view is for: drawn most of the time, so the fuzz reaches the view's own code.
OWN_METHOD = {"challenge": "GET", "denied": "GET"}


def browser_in(state, user, enforce_csrf):
    browser = Client(enforce_csrf_checks=enforce_csrf)
    if state == "none":
        return browser
    mark = make_record(user_id=str(user.pk)) if state == "pending" else make_record(state)
    put_record(browser, mark)
    return browser


def changed(before, after):
    return {key for key in before if before[key] != after[key]}


def documented(view, method, before, after):
    """The state changes each view is documented to make; anything else is a bug."""
    if after == before:
        return True
    if before is None:
        return False  # no view creates a mark
    pending = before["outcome"] == "pending"
    if (view, method) in (("callback", "POST"), ("cancel", "POST")):
        return after is None  # consumed whatever the outcome / emptied like a logout
    if (view, method) == ("denied", "GET"):
        return not pending and after is None  # the denied page is shown once
    if after is None:  # the limits end a pending login
        return pending and (view, method) in (("resend", "POST"), ("failed", "POST"))
    if view == "challenge" and method in ("GET", "HEAD"):
        return before["sent_at"] is None and changed(before, after) == {"sent_at"}
    if (view, method) == ("resend", "POST"):
        return after["resends"] == before["resends"] + 1 and changed(before, after) <= {
            "resends",
            "sent_at",
        }
    if (view, method) == ("failed", "POST"):
        return after["failures"] == before["failures"] + 1 and changed(before, after) == {
            "failures"
        }
    return False


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("view", VIEWS)
@examples(EXAMPLES_PER_TEST)
@given(
    method=st.one_of(st.none(), st.none(), st.none(), OTHER_METHODS),
    payload=PAYLOADS,
    query=QUERIES,
    headers=HEADERS,
    host=HOSTS,
    enforce_csrf=st.sampled_from([False, False, True]),
)
def test_random_requests(
    user, authsignal, view, state, method, payload, query, headers, host, enforce_csrf
):
    method = method or OWN_METHOD.get(view, "POST")
    body, content_type = payload
    authsignal.on_validate(str(user.pk), isValid=False)
    browser = browser_in(state, user, enforce_csrf)
    before = pending_mark(browser)
    validations = len(authsignal.calls_to("/validate"))
    response = browser.generic(
        method, f"/mfa/{view}/", body, content_type, QUERY_STRING=query, HTTP_HOST=host, **headers
    )
    event(f"status {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code < 500, response.content[:500]
    assert SESSION_KEY not in browser.session, "a random request logged someone in"
    after = pending_mark(browser)
    assert documented(view, method, before, after), (before, after)
    asked = [json.loads(c.request.body) for c in authsignal.calls_to("/validate")[validations:]]
    if asked:
        assert (view, method, state) == ("callback", "POST", "pending")
        event("asked Authsignal to validate")
        [question] = asked
        assert 0 < len(question["token"]) <= TOKEN_MAX_LENGTH
        assert question["userId"] == str(user.pk)
