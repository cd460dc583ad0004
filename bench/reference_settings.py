"""The reference's settings (bench/reference.py): the benchmark site's, without the app (not
installed, no middleware), with the reference's URLconf, and the app's templates directory (the
reference shows users the app's code page). The plain password login of the per-step
comparison runs on these settings too."""

from __future__ import annotations

import os
from pathlib import Path

import django_authsignal_sms
from bench.settings import *  # noqa: F403
from bench.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

APP = "django_authsignal_sms"
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != APP]
MIDDLEWARE = [entry for entry in MIDDLEWARE if not entry.startswith(APP)]
ROOT_URLCONF = "bench.reference"
TEMPLATES = [
    {
        **TEMPLATES[0],
        "DIRS": [
            *TEMPLATES[0]["DIRS"],
            # The app is not installed here; the reference shows users the app's code page.
            Path(django_authsignal_sms.__file__).parent / "templates",
        ],
    }
]

# The "rotating" arm: the reference, rotating the session key when the password is accepted,
# as Django's login() does for the app (bench/steps.py).
REFERENCE_ROTATES_SESSION = os.environ.get("BENCH_REFERENCE_ROTATES_SESSION") == "1"
