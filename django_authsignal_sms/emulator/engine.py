"""The emulator's state and settings, shared by every route and the Python API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .clock import Clock
from .faults import FaultSwitch
from .models import Counters, Message
from .rules import Rules
from .store import Store
from .variants import merge_variants

MessageHook = Callable[[Message], None]


class Emulator:
    """Routes hold `lock` while they read or change `store`, `rules`, `variants` or `counters`."""

    def __init__(
        self,
        *,
        secret_key: str,
        tenant_id: str,
        rules: Rules,
        route_names: Sequence[str],
        variants: Mapping[str, str] | None = None,
        on_message: MessageHook | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.route_names = tuple(route_names)
        self.secret_key = secret_key
        self.tenant_id = tenant_id
        self.clock = Clock()
        self.initial_rules = rules
        self.rules = rules
        self.initial_variants = merge_variants(variants or {})
        self.variants = dict(self.initial_variants)
        self.store = Store(self.clock, secret_key, tenant_id)
        self.faults = FaultSwitch()
        self.counters = Counters()
        self.on_message = on_message
        self.root_url = ""

    def reset(self) -> None:
        """Forget state, outbox, counters and faults; clock, rules and variants as at start."""
        with self.lock:
            self.clock.reset()
            self.rules = self.initial_rules
            self.variants = dict(self.initial_variants)
            self.store = Store(self.clock, self.secret_key, self.tenant_id)
            self.faults.set(None)
            self.counters = Counters()

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

    def stats(self) -> dict[str, Any]:
        with self.lock:
            counters = self.counters
            requests = {name: counters.requests.get(name, 0) for name in self.route_names}
            return {
                "connections": counters.connections,
                "api_connections": counters.api_connections,
                "requests": requests,
            }

    def notify(self, message: Message) -> None:
        if self.on_message is not None:
            self.on_message(message)
