"""System checks: ``python manage.py check`` names each misconfiguration with an id and a fix.

``ALL_CHECKS`` run on every ``manage.py`` command. ``DEPLOY_CHECKS`` run with ``manage.py check
--deploy`` only: like Django's own deployment checks they are about production, and would stop
``manage.py test`` (Django's test runner sets ``DEBUG = False``).

Every check reads the settings defensively: a wrong ``AUTHSIGNAL_SMS`` (not a dict, a value of
the wrong type) is reported by E004/E005 and never makes another check crash, since one check
raising hides every other message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .conf import DEFAULTS, ENROLLMENT_POLICIES, ON_REVIEW_CHOICES, _option, app_settings
from .testing.loopback import reaches_this_machine

APP = "django_authsignal_sms"
AUTH_APP = "django.contrib.auth"
MIDDLEWARE = "django_authsignal_sms.middleware.AuthsignalSmsMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"

POSITIVE_NUMBERS = (
    "TIMEOUT",
    "PENDING_LIFETIME",
    "TRUSTED_PROXY_COUNT",
    "MAX_RESENDS",
    "MAX_FAILED_VERIFICATIONS",
    "PENDING_WINDOW",
)
# 0 turns the pending-login budgets off.
NON_NEGATIVE_NUMBERS = ("RESEND_COOLDOWN", "MAX_PENDING_PER_USER", "MAX_PENDING_PER_IP")
STRING_LISTS = ("EXEMPT_URLS", "EXEMPT_URL_NAMES", "LOGOUT_URL_NAMES")
BOOLEANS = ("ENABLED", "FAIL_OPEN", "WHATSAPP", "ALLOW_LOGIN_WITHOUT_REQUEST")
NON_EMPTY_STRINGS = ("ACTION", "PHONE_NUMBER", "BROWSER_SDK_URL", "DEVICE_ID_COOKIE", "CACHE_ALIAS")

DRF_BASIC = "rest_framework.authentication.BasicAuthentication"
REMOTE_USER = (
    "django.contrib.auth.middleware.RemoteUserMiddleware",
    "django.contrib.auth.middleware.PersistentRemoteUserMiddleware",
    "django.contrib.auth.backends.RemoteUserBackend",
)
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps its entries in each worker process",
    "django.core.cache.backends.filebased.FileBasedCache": "cannot add() atomically across "
    "processes",
}
SHARED_CACHE_HINT = (
    "Point AUTHSIGNAL_SMS['CACHE_ALIAS'] at a cache every worker shares with an atomic add(): "
    "Redis, Memcached or the database cache."
)


# Reading settings without crashing


def _strings(value: Any) -> list[str]:
    """The string entries of a list or tuple setting; anything else has none."""
    if not isinstance(value, list | tuple):
        return []
    return [entry for entry in value if isinstance(entry, str)]


def _lists_app(name: str) -> bool:
    """Whether INSTALLED_APPS names this app, itself or by a dotted path inside it."""
    entries = _strings(getattr(settings, "INSTALLED_APPS", []))
    return any(entry == name or entry.startswith(name + ".") for entry in entries)


def _is_or_subclasses(path: str, target: str) -> bool:
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


def _is_http_url(value: str) -> bool:
    try:
        url = urlsplit(value)
    except ValueError:  # e.g. an unclosed "[" in the host
        return False
    return url.scheme in ("http", "https") and bool(url.netloc)


# Credentials and the AUTHSIGNAL_SMS dict


def check_credentials(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not app_settings.ENABLED:
        return errors
    if not app_settings.SECRET_KEY:
        errors.append(
            Error(
                "AUTHSIGNAL_SECRET_KEY is not set.",
                hint="Set it from the environment (env('AUTHSIGNAL_SECRET_KEY')); find it in the "
                "Authsignal portal under Settings > API keys.",
                id="authsignal_sms.E001",
            )
        )
    if not app_settings.TENANT_ID:
        errors.append(
            Error(
                "AUTHSIGNAL_TENANT_ID is not set.",
                hint="The browser SDK needs it; set it from the environment like the secret key.",
                id="authsignal_sms.E002",
            )
        )
    if not _is_http_url(app_settings.API_URL):
        errors.append(
            Error(
                f"AUTHSIGNAL_API_URL {app_settings.API_URL!r} is not an http(s) URL.",
                hint="Use your region's base URL with /v1, e.g. https://api.authsignal.com/v1.",
                id="authsignal_sms.E003",
            )
        )
    return errors


def check_options(**kwargs: Any) -> list[CheckMessage]:
    options = getattr(settings, "AUTHSIGNAL_SMS", {})
    if not isinstance(options, dict):
        return [
            Error(
                f"AUTHSIGNAL_SMS must be a dict, not {type(options).__name__}.",
                hint="See the README's Settings table.",
                id="authsignal_sms.E004",
            )
        ]
    errors: list[CheckMessage] = [
        Error(
            f"AUTHSIGNAL_SMS has an unknown key {key!r}.",
            hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
            id="authsignal_sms.E004",
        )
        for key in sorted(set(options) - set(DEFAULTS), key=repr)
    ]
    return errors + [
        Error(
            f"AUTHSIGNAL_SMS[{key!r}] {problem}.",
            hint="See the README's Settings table.",
            id="authsignal_sms.E005",
        )
        for key, problem in _value_problems(options)
    ]


def _value_problems(options: dict[Any, Any]) -> list[tuple[str, str]]:
    problems = []
    on_review = options.get("ON_REVIEW", "block")
    if on_review == "challenge":
        problems.append(
            (
                "ON_REVIEW",
                "can no longer be 'challenge' (Authsignal does not let a held-for-review action "
                "be completed with a code); remove it: REVIEW_REQUIRED is refused",
            )
        )
    elif on_review not in ON_REVIEW_CHOICES:
        problems.append(("ON_REVIEW", f"must be one of {', '.join(ON_REVIEW_CHOICES)}"))
    for key, rule in RULES.items():
        if key in options and not rule[0](options[key]):
            problems.append((key, rule[1]))
    return problems


def _number(low: float) -> Callable[[Any], bool]:
    def valid(value: Any) -> bool:
        return not isinstance(value, bool) and isinstance(value, int | float) and value >= low

    return valid


def _optional(valid: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or valid(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _is_non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _is_http_url_string(value: Any) -> bool:
    return isinstance(value, str) and _is_http_url(value)


# What each option must be (PHONE_NUMBER and REQUIRE_ENROLLMENT also have E006 and E007).
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    **dict.fromkeys(POSITIVE_NUMBERS, (_number(1e-9), "must be a positive number")),
    **dict.fromkeys(NON_NEGATIVE_NUMBERS, (_number(0), "must be a number >= 0")),
    **dict.fromkeys(STRING_LISTS, (_is_string_list, "must be a list of strings")),
    **dict.fromkeys(BOOLEANS, (_is_bool, "must be True or False")),
    **dict.fromkeys(NON_EMPTY_STRINGS, (_is_non_empty_string, "must be a non-empty string")),
    "HELP_URL": (_optional(_is_string), "must be a URL string or None"),
    "CLIENT_IP_HEADER": (_optional(_is_string), "must be a string or None"),
    "BROWSER_SDK_INTEGRITY": (_is_string, "must be a string ('' for none)"),
    "CLIENT_API_URL": (_optional(_is_http_url_string), "must be an http(s) URL or None"),
}


def check_phone_source(**kwargs: Any) -> list[CheckMessage]:
    source = _option("PHONE_NUMBER")
    if not isinstance(source, str) or "." not in source:
        return []
    try:
        loaded = import_string(source)
    except Exception as exc:  # ImportError, or ValueError/TypeError for ".x"-like paths
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} does not import: {exc}",
                hint="Give a user attribute name or a dotted path to a callable(user).",
                id="authsignal_sms.E006",
            )
        ]
    if not callable(loaded):
        return [
            Error(
                f"AUTHSIGNAL_SMS['PHONE_NUMBER'] {source!r} is not callable.",
                hint="Point it at a function that takes the user and returns a phone number.",
                id="authsignal_sms.E006",
            )
        ]
    return []


def check_enrollment_policy(**kwargs: Any) -> list[CheckMessage]:
    policy = _option("REQUIRE_ENROLLMENT")
    if policy in ENROLLMENT_POLICIES:
        return []
    problem = ""
    if not isinstance(policy, str) or "." not in policy:
        problem = "is neither 'all', 'staff', 'none' nor a dotted path"
    else:
        try:
            loaded = import_string(policy)
        except Exception as exc:  # ImportError, or ValueError/TypeError for ".x"-like paths
            problem = f"does not import: {exc}"
        else:
            problem = "" if callable(loaded) else "is not callable"
    if not problem:
        return []
    return [
        Error(
            f"AUTHSIGNAL_SMS['REQUIRE_ENROLLMENT'] {policy!r} {problem}.",
            hint="Use 'all' (the default), 'staff', 'none', or a dotted path to a function "
            "f(user) -> bool saying whether that user must have a second factor.",
            id="authsignal_sms.E007",
        )
    ]


# The project around the app


def check_app_order(**kwargs: Any) -> list[CheckMessage]:
    # The app registry, not the strings: "django_authsignal_sms" and its AppConfig path alike.
    names = [config.name for config in apps.get_app_configs()]
    if APP not in names or AUTH_APP not in names or names.index(APP) > names.index(AUTH_APP):
        return []
    return [
        Error(
            "django_authsignal_sms comes before django.contrib.auth in INSTALLED_APPS.",
            hint="Move it after django.contrib.auth: django.contrib.auth connects "
            "update_last_login when it is ready, after this app has disconnected it, so a login "
            "held for a code or refused would still update last_login.",
            id="authsignal_sms.E011",
        )
    ]


def check_middleware(**kwargs: Any) -> list[CheckMessage]:
    middleware = _strings(getattr(settings, "MIDDLEWARE", []))
    if MIDDLEWARE not in middleware:
        return [
            Warning(
                f"{MIDDLEWARE} is not in MIDDLEWARE.",
                hint="Add it after AuthenticationMiddleware; without it a session waiting "
                "for a code is not sent to the code page.",
                id="authsignal_sms.W001",
            )
        ]
    if AUTH_MIDDLEWARE in middleware and middleware.index(MIDDLEWARE) < middleware.index(
        AUTH_MIDDLEWARE
    ):
        return [
            Warning(
                f"{MIDDLEWARE} comes before AuthenticationMiddleware.",
                hint="Move it after django.contrib.auth.middleware.AuthenticationMiddleware.",
                id="authsignal_sms.W002",
            )
        ]
    return []


def check_urls(**kwargs: Any) -> list[CheckMessage]:
    try:
        reverse("authsignal_sms:challenge")
    except NoReverseMatch:
        return [
            Warning(
                "The app's URLs are not included.",
                hint='Add path("mfa/", include("django_authsignal_sms.urls")) to your '
                "ROOT_URLCONF.",
                id="authsignal_sms.W003",
            )
        ]
    return []


def check_session_backend(**kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "SESSION_ENGINE", "") != SIGNED_COOKIES:
        return []
    return [
        Warning(
            "Signed-cookie sessions let a used pending mark be brought back by replaying "
            "an old cookie.",
            hint="Use a server-side session backend (database, cache or cached_db).",
            id="authsignal_sms.W004",
        )
    ]


def check_fail_open(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.FAIL_OPEN:
        return []
    return [
        Warning(
            "AUTHSIGNAL_SMS['FAIL_OPEN'] is on: while Authsignal cannot be reached, "
            "logins complete with the password alone.",
            hint="Leave it off unless availability matters more than the second factor; "
            "silence with SILENCED_SYSTEM_CHECKS = ['authsignal_sms.W005'].",
            id="authsignal_sms.W005",
        )
    ]


# Logins that never call login(), so the app never sees them


def check_drf_basic_auth(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.ENABLED or not _lists_app("rest_framework"):
        return []
    config = getattr(settings, "REST_FRAMEWORK", {})
    if not isinstance(config, dict) or "DEFAULT_AUTHENTICATION_CLASSES" not in config:
        where = "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] is not set, and DRF's default"
    else:
        classes = config["DEFAULT_AUTHENTICATION_CLASSES"]
        paths = [classes] if isinstance(classes, str) else _strings(classes)
        if not any(_is_or_subclasses(path, DRF_BASIC) for path in paths):
            return []
        where = "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']"
    return [
        Warning(
            f"{where} includes {DRF_BASIC}: API requests are authenticated with the password "
            "alone, without login(), so no code is asked for.",
            hint="Set DEFAULT_AUTHENTICATION_CLASSES without BasicAuthentication (e.g. "
            "SessionAuthentication, or tokens issued only to a session that completed the code "
            "step, not by a password-only endpoint such as obtain_auth_token); drop it from "
            "views' authentication_classes too.",
            id="authsignal_sms.W007",
        )
    ]


def check_remote_user(**kwargs: Any) -> list[CheckMessage]:
    if not app_settings.ENABLED:
        return []
    middleware = _strings(getattr(settings, "MIDDLEWARE", []))
    backends = _strings(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    found = [
        (setting, path)
        for setting, paths in (("MIDDLEWARE", middleware), ("AUTHENTICATION_BACKENDS", backends))
        for path in paths
        if any(_is_or_subclasses(path, target) for target in REMOTE_USER)
    ]
    return [
        Warning(
            f"{setting} has {path}: it logs users in from a request header (REMOTE_USER) set "
            "by your web server or proxy, outside the app's code step.",
            hint="Such logins get their second factor from your single sign-on, not from this "
            "app: remove it, or make sure the SSO in front asks for one and silence with "
            "SILENCED_SYSTEM_CHECKS = ['authsignal_sms.W008'].",
            id="authsignal_sms.W008",
        )
        for setting, path in found
    ]


# The cache that makes each pending login single use


def _claim_cache() -> tuple[str, dict[Any, Any]] | None:
    """(CACHE_ALIAS, CACHES) while ENABLED; None when there is nothing to check.

    A CACHE_ALIAS of the wrong type or empty is E005's; a CACHES that is not a dict is Django's.
    """
    alias = _option("CACHE_ALIAS")
    caches = getattr(settings, "CACHES", {})
    if not app_settings.ENABLED or not isinstance(alias, str) or not alias:
        return None
    return (alias, caches) if isinstance(caches, dict) else None


def _cache_backend(config: Any) -> str:
    backend = config.get("BACKEND") if isinstance(config, dict) else None
    return backend if isinstance(backend, str) else ""


def check_cache(**kwargs: Any) -> list[CheckMessage]:
    found = _claim_cache()
    if found is None:
        return []
    alias, caches = found
    if alias not in caches:
        return [
            Error(
                f"AUTHSIGNAL_SMS['CACHE_ALIAS'] {alias!r} is not in CACHES.",
                hint="Name one of CACHES (the default is 'default'): each code's login is "
                "claimed there once, and pending logins are counted there.",
                id="authsignal_sms.E008",
            )
        ]
    if _is_or_subclasses(_cache_backend(caches[alias]), DUMMY_CACHE):
        return [
            Error(
                f"The cache {alias!r} (AUTHSIGNAL_SMS['CACHE_ALIAS']) is a DummyCache: its add() "
                "always succeeds, so a code's token could complete any number of logins.",
                hint=SHARED_CACHE_HINT,
                id="authsignal_sms.E009",
            )
        ]
    return []


def check_cache_shared(**kwargs: Any) -> list[CheckMessage]:
    found = _claim_cache()
    if found is None:
        return []
    alias, caches = found
    backend = _cache_backend(caches.get(alias))
    for name, problem in PER_PROCESS_CACHES.items():
        if backend and _is_or_subclasses(backend, name):
            return [
                Warning(
                    f"The cache {alias!r} (AUTHSIGNAL_SMS['CACHE_ALIAS']) is a "
                    f"{name.rpartition('.')[2]}, which {problem}: with several worker processes "
                    "a code's token could complete more than one login.",
                    hint=SHARED_CACHE_HINT,
                    id="authsignal_sms.W009",
                )
            ]
    return []


# Production (deployment checks)


def check_emulator_in_production(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    client_url = _option("CLIENT_API_URL")
    urls = [("AUTHSIGNAL_API_URL", app_settings.API_URL)]
    if isinstance(client_url, str):
        urls.append(("AUTHSIGNAL_SMS['CLIENT_API_URL']", client_url))
    return [
        Error(
            f"{name} points at this machine ({host}) with DEBUG=False.",
            hint="The local emulator is for development only; use your region's "
            "Authsignal URL in production.",
            id="authsignal_sms.E010",
        )
        for name, url in urls
        if (host := _url_host(url)) and reaches_this_machine(host)
    ]


def _url_host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # E003 reports a URL that does not parse
        return ""


def check_disabled_in_production(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG or app_settings.ENABLED:
        return []
    return [
        Warning(
            "AUTHSIGNAL_SMS['ENABLED'] is False with DEBUG=False: logins complete with the "
            "password alone.",
            hint="Turn it on in production (ENABLED = False is for test settings); if the code "
            "step is off on purpose, silence with SILENCED_SYSTEM_CHECKS = "
            "['authsignal_sms.W006'].",
            id="authsignal_sms.W006",
        )
    ]


ALL_CHECKS: list[Callable[..., list[CheckMessage]]] = [
    check_credentials,
    check_options,
    check_phone_source,
    check_enrollment_policy,
    check_app_order,
    check_middleware,
    check_urls,
    check_session_backend,
    check_fail_open,
    check_drf_basic_auth,
    check_remote_user,
    check_cache,
]
# Registered with deploy=True: run by ``manage.py check --deploy`` only.
DEPLOY_CHECKS: list[Callable[..., list[CheckMessage]]] = [
    check_emulator_in_production,
    check_disabled_in_production,
    check_cache_shared,
]
