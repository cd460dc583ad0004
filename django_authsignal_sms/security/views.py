"""The security page, the change-number form, the new number's code page and the endpoints its
script posts to: thin views over ``overview``, ``current_number``, ``change`` and ``removal``.

Every view is for a signed-in user; the code page and its endpoints are the login's
(``views``), driving the change and answering with the step-up's responses.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from .. import api, redirects
from ..flow import Outcome
from ..look import page_look
from ..stepup.responses import respond
from ..views import CancelView, ChallengeView, FailedView, ResendView, SignedInCallbackView
from . import change, current_number, removal
from .forms import NewNumberForm
from .overview import overview
from .state import PhoneChange

# Refusals of ``change.start`` the form shows next to the number.
FORM_ERRORS = {
    "same_number": _("This is already your sign-in phone."),
    "unavailable": _(
        "We could not reach our sign-in service, so your number was not changed. "
        "Please try again in a moment."
    ),
}


class SignedInView(View):
    """Never cached, CSRF-checked, for a signed-in user only (others go to the login page)."""

    @method_decorator([never_cache, csrf_protect])
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class SecurityPageView(SignedInView):
    template_name = "django_authsignal_sms/security/page.html"
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context, status = overview(request)
        context.update(page_look(request), **_urls())
        return render(request, self.template_name, context, status=status)


class ChangeNumberView(SignedInView):
    """The new number, asked only once the current one is proven by a fresh step-up."""

    template_name = "django_authsignal_sms/security/change.html"
    # No HEAD: a link preview must not start a step-up.
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = self.step_up(request)
        return refusal if refusal is not None else self.form_page(request, NewNumberForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = self.step_up(request)
        if refusal is not None:
            return refusal
        form = NewNumberForm(request.POST)
        if not form.is_valid():
            return self.form_page(request, form)
        outcome = change.start(request, form.cleaned_data["phone_number"])
        if outcome.kind == "refused" and outcome.reason in FORM_ERRORS:
            form.add_error("phone_number", FORM_ERRORS[outcome.reason])
            return self.form_page(request, form, outcome.status)
        return respond(request, outcome, json=False)

    def step_up(self, request: HttpRequest) -> HttpResponseBase | None:
        outcome = current_number.demand(request, current_number.CHANGE, request.path)
        return None if outcome is None else respond(request, outcome, api.wants_json(request))

    def form_page(
        self, request: HttpRequest, form: NewNumberForm, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, **page_look(request), **_urls()}
        return render(request, self.template_name, context, status=status)


class RemoveNumberView(SignedInView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not removal.removal_allowed(request.user):
            raise Http404("Removing the sign-in phone is not offered here.")
        return respond(request, removal.remove(request), api.wants_json(request))


class NewNumberCodePage(ChallengeView):
    """The login's code page, for the new number: ``sms.enroll`` sends the code there."""

    template_name = "django_authsignal_sms/security/verify.html"
    open_code_page = staticmethod(change.open_code_page)
    responder = staticmethod(respond)
    endpoint_prefix = "security_"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)

    def page_context(self, request: HttpRequest, outcome: Outcome) -> dict[str, Any]:
        pending = outcome.record
        assert isinstance(pending, PhoneChange)
        return {
            **super().page_context(request, outcome),
            "new_phone": pending.new_phone,
            "next": "",
            "security_url": current_number.security_page_url(),
        }


def _urls() -> dict[str, str]:
    return {
        "security_url": current_number.security_page_url(),
        "change_url": redirects.app_url("security_change"),
        "remove_url": redirects.app_url("security_remove"),
    }


page = SecurityPageView.as_view()
change_number = ChangeNumberView.as_view()
remove_number = RemoveNumberView.as_view()
verify = NewNumberCodePage.as_view()
callback = SignedInCallbackView.as_view(steps=change, responder=respond)
resend = ResendView.as_view(steps=change, responder=respond)
failed = FailedView.as_view(steps=change, responder=respond)
cancel = CancelView.as_view(steps=change, responder=respond)
