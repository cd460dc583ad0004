from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .emulator_outbox import emulator_in_use


def demo(request: HttpRequest) -> dict[str, object]:
    return {"demo_emulator": settings.DEBUG and emulator_in_use()}
