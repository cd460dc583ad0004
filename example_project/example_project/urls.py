from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from demo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("protected/", views.protected, name="protected"),
    path("transfer/", views.transfer, name="transfer"),
    path("api/transfers/", views.transfer_api, name="transfer_api"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dev/outbox/", views.outbox, name="dev_outbox"),
    path("admin/", admin.site.urls),
    path("mfa/", include("django_authsignal_sms.urls")),
]
