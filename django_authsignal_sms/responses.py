"""Turning the flow's outcomes into responses: a page or a redirect, or JSON for API clients."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse

from . import api
from .flow import Outcome
from .notices import add_notice
from .pages import WORDING, problem_page


def respond(request: HttpRequest, outcome: Outcome, json: bool) -> HttpResponseBase:
    """The response for ``outcome``; the code page is rendered by its view."""
    response = _json(outcome) if json else _page(request, outcome)
    if outcome.notice:
        add_notice(request, response, outcome.notice)
    return response


def _page(request: HttpRequest, outcome: Outcome) -> HttpResponseBase:
    if outcome.kind == "refused":
        return problem_page(
            request, outcome.reason, outcome.url, outcome.status, user_id=user_of(outcome)
        )
    if outcome.kind in ("verify", "ended", "signed_in", "redirect"):
        return HttpResponseRedirect(outcome.url)
    raise ValueError(f"no page for a {outcome.kind!r} outcome")


def _json(outcome: Outcome) -> HttpResponseBase:
    if outcome.kind == "verify" and outcome.record is not None:
        return api.verification_needed(outcome.record)
    if outcome.kind == "refused":
        return problem_json(outcome)
    if outcome.kind == "ended":
        return api.ended(outcome.reason, outcome.url, outcome.status)
    if outcome.kind == "signed_in":
        return api.signed_in(outcome.url)
    if outcome.kind in ("resend", "counted"):
        return JsonResponse(outcome.data, status=outcome.status)
    if outcome.kind == "redirect":
        return HttpResponseRedirect(outcome.url)
    raise ValueError(f"no JSON for a {outcome.kind!r} outcome")


def user_of(outcome: Outcome) -> str:
    """The user a refused attempt was for, when its record says (for the page's reference)."""
    return outcome.record.user_id if outcome.record is not None else ""


def problem_json(outcome: Outcome) -> JsonResponse:
    _title, detail = WORDING[outcome.reason]
    code = str(outcome.data.get("code") or outcome.reason)
    return api.refusal(code, str(detail), outcome.url, outcome.status)
