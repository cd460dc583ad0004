"""The post-login hook: every successful ``login()`` goes through Authsignal."""

from __future__ import annotations

from typing import Any, cast

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import update_last_login
from django.http import HttpRequest

from . import stepup
from .conf import app_settings


def on_user_logged_in(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    if request is not None and should_step_up(request):
        try:
            stepup.begin(request, user)
        except Exception as error:  # noqa: BLE001 - a bug here must not leave a half-logged-in session
            stepup.fail_closed(request, user, error)
    # The app stands in for Django's update_last_login (see apps.py): a login held for a code
    # or refused leaves last_login alone; it is written once the login completes.
    if owns_last_login() and not held(request):
        update_last_login(sender, cast(Any, user), **kwargs)


def owns_last_login() -> bool:
    return bool(getattr(apps.get_app_config("authsignal_sms"), "owns_last_login", False))


def should_step_up(request: HttpRequest) -> bool:
    if not app_settings.ENABLED or not hasattr(request, "session"):
        return False
    return not getattr(request, stepup.FINALISING, False)


def held(request: HttpRequest | None) -> bool:
    return getattr(request, stepup.OUTCOME, None) is not None
