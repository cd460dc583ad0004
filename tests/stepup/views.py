"""Views protected by step-up, in each shape, for the step-up tests (tests/urls.py includes
them under /stepup-tests/)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views import View
from rest_framework.response import Response
from rest_framework.views import APIView

from django_authsignal_sms.stepup import StepUpRequiredMixin, step_up_required
from django_authsignal_sms.stepup.drf import StepUpPermission

# What each protected view did: a test asserts a refused request changed nothing.
DONE: list[tuple[str, dict]] = []


def transfer_data(request):
    source = request.POST if request.method == "POST" else request.GET
    return {"amount": int(source.get("amount", 0) or 0), "payee": source.get("payee", "")}


def transfer_purpose(request, custom):
    return f"transfer ${custom['amount']:,} to {custom['payee']}"


@step_up_required(
    "transferMoney", custom=transfer_data, bind=("amount", "payee"), purpose=transfer_purpose
)
def transfer(request):
    if request.method == "POST":
        DONE.append(("transfer", transfer_data(request)))
        return HttpResponse("transferred")
    return HttpResponse("transfer form")


@step_up_required("exportData", max_age=60)
async def export(request):
    DONE.append(("export", {}))
    return HttpResponse("exported")


class ChangeEmailView(StepUpRequiredMixin, View):
    step_up_action = "changeEmail"
    step_up_purpose = "change your email address"

    def get(self, request):
        return HttpResponse("email form")

    def post(self, request):
        DONE.append(("changeEmail", {"email": request.POST.get("email", "")}))
        return HttpResponse("email changed")


class AsyncExportView(StepUpRequiredMixin, View):
    step_up_action = "exportData"

    async def get(self, request):
        DONE.append(("export", {}))
        return HttpResponse("exported")


class TransferPermission(StepUpPermission):
    step_up_action = "transferMoney"
    step_up_bind = ("amount", "payee")

    def step_up_custom(self, request, view):
        return {"amount": int(request.data.get("amount", 0)), "payee": request.data.get("payee")}


class TransferApi(APIView):
    permission_classes = [TransferPermission]

    def post(self, request):
        DONE.append(("transfer", dict(request.data)))
        return Response({"transferred": True})


def status(request):
    return JsonResponse({"done": len(DONE)})


urlpatterns = [
    path("transfer/", transfer, name="step_up_transfer"),
    path("export/", export, name="step_up_export"),
    path("email/", ChangeEmailView.as_view(), name="step_up_email"),
    path("export-cbv/", AsyncExportView.as_view(), name="step_up_export_cbv"),
    path("api/transfer/", TransferApi.as_view(), name="step_up_transfer_api"),
]


# The same shapes with fail_open: the action runs when Authsignal cannot be reached.


@step_up_required("exportData", fail_open=True)
def export_anyway(request):
    DONE.append(("export", {}))
    return HttpResponse("exported")


@step_up_required("exportData", fail_open=True)
async def export_anyway_async(request):
    DONE.append(("export", {}))
    return HttpResponse("exported")


urlpatterns += [
    path("export-anyway/", export_anyway, name="step_up_export_anyway"),
    path("export-anyway-async/", export_anyway_async, name="step_up_export_anyway_async"),
]
