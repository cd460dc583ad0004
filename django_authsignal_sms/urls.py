from __future__ import annotations

from django.urls import path

from . import views

app_name = "authsignal_sms"

urlpatterns = [
    path("challenge/", views.challenge, name="challenge"),
    path("callback/", views.callback, name="callback"),
    path("resend/", views.resend, name="resend"),
    path("failed/", views.failed, name="failed"),
    path("cancel/", views.cancel, name="cancel"),
    path("denied/", views.denied, name="denied"),
]
