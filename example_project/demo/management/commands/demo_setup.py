"""Creates the demo users: one challenged by SMS, and one each for ALLOW, BLOCK and REVIEW."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# username, phone, what the emulator's rules (emulator-rules.json) decide for them
DEMO_USERS = [
    ("demo", "+15005550006", "challenged: a code is sent by SMS"),
    ("allow", "+15005550001", "ALLOW: logged in at once"),
    ("block", "+15005550002", "BLOCK: refused"),
    ("review", "+15005550003", "REVIEW_REQUIRED: held for review"),
]
DEMO_PASSWORD = "demo-password"


class Command(BaseCommand):
    help = "Create (or reset) the demo users and an admin, all with the demo password."

    def handle(self, *args: Any, **options: Any) -> None:
        model = get_user_model()
        for username, phone, _ in DEMO_USERS:
            user, _ = model.objects.get_or_create(username=username)
            user.phone_number = phone
            user.email = f"{username}@example.com"
            user.set_password(DEMO_PASSWORD)
            user.save()
        admin, _ = model.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.phone_number = "+15005550009"
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        self.stdout.write(f"Demo users ready; the password of each is {DEMO_PASSWORD!r}:")
        admin_row = ("admin", "+15005550009", "the admin site, challenged")
        for username, phone, outcome in [*DEMO_USERS, admin_row]:
            self.stdout.write(f"  {username:<7} {phone}  {outcome}")
