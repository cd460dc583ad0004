"""The challenge page, the callback that finalises the login, resend, cancel and denied pages."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from . import api, claims, client, enrollment, redirects, signals, stepup
from .apps import AuthsignalSmsConfig
from .conf import app_settings
from .exceptions import AuthsignalApiError, AuthsignalError
from .log import log_event
from .messages import add_message
from .pages import problem_page
from .session import PENDING, Mark, consume_mark, read_mark, save_mark

TOO_MANY_RESENDS = "Too many codes were sent. Please sign in again."
TOO_MANY_FAILURES = "Too many wrong codes. Please sign in again."
TOKEN_MAX_LENGTH = 4096


@method_decorator([never_cache, csrf_protect], name="dispatch")
class ChallengeView(TemplateView):
    template_name = "django_authsignal_sms/challenge.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = read_mark(request)
        if mark is None or not mark.is_pending:
            return problem_page(request, "no_pending", redirects.retry_url(None), 400)
        if mark.is_expired():
            consume_mark(request)
            return problem_page(request, "expired", redirects.retry_url(mark), 400)
        user = stepup.pending_user(mark)
        if user is None:
            consume_mark(request)
            return problem_page(request, "no_pending", redirects.retry_url(mark), 400)
        # HEAD (a link preview, a monitor) must not use up the automatic send.
        auto_send = mark.sent_at is None and request.method == "GET"
        if auto_send:
            mark.sent_at = time.time()
            save_mark(request, mark)
        return self.render_to_response(self.page_context(request, mark, user, auto_send))

    def page_context(
        self, request: HttpRequest, mark: Mark, user: AbstractBaseUser, auto_send: bool
    ) -> dict[str, Any]:
        next_url = redirects.safe_next(request, request.GET.get("next")) or mark.next_url
        wait = max(0, int((mark.sent_at or 0) + app_settings.RESEND_COOLDOWN - time.time()))
        return {
            "tenant_id": app_settings.TENANT_ID,
            "base_url": app_settings.CLIENT_API_URL,
            "sdk_url": app_settings.BROWSER_SDK_URL,
            "sdk_integrity": app_settings.BROWSER_SDK_INTEGRITY,
            "token": mark.token,
            "masked_phone": mark.masked_phone,
            "auto_send": auto_send,
            "resend_wait": 0 if auto_send else wait,
            "resend_cooldown": app_settings.RESEND_COOLDOWN,
            "whatsapp": app_settings.WHATSAPP and mark.whatsapp,
            "next": next_url,
            "cancel_url": redirects.retry_url(mark),
        }


@method_decorator([sensitive_post_parameters("token"), never_cache, csrf_protect], name="dispatch")
class CallbackView(View):
    """Validates the verification token server-side; only then is the login final."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = consume_mark(request)
        if mark is None or not mark.is_pending:
            return self.refuse(request, mark, "no_pending", 400)
        if mark.is_expired():
            return self.refuse(request, mark, "expired", 400)
        token = posted_token(request)
        if not token or len(token) > TOKEN_MAX_LENGTH:
            return self.refuse(request, mark, "missing_token", 400)
        if not claims.claim(mark):
            # Another request (another worker) is completing or has completed this login.
            return self.refuse(request, mark, "replayed", 403)
        try:
            result = client.validate_challenge(token, mark.user_id, mark.action)
            problem = find_problem(result, mark)
        except AuthsignalApiError as error:
            if not error.refuses_the_token:
                return self.outage(request, mark, error)
            return self.refuse(request, mark, error.code or "invalid_token", 403)
        except AuthsignalError as error:
            return self.outage(request, mark, error)
        user = None if problem else stepup.pending_user(mark)
        if user is None:
            return self.refuse(request, mark, problem or "user_gone", 403)
        stepup.finish(request, mark, user)
        next_url = redirects.safe_next(request, request.POST.get("next")) or mark.next_url
        if api.wants_json(request):
            return api.signed_in(next_url)
        return HttpResponseRedirect(next_url or redirects.after_login_url())

    @staticmethod
    def outage(request: HttpRequest, mark: Mark, error: AuthsignalError) -> HttpResponse:
        stepup.report_error(request, error, user=None, user_id=mark.user_id)
        # SessionMiddleware does not save on 5xx: save now, so the used mark stays used.
        request.session.save()
        return problem_page(request, "error", redirects.retry_url(mark), 503, "unavailable")

    @staticmethod
    def refuse(request: HttpRequest, mark: Mark | None, problem: str, status: int) -> HttpResponse:
        user_id = mark.user_id if mark else ""
        log_event("challenge_failed", logging.WARNING, user_id=user_id, reason=problem)
        signals.challenge_failed.send(
            AuthsignalSmsConfig, request=request, user_id=user_id, reason=problem
        )
        page = problem if problem in ("no_pending", "expired") else "failed"
        return problem_page(request, page, redirects.retry_url(mark), status, problem)


