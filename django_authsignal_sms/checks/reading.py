"""Reading settings without crashing: a check that raises hides every other check's message."""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from ..testing.loopback import reaches_this_machine


def strings(value: Any) -> list[str]:
    """The string entries of a list or tuple setting; anything else has none."""
    if not isinstance(value, list | tuple):
        return []
    return [entry for entry in value if isinstance(entry, str)]


def lists_app(name: str) -> bool:
    """Whether INSTALLED_APPS names this app, itself or by a dotted path inside it."""
    entries = strings(getattr(settings, "INSTALLED_APPS", []))
    return any(entry == name or entry.startswith(name + ".") for entry in entries)


def is_or_subclasses(path: str, target: str) -> bool:
    """Whether the dotted path is `target`, or a class that inherits from it."""
    if path == target:
        return True
    try:
        loaded = import_string(path)
    except Exception:  # a path that does not import is another check's business
        return False
    if not isinstance(loaded, type):
        return False
    return any(f"{klass.__module__}.{klass.__qualname__}" == target for klass in loaded.__mro__)


def split_url(value: Any) -> SplitResult | None:
    """The parts of a URL string; None for anything else or a URL that does not parse."""
    if not isinstance(value, str):
        return None
    try:
        return urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" in the host
        return None


def is_http_url(value: str) -> bool:
    url = split_url(value)
    return url is not None and url.scheme in ("http", "https") and bool(url.netloc)


def url_host(url: str) -> str:
    parts = split_url(url)
    return (parts.hostname or "") if parts else ""


def plain_http_elsewhere(url: str) -> bool:
    """Whether the URL is plain http:// to a host other than this machine."""
    parts = split_url(url)
    if parts is None or parts.scheme != "http" or not parts.hostname:
        return False
    return not reaches_this_machine(parts.hostname)
