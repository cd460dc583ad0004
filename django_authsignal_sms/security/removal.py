"""Removing the sign-in phone, where the site allows it (``SECURITY_ALLOW_REMOVE``) and its
enrollment policy does not require a second factor of this user: otherwise the number on file
would simply be enrolled again at the next sign-in. It needs a fresh step-up with the number
being removed, like a change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext

from .. import client, signals
from ..apps import AuthsignalSmsConfig
from ..conf import app_settings
from ..enrollment import enrollment_required
from ..exceptions import AuthsignalError
from ..flow import Outcome, report_error
from ..log import log_event, mask_phone
from . import current_number, rollback
from .current_number import security_page_url


def removal_allowed(user: Any) -> bool:
    return app_settings.SECURITY_ALLOW_REMOVE and not enrollment_required(user)


def remove(request: HttpRequest) -> Outcome:
    """Remove every SMS authenticator of the user, once the current number is proven."""
    back = security_page_url()
    refusal = current_number.demand(request, current_number.REMOVE, back)
    if refusal is not None:
        return refusal
    user: Any = request.user
    user_id = str(user.pk)
    try:
        phones = client.sign_in_phones(user_id)
        for phone in phones:
            rollback.remove_authenticator(user_id, phone.authenticator_id)
    except AuthsignalError as error:
        report_error(request, error, user_id=user_id, user=user)
        return Outcome("refused", "step_up_error", 503, back)
    current_number.use_up(request)
    rollback.forget(user_id)
    masked = mask_phone(phones[0].phone_number) if phones else ""
    log_event("sign_in_phone_removed", user_id=user_id, phone=masked)
    signals.sign_in_phone_removed.send(
        AuthsignalSmsConfig, request=request, user=user, masked_phone=masked
    )
    return Outcome("redirect", url=back, notice=gettext("Your sign-in phone was removed."))
