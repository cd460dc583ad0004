from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    # The app's default phone source: a `phone_number` attribute in E.164.
    phone_number = models.CharField(max_length=20, blank=True)
