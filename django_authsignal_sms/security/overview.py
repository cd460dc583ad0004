"""What the security page shows: the user's sign-in phones as Authsignal has them (masked),
when each was added and last used, how codes reach it, and what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from .. import client
from ..conf import app_settings
from ..exceptions import AuthsignalError
from ..flow import report_error
from ..log import mask_phone
from . import rollback
from .removal import removal_allowed


@dataclass(frozen=True)
class ShownPhone:
    masked: str
    created_at: datetime | None
    last_verified_at: datetime | None


def overview(request: HttpRequest) -> tuple[dict[str, Any], int]:
    """The page's context and status: 503 with ``unavailable`` when Authsignal cannot say."""
    user: Any = request.user
    user_id = str(user.pk)
    try:
        rollback.settle(user_id)
        phones = [phone for phone in client.sign_in_phones(user_id) if phone.is_verified]
    except AuthsignalError as error:
        report_error(request, error, user_id=user_id, user=user)
        return {"unavailable": True, "phones": []}, 503
    return {
        "unavailable": False,
        "phones": [_shown(phone) for phone in phones],
        "whatsapp": app_settings.WHATSAPP,
        "can_change": bool(phones),
        "can_remove": bool(phones) and removal_allowed(user),
    }, 200


def _shown(phone: client.SignInPhone) -> ShownPhone:
    return ShownPhone(
        masked=mask_phone(phone.phone_number),
        created_at=_moment(phone.created_at),
        last_verified_at=_moment(phone.last_verified_at),
    )


def _moment(value: str) -> datetime | None:
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None
