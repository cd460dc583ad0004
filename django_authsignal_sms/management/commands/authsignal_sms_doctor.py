"""Check the live configuration against the Authsignal tenant (read-only) and say what to fix."""

from __future__ import annotations

import argparse
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authsignal_sms import doctor
from django_authsignal_sms.doctor import Finding


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return number


class Command(BaseCommand):
    help = (
        "Check the Authsignal settings against the tenant, the browser SDK URL and the users' "
        "phone numbers, and say what to fix. Changes nothing at Authsignal. Exit status 1 when "
        "something is a PROBLEM."
    )
    # The doctor explains what the system checks would stop on (a missing key...): run anyway.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=seconds,
            default=None,
            help="Seconds to wait for Authsignal and the SDK URL (default: TIMEOUT).",
        )
        parser.add_argument(
            "--skip-users",
            action="store_true",
            help="Do not read the user table (the phone-number check).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        timeout = options["timeout"] or doctor.default_timeout()
        findings = doctor.run(timeout, skip_users=options["skip_users"])
        for finding in findings:
            self.stdout.write(self.render(finding))
        problems = sum(finding.is_problem for finding in findings)
        if problems:
            raise CommandError(f"{problems} problem(s) found: fix them and run it again.")
        self.stdout.write(self.style.SUCCESS("No problems found."))

    def render(self, finding: Finding) -> str:
        style = {"OK": self.style.SUCCESS, "WARNING": self.style.WARNING}.get(
            finding.status, self.style.ERROR
        )
        line = f"{style(f'{finding.status:<8}')} {finding.check}: {finding.summary}"
        if finding.fix:
            line += f" → {finding.fix}"
        return "\n".join([line, *(f"{'':<9}- {detail}" for detail in finding.details)])
