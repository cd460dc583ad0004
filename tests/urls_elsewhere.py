"""The app's URLs under another path (tests/test_url_names.py)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("elsewhere/mfa/", include("django_authsignal_sms.urls"))]
