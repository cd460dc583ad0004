"""The app's settings, read lazily so ``override_settings`` (and a changed environment) works.

``AUTHSIGNAL_API_URL``, ``AUTHSIGNAL_TENANT_ID`` and ``AUTHSIGNAL_SECRET_KEY`` come from the Django
setting of that name when it has a value, else from the environment variable of the same name
(through django-environ). Nothing here raises for a missing value: the checks report it.
"""

from __future__ import annotations

from typing import Any

import environ
from django.conf import settings
from django.templatetags.static import static

DEFAULT_API_URL = "https://api.authsignal.com/v1"

# The pinned @authsignal/browser (package.json, package-lock.json). scripts/vendor-sdk copies its
# dist/index.min.js into the app's static files and rewrites these two lines.
BROWSER_SDK_VERSION = "1.16.0"
VENDORED_SDK_INTEGRITY = "sha384-VtCaiKZMKGBN/ySL73iQpmipquK15DjtbpG38MMyjYDrzROj2LJAjlrHKUx3d7DY"
# The copy shipped with the app, a path for static(); the version in the name means an upgrade
# never meets an old copy in a browser's or a proxy's cache (the integrity check would fail).
VENDORED_SDK = f"django_authsignal_sms/vendor/authsignal-browser-{BROWSER_SDK_VERSION}.min.js"
# The same file from jsDelivr, for AUTHSIGNAL_SMS['BROWSER_SDK_URL'] = CDN_SDK_URL. jsDelivr serves
# the npm package's files unchanged, so the hash is the vendored copy's.
CDN_SDK_URL = (
    f"https://cdn.jsdelivr.net/npm/@authsignal/browser@{BROWSER_SDK_VERSION}/dist/index.min.js"
)
CDN_SDK_INTEGRITY = VENDORED_SDK_INTEGRITY

# Every option of the AUTHSIGNAL_SMS dict, with its default. docs/settings.md documents each one.
DEFAULTS: dict[str, Any] = {
    "ENABLED": True,
    "ACTION": "signIn",
    "PHONE_NUMBER": "phone_number",
    "REQUIRE_ENROLLMENT": "all",
    "HELP_URL": None,
    "SITE_NAME": None,  # the request's host name
    "SUPPORT_CONTACT": None,
    "SHOW_REFERENCE": True,
    "ON_REVIEW": "block",
    "FAIL_OPEN": False,
    "TIMEOUT": 5.0,
    "PENDING_LIFETIME": 600,
    "BROWSER_SDK_URL": None,  # the copy in the app's static files (VENDORED_SDK)
    "BROWSER_SDK_INTEGRITY": VENDORED_SDK_INTEGRITY,  # also CDN_SDK_INTEGRITY: the same bytes
    "CLIENT_API_URL": None,
    "EXEMPT_URLS": [],
    "EXEMPT_URL_NAMES": [],
    "LOGOUT_URL_NAMES": ["logout", "admin:logout", "account_logout"],
    "CLIENT_IP_HEADER": None,
    "TRUSTED_PROXY_COUNT": 1,
    "RESEND_COOLDOWN": 30,
    "MAX_RESENDS": 3,
    "MAX_FAILED_VERIFICATIONS": 5,
    "WHATSAPP": False,
    "DEVICE_ID_COOKIE": "__as_aid",
    "ALLOW_LOGIN_WITHOUT_REQUEST": False,
    "CACHE_ALIAS": "default",
    "MAX_PENDING_PER_USER": 5,
    "MAX_PENDING_PER_IP": 20,
    "PENDING_WINDOW": 900,
    # The security page (docs/security-page.md).
    "SECURITY_ACTION": "changeSignInPhone",
    "SECURITY_STEP_UP_MAX_AGE": 180,
    "SECURITY_ALLOW_REMOVE": False,
    "PHONE_NUMBER_SETTER": None,  # sets the PHONE_NUMBER field and saves the user
    # The admin tools and the review queue (docs/admin-tools.md).
    "ADMIN_USER_TOOLS": False,
    "REVIEW_APPROVAL_LIFETIME": 86400,
    # The verification methods (docs/methods.md); None: SMS, and WhatsApp when WHATSAPP is on.
    "METHODS": None,
}

ON_REVIEW_CHOICES = ("block",)
ENROLLMENT_POLICIES = ("all", "staff", "none")


def _option(name: str) -> Any:
    """The option's value, or its default when unset or when AUTHSIGNAL_SMS is not a dict.

    A wrong AUTHSIGNAL_SMS is reported by the checks (E004, E005); reading it never crashes.
    """
    options = getattr(settings, "AUTHSIGNAL_SMS", None)
    if not isinstance(options, dict):
        return DEFAULTS[name]
    return options.get(name, DEFAULTS[name])


_environment = environ.Env()


def from_settings_or_environment(name: str) -> str:
    """The setting when it has a value, else the environment variable, else "".

    Read on every access (a dict lookup or two), like the settings, so tests can change either.
    """
    value = getattr(settings, name, None)
    if value:
        return str(value)
    try:
        return str(_environment.str(name, default=""))
    except RecursionError:  # django-environ's "$OTHER" proxy, pointing back at itself
        return ""


def origin_of(name: str) -> str:
    """Where from_settings_or_environment(name) found its value, for the checks' messages."""
    if getattr(settings, name, None):
        return "setting"
    if from_settings_or_environment(name):
        return "environment variable"
    return "default"


