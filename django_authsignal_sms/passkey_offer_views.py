"""The page that offers a passkey after a sign-in with a code, and the endpoint that gives its
script the token to add one (passkey_offer.py says when)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import passkey_offer, redirects
from .conf import app_settings
from .decorated_view import DecoratedView
from .exceptions import AuthsignalError
from .flow import report_error
from .look import page_look


def offer_url(next_url: str) -> str:
    return redirects.app_url("passkey_offer") + "?" + urlencode({"next": next_url})


class PasskeyOfferView(DecoratedView):
    """ "Add a passkey to skip codes next time", or go on; only while the offer is open."""

    decorators = (never_cache, csrf_protect)
    http_method_names = ["get"]
    template_name = "django_authsignal_sms/passkey_offer.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        next_url = redirects.safe_next(request, request.GET.get("next")) or redirects.after_login()
        if not passkey_offer.is_marked(request):
            return HttpResponseRedirect(next_url)
        context = {
            "tenant_id": app_settings.TENANT_ID,
            "base_url": app_settings.CLIENT_API_URL,
            "sdk_url": app_settings.BROWSER_SDK_URL,
            "sdk_integrity": app_settings.BROWSER_SDK_INTEGRITY,
            "add_url": redirects.app_url("passkey_token"),
            "next": next_url,
            **page_look(request, next_url),
        }
        return render(request, self.template_name, context)


class PasskeyTokenView(DecoratedView):
    """POST: the token that adds a passkey, once, for the session whose offer is open."""

    decorators = (never_cache, csrf_protect)
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not passkey_offer.take(request):
            return JsonResponse({"code": "no_offer"}, status=403)
        user: Any = request.user
        try:
            token = passkey_offer.token_for(user)
        except AuthsignalError as error:
            report_error(request, error, user_id=str(user.pk), user=user)
            return JsonResponse({"code": "unavailable"}, status=503)
        if not token:
            return JsonResponse({"code": "refused"}, status=403)
        name = user.get_username()
        return JsonResponse({"token": token, "username": name, "displayName": name})


offer = PasskeyOfferView.as_view()
token = PasskeyTokenView.as_view()
