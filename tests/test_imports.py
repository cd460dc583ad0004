"""Importing the app's views, decorators and middleware loads no models: a site's URLconf or a
views module may import them early, and the benchmark's baselines import the example project's
views on a site without the app installed."""

from __future__ import annotations

import subprocess
import sys

IMPORTS = """
import sys
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"])
django.setup()
import django_authsignal_sms.flow, django_authsignal_sms.stepup, django_authsignal_sms.middleware
import django_authsignal_sms.views
loaded = sorted(name for name in sys.modules if name.startswith("django_authsignal_sms.models"))
print(loaded)
"""


def test_the_flow_views_and_middleware_import_without_the_models():
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
