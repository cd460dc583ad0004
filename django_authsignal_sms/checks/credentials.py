"""Where Authsignal is and the keys to it (E001-E003): from settings or the environment."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from ..conf import app_settings, origin_of
from .reading import is_http_url

FROM_THE_ENVIRONMENT = (
    "Set the {name} environment variable (read when the setting is absent or empty), or the "
    "{name} setting."
)


def check_credentials(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not app_settings.ENABLED:
        return errors
    if not app_settings.SECRET_KEY:
        errors.append(
            Error(
                "AUTHSIGNAL_SECRET_KEY is not set, as a setting or in the environment.",
                hint=FROM_THE_ENVIRONMENT.format(name="AUTHSIGNAL_SECRET_KEY")
                + " Find it in the Authsignal portal under Settings > API keys; keep it out of "
                "your code.",
                id="authsignal_sms.E001",
            )
        )
    if not app_settings.TENANT_ID:
        errors.append(
            Error(
                "AUTHSIGNAL_TENANT_ID is not set, as a setting or in the environment.",
                hint=FROM_THE_ENVIRONMENT.format(name="AUTHSIGNAL_TENANT_ID")
                + " The browser SDK needs it; find it beside the secret key.",
                id="authsignal_sms.E002",
            )
        )
    if not is_http_url(app_settings.API_URL):
        errors.append(
            Error(
                f"AUTHSIGNAL_API_URL {app_settings.API_URL!r} (the "
                f"{origin_of('AUTHSIGNAL_API_URL')}) is not an http(s) URL.",
                hint="Use your region's base URL with /v1, e.g. https://api.authsignal.com/v1; "
                "or leave both the setting and the environment variable unset for that one.",
                id="authsignal_sms.E003",
            )
        )
    return errors
