"""The project's URLs plus test-only views the security suite attacks (``ROOT_URLCONF`` override).

Also the probe middleware the URL walk adds, to see what ``request.user`` a view was given.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.urls import include, path
from django.utils.encoding import iri_to_uri

SECRET = "members-only secret"


def whoami(request):
    return HttpResponse(request.user.get_username() or "anonymous")


@login_required
def members_only(request):
    return HttpResponse(f"{SECRET} for {request.user.get_username()}")


@permission_required("demo.change_user")
def user_editors_only(request):
    return HttpResponse(f"{SECRET} for {request.user.get_username()}")


@permission_required("demo.change_user", raise_exception=True)
def user_editors_only_403(request):
    return HttpResponse(f"{SECRET} for {request.user.get_username()}")


def naive_login(request):
    """A careless custom login view: logs in, then redirects to ``next`` without checking it."""
    user = authenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponse("bad credentials", status=401)
    login(request, user)
    response = HttpResponse(status=302)
    response["Location"] = iri_to_uri(request.POST.get("next", "/"))  # no host check at all
    return response


urlpatterns = [
    path("security/whoami/", whoami, name="security_whoami"),
    path("security/login-required/", members_only, name="security_login_required"),
    path("security/permission-required/", user_editors_only, name="security_permission"),
    path(
        "security/permission-required-403/",
        user_editors_only_403,
        name="security_permission_403",
    ),
    path("security/naive-login/", naive_login, name="security_naive_login"),
    path("", include("tests.urls")),
]


class SeenUserProbe:
    """Records, on the request, whether the view about to run was given an authenticated user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.security_probe_saw_user = request.user.is_authenticated
        return None
