"""The pages that say why a sign-in did not go through: a wording per reason, one template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .conf import app_settings
from .look import page_look
from .support import contact_of, log_reference

TEMPLATE = "django_authsignal_sms/problem.html"

# What each outcome tells the user; the template can override all of it.
WORDING = {
    "blocked": (_("Sign-in blocked"), _("This sign-in was blocked for your account's protection.")),
    "review": (
        _("Sign-in held for review"),
        _(
            "This sign-in is held for review. "
            "You will be able to sign in once it has been approved."
        ),
    ),
    "error": (
        _("We could not check this sign-in"),
        _(
            "Our sign-in check is not available right now, so you have not been signed in. "
            "Please try again in a moment."
        ),
    ),
    "failed": (
        _("Sign-in not completed"),
        _("The code could not be confirmed, so you have not been signed in."),
    ),
    "no_pending": (
        _("No sign-in waiting for a code"),
        _("There is no sign-in waiting for a code in this browser, or it has already been used."),
    ),
    "no_phone": (
        _("No mobile number for sign-in codes"),
        _(
            "Your account has no mobile number for sign-in codes, so you cannot sign in yet. "
            "Please ask the site's support team to add your mobile number."
        ),
    ),
    "sms_only": (
        _("This site signs in with text-message codes"),
        _(
            "Your account is set up with another kind of sign-in check, but this site only "
            "sends codes by text message. Please ask the site's support team to add your "
            "mobile number for sign-in codes."
        ),
    ),
    "too_many": (
        _("Too many sign-in attempts"),
        _(
            "Too many sign-in codes were asked for this account or from this network lately. "
            "Please wait a few minutes, then sign in again."
        ),
    ),
    "expired": (
        _("Code page expired"),
        _("Your sign-in took too long to finish. Please sign in again."),
    ),
    # Step-up: the user stays signed in; the action did not run.
    "step_up_blocked": (
        _("Action refused"),
        _("This action was blocked for your account's protection."),
    ),
    "step_up_review": (
        _("Action held for review"),
        _("This action is held for review. You can try again once it has been approved."),
    ),
    "step_up_unavailable": (
        _("This action needs a text-message code"),
        _(
            "This action needs a code sent by text message, and your account has no mobile "
            "number set up for codes. Please ask the site's support team."
        ),
    ),
    "step_up_error": (
        _("We could not check this action"),
        _(
            "Our check is not available right now, so the action was not carried out. "
            "Please try again in a moment."
        ),
    ),
    "step_up_failed": (
        _("Action not confirmed"),
        _("The code could not be confirmed, so the action was not carried out."),
    ),
    "step_up_none": (
        _("Nothing waiting for a code"),
        _("There is no action waiting for a code in this browser, or it was already confirmed."),
    ),
}


def problem_page(
    request: HttpRequest,
    reason: str,
    retry_url: str,
    status: int,
    back: bool = False,
    user_id: str = "",
) -> HttpResponse:
    """Why a sign-in (or, with ``back``, a step-up) did not go through;
    ``django_authsignal_sms/problems/<reason>.html`` overrides the page for one reason,
    ``problem.html`` for all of them. The page looks like the admin for a sign-in made there."""
    title, message = WORDING[reason]
    context = {
        **page_look(request, retry_url),
        "reason": reason,
        "title": title,
        "message": message,
        "retry_url": retry_url,
        "retry_label": _("Go back") if back else _("Back to sign in"),
        "help_url": app_settings.HELP_URL,
        "support": contact_of(app_settings.SUPPORT_CONTACT),
        "reference": _reference(request, reason, user_id),
    }
    templates = [f"django_authsignal_sms/problems/{reason}.html", TEMPLATE]
    return render(request, templates, context, status=status)


def _reference(request: HttpRequest, reason: str, user_id: str) -> str:
    if not app_settings.SHOW_REFERENCE:
        return ""
    user = getattr(request, "user", None)
    if not user_id and user is not None and user.is_authenticated:
        user_id = str(user.pk)
    return log_reference(request, reason, user_id)
