"""Reset users' sign-in phones from a script: what the admin's "Reset sign-in phone" does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_authsignal_sms import user_tools
from django_authsignal_sms.exceptions import AuthsignalError
from django_authsignal_sms.user_tools import ResetIncomplete


class Command(BaseCommand):
    help = (
        "Reset users' sign-in phones: delete their SMS authenticators at Authsignal, so their "
        "next login enrolls the number on file and sends the code to it. Shows each user's "
        "status and asks first, unless --no-input. Exit status 1 if a reset did not complete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("users", nargs="+", metavar="USER", help="Usernames (ids with --id).")
        parser.add_argument(
            "--id", action="store_true", dest="by_id", help="USER values are user ids."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show each user's status; change nothing."
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation (for scripts); the status is not shown either.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = self.find(options["users"], by_id=options["by_id"])
        if options["dry_run"] or options["interactive"]:
            for user in users:
                self.show_status(user)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing changed.")
            return
        if options["interactive"] and not self.confirmed(len(users)):
            raise CommandError("Cancelled: nothing changed.")
        failed = sum(not self.reset(user) for user in users)
        if failed:
            raise CommandError(
                f"{failed} of {len(users)} sign-in phone(s) not reset: run the command again."
            )

    def find(self, values: list[str], *, by_id: bool) -> list[AbstractBaseUser]:
        model = get_user_model()
        field = "pk" if by_id else model.USERNAME_FIELD
        users: list[AbstractBaseUser] = []
        for value in values:
            try:
                users.append(model._default_manager.get(**{field: value}))
            except (model.DoesNotExist, ValueError) as error:
                raise CommandError(f"No user with {field} {value!r}: nothing changed.") from error
        return users

    def show_status(self, user: AbstractBaseUser) -> None:
        try:
            status = user_tools.sign_in_status(user)
        except AuthsignalError as error:
            raise CommandError(
                f"Authsignal could not be asked about {user.get_username()} ({error.reason}: "
                f"{error}): nothing changed."
            ) from error
        enrolled = ", ".join(status.methods) if status.is_enrolled else "not enrolled"
        phones = ", ".join(status.sms_phones) or "no SMS authenticator"
        on_file = status.phone_on_file or "no usable number on file"
        self.stdout.write(f"{user.get_username()}: {enrolled}; {phones}; on file: {on_file}")

    def confirmed(self, count: int) -> bool:
        answer = input(f"Reset the sign-in phone of {count} user(s)? Type 'yes' to continue: ")
        return answer.strip().lower() == "yes"

    def reset(self, user: AbstractBaseUser) -> bool:
        name = user.get_username()
        try:
            deleted = user_tools.reset_sign_in_phone(user)
        except ResetIncomplete as error:
            self.stderr.write(
                f"{name}: not reset: Authsignal failed ({error.reason}: {error}); "
                f"{error.deleted} of {error.total} SMS authenticator(s) deleted."
            )
            return False
        done = f"deleted {', '.join(deleted)}" if deleted else "had no SMS authenticator"
        on_file = user_tools.number_on_file(user)
        after = (
            "the next sign-in enrolls the number on file"
            if on_file
            else "WARNING: no usable number on file, so no code can be sent"
        )
        self.stdout.write(self.style.SUCCESS(f"{name}: {done}; {after}."))
        return True
