"""A Python "browser" that does the complete MFA login as the code page and the SDK would, and
``run_logins()``, many of them at once. The load tests' (tests/load/); the benchmark's too.

One ``Browser`` is one person: a ``requests.Session`` for the site (its cookies), another for
the Authsignal client API (the browser SDK's fetches, so their TCP connections can be counted
apart from the app's), and a "phone" that reads the SMS from the emulator's outbox.

Steps, each timed: ``login_page`` (GET the login form), ``password`` (POST it; the app tracks
``signIn``; for a never-enrolled user it enrolls the number on file and tracks again),
``challenge_page`` (GET /mfa/challenge/), ``resend_first`` (the page's script records its automatic
send: POST /mfa/resend/ ``first=1``), ``send_code`` (SDK ``sms.challenge()``, with the CORS
preflight a browser makes), ``read_sms`` (the phone gets the code), ``verify`` (SDK ``sms.verify``),
``callback`` (the page POSTs the token; the app validates it), ``protected`` (GET the page it
redirects to and read who is signed in). An ALLOW login goes from ``password`` to ``protected``.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from tests.load.harness import SiteUser

STEPS = (
    "login_page",
    "password",
    "challenge_page",
    "resend_first",
    "send_code",
    "read_sms",
    "verify",
    "callback",
    "protected",
)
USER_AGENT = "Mozilla/5.0 (load; django-authsignal-sms tests/load/browser.py)"
SIGNED_IN_AS = re.compile(r'id="signed-in-as">([^<]*)<')
DEVICE_COOKIE = "__as_aid"


class LoginFailed(Exception):
    """A step did not go as a browser would expect; the message names the step."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step


@dataclass
class LoginResult:
    username: str
    path: str = ""  # "challenge", "allow", or "pending" (stopped at the code page)
    signed_in_as: str | None = None
    error: str | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds
    total: float = 0.0
    client_api_connections: int = 0
    session_key: str | None = None

    @property
    def completed(self) -> bool:
        return self.error is None and self.signed_in_as == self.username

    @property
    def wrong_user(self) -> bool:
        """Signed in, but as somebody else: the one outcome that must never happen."""
        return self.signed_in_as is not None and self.signed_in_as != self.username


@dataclass
class ChallengePage:
    url: str
    token: str
    auto_send: bool
    base_url: str
    tenant_id: str
    resend_url: str
    callback_action: str
    callback_fields: dict[str, str]

    @property
    def csrf_token(self) -> str:
        """What the page's script sends as X-CSRFToken (from the callback form)."""
        return self.callback_fields.get("csrfmiddlewaretoken", "")


class _PageParser(HTMLParser):
    """The code page's script tag (data-*) and the hidden inputs of its forms, by form id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.script: dict[str, str] | None = None
        self.forms: dict[str, dict[str, Any]] = {}
        self._form: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "script" and "data-token" in attributes:
            self.script = attributes
        elif tag == "form":
            self._form = attributes.get("id") or f"form{len(self.forms)}"
            self.forms[self._form] = {"action": attributes.get("action", ""), "fields": {}}
        elif tag == "input" and self._form is not None and attributes.get("name"):
            self.forms[self._form]["fields"][attributes["name"]] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


def read_challenge_page(url: str, html: str) -> ChallengePage:
    """What the code page gives its script: data-* of the script tag, the callback form."""
    parsed = parse_page(html)
    script, callback = parsed.script, parsed.forms.get("authsignal-sms-callback")
    if script is None or callback is None:
        raise LoginFailed("challenge_page", "no data-token script tag or no callback form")
    return ChallengePage(
        url=url,
        token=script["data-token"],
        auto_send=script.get("data-auto-send") == "true",
        base_url=script.get("data-base-url", "").rstrip("/"),
        tenant_id=script.get("data-tenant-id", ""),
        resend_url=script.get("data-resend-url", ""),
        callback_action=callback["action"],
        callback_fields=dict(callback["fields"]),
    )


def open_connections(session: requests.Session) -> int:
    """TCP connections this session's pools have opened so far (urllib3 counts them)."""
    total = 0
    for adapter in session.adapters.values():
        pools = getattr(adapter, "poolmanager", None)
        if pools is None:
            continue
        for key in list(pools.pools.keys()):
            pool = pools.pools.get(key)
            total += getattr(pool, "num_connections", 0) if pool is not None else 0
    return total


