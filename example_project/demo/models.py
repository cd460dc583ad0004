from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

# E.164, the app's phone format. \A and \Z, not ^ and $: "$" would let a trailing newline through.
validate_e164 = RegexValidator(
    r"\A\+[1-9]\d{6,14}\Z",
    message=(
        "Enter the phone number in international (E.164) format: a + then the country code and "
        "number, digits only, e.g. +64211234567."
    ),
    code="invalid_phone_number",
)


class User(AbstractUser):
    # The app's default phone source: a `phone_number` attribute in E.164. Blank is allowed (the
    # "nophone" demo user), but `createsuperuser` asks for it.
    phone_number = models.CharField(
        max_length=20,
        blank=True,
        validators=[validate_e164],
        help_text="Mobile number for sign-in codes, in E.164 format, e.g. +64211234567.",
    )

    REQUIRED_FIELDS: ClassVar[list[str]] = [*AbstractUser.REQUIRED_FIELDS, "phone_number"]
