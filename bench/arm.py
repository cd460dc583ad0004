"""One arm of an in-process comparison: a Django site in its own process, served through
``WSGIHandler`` by ``bench/wsgi_browser.py``, driven by ``bench/flows.py`` over stdin/stdout.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.arm     # (flows.py starts it)

Each line in is a JSON command, each line out its JSON answer:

* ``{"op": "logins", "flow": "mfa" | "plain", "login_url": ..., "users": [[pk, username, phone,
  password], ...], "twice": true}``: log each user in (twice: a first login, then another,
  as the same person later the same day); the answer lists, per login, each step's
  ``[cpu_ns, wall_ns, queries, writes]`` and the Authsignal calls the site made.
* ``{"op": "quit"}``.

The browser SDK's and the phone's part (send the code, read it from the emulator's outbox,
verify it) run here too, on kept-alive ``requests`` sessions to the emulator, outside any
measured step.
"""

from __future__ import annotations

import cProfile
import json
import os
import sys
import time
import traceback
import uuid
from typing import Any
from urllib.parse import urljoin

import requests

from tests.load.browser import SIGNED_IN_AS, ChallengePage, parse_page, read_challenge_page
from tests.load.harness import SERVER_ROUTES

from .wsgi_browser import ORIGIN, QueryCounter, Reply, WsgiBrowser

DEVICE_COOKIE = "__as_aid"


class LoginError(Exception):
    pass


class Person:
    """The parts of a login that are not the site's: the browser SDK and the phone."""

    def __init__(self, emulator_url: str) -> None:
        self.emulator_url = emulator_url.rstrip("/")
        self.http = requests.Session()
        self.http.trust_env = False

    def client_api(self, page: ChallengePage, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.http.post(
            f"{page.base_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {page.token}", "Origin": ORIGIN},
            timeout=30,
        )
        data: dict[str, Any] = reply.json()
        return data

    def code_for(self, phone: str) -> str:
        reply = self.http.get(
            f"{self.emulator_url}/_emulator/outbox", params={"to": phone}, timeout=30
        )
        messages = reply.json()
        if not messages:
            raise LoginError(f"no SMS to {phone}")
        return str(messages[-1]["code"])

    def server_calls(self) -> dict[str, int]:
        """The emulator's counts of the server API calls (the site's), so far."""
        reply = self.http.get(f"{self.emulator_url}/_emulator/stats", timeout=30)
        counts = reply.json()["requests"]
        return {name: counts.get(name, 0) for name in SERVER_ROUTES}

    def pass_challenge(self, page: ChallengePage, phone: str) -> str:
        sent = self.client_api(page, "/client/challenge/sms", {})
        if "challengeId" not in sent:
            raise LoginError(f"send_code: {sent}")
        verified = self.client_api(
            page, "/client/verify/sms", {"verificationCode": self.code_for(phone)}
        )
        if not verified.get("accessToken"):
            raise LoginError(f"verify: {verified}")
        return str(verified["accessToken"])


def expect(reply: Reply, status: int, step: str) -> Reply:
    if reply.status != status:
        raise LoginError(f"{step}: HTTP {reply.status} {reply.text[:300]!r}")
    return reply


def open_login_page(browser: WsgiBrowser, login_url: str, steps: dict[str, Reply]) -> str:
    page = steps["login_page"] = expect(
        browser.get(f"{login_url}?next=/protected/"), 200, "login_page"
    )
    for form in parse_page(page.text).forms.values():
        token = form["fields"].get("csrfmiddlewaretoken")
        if token:
            return str(token)
    raise LoginError("login_page: no CSRF token")


def submit_password(
    browser: WsgiBrowser, login_url: str, user: list[Any], token: str, steps: dict[str, Reply]
) -> str:
    form = {
        "csrfmiddlewaretoken": token,
        "username": user[1],
        "password": user[3],
        "next": "/protected/",
    }
    reply = steps["password"] = browser.post(login_url, form, referer=login_url)
    if reply.status != 302:
        raise LoginError(f"password: HTTP {reply.status} {reply.text[:300]!r}")
    return reply.location


def open_protected(browser: WsgiBrowser, location: str, user: list[Any], steps: dict) -> None:
    reply = steps["protected"] = expect(browser.get(location), 200, "protected")
    match = SIGNED_IN_AS.search(reply.text)
    if not match or match.group(1) != user[1]:
        raise LoginError(f"protected: signed in as {match.group(1) if match else None}")