class Browser:
    """One person's browser, phone included. Not thread-safe: one per thread."""

    def __init__(
        self,
        site_url: str,
        emulator_url: str,
        user: SiteUser,
        *,
        next_url: str = "/protected/",
        preflight: bool = True,
        timeout: float = 60.0,
    ) -> None:
        self.site_url = site_url.rstrip("/")
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.site_url))
        self.emulator_url = emulator_url.rstrip("/")
        self.user = user
        self.next_url = next_url
        self.preflight = preflight
        self.timeout = timeout
        self.site = requests.Session()
        self.site.headers["User-Agent"] = USER_AGENT
        self.sdk = requests.Session()  # the browser SDK's fetches to the client API
        self.phone = requests.Session()  # reads the SMS: not the browser's traffic
        for session in (self.site, self.sdk, self.phone):
            # Loopback only: no proxies or .netrc to look up (it costs the load generator CPU).
            session.trust_env = False
        self._preflighted: set[str] = set()
        self.steps: dict[str, float] = {}
        self.challenge: ChallengePage | None = None  # the code page last opened

    def close(self) -> None:
        for session in (self.site, self.sdk, self.phone):
            session.close()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The whole login

    def login(self, *, stop_when_pending: bool = False) -> LoginResult:
        """Log in from the login page to the protected page; never raises for a failed step."""
        result = LoginResult(self.user.username)
        started = time.perf_counter()
        try:
            location = self.submit_password(self.open_login_page())
            if urlsplit(location).path.startswith("/mfa/challenge/"):
                page = self.open_challenge_page(location)
                result.session_key = self.session_key()
                if stop_when_pending:
                    result.path = "pending"
                    return result
                result.path = "challenge"
                location = self.finish_challenge(page)
            else:
                result.path = "allow"
            result.signed_in_as = self.open_protected(location)
            result.session_key = self.session_key()
        except Exception as error:  # a load run counts failures; it does not stop at one
            result.error = f"{type(error).__name__}: {error}"
        finally:
            result.total = time.perf_counter() - started
            result.steps = dict(self.steps)
            result.client_api_connections = open_connections(self.sdk)
        return result

    def finish_challenge(self, page: ChallengePage) -> str:
        """From the code page to the callback's redirect: send (first recorded with the site, as
        the page's script does), read the SMS, verify, POST."""
        if page.auto_send and self.record_first_send(page):
            self.send_code(page)
        code = self.read_sms()
        access_token = self.verify(page, code)
        return self.submit_callback(page, access_token)

    # Steps

    def open_login_page(self) -> dict[str, str]:
        with self._step("login_page"):
            reply = self.site.get(
                f"{self.site_url}/accounts/login/",
                params={"next": self.next_url},
                timeout=self.timeout,
            )
            self._expect(reply, 200, "login_page")
            forms = parse_page(reply.text).forms
        fields = next(
            (form["fields"] for form in forms.values() if "csrfmiddlewaretoken" in form["fields"]),
            None,
        )
        if fields is None:
            raise LoginFailed("login_page", "no form with a CSRF token")
        return dict(fields)

    def submit_password(self, form: dict[str, str]) -> str:
        data = {
            **form,
            "username": self.user.username,
            "password": self.user.password,
            "next": self.next_url,
        }
        with self._step("password"):
            reply = self.site.post(
                f"{self.site_url}/accounts/login/",
                data=data,
                headers=self._form_headers(f"{self.site_url}/accounts/login/"),
                allow_redirects=False,
                timeout=self.timeout,
            )
        return self._redirect(reply, "password")

    def open_challenge_page(self, location: str) -> ChallengePage:
        url = urljoin(self.site_url + "/", location)
        with self._step("challenge_page"):
            reply = self.site.get(url, timeout=self.timeout)
            self._expect(reply, 200, "challenge_page")
            page = read_challenge_page(url, reply.text)
        # The SDK's constructor sets its device-id cookie; the site reads it at the next login.
        if DEVICE_COOKIE not in self.site.cookies:
            host = urlsplit(self.site_url).hostname or ""
            self.site.cookies.set(DEVICE_COOKIE, str(uuid.uuid4()), domain=host, path="/")
        self.challenge = page
        return page

    def record_first_send(self, page: ChallengePage) -> bool:
        """The page's script, before its automatic send: POST ``first=1`` to the resend URL
        (CSRF token in a header, as ``fetch`` sends it); the site says whether to send."""
        with self._step("resend_first"):
            reply = self.site.post(
                urljoin(page.url, page.resend_url),
                data={"first": "1"},
                headers={
                    **self._form_headers(page.url),
                    "X-CSRFToken": page.csrf_token,
                    "Accept": "application/json",
                },
                allow_redirects=False,
                timeout=self.timeout,
            )
            self._expect(reply, 200, "resend_first")
        return bool(reply.json().get("allowed"))

    def send_code(self, page: ChallengePage) -> None:
        """``sms.challenge()``: a never-enrolled user was enrolled by the site, server-side."""
        with self._step("send_code"):
            body = self._client_api(page, "/client/challenge/sms", None)
        if "error" in body or "challengeId" not in body:
            raise LoginFailed("send_code", f"client API error {body}")

    def read_sms(self) -> str:
        """The newest code texted to this user's phone."""
        with self._step("read_sms"):
            reply = self.phone.get(
                f"{self.emulator_url}/_emulator/outbox",
                params={"to": self.user.phone},
                timeout=self.timeout,
            )
            self._expect(reply, 200, "read_sms")
            messages = reply.json()
        if not messages:
            raise LoginFailed("read_sms", f"no SMS to {self.user.phone}")
        return str(messages[-1]["code"])

    def verify(self, page: ChallengePage, code: str) -> str:
        with self._step("verify"):
            body = self._client_api(page, "/client/verify/sms", {"verificationCode": code})
        if "error" in body or not body.get("isVerified") or not body.get("accessToken"):
            raise LoginFailed("verify", f"not verified: {body}")
        return str(body["accessToken"])

    def submit_callback(self, page: ChallengePage, token: str) -> str:
        """What the page does with the SDK's token: submit the hidden callback form."""
        data = {**page.callback_fields, "token": token}
        with self._step("callback"):
            reply = self.site.post(
                urljoin(page.url, page.callback_action),
                data=data,
                headers=self._form_headers(page.url),
                allow_redirects=False,
                timeout=self.timeout,
            )
        return self._redirect(reply, "callback")

    def open_protected(self, location: str) -> str | None:
        """Follow the redirect; the username the page shows as signed in, if any."""
        with self._step("protected"):
            reply = self.site.get(urljoin(self.site_url + "/", location), timeout=self.timeout)
            self._expect(reply, 200, "protected")
        match = SIGNED_IN_AS.search(reply.text)
        return match.group(1) if match else None

    def session_key(self) -> str | None:
        return self.site.cookies.get("sessionid")

    # Plumbing

    def _client_api(
        self, page: ChallengePage, path: str, body: dict[str, Any] | None
    ) -> dict[str, Any]:
        url = f"{page.base_url}{path}"
        if self.preflight and url not in self._preflighted:
            # A cross-origin POST with Authorization: the browser asks first (cached 600 s).
            reply = self.sdk.options(
                url,
                headers={
                    "Origin": self.origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization,content-type",
                },
                timeout=self.timeout,
            )
            if reply.status_code != 204:
                raise LoginFailed("preflight", f"HTTP {reply.status_code} for {path}")
            self._preflighted.add(url)
        reply = self.sdk.post(
            url,
            json=body,
            headers={
                "Authorization": f"Bearer {page.token}",
                "Content-Type": "application/json",
                "Origin": self.origin,
            },
            timeout=self.timeout,
        )
        data = reply.json()
        if not isinstance(data, dict):
            raise LoginFailed(path, f"not a JSON object: {data!r}")
        return data

    def _form_headers(self, referer: str) -> dict[str, str]:
        return {"Origin": self.origin, "Referer": referer}

    def _redirect(self, reply: requests.Response, step: str) -> str:
        if reply.status_code != 302 or not reply.headers.get("Location"):
            raise LoginFailed(step, f"expected a redirect, got HTTP {reply.status_code}")
        return reply.headers["Location"]

    @staticmethod
    def _expect(reply: requests.Response, status: int, step: str) -> None:
        if reply.status_code != status:
            raise LoginFailed(step, f"HTTP {reply.status_code} {reply.text[:200]!r}")

    def _step(self, name: str) -> _Timer:
        return _Timer(self.steps, name)