def posted_token(request: HttpRequest) -> str:
    """The verification token from a form post, or from a JSON body (an API client)."""
    if request.content_type != "application/json":
        return str(request.POST.get("token", ""))
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return ""
    token = body.get("token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""


def accepted_methods(mark: Mark) -> set[str]:
    """The verification methods this app offered for the pending login, and only those."""
    return {"SMS", "WHATSAPP"} if api.offers_whatsapp(mark) else {"SMS"}


def find_problem(result: client.ValidationResult, mark: Mark) -> str:
    """Every check before a login completes; the first that fails names it, ``""`` if none."""
    method = result.verification_method
    bindings = [
        ("wrong_user", result.user_id == mark.user_id),
        ("wrong_action", result.action == mark.action),
        ("wrong_idempotency_key", result.idempotency_key == mark.idempotency_key),
        ("wrong_method", method is None or method in accepted_methods(mark)),
    ]
    if mark.confirm_allow and result.state == "ALLOW":
        # A code verified on an action tracked as ALLOW (right after the app enrolled the
        # number): validate's answer is undocumented, so Authsignal's record must show it.
        bound = next((name for name, passed in bindings if not passed), "")
        if bound:
            return bound
        verified = enrollment.verified_since_enrollment(
            mark.user_id, mark.authenticator_id, mark.verified_baseline
        )
        return "" if verified else "not_verified"
    checks = [
        ("not_valid", result.is_valid),
        ("wrong_state", result.state == "CHALLENGE_SUCCEEDED"),
        *bindings,
        ("wrong_method", method is not None),
    ]
    return next((name for name, passed in checks if not passed), "")


def live_mark(request: HttpRequest) -> Mark | None:
    """The session's pending mark while it can still be completed, else ``None``."""
    mark = read_mark(request)
    if mark is None or mark.outcome != PENDING or mark.is_expired():
        return None
    return mark


def end_at_limit(request: HttpRequest, mark: Mark, reason: str, message: str) -> None:
    """A limit of the pending login was reached: it ends, and the login page will say why."""
    consume_mark(request)
    log_event("challenge_failed", logging.WARNING, user_id=mark.user_id, reason=reason)
    signals.challenge_failed.send(
        AuthsignalSmsConfig, request=request, user_id=mark.user_id, reason=reason
    )
    add_message(request, None, message)


@method_decorator([never_cache, csrf_protect], name="dispatch")
class ResendView(View):
    """Counts a (re)send and says whether the page may ask Authsignal for another code."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = live_mark(request)
        if mark is None:
            return JsonResponse({"allowed": False, "reason": "no_pending"}, status=400)
        wait = int((mark.sent_at or 0) + app_settings.RESEND_COOLDOWN - time.time())
        if wait > 0:
            return JsonResponse({"allowed": False, "reason": "cooldown", "wait": wait}, status=429)
        if mark.resends >= app_settings.MAX_RESENDS:
            end_at_limit(request, mark, "too_many_resends", TOO_MANY_RESENDS)
            return JsonResponse(
                {"allowed": False, "reason": "too_many", "redirect": redirects.retry_url(mark)},
                status=429,
            )
        mark.resends += 1
        mark.sent_at = time.time()
        save_mark(request, mark)
        return JsonResponse({"allowed": True, "cooldown": app_settings.RESEND_COOLDOWN})


@method_decorator([never_cache, csrf_protect], name="dispatch")
class FailedView(View):
    """Counts a wrong code reported by the page; too many end the pending login.

    Authsignal also locks a challenge after repeated wrong codes; this limit is the site's own,
    per pending login, and a page that does not report can still not get past the callback.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = live_mark(request)
        if mark is None:
            redirect = redirects.retry_url(read_mark(request))
            return JsonResponse({"ended": True, "redirect": redirect}, status=400)
        mark.failures += 1
        if mark.failures >= app_settings.MAX_FAILED_VERIFICATIONS:
            end_at_limit(request, mark, "too_many_failures", TOO_MANY_FAILURES)
            return JsonResponse({"ended": True, "redirect": redirects.retry_url(mark)}, status=429)
        save_mark(request, mark)
        left = app_settings.MAX_FAILED_VERIFICATIONS - mark.failures
        return JsonResponse({"ended": False, "attempts_left": left})


@method_decorator([never_cache, csrf_protect], name="dispatch")
class CancelView(View):
    """Abandons the pending sign-in: the session is emptied, as by a logout."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = read_mark(request)
        request.session.flush()
        return HttpResponseRedirect(redirects.retry_url(mark))


@method_decorator(never_cache, name="dispatch")
class DeniedView(View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        mark = read_mark(request)
        if mark is None:
            return HttpResponseRedirect(redirects.retry_url(None))
        if mark.is_pending:
            return HttpResponseRedirect(redirects.challenge_url(mark.next_url))
        consume_mark(request)
        return problem_page(request, mark.outcome, redirects.retry_url(mark), 403)


# A pending session is anonymous: with LoginRequiredMiddleware these pages must stay reachable.
challenge = login_not_required(ChallengeView.as_view())
callback = login_not_required(CallbackView.as_view())
resend = login_not_required(ResendView.as_view())
failed = login_not_required(FailedView.as_view())
cancel = login_not_required(CancelView.as_view())
denied = login_not_required(DeniedView.as_view())
