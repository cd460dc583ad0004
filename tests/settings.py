from __future__ import annotations

import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The example project's apps (its user model, its URLs) are used by the tests.
if str(BASE_DIR / "example_project") not in sys.path:
    sys.path.insert(0, str(BASE_DIR / "example_project"))

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "rest_framework",
    "rest_framework.authtoken",
    "dj_rest_auth",
    "django_authsignal_sms",
    "demo",
    "tests",
    # Adds the app's sign-in tools to the demo's user admin, as a site's own code would.
    "tests.admin_tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of the pages and of the track's `locale`: from Accept-Language (i18n tests).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_authsignal_sms.middleware.AuthsignalSmsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# django-allauth's login is one more login path the security suite attacks.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# dj-rest-auth on its defaults (a token in the login reply, a session login too); no
# BasicAuthentication, which would take a password on every request without any login().
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ]
}

ROOT_URLCONF = "tests.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_URL = "/static/"
# No STATICFILES_DIRS: the end-to-end site (tests/e2e/conftest.py) serves the npm-installed
# browser SDK itself, so no other test depends on `npm ci`.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/protected/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "example_project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


AUTHSIGNAL_API_URL = "https://authsignal.test/v1"
AUTHSIGNAL_TENANT_ID = "test-tenant"
AUTHSIGNAL_SECRET_KEY = "test-secret-key"
# Many tests start many pending logins for one user: the budgets get tests of their own.
AUTHSIGNAL_SMS: dict[str, object] = {"MAX_PENDING_PER_USER": 0, "MAX_PENDING_PER_IP": 0}

# The example project's user model (a phone_number field, the app's default phone source) and
# URLs, so the security suite walks every URL of the example project.
AUTH_USER_MODEL = "demo.User"
