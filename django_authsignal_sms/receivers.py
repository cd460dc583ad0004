"""The post-login hook: every successful ``login()`` goes through Authsignal."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import update_last_login
from django.http import HttpRequest

from . import api, flow
from .conf import app_settings
from .exceptions import LoginWithoutRequest
from .log import log_event
from .stepup.state import forget_step_ups

WITHOUT_REQUEST = (
    "django-authsignal-sms refused a login made without an HTTP request (for example Django "
    "Channels' login() in a websocket consumer): the SMS step cannot run there, so the login "
    "must not complete. Log users in over HTTP, or set "
    "AUTHSIGNAL_SMS['ALLOW_LOGIN_WITHOUT_REQUEST'] = True to let such logins through "
    "deliberately, without the step."
)


def on_user_logged_in(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    held = False
    if request is None:
        refuse_without_request(user)
    else:
        request = api.unwrap(request)
        # A login ends every step-up, also one that keeps the session key (the same user again).
        forget_step_ups(request)
        if should_step_up(request):
            try:
                flow.start(request, user)
            except Exception as error:  # noqa: BLE001 - a bug here must not leave a half-logged-in session
                flow.fail_closed(request, user, error)
        held = flow.held(request) is not None
    # The app stands in for Django's update_last_login (apps.py disconnects it): a login held
    # for a code or refused leaves last_login alone; it is written once the login completes.
    if hasattr(user, "last_login") and not held:
        update_last_login(sender, cast(Any, user), **kwargs)


def refuse_without_request(user: AbstractBaseUser) -> None:
    """A login with no request to hold (Channels): it raises, so the login does not complete."""
    if not app_settings.ENABLED or app_settings.ALLOW_LOGIN_WITHOUT_REQUEST:
        return
    log_event("login_without_request", logging.ERROR, user_id=user.pk)
    raise LoginWithoutRequest(WITHOUT_REQUEST)


def should_step_up(request: HttpRequest) -> bool:
    if not app_settings.ENABLED or not hasattr(request, "session"):
        return False
    return not getattr(request, flow.FINALISING, False)
