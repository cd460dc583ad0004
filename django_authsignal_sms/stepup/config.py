"""What protects a view: the action to track, the data the rules see, how long a step-up lasts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

CustomData = Callable[[HttpRequest], Mapping[str, Any] | None]
Purpose = str | Callable[[HttpRequest, dict[str, Any]], str]


@dataclass(frozen=True)
class StepUp:
    """One protected action.

    ``custom(request)`` returns the data Authsignal's rules see (an amount, a payee). ``bind``
    says which of it a completed step-up is bound to: ``()`` (the default) none, a tuple of keys
    those, ``None`` all of it; a step-up for one amount then does not authorise another.
    ``max_age`` is how long, in seconds, a completed step-up lets the action run in this
    session. ``fail_open`` lets the action run when Authsignal cannot be reached (closed by
    default). ``purpose`` completes "Confirm it's you to …" on the code page.
    """

    action: str
    custom: CustomData | None = None
    max_age: int = 300
    fail_open: bool = False
    bind: tuple[str, ...] | None = ()
    purpose: Purpose = ""

    def __post_init__(self) -> None:
        if not isinstance(self.action, str) or not self.action.strip():
            raise ValueError("a step-up needs an action code, e.g. 'transferMoney'")
        if not isinstance(self.max_age, int) or isinstance(self.max_age, bool) or self.max_age < 1:
            raise ValueError(f"max_age must be a positive number of seconds, not {self.max_age!r}")

    def custom_data(self, request: HttpRequest) -> dict[str, Any]:
        data = self.custom(request) if self.custom is not None else None
        return dict(data) if data else {}

    def purpose_of(self, request: HttpRequest, custom: dict[str, Any]) -> str:
        text = self.purpose(request, custom) if callable(self.purpose) else self.purpose
        return str(text or "")
