from __future__ import annotations

from django.urls import path

from . import passkey_offer_views, views
from .security import views as security
from .stepup import views as step_up

app_name = "authsignal_sms"

urlpatterns = [
    path("challenge/", views.challenge, name="challenge"),
    path("callback/", views.callback, name="callback"),
    path("resend/", views.resend, name="resend"),
    path("failed/", views.failed, name="failed"),
    path("cancel/", views.cancel, name="cancel"),
    path("denied/", views.denied, name="denied"),
    path("passkey/", passkey_offer_views.offer, name="passkey_offer"),
    path("passkey/token/", passkey_offer_views.token, name="passkey_token"),
    path("step-up/", step_up.challenge, name="step_up_challenge"),
    path("step-up/callback/", step_up.callback, name="step_up_callback"),
    path("step-up/resend/", step_up.resend, name="step_up_resend"),
    path("step-up/failed/", step_up.failed, name="step_up_failed"),
    path("step-up/cancel/", step_up.cancel, name="step_up_cancel"),
    path("security/", security.page, name="security"),
    path("security/phone/change/", security.change_number, name="security_change"),
    path("security/phone/verify/", security.verify, name="security_verify"),
    path("security/phone/callback/", security.callback, name="security_callback"),
    path("security/phone/resend/", security.resend, name="security_resend"),
    path("security/phone/failed/", security.failed, name="security_failed"),
    path("security/phone/cancel/", security.cancel, name="security_cancel"),
    path("security/phone/remove/", security.remove_number, name="security_remove"),
]
