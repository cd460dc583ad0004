"""The step-up's code page and the endpoints its script posts to, as the login's: thin views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from ..flow import Outcome
from ..views import CancelView, ChallengeView, FailedView, PendingPostView, ResendView, posted
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


class StepUpPostView(PendingPostView):
    """The login's POST endpoint, driving the step-up and answering with its responses."""

    responder = staticmethod(respond)
    steps = flow


@method_decorator(sensitive_post_parameters("token"), name="dispatch")
class StepUpCallbackView(StepUpPostView):
    answers_json = False

    def outcome(self, request: HttpRequest) -> Outcome:
        token, _next = posted(request)
        return flow.complete(request, token)


class StepUpResendView(StepUpPostView, ResendView):
    pass


class StepUpFailedView(StepUpPostView, FailedView):
    pass


class StepUpCancelView(StepUpPostView, CancelView):
    pass


challenge = StepUpChallengeView.as_view()
callback = StepUpCallbackView.as_view()
resend = StepUpResendView.as_view()
failed = StepUpFailedView.as_view()
cancel = StepUpCancelView.as_view()
