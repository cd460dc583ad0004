"""Settings for the example site. Secrets and endpoints come from the environment (or a .env file).

With the values of ``.env.example`` it talks to the local emulator; with your tenant's values
it talks to Authsignal itself. The test runners (``manage.py test``, pytest) need neither: the
tests start their own emulator and point the app at it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BASE_DIR.parent

env = environ.Env()
for candidate in (BASE_DIR / ".env", REPO_DIR / ".env"):
    if candidate.exists():
        env.read_env(str(candidate))
        break

# Under a test runner (`manage.py test`, pytest) a placeholder stands in for a required value
# the environment leaves out: the tests point the app at their own emulator.
TESTING = sys.argv[1:2] == ["test"] or "pytest" in sys.modules


def required(name: str, placeholder: str) -> str:
    return str(env(name, default=placeholder if TESTING else environ.Env.NOTSET))


SECRET_KEY = required("DJANGO_SECRET_KEY", "tests-only-not-secret")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_authsignal_sms",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_authsignal_sms.middleware.AuthsignalSmsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "demo.context.demo",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

AUTH_USER_MODEL = "demo.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "protected"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The code page loads the browser SDK the app ships in its static files: no CDN, no `npm ci`.

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

AUTHSIGNAL_API_URL = required("AUTHSIGNAL_API_URL", "https://authsignal.invalid/v1")
AUTHSIGNAL_TENANT_ID = required("AUTHSIGNAL_TENANT_ID", "tests")
AUTHSIGNAL_SECRET_KEY = required("AUTHSIGNAL_SECRET_KEY", "tests")

AUTHSIGNAL_SMS = {
    "WHATSAPP": env.bool("AUTHSIGNAL_SMS_WHATSAPP", default=True),
    "RESEND_COOLDOWN": env.int("AUTHSIGNAL_SMS_RESEND_COOLDOWN", default=30),
    # The demo's dev-only outbox panel, shown inside the code page.
    "EXEMPT_URL_NAMES": ["dev_outbox"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_authsignal_sms": {"handlers": ["console"], "level": "INFO"}},
}
