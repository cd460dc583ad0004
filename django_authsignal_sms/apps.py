from __future__ import annotations

from django.apps import AppConfig


class AuthsignalSmsConfig(AppConfig):
    name = "django_authsignal_sms"
    label = "authsignal_sms"
    verbose_name = "Authsignal SMS step-up"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from . import checks as app_checks
        from .receivers import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="django_authsignal_sms.login")
        # django.contrib.auth connects update_last_login (for models with last_login); our
        # receiver calls it instead, once it knows whether the login completes. (Listed before
        # django.contrib.auth, the app cannot: check E011.)
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        for check in app_checks.ALL_CHECKS:
            checks.register(check, checks.Tags.security)
        # Production-only checks, like Django's own: run by ``manage.py check --deploy``.
        for check in app_checks.DEPLOY_CHECKS:
            checks.register(check, checks.Tags.security, deploy=True)
        self._connect_admin_tools()

    def _connect_admin_tools(self) -> None:
        """The review queue records held sign-ins; the user admin gets its tools on request."""
        from .conf import app_settings
        from .reviews import record_held_review
        from .signals import login_review

        login_review.connect(record_held_review, dispatch_uid="django_authsignal_sms.reviews")
        if app_settings.ADMIN_USER_TOOLS:
            from .admin import add_sign_in_tools

            add_sign_in_tools()
