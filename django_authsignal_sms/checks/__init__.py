"""System checks: ``python manage.py check`` names each misconfiguration with an id and a fix.

``ALL_CHECKS`` run on every ``manage.py`` command. ``DEPLOY_CHECKS`` run with ``manage.py check
--deploy`` only: like Django's own deployment checks they are about production, and would stop
``manage.py test`` (Django's test runner sets ``DEBUG = False``). docs/checks.md lists every id.

Every check reads the settings defensively: a wrong ``AUTHSIGNAL_SMS`` (not a dict, a value of
the wrong type) is reported by E004/E005 and never makes another check crash, since one check
raising hides every other message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.checks import CheckMessage

from .credentials import check_credentials
from .methods import check_methods_agree
from .options import check_fail_open, check_options
from .other_logins import check_drf_basic_auth, check_remote_user
from .phone_setter import check_phone_setter
from .production import (
    check_api_version_path,
    check_disabled_in_production,
    check_emulator_in_production,
    check_plain_http,
)
from .sdk import check_browser_sdk_over_http, check_browser_sdk_url
from .storage import check_cache, check_cache_shared, check_session_backend
from .support import check_support_contact
from .users import check_enrollment_policy, check_phone_attribute, check_phone_source
from .wiring import check_app_order, check_middleware, check_urls

Check = Callable[..., list[CheckMessage]]

ALL_CHECKS: list[Check] = [
    check_credentials,
    check_options,
    check_phone_source,
    check_phone_attribute,
    check_enrollment_policy,
    check_browser_sdk_url,
    check_app_order,
    check_middleware,
    check_urls,
    check_session_backend,
    check_fail_open,
    check_drf_basic_auth,
    check_remote_user,
    check_cache,
    check_support_contact,
    check_phone_setter,
    check_methods_agree,
]
# Registered with deploy=True: run by ``manage.py check --deploy`` only.
DEPLOY_CHECKS: list[Check] = [
    check_emulator_in_production,
    check_plain_http,
    check_api_version_path,
    check_disabled_in_production,
    check_cache_shared,
    check_browser_sdk_over_http,
]
