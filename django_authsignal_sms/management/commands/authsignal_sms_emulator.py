"""Run the local Authsignal emulator in the foreground (development only)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authsignal_sms.conf import app_settings
from django_authsignal_sms.testing import ENABLE_ENV, EmulatorServer, Rules
from django_authsignal_sms.testing.__main__ import (
    add_server_arguments,
    message_printer,
    run_in_foreground,
)
from django_authsignal_sms.testing.tenant import parse_assignments


class Command(BaseCommand):
    help = (
        "Run a local Authsignal emulator until Ctrl-C; SMS codes, and calls refused over a "
        "rate limit, are printed here. "
        f"Needs DEBUG = True and either --enable or {ENABLE_ENV}=1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "The Authsignal emulator only runs with DEBUG = True: "
                "it is a development tool, never for production."
            )
        if not options["enable"] and os.environ.get(ENABLE_ENV) != "1":
            raise CommandError(
                f"The Authsignal emulator is off: pass --enable or set {ENABLE_ENV}=1."
            )
        server = self._server(options)
        expected = app_settings.API_URL
        if expected.rstrip("/") != server.base_url:
            self.stderr.write(f"AUTHSIGNAL_API_URL is {expected}, not {server.base_url}.")
        run_in_foreground(server, self.say)

    def say(self, line: str) -> None:
        """One console line, flushed: the codes must show at once, also through a pipe."""
        self.stdout.write(line)
        self.stdout.flush()

    def _server(self, options: dict[str, Any]) -> EmulatorServer:
        # The site's own values (settings, else the environment): the emulator accepts them.
        secret_key, tenant_id = app_settings.SECRET_KEY, app_settings.TENANT_ID
        if not secret_key or not tenant_id:
            raise CommandError(
                "Set AUTHSIGNAL_SECRET_KEY and AUTHSIGNAL_TENANT_ID (settings or environment)."
            )
        try:
            rules = Rules.from_file(options["rules"]) if options["rules"] else Rules()
            return EmulatorServer(
                options["host"],
                options["port"],
                secret_key=secret_key,
                tenant_id=tenant_id,
                rules=rules,
                variants=parse_assignments(options["variants"]),
                enabled=True,
                on_message=message_printer(self.say),
                on_refusal=self.say,
            )
        except (ValueError, OSError) as error:
            raise CommandError(str(error)) from error
