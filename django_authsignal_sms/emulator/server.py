"""EmulatorServer: the public handle to start, drive and stop the emulator."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from . import render
from .engine import Emulator, MessageHook
from .faults import Fault
from .httpd import EmulatorHTTPServer
from .routes import API_ROUTE_NAMES
from .rules import Rules
from .variants import merge_variants

ENABLE_ENV = "AUTHSIGNAL_EMULATOR_ENABLED"
RulesLike = Rules | Mapping[str, Any] | str | Path | None


class EmulatorDisabled(RuntimeError):
    """The emulator is a development tool and stays off unless explicitly enabled."""


class EmulatorServer:
    """A local stand-in for the Authsignal API; point both SDKs at `base_url`."""

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
        on_message: MessageHook | None = None,
    ) -> None:
        if not enabled and os.environ.get(ENABLE_ENV) != "1":
            raise EmulatorDisabled(
                "The Authsignal emulator is a development tool and is off by default: pass "
                f"enabled=True or set {ENABLE_ENV}=1. Never run it in production."
            )
        if not secret_key or not tenant_id:
            raise ValueError("secret_key and tenant_id must be non-empty strings.")
        family, bind_host, url_host = _loopback(host)
        self.emulator = Emulator(
            secret_key=secret_key,
            tenant_id=tenant_id,
            rules=_to_rules(rules),
            route_names=API_ROUTE_NAMES,
            variants=variants,
            on_message=on_message,
        )
        self._httpd = EmulatorHTTPServer((bind_host, port), self.emulator, family)
        self.host = url_host
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{url_host}:{self.port}"
        self.base_url = f"{self.url}/v1"
        self.emulator.root_url = self.url
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False

    # Lifecycle

    def start(self) -> EmulatorServer:
        """Serve from a daemon thread; returns self."""
        if self._thread is None:
            self._serving = True
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"authsignal-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until stop() or KeyboardInterrupt."""
        self._serving = True
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._httpd.stopping.set()
        if self._serving:
            self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # What tests and fixtures drive directly

    def outbox(self, *, to: str | None = None, user_id: str | None = None) -> list[dict[str, Any]]:
        """Messages sent so far, oldest first, as the /_emulator/outbox endpoint lists them."""
        with self.emulator.lock:
            messages = list(self.emulator.store.outbox)
        return [
            render.message(m)
            for m in messages
            if (to is None or m.to == to) and (user_id is None or m.key.user_id == user_id)
        ]

    def latest_code(self, user_id: str | None = None, to: str | None = None) -> str:
        """The newest code sent (to this user / number); LookupError when there is none."""
        messages = self.outbox(to=to, user_id=user_id)
        if not messages:
            raise LookupError(
                f"No message in the emulator outbox for user_id={user_id!r}, to={to!r}."
            )
        return str(messages[-1]["code"])

    def advance_clock(self, seconds: float) -> None:
        self.emulator.clock.advance(seconds)

    def set_rules(self, rules: RulesLike) -> None:
        with self.emulator.lock:
            self.emulator.rules = _to_rules(rules)

    @property
    def rules(self) -> Rules:
        return self.emulator.rules

    def set_variants(self, variants: Mapping[str, str]) -> None:
        """Change the variants named (see VARIANTS); the others keep their current value."""
        with self.emulator.lock:
            self.emulator.variants = merge_variants(variants, self.emulator.variants)

    @property
    def variants(self) -> dict[str, str]:
        """Every variant with its current value (a copy)."""
        with self.emulator.lock:
            return dict(self.emulator.variants)

    def stats(self) -> dict[str, Any]:
        return self.emulator.stats()

    def reset(self) -> None:
        """Back to the start: no state, and the rules and variants given to the constructor."""
        self.emulator.reset()

    def set_fault(
        self, mode: str, routes: Iterable[str] | None = None, count: int | None = None
    ) -> None:
        """Replace the active fault (see faults.MODES); `routes=None` means every API route."""
        spec = {"mode": mode, "routes": None if routes is None else list(routes), "count": count}
        self.emulator.faults.set(Fault.from_mapping(spec, API_ROUTE_NAMES))

    def clear_faults(self) -> None:
        self.emulator.faults.set(None)


def _to_rules(rules: RulesLike) -> Rules:
    if rules is None:
        return Rules()
    if isinstance(rules, Rules):
        return rules
    if isinstance(rules, str | Path):
        return Rules.from_file(rules)
    return Rules.from_mapping(rules)


def _loopback(host: str) -> tuple[int, str, str]:
    """Address family, address to bind and host for URLs; anything not loopback is refused."""
    if host == "localhost":
        return socket.AF_INET, "127.0.0.1", "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(f"The emulator only listens on loopback addresses, not {host!r}.")
    if address.version == 6:
        return socket.AF_INET6, host, f"[{host}]"
    return socket.AF_INET, host, host
