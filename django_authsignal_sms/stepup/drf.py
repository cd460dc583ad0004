"""Step-up as a Django REST framework permission (DRF is optional: import this module only with
it installed). A request without a fresh step-up gets the same JSON as any API client: 403 with
what the browser SDK needs, or the refusal."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpResponse, HttpResponseBase
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission

from ..api import unwrap
from .config import Purpose, StepUp
from .flow import guard
from .responses import not_signed_in, respond


class StepUpAnswer(APIException):  # type: ignore[misc]
    """Carries the app's JSON answer through DRF's exception handler unchanged."""

    def __init__(self, body: Any, status: int) -> None:
        self.detail = body
        self.status_code = status


class StepUpPermission(BasePermission):  # type: ignore[misc]
    """Subclass it: set ``step_up_action`` (and the other ``step_up_*`` attributes), and give the
    rules their data in ``step_up_custom(request, view)`` (``request.data`` is parsed there)."""

    step_up_action: str = ""
    step_up_max_age: int = 300
    step_up_fail_open: bool = False
    step_up_bind: tuple[str, ...] | None = ()
    step_up_purpose: Purpose = ""

    def step_up_custom(self, request: Any, view: Any) -> dict[str, Any] | None:
        return None

    def has_permission(self, request: Any, view: Any) -> bool:
        django_request = unwrap(request)
        if not request.user or not request.user.is_authenticated:
            # The other shapes' 401, not DRF's NotAuthenticated (a 403 under session auth).
            raise _answer(not_signed_in(django_request, json=True))
        step = StepUp(
            self.step_up_action,
            None,
            self.step_up_max_age,
            self.step_up_fail_open,
            self.step_up_bind,
            self.step_up_purpose,
        )
        outcome = guard(django_request, step, dict(self.step_up_custom(request, view) or {}))
        if outcome is None:
            return True
        raise _answer(respond(django_request, outcome, json=True))


def _answer(response: HttpResponseBase) -> StepUpAnswer:
    answer = cast(HttpResponse, response)
    return StepUpAnswer(json.loads(answer.content), answer.status_code)
