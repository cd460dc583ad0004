"""One-line notices for the next page, through django.contrib.messages when it is installed."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext


def add_notice(request: HttpRequest, response: HttpResponseBase, text: str) -> None:
    """A warning for the next page, whether MessageMiddleware runs before the caller or after.

    Without MessageMiddleware's storage on the request, the message is written to ``response``
    (when there is one) by a storage of our own. ``text`` is translated here, in the language of
    this request: the modules name their notices with ``gettext_noop``.
    """
    text = gettext(text)
    if not apps.is_installed("django.contrib.messages"):
        return
    storage = getattr(request, "_messages", None)
    if storage is not None:
        storage.add(messages.WARNING, text)
    else:
        storage = default_storage(request)
        storage.add(messages.WARNING, text)
        storage.update(response)