class _Timer:
    def __init__(self, sink: dict[str, float], name: str) -> None:
        self.sink, self.name = sink, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.sink[self.name] = self.sink.get(self.name, 0.0) + time.perf_counter() - self.started


# Many browsers at once


@dataclass
class Run:
    results: list[LoginResult]
    wall: float
    concurrency: int

    @property
    def completed(self) -> int:
        return sum(result.completed for result in self.results)

    @property
    def errors(self) -> list[LoginResult]:
        return [result for result in self.results if result.error is not None]

    @property
    def wrong_user(self) -> int:
        return sum(result.wrong_user for result in self.results)

    @property
    def logins_per_second(self) -> float:
        return self.completed / self.wall if self.wall else 0.0

    def step_times(self, step: str) -> list[float]:
        return [r.steps[step] for r in self.results if r.completed and step in r.steps]

    def total_times(self) -> list[float]:
        return [result.total for result in self.results if result.completed]

    def paths(self) -> Counter[str]:
        return Counter(result.path for result in self.results)


def run_logins(
    site_url: str,
    emulator_url: str,
    users: Sequence[SiteUser],
    *,
    concurrency: int | None = None,
    login: Callable[[Browser], LoginResult] = Browser.login,
    preflight: bool = True,
) -> Run:
    """Log each user in once, ``concurrency`` at a time (all at once by default).

    The browsers start together (a barrier), so the first wave really is concurrent.
    """
    concurrency = max(1, min(concurrency or len(users), len(users)))
    barrier = threading.Barrier(concurrency)
    queue = list(users)
    lock = threading.Lock()
    results: list[LoginResult] = []

    def worker() -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                user = queue.pop(0)
            with Browser(site_url, emulator_url, user, preflight=preflight) as browser:
                result = login(browser)
            with lock:
                results.append(result)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.perf_counter()
        futures = [pool.submit(worker) for _ in range(concurrency)]
        for future in futures:
            future.result()
        wall = time.perf_counter() - started
    return Run(results, wall, concurrency)


