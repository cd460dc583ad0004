from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from django_authsignal_sms.stepup import step_up_required

from .emulator_outbox import emulator_in_use
from .outbox_panel import panel
from .transfers import (
    DRAFT_KEY,
    TransferForm,
    describe,
    past_transfers,
    posted_form,
    record,
    transfer_details,
)

# Authsignal decides each transfer with the rules of its `transferMoney` action (for the demo:
# example_project/emulator-rules.json). A completed step-up is bound to the amount and payee.
step_up_for_transfer = step_up_required(
    "transferMoney", custom=transfer_details, bind=("amount", "payee"), purpose=describe
)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html")


@login_required
def protected(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/protected.html")


@login_required
def transfer(request: HttpRequest) -> HttpResponse:
    """The form. Only a valid submission is tracked (``make_transfer``); a form that needed a
    code comes back filled in, to be submitted again."""
    if request.method == "POST":
        form = TransferForm(request.POST)
        if form.is_valid():
            request.session[DRAFT_KEY] = form.cleaned_data
            return make_transfer(request)
    else:
        form = TransferForm(initial=request.session.pop(DRAFT_KEY, None))
    context = {"form": form, "transfers": past_transfers(request)}
    return render(request, "demo/transfer.html", context)


@step_up_for_transfer
def make_transfer(request: HttpRequest) -> HttpResponse:
    details = transfer_details(request) or {}
    record(request, details)
    request.session.pop(DRAFT_KEY, None)
    messages.success(request, f"Sent ${details['amount']:,} to {details['payee']}.")
    return redirect("transfer")


@require_POST
@step_up_for_transfer
def transfer_api(request: HttpRequest) -> HttpResponse:
    """The same transfer for a script: POST JSON ``{"amount", "payee"}``. Without a fresh
    step-up it answers 403 ``step_up_required`` with what the browser SDK needs."""
    form = posted_form(request)
    if not form.is_valid():
        return JsonResponse({"code": "invalid", "errors": form.errors.get_json_data()}, status=400)
    record(request, form.cleaned_data)
    body = {"code": "transferred", **form.cleaned_data, "count": len(past_transfers(request))}
    return JsonResponse(body)


@xframe_options_sameorigin
def outbox(request: HttpRequest) -> HttpResponse:
    """Dev only: the codes the emulator 'sent', so the demo needs no phone (in an iframe on the
    code page; ``?user=<id>`` or ``?user=all`` picks whose)."""
    if not (settings.DEBUG and emulator_in_use()):
        raise Http404
    return render(request, "demo/outbox.html", {"panel": panel(request)})
