from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .emulator_outbox import emulator_in_use, recent_messages


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html")


@login_required
def protected(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/protected.html")


@xframe_options_sameorigin
def outbox(request: HttpRequest) -> HttpResponse:
    """Dev only: the codes the emulator 'sent', so the demo needs no phone."""
    if not (settings.DEBUG and emulator_in_use()):
        raise Http404
    return render(request, "demo/outbox.html", {"messages": recent_messages()})