class AppSettings:
    @property
    def API_URL(self) -> str:
        return from_settings_or_environment("AUTHSIGNAL_API_URL") or DEFAULT_API_URL

    @property
    def TENANT_ID(self) -> str:
        return from_settings_or_environment("AUTHSIGNAL_TENANT_ID")

    @property
    def SECRET_KEY(self) -> str:
        return from_settings_or_environment("AUTHSIGNAL_SECRET_KEY")

    @property
    def ENABLED(self) -> bool:
        return bool(_option("ENABLED"))

    @property
    def ACTION(self) -> str:
        return str(_option("ACTION"))

    @property
    def PHONE_NUMBER(self) -> str:
        return str(_option("PHONE_NUMBER"))

    @property
    def REQUIRE_ENROLLMENT(self) -> str:
        return str(_option("REQUIRE_ENROLLMENT"))

    @property
    def HELP_URL(self) -> str:
        return str(_option("HELP_URL") or "")

    @property
    def SITE_NAME(self) -> str:
        return str(_option("SITE_NAME") or "")

    @property
    def SUPPORT_CONTACT(self) -> str:
        return str(_option("SUPPORT_CONTACT") or "")

    @property
    def SHOW_REFERENCE(self) -> bool:
        return bool(_option("SHOW_REFERENCE"))

    @property
    def ON_REVIEW(self) -> str:
        return str(_option("ON_REVIEW"))

    @property
    def FAIL_OPEN(self) -> bool:
        return bool(_option("FAIL_OPEN"))

    @property
    def TIMEOUT(self) -> float:
        return float(_option("TIMEOUT"))

    @property
    def PENDING_LIFETIME(self) -> int:
        return int(_option("PENDING_LIFETIME"))

    @property
    def BROWSER_SDK_URL(self) -> str:
        """Where the code page loads the SDK from: the option, or else the vendored copy through
        static() at each access, so STATIC_URL, the storage's (hashed) names and the script
        prefix of the request apply."""
        url = _option("BROWSER_SDK_URL")
        return str(url) if url else static(VENDORED_SDK)

    @property
    def BROWSER_SDK_INTEGRITY(self) -> str:
        return str(_option("BROWSER_SDK_INTEGRITY") or "")

    @property
    def CLIENT_API_URL(self) -> str:
        return str(_option("CLIENT_API_URL") or self.API_URL)

    @property
    def EXEMPT_URLS(self) -> list[str]:
        return list(_option("EXEMPT_URLS"))

    @property
    def EXEMPT_URL_NAMES(self) -> list[str]:
        return list(_option("EXEMPT_URL_NAMES"))

    @property
    def LOGOUT_URL_NAMES(self) -> list[str]:
        return list(_option("LOGOUT_URL_NAMES"))

    @property
    def CLIENT_IP_HEADER(self) -> str | None:
        header = _option("CLIENT_IP_HEADER")
        return str(header) if header else None

    @property
    def TRUSTED_PROXY_COUNT(self) -> int:
        return int(_option("TRUSTED_PROXY_COUNT"))

    @property
    def RESEND_COOLDOWN(self) -> int:
        return int(_option("RESEND_COOLDOWN"))

    @property
    def MAX_RESENDS(self) -> int:
        return int(_option("MAX_RESENDS"))

    @property
    def MAX_FAILED_VERIFICATIONS(self) -> int:
        return int(_option("MAX_FAILED_VERIFICATIONS"))

    @property
    def WHATSAPP(self) -> bool:
        return bool(_option("WHATSAPP"))

    @property
    def DEVICE_ID_COOKIE(self) -> str:
        return str(_option("DEVICE_ID_COOKIE"))

    @property
    def ALLOW_LOGIN_WITHOUT_REQUEST(self) -> bool:
        return bool(_option("ALLOW_LOGIN_WITHOUT_REQUEST"))

    @property
    def CACHE_ALIAS(self) -> str:
        return str(_option("CACHE_ALIAS"))

    @property
    def MAX_PENDING_PER_USER(self) -> int:
        return int(_option("MAX_PENDING_PER_USER"))

    @property
    def MAX_PENDING_PER_IP(self) -> int:
        return int(_option("MAX_PENDING_PER_IP"))

    @property
    def PENDING_WINDOW(self) -> int:
        return int(_option("PENDING_WINDOW"))

    @property
    def SECURITY_ACTION(self) -> str:
        return str(_option("SECURITY_ACTION"))

    @property
    def SECURITY_STEP_UP_MAX_AGE(self) -> int:
        return int(_option("SECURITY_STEP_UP_MAX_AGE"))

    @property
    def SECURITY_ALLOW_REMOVE(self) -> bool:
        return bool(_option("SECURITY_ALLOW_REMOVE"))

    @property
    def PHONE_NUMBER_SETTER(self) -> str:
        return str(_option("PHONE_NUMBER_SETTER") or "")

    @property
    def ADMIN_USER_TOOLS(self) -> bool:
        return bool(_option("ADMIN_USER_TOOLS"))

    @property
    def REVIEW_APPROVAL_LIFETIME(self) -> int:
        return int(_option("REVIEW_APPROVAL_LIFETIME"))

    @property
    def METHODS(self) -> list[str] | None:
        methods = _option("METHODS")
        if not isinstance(methods, list | tuple):
            return None
        return [str(method) for method in methods]


app_settings = AppSettings()
