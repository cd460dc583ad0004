"""The step-up's code page and the endpoints its script posts to, as the login's: thin views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ..flow import Outcome
from ..views import CancelView, ChallengeView, FailedView, ResendView, SignedInCallbackView
from . import flow
from .responses import respond
from .state import StepUpRecord


class StepUpChallengeView(ChallengeView):
    """The login's code page, for the pending step-up, worded for its action."""

    open_code_page = staticmethod(flow.open_code_page)
    responder = staticmethod(respond)
    endpoint_prefix = "step_up_"

    def page_context(self, request: HttpRequest, outcome: Outcome) -> dict[str, Any]:
        pending = outcome.record
        assert isinstance(pending, StepUpRecord)
        return {
            **super().page_context(request, outcome),
            "next": pending.next_url,
            "purpose": pending.purpose or _("continue"),
            "action": pending.action,
        }


challenge = StepUpChallengeView.as_view()
callback = SignedInCallbackView.as_view(steps=flow, responder=respond)
resend = ResendView.as_view(steps=flow, responder=respond)
failed = FailedView.as_view(steps=flow, responder=respond)
cancel = CancelView.as_view(steps=flow, responder=respond)
