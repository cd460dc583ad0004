"""The post-login hook: every successful ``login()`` goes through Authsignal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from . import stepup
from .conf import app_settings


def on_user_logged_in(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    if not app_settings.ENABLED or request is None or not hasattr(request, "session"):
        return
    if getattr(request, stepup.FINALISING, False):
        return
    try:
        stepup.begin(request, user)
    except Exception as error:  # noqa: BLE001 - a bug here must not leave a half-logged-in session
        stepup.fail_closed(request, user, error)
