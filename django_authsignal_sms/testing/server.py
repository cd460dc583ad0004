"""EmulatorServer: start, drive and stop the emulator, and the helpers tests call on it."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from .admin import Fault, FaultSwitch
from .clock import Clock, SlidingWindow
from .dispatch import API_ROUTE_NAMES
from .httpd import Listener, loopback
from .server_api import E164
from .state import Counters, Message
from .store import Store
from .tenant import Rules, merge_variants

ENABLE_ENV = "AUTHSIGNAL_EMULATOR_ENABLED"
RulesLike = Rules | Mapping[str, Any] | str | Path | None


class EmulatorDisabled(RuntimeError):
    """The emulator is a development tool and stays off unless explicitly enabled."""


class ChallengeFailed(AssertionError):
    """pass_challenge could not get a code sent or verified; the message has the API's reply."""


class EmulatorServer:
    """A local stand-in for the Authsignal API; point both SDKs at `base_url`.

    Routes hold `lock` while they read or change `store`, `rules`, the variants or `counters`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        secret_key: str,
        tenant_id: str,
        rules: RulesLike = None,
        variants: Mapping[str, str] | None = None,
        enabled: bool = False,
        on_message: Callable[[Message], None] | None = None,
        on_refusal: Callable[[str], None] | None = None,
    ) -> None:
        if not enabled and os.environ.get(ENABLE_ENV) != "1":
            raise EmulatorDisabled(
                "The Authsignal emulator is a development tool and is off by default: pass "
                f"enabled=True or set {ENABLE_ENV}=1. Never run it in production."
            )
        if not secret_key or not tenant_id:
            raise ValueError("secret_key and tenant_id must be non-empty strings.")
        address = loopback(host)
        self.lock = threading.RLock()
        self.route_names = API_ROUTE_NAMES
        self.secret_key = secret_key
        self.tenant_id = tenant_id
        self.clock = Clock()
        self.initial_rules = self.rules = _to_rules(rules)
        self.initial_variants = merge_variants(variants or {})
        self._variants = dict(self.initial_variants)
        self.store = Store(self.clock, secret_key, tenant_id)
        self.faults = FaultSwitch()
        self.counters = Counters()
        self.on_message = on_message
        self.on_refusal = on_refusal
        self._listener = Listener(address, port, self)
        self.host = self._listener.url_host
        self.port: int = self._listener.port
        self.url = f"http://{self.host}:{self.port}"
        self.base_url = f"{self.url}/v1"

    # Lifecycle

    def start(self) -> EmulatorServer:
        """Serve from a daemon thread; returns self."""
        self._listener.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until stop() or KeyboardInterrupt."""
        self._listener.serve_forever()

    def stop(self) -> None:
        """Stop serving and close every connection, idle keep-alive ones included."""
        self._listener.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Driving it from tests

    def outbox(self, *, to: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
        """Messages sent in the last hour (``OUTBOX_RETENTION`` of emulator time), oldest first,
        as the /_emulator/outbox endpoint lists them."""
        with self.lock:
            messages = self.store.messages(to=to, user_id=user_id)
        return [m.to_json() for m in messages]

    def latest_code(self, user_id: str | None = None, to: str | None = None) -> str:
        """The newest code sent (to this user / number); LookupError when there is none."""
        messages = self.outbox(to=to, user_id=user_id)
        if not messages:
            raise LookupError(
                f"No message in the emulator outbox for user_id={user_id!r}, to={to!r}."
            )
        return str(messages[-1]["code"])

    def enroll_sms(self, user_id: str, phone_number: str) -> dict[str, Any]:
        """Give the user a verified SMS authenticator, as the server API's enrollment does (no
        code sent, not counted in stats); returns it in the API's JSON shape."""
        if not E164.fullmatch(phone_number):
            raise ValueError(f"phone_number must be in E.164, like +64211234567: {phone_number!r}")
        with self.lock:
            authenticator = self.store.add_authenticator(
                str(user_id), "SMS", phone_number=phone_number
            )
            self.store.verify_authenticator(authenticator)
            return authenticator.to_json()

    def pass_challenge(self, token: str, channel: str = "sms") -> str:
        """What the browser SDK does on the code page, with `token` from that page: send a
        code, read it from the outbox, verify it. Returns the token the page then posts to the
        app's callback; raises ChallengeFailed if no code could be sent or verified."""
        if channel not in ("sms", "whatsapp"):
            raise ValueError(f"channel must be 'sms' or 'whatsapp', not {channel!r}.")
        sent = self._client_call(token, f"challenge/{channel}", {})
        with self.lock:
            message = self.store.outbox.for_challenge(str(sent.get("challengeId")))
        if message is None:
            raise ChallengeFailed(f"The {channel} challenge sent no code: {sent}")
        body = {"verificationCode": message.code}
        verified = self._client_call(token, f"verify/{channel}", body)
        if verified.get("isVerified") is not True or not verified.get("accessToken"):
            raise ChallengeFailed(f"The {channel} code was not verified: {verified}")
        return str(verified["accessToken"])

    def _client_call(self, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to the client API as the browser SDK does; the reply's JSON, errors included."""
        if not self._listener.started:
            raise RuntimeError("The emulator is not serving: start() it (or use it in `with`).")
        request = urllib.request.Request(
            f"{self.base_url}/client/{path}",
            data=json.dumps(body).encode("utf-8"),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                data = json.loads(reply.read() or b"{}")
        except urllib.error.HTTPError as error:
            data = json.loads(error.read() or b"{}")
        except (OSError, ValueError) as error:
            raise ChallengeFailed(f"POST /v1/client/{path} failed: {error!r}") from error
        return data if isinstance(data, dict) else {"reply": data}

    def django_settings(self) -> dict[str, str]:
        """The Django settings that point the app at this server."""
        return {
            "AUTHSIGNAL_API_URL": self.base_url,
            "AUTHSIGNAL_SECRET_KEY": self.secret_key,
            "AUTHSIGNAL_TENANT_ID": self.tenant_id,
        }

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def set_rules(self, rules: RulesLike) -> None:
        with self.lock:
            self.rules = _to_rules(rules)

    def set_variants(self, variants: Mapping[str, str]) -> None:
        """Change the variants named (see VARIANTS); the others keep their current value."""
        with self.lock:
            self._variants = merge_variants(variants, self._variants)

    @property
    def variants(self) -> dict[str, str]:
        """Every variant with its current value (a copy)."""
        with self.lock:
            return dict(self._variants)

    def set_fault(
        self, mode: str, routes: Iterable[str] | None = None, count: int | None = None
    ) -> None:
        """Replace the active fault (see FAULT_MODES); `routes=None` means every API route."""
        spec = {"mode": mode, "routes": None if routes is None else list(routes), "count": count}
        self.faults.set(Fault.from_mapping(spec, self.route_names))

    def clear_faults(self) -> None:
        self.faults.set(None)

    def reset(self) -> None:
        """Forget state, outbox, counters and faults; clock, rules and variants as at start."""
        with self.lock:
            self.clock.reset()
            self.rules = self.initial_rules
            self._variants = dict(self.initial_variants)
            self.store = Store(self.clock, self.secret_key, self.tenant_id)
            self.faults.set(None)
            self.counters = Counters()

    def reset_limits(self) -> None:
        """Empty every user's rate-limit windows (codes sent, codes checked, on every channel);
        nothing else changes."""
        with self.lock:
            store = self.store
            for name, window in list(vars(store).items()):
                if isinstance(window, SlidingWindow):
                    setattr(store, name, _emptied(window))

    def stats(self) -> dict[str, Any]:
        with self.lock:
            counters = self.counters
            requests = {name: counters.requests.get(name, 0) for name in self.route_names}
            return {
                "connections": counters.connections,
                "api_connections": counters.api_connections,
                "requests": requests,
            }

    # Called by the routes and the HTTP server

    def count_request(self, route: str) -> None:
        with self.lock:
            requests = self.counters.requests
            requests[route] = requests.get(route, 0) + 1

    def count_connection(self, *, api: bool = False) -> None:
        with self.lock:
            if api:
                self.counters.api_connections += 1
            else:
                self.counters.connections += 1

    def notify(self, message: Message) -> None:
        if self.on_message is not None:
            self.on_message(message)

    def notify_refusal(self, explanation: str) -> None:
        """A refused call, explained for the console (with how to get past it)."""
        if self.on_refusal is not None:
            self.on_refusal(f"[emulator] {explanation}")


def _emptied(window: SlidingWindow) -> SlidingWindow:
    return SlidingWindow(window.limit, window.seconds)


def _to_rules(rules: RulesLike) -> Rules:
    if rules is None:
        return Rules()
    if isinstance(rules, Rules):
        return rules
    if isinstance(rules, str | Path):
        return Rules.from_file(rules)
    return Rules.from_mapping(rules)
