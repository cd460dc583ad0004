"""API login paths the tests attack: dj-rest-auth's views and a plain single-page-app login view."""

from __future__ import annotations

from django.contrib.auth import authenticate, login
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class SpaLogin(APIView):
    """What a single-page app's own login endpoint often looks like: logs in, returns the user."""

    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        user = authenticate(
            request, username=request.data.get("username"), password=request.data.get("password")
        )
        if user is None:
            return Response({"detail": "bad credentials"}, status=400)
        login(request, user)
        return Response({"username": user.get_username(), "email": user.email})


class Me(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"username": request.user.get_username()})


urlpatterns = [
    path("api/auth/", include("dj_rest_auth.urls")),
    path("api/spa-login/", SpaLogin.as_view(), name="api_spa_login"),
    path("api/me/", Me.as_view(), name="api_me"),
]