# A pending login's footprint in the session store


@dataclass
class Footprint:
    """One login stopped at the code page, then finished: what the session store held."""

    pending_key: str
    pending_session: dict[str, Any]  # the pending session as stored
    pending_bytes: int  # its stored size
    record: Any  # the PendingRecord in it
    signed_in_as: str | None
    new_key: str | None
    pending_session_after: tuple[dict[str, Any], int] | None  # None: deleted
    new_session: tuple[dict[str, Any], int] | None


def pending_footprint(site: Any, emulator_url: str, user: SiteUser) -> Footprint:
    """Log ``user`` in on ``site`` (tests/load/harness.py ``Site``), reading the stored session
    while the login is pending, then after the callback."""
    from django_authsignal_sms.record import RECORD_KEY, PendingRecord

    with Browser(site.url, emulator_url, user) as browser:
        pending = browser.login(stop_when_pending=True)
        assert pending.error is None and pending.session_key, pending.error
        stored = site.read_session(pending.session_key)
        assert stored is not None
        session, size = stored
        record = PendingRecord(**session[RECORD_KEY])
        assert browser.challenge is not None
        signed_in_as = browser.open_protected(browser.finish_challenge(browser.challenge))
        new_key = browser.session_key()
    return Footprint(
        pending_key=pending.session_key,
        pending_session=session,
        pending_bytes=size,
        record=record,
        signed_in_as=signed_in_as,
        new_key=new_key,
        pending_session_after=site.read_session(pending.session_key),
        new_session=site.read_session(new_key) if new_key else None,
    )
