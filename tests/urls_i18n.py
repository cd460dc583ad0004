"""The app's URLs under a language prefix (tests/test_url_names.py)."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = i18n_patterns(path("mfa/", include("django_authsignal_sms.urls")))
