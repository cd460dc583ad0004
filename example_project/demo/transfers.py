"""The demo's "Transfer money": a form, and the session's list of past transfers. No money
moves: a transfer is a line in the session, kept to show that each one happened exactly once."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest

TRANSFERS_KEY = "demo_transfers"
DRAFT_KEY = "demo_transfer_draft"
# The form that asked for a code comes back filled in: the user only submits it again.


class TransferForm(forms.Form):
    """Whole dollars, and a payee's account name (compared case-insensitively, as the rules do:
    the emulator's rules see it lower-cased)."""

    amount = forms.IntegerField(label="Amount (whole dollars)", min_value=1, max_value=1_000_000)
    payee = forms.CharField(label="Payee (account name)", max_length=40)

    def clean_payee(self) -> str:
        payee = str(self.cleaned_data["payee"]).strip().casefold()
        if not payee:
            raise forms.ValidationError("Enter the payee's account name.")
        return payee


def posted_form(request: HttpRequest) -> TransferForm:
    """The transfer a request posts: a form, or a JSON body ``{"amount", "payee"}``."""
    if request.content_type != "application/json":
        return TransferForm(request.POST)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    return TransferForm(body if isinstance(body, dict) else {})


def transfer_details(request: HttpRequest) -> dict[str, Any] | None:
    """What Authsignal's rules see (``custom``): the transfer, once valid; an invalid one is
    never made, so it needs no step-up."""
    form = posted_form(request)
    return dict(form.cleaned_data) if form.is_valid() else None


def describe(request: HttpRequest, details: dict[str, Any]) -> str:
    """Completes the code page's "Confirm it's you to …"."""
    return f"transfer ${details.get('amount', 0):,} to {details.get('payee', '')}"


def record(request: HttpRequest, details: dict[str, Any]) -> None:
    request.session[TRANSFERS_KEY] = [*past_transfers(request), details]


def past_transfers(request: HttpRequest) -> list[dict[str, Any]]:
    transfers = request.session.get(TRANSFERS_KEY)
    return list(transfers) if isinstance(transfers, list) else []
