"""The step-up's code page and the endpoints its script posts to, as the login's: thin views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from .. import api
from ..conf import app_settings
from ..flow import Outcome
from ..verdict import offers_whatsapp
from ..views import PendingPostView, endpoints, posted
from . import flow
from .responses import respond
from .state import StepUpRecord


@method_decorator([never_cache, csrf_protect], name="dispatch")
class StepUpChallengeView(View):
    template_name = "django_authsignal_sms/challenge.html"
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        outcome = flow.open_code_page(request, send_now=request.method == "GET")
        if outcome.kind != "code_page":
            return respond(request, outcome, api.wants_json(request))
        return render(request, self.template_name, self.page_context(outcome))

    def page_context(self, outcome: Outcome) -> dict[str, Any]:
        pending = outcome.record
        assert isinstance(pending, StepUpRecord)
        return {
            "tenant_id": app_settings.TENANT_ID,
            "base_url": app_settings.CLIENT_API_URL,
            "sdk_url": app_settings.BROWSER_SDK_URL,
            "sdk_integrity": app_settings.BROWSER_SDK_INTEGRITY,
            "token": pending.token,
            "masked_phone": pending.masked_phone,
            "auto_send": outcome.data["auto_send"],
            "resend_wait": outcome.data["resend_wait"],
            "resend_cooldown": app_settings.RESEND_COOLDOWN,
            "whatsapp": offers_whatsapp(pending),
            "next": pending.next_url,
            "purpose": pending.purpose or _("continue"),
            "action": pending.action,
            **endpoints("step_up_"),
        }


class StepUpPostView(PendingPostView):
    """The login's POST endpoint, answering with the step-up's responses."""

    responder = staticmethod(respond)


@method_decorator(sensitive_post_parameters("token"), name="dispatch")
class StepUpCallbackView(StepUpPostView):
    answers_json = False

    def outcome(self, request: HttpRequest) -> Outcome:
        token, _next = posted(request)
        return flow.complete(request, token)


class StepUpResendView(StepUpPostView):
    def outcome(self, request: HttpRequest) -> Outcome:
        return flow.count_resend(request, first=request.POST.get("first") == "1")


class StepUpFailedView(StepUpPostView):
    def outcome(self, request: HttpRequest) -> Outcome:
        return flow.count_failure(request)


class StepUpCancelView(StepUpPostView):
    answers_json = False

    def outcome(self, request: HttpRequest) -> Outcome:
        return flow.cancel(request)


challenge = StepUpChallengeView.as_view()
callback = StepUpCallbackView.as_view()
resend = StepUpResendView.as_view()
failed = StepUpFailedView.as_view()
cancel = StepUpCancelView.as_view()