def mfa_login(
    app: Any, counter: QueryCounter, person: Person, login_url: str, user: list[Any]
) -> dict[str, Reply]:
    """The password, the code page, its first send recorded, the code, the callback."""
    steps: dict[str, Reply] = {}
    browser = WsgiBrowser(app, counter)
    location = submit_password(
        browser, login_url, user, open_login_page(browser, login_url, steps), steps
    )
    reply = steps["code_page"] = expect(browser.get(location), 200, "code_page")
    page = read_challenge_page(urljoin(ORIGIN, location), reply.text)
    browser.cookies.setdefault(DEVICE_COOKIE, str(uuid.uuid4()))  # the SDK sets it
    if page.auto_send:
        first = steps["resend_first"] = expect(
            browser.post(
                page.resend_url,
                {"first": "1"},
                referer=location,
                headers={"X-CSRFToken": page.csrf_token, "Accept": "application/json"},
            ),
            200,
            "resend_first",
        )
        if not first.json().get("allowed"):
            raise LoginError(f"resend_first: {first.text}")
    token = person.pass_challenge(page, user[2])
    reply = steps["callback"] = browser.post(
        page.callback_action, {**page.callback_fields, "token": token}, referer=location
    )
    if reply.status != 302:
        raise LoginError(f"callback: HTTP {reply.status} {reply.text[:300]!r}")
    open_protected(browser, reply.location, user, steps)
    return steps


def plain_login(
    app: Any, counter: QueryCounter, person: Person, login_url: str, user: list[Any]
) -> dict[str, Reply]:
    steps: dict[str, Reply] = {}
    browser = WsgiBrowser(app, counter)
    location = submit_password(
        browser, login_url, user, open_login_page(browser, login_url, steps), steps
    )
    open_protected(browser, location, user, steps)
    return steps


FLOWS = {"mfa": mfa_login, "plain": plain_login}


def run_logins(app: Any, counter: QueryCounter, person: Person, command: dict) -> dict:
    flow = FLOWS[command["flow"]]
    logins, errors = [], []
    for user in command["users"]:
        for attempt in range(2 if command.get("twice") else 1):
            before = person.server_calls()
            try:
                steps = flow(app, counter, person, command["login_url"], user)
            except Exception as error:  # one failed login is reported, not fatal
                errors.append(f"{user[1]}: {type(error).__name__}: {error}")
                continue
            after = person.server_calls()
            calls = {name: after[name] - before[name] for name in after}
            logins.append(
                {
                    "first": attempt == 0,
                    "steps": {name: reply.sample() for name, reply in steps.items()},
                    "calls": {name: n for name, n in calls.items() if n},
                }
            )
    return {"logins": logins, "errors": errors}


def setup() -> tuple[Any, QueryCounter]:
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from .inprocess import silence_app_log
    from .wsgi_browser import install_query_counter

    silence_app_log()
    handler: Any = WSGIHandler()
    if os.environ.get("BENCH_PROFILE"):
        handler = ProfiledApp(handler, os.environ["BENCH_PROFILE"])
    return handler, install_query_counter()


class ProfiledApp:
    """``BENCH_PROFILE=<prefix>``: a cProfile of the handler per method and path, written to
    ``<prefix><arm>-<method>-<path>.prof`` after each command (for finding where a step's time goes;
    the figures of a profiled run are not comparable)."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix
        self.profiles: dict[str, cProfile.Profile] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        arm = os.environ.get("BENCH_ARM", "arm")
        key = f"{arm}-{environ['REQUEST_METHOD']}{environ['PATH_INFO']}".replace("/", "-")
        # CPU time, as the step figures: waiting for the emulator's reply is not the app's cost.
        profile = self.profiles.setdefault(key, cProfile.Profile(time.thread_time))
        profile.enable()
        try:
            return self.app(environ, start_response)
        finally:
            profile.disable()

    def dump(self) -> None:
        for key, profile in self.profiles.items():
            profile.dump_stats(f"{self.prefix}{key}.prof")


def main() -> int:
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the protocol's stream
    app, counter = setup()
    person = Person(os.environ["BENCH_EMULATOR_URL"])
    answers.write(json.dumps({"ready": os.getpid()}) + "\n")
    answers.flush()
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "quit":
            break
        try:
            answer = run_logins(app, counter, person, command)
        except Exception:
            answer = {"logins": [], "errors": [traceback.format_exc()]}
        if isinstance(app, ProfiledApp):
            app.dump()  # before answering: the driver may stop this process any time after
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
