from __future__ import annotations

from django.urls import path

from . import views
from .stepup import views as step_up

app_name = "authsignal_sms"

urlpatterns = [
    path("challenge/", views.challenge, name="challenge"),
    path("callback/", views.callback, name="callback"),
    path("resend/", views.resend, name="resend"),
    path("failed/", views.failed, name="failed"),
    path("cancel/", views.cancel, name="cancel"),
    path("denied/", views.denied, name="denied"),
    path("step-up/", step_up.challenge, name="step_up_challenge"),
    path("step-up/callback/", step_up.callback, name="step_up_callback"),
    path("step-up/resend/", step_up.resend, name="step_up_resend"),
    path("step-up/failed/", step_up.failed, name="step_up_failed"),
    path("step-up/cancel/", step_up.cancel, name="step_up_cancel"),
]
