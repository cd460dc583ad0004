from __future__ import annotations

from django.apps import AppConfig


class AdminToolsTestsConfig(AppConfig):
    """The test project's user admin (the demo's) gets the sign-in tools once the admins are
    registered: what ``AUTHSIGNAL_SMS["ADMIN_USER_TOOLS"]`` or a site's own admin.py does."""

    name = "tests.admin_tools"
    label = "admin_tools_tests"

    def ready(self) -> None:
        from django_authsignal_sms.admin import add_sign_in_tools

        add_sign_in_tools()
