"""Where the active users stand for SMS sign-in codes, for a rollout: enrolled at Authsignal,
a usable number on file but no authenticator yet, no usable number. Reads only."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from django_authsignal_sms import client
from django_authsignal_sms.client import UserEnrollment
from django_authsignal_sms.conf import app_settings
from django_authsignal_sms.doctor.users import USER_CHUNK_SIZE, _without_invalid_number_log
from django_authsignal_sms.doctor.users import _users as users_for_the_phone_number
from django_authsignal_sms.enrollment import enrollment_required
from django_authsignal_sms.exceptions import AuthsignalError
from django_authsignal_sms.user_tools import number_on_file

# Each count, in the order shown, with its line.
LINES = {
    "enrolled_sms": "enrolled for SMS codes",
    "enrolled_other": "enrolled, but not for SMS (refused at login: text-message codes only)",
    "number_not_enrolled": "not enrolled yet, usable number on file",
    "no_number_not_enrolled": "not enrolled, no usable number on file (cannot get a code)",
}


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Count the active users by where they stand for SMS codes: enrolled at Authsignal, a "
        "usable number on file but no authenticator yet (their next sign-in enrolls it), no "
        "usable number. Asks Authsignal about each user (GET user, read-only), in batches, with "
        "progress on stderr. Exit status 1 if Authsignal cannot be asked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive,
            default=100,
            help="Users per batch; progress is shown after each (default 100).",
        )
        parser.add_argument(
            "--workers",
            type=positive,
            default=4,
            help="Requests to Authsignal at the same time (default 4).",
        )
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        users = active_users()
        total = users.count()
        counts: Counter[str] = Counter()
        checked = 0
        with _without_invalid_number_log(), ThreadPoolExecutor(options["workers"]) as pool:
            for batch in batches(users.iterator(chunk_size=USER_CHUNK_SIZE), options["batch_size"]):
                try:
                    enrollments = list(pool.map(ask, batch))
                except AuthsignalError as error:
                    raise CommandError(
                        f"Authsignal could not be asked ({error.reason}: {error}) after "
                        f"{checked} of {total} users: no report. Nothing was changed; run it "
                        "again later (with fewer --workers if Authsignal limited the rate)."
                    ) from error
                for user, enrollment in zip(batch, enrollments, strict=True):
                    tally(counts, user, enrollment)
                checked += len(batch)
                self.stderr.write(f"Checked {checked} of {total} users")
        self.stdout.write(self.render(counts, total, json_output=options["json"]))

    def render(self, counts: Counter[str], total: int, *, json_output: bool) -> str:
        if json_output:
            return json.dumps({"active_users": total, **{key: counts[key] for key in LINES}})
        width = len(str(total))
        lines = [f"{total} active users"]
        lines += [f"  {counts[key]:>{width}}  {text}" for key, text in LINES.items()]
        lines.append(
            f"Of the {counts['number_not_enrolled']} with a number but no authenticator, "
            f"{counts['outside_policy']} are outside REQUIRE_ENROLLMENT (not enrolled at login); "
            "the others are enrolled at their next sign-in."
        )
        return "\n".join(lines)


def active_users() -> QuerySet[Any]:
    """The doctor's scan (only the columns the number needs), active users only; every column
    when the enrollment policy looks at more than the number (one query, not one a user)."""
    users = users_for_the_phone_number()
    if app_settings.REQUIRE_ENROLLMENT not in ("all", "none"):
        users = users.defer(None)
    fields = {field.name for field in users.model._meta.concrete_fields}
    return users.filter(is_active=True) if "is_active" in fields else users


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ask(user: Any) -> UserEnrollment:
    return client.user_enrollment(str(user.pk))


def tally(counts: Counter[str], user: Any, enrollment: UserEnrollment) -> None:
    if "SMS" in enrollment.enrolled_methods:
        counts["enrolled_sms"] += 1
    elif enrollment.is_enrolled:
        counts["enrolled_other"] += 1
    elif number_on_file(user):
        counts["number_not_enrolled"] += 1
        counts["outside_policy"] += not enrollment_required(user)
    else:
        counts["no_number_not_enrolled"] += 1
