"""The admin: sign-in tools for the site's user admin, and the queue of sign-ins held for review.

``SignInAdminMixin`` goes first in the bases of the site's ``UserAdmin``; ``add_sign_in_tools()``
(or ``AUTHSIGNAL_SMS["ADMIN_USER_TOOLS"] = True``) mixes it into the user admin already
registered. The review queue (``SignInReviewAdmin``) is registered like any app's model admin.
Every tool checks its permission on the server, asks for confirmation before it changes
anything (a POST with Django's CSRF check), and answers an Authsignal outage with a message.
docs/admin-tools.md has the whole story.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import reviews, user_tools
from .conf import app_settings
from .exceptions import AuthsignalError
from .models import DECIDE_REVIEWS, RESET_PHONE, VIEW_STATUS, SignInReview, staff_may
from .user_tools import ResetIncomplete

# For type checkers the mixin is a ModelAdmin; at run time it adds to the class it is mixed into.
if TYPE_CHECKING:
    _UserAdminBase = admin.ModelAdmin[Any]
else:
    _UserAdminBase = object

# One confirmation page, or one status page, is for at most this many users (two to three calls
# to Authsignal each).
MAX_USERS_AT_ONCE = 50
TEMPLATES = "django_authsignal_sms/admin/"
# The change page asks for these fields more than once per request: the same objects each time.
_FIELDS_OF_REQUEST = "_authsignal_sms_admin_fields"


def can_view_status(request: HttpRequest) -> bool:
    return staff_may(request.user, VIEW_STATUS, RESET_PHONE)


def can_reset(request: HttpRequest) -> bool:
    return staff_may(request.user, RESET_PHONE)


# The user admin's tools


class SignInAdminMixin(_UserAdminBase):
    """Sign-in tools for a user admin: ``class UserAdmin(SignInAdminMixin, BaseUserAdmin)``.

    The change page gets a "Sign-in (Authsignal)" section with the user's status and a link to
    reset their sign-in phone; the user list gets two actions, "Show sign-in status" and
    "Reset sign-in phone". Each needs its permission (``view_sign_in_status``,
    ``reset_sign_in_phone``); a reset needs a confirmation.
    """

    sign_in_section_title = gettext_lazy("Sign-in (Authsignal)")

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_reset_sign_in_phone"
        view = self.admin_site.admin_view(self.reset_sign_in_phone_view)
        # Before the catch-all "<path:object_id>/" of ModelAdmin.
        return [path("<path:object_id>/sign-in/reset/", view, name=name), *super().get_urls()]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = self._sign_in_fields(request, obj)
        if fields:
            fieldsets.append((self.sign_in_section_title, {"fields": cast(Any, fields)}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), *self._sign_in_fields(request, obj))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        if can_view_status(request):
            actions["show_sign_in_status"] = _action(show_sign_in_status)
        if can_reset(request):
            actions["reset_sign_in_phone"] = _action(reset_sign_in_phone)
        return actions

    def _sign_in_fields(self, request: HttpRequest, obj: Any) -> tuple[Callable[[Any], Any], ...]:
        """The section's one read-only field, a callable that knows the request (for the
        permission and the audit record); the same object on every call for this request."""
        if obj is None or not can_view_status(request):
            return ()
        cached = getattr(request, _FIELDS_OF_REQUEST, None)
        if cached is None or cached[0] != obj.pk:
            cached = (obj.pk, (self._status_field(request),))
            setattr(request, _FIELDS_OF_REQUEST, cached)
        return cached[1]

    def _status_field(self, request: HttpRequest) -> Callable[[Any], SafeString]:
        def sign_in_status(user: AbstractBaseUser) -> SafeString:
            context: dict[str, Any] = {"row": status_row(request, user)}
            if can_reset(request):
                context["reset_url"] = self._reset_url(user)
            return render_to_string(TEMPLATES + "sign_in_status.html", context, request)

        sign_in_status.short_description = gettext_lazy("Status")  # type: ignore[attr-defined]
        return sign_in_status

    def _reset_url(self, user: AbstractBaseUser) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_reset_sign_in_phone"
        return reverse(name, args=(quote(user.pk),), current_app=self.admin_site.name)

    def reset_sign_in_phone_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the confirmation page. POST with ``post=yes``: the reset, then back."""
        if not can_reset(request):
            raise PermissionDenied
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404(_("No user with this id."))
        if request.method == "POST" and request.POST.get("post") == "yes":
            reset_and_report(self, request, [user])
            return HttpResponseRedirect(self._back_to(request, user))
        return confirm_reset(self, request, [user], action=None)

    def _back_to(self, request: HttpRequest, user: AbstractBaseUser) -> str:
        if self.has_view_or_change_permission(request, user):
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
            return reverse(name, args=(quote(user.pk),), current_app=self.admin_site.name)
        return reverse("admin:index", current_app=self.admin_site.name)


def _action(function: Callable[..., Any]) -> tuple[Callable[..., Any], str, str]:
    return function, function.__name__, str(function.short_description)  # type: ignore[attr-defined]


@admin.action(description=gettext_lazy("Show sign-in status"))
def show_sign_in_status(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    if not can_view_status(request):
        raise PermissionDenied
    users = _at_most(modeladmin, request, queryset)
    if users is None:
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Sign-in status"),
        "opts": modeladmin.opts,
        "rows": [status_row(request, user) for user in users],
    }
    return TemplateResponse(request, TEMPLATES + "sign_in_statuses.html", context)


@admin.action(description=gettext_lazy("Reset sign-in phone"))
def reset_sign_in_phone(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    if not can_reset(request):
        raise PermissionDenied
    users = _at_most(modeladmin, request, queryset)
    if users is None:
        return None
    if request.POST.get("post") == "yes":
        reset_and_report(modeladmin, request, users)
        return None
    return confirm_reset(modeladmin, request, users, action="reset_sign_in_phone")


def _at_most(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> list[Any] | None:
    users = list(queryset[: MAX_USERS_AT_ONCE + 1])
    if len(users) > MAX_USERS_AT_ONCE:
        message = _("Select at most %(count)d users at a time.") % {"count": MAX_USERS_AT_ONCE}
        modeladmin.message_user(request, message, messages.WARNING)
        return None
    return users


def status_row(request: HttpRequest, user: AbstractBaseUser) -> dict[str, Any]:
    """One user's status for a template: ``status`` (a SignInStatus) or ``error`` (a text)."""
    row: dict[str, Any] = {"user": user, "status": None, "error": ""}
    try:
        row["status"] = user_tools.sign_in_status(user, by=_staff(request), request=request)
    except AuthsignalError as error:
        row["error"] = unavailable(error)
    return row


def confirm_reset(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    users: Sequence[Any],
    action: str | None,
) -> TemplateResponse:
    """The confirmation page: each user's status now, and a POST form (CSRF) to go ahead."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Reset sign-in phone"),
        "opts": modeladmin.opts,
        "rows": [status_row(request, user) for user in users],
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, TEMPLATES + "reset_sign_in_phone.html", context)


def reset_and_report(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, users: Iterable[Any]
) -> None:
    """Reset each user's sign-in phone; one message a user, a warning or an error if need be."""
    for user in users:
        name = user.get_username()
        try:
            deleted = user_tools.reset_sign_in_phone(user, by=_staff(request), request=request)
        except ResetIncomplete as error:
            modeladmin.message_user(request, _reset_failed(name, error), messages.ERROR)
            continue
        level, text = _reset_done(name, deleted, user_tools.number_on_file(user))
        modeladmin.message_user(request, text, level)


def _reset_done(name: str, deleted: tuple[str, ...], on_file: str | None) -> tuple[int, str]:
    done = (
        _("Reset the sign-in phone of %(user)s: deleted %(phones)s.")
        % {"user": name, "phones": ", ".join(deleted)}
        if deleted
        else _("%(user)s had no SMS authenticator: nothing to delete.") % {"user": name}
    )
    if not on_file:
        later = _("They have no usable number on file, so they cannot get a code at login.")
        return messages.WARNING, f"{done} {later}"
    later = _("Their next sign-in enrolls the number on file.")
    return messages.SUCCESS, f"{done} {later}"


def _reset_failed(name: str, error: ResetIncomplete) -> str:
    text = _(
        "The sign-in phone of %(user)s was not reset: %(reason)s "
        "(%(deleted)d of %(total)d SMS authenticators deleted). Try again."
    )
    values = {"user": name, "reason": unavailable(error), "deleted": error.deleted}
    return text % {**values, "total": error.total}


def unavailable(error: AuthsignalError) -> str:
    """The admin's words for an Authsignal failure (the details are in the log record)."""
    if error.is_outage:
        return _("Authsignal could not be reached (%(reason)s).") % {"reason": error.reason}
    return _("Authsignal refused the request (%(detail)s).") % {"detail": str(error)}


def _staff(request: HttpRequest) -> AbstractBaseUser:
    return request.user  # type: ignore[return-value]  # admin views are for signed-in staff


def add_sign_in_tools(site: AdminSite | None = None) -> type[admin.ModelAdmin[Any]]:
    """Mix ``SignInAdminMixin`` into the user admin registered on ``site`` (``admin.site``).

    Call it once the user admin is registered (after autodiscovery, e.g. in an admin.py of
    your own); ``AUTHSIGNAL_SMS["ADMIN_USER_TOOLS"] = True`` calls it at startup.
    """
    site = site or admin.site
    model = get_user_model()
    if not site.is_registered(model):
        raise ImproperlyConfigured(
            f"django-authsignal-sms cannot add its sign-in tools: no admin is registered for "
            f"{model._meta.label} on the admin site {site.name!r}. With ADMIN_USER_TOOLS, list "
            "django.contrib.admin before django_authsignal_sms in INSTALLED_APPS; or use "
            "SignInAdminMixin in your own UserAdmin instead."
        )
    current = type(site.get_model_admin(model))
    if issubclass(current, SignInAdminMixin):
        return current
    extended: type[admin.ModelAdmin[Any]] = type(
        current.__name__, (SignInAdminMixin, current), {"__module__": current.__module__}
    )
    site.unregister(model)
    site.register(model, extended)
    return extended


# The review queue


class ReviewStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("pending", gettext_lazy("waiting for a decision")),
            ("approved", gettext_lazy("approved, waiting for the next sign-in")),
            ("used", gettext_lazy("approved, then signed in")),
            ("expired", gettext_lazy("approved, expired unused")),
            ("rejected", gettext_lazy("rejected")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        now = timezone.now()
        unused = Q(status=SignInReview.APPROVED, used_at=None)
        unused &= reviews.no_sign_in_since_the_decision()
        conditions = {
            "pending": Q(status=SignInReview.PENDING),
            "approved": unused & Q(approval_expires_at__gt=now),
            "used": Q(status=SignInReview.APPROVED) & ~unused,
            "expired": unused & Q(approval_expires_at__lte=now),
            "rejected": Q(status=SignInReview.REJECTED),
        }
        condition = conditions.get(self.value() or "")
        return queryset if condition is None else queryset.filter(condition)


def state_of(review: SignInReview) -> str:
    if review.status != SignInReview.APPROVED:
        return str(review.get_status_display())
    if review.used_at is not None:
        return _("approved, used at %(when)s") % {"when": _local(review.used_at)}
    last_login = getattr(review.user, "last_login", None)
    if last_login and review.decided_at and last_login >= review.decided_at:
        return _("approved, not needed: signed in at %(when)s") % {"when": _local(last_login)}
    if review.approval_is_usable():
        until = _local(review.approval_expires_at)
        return _("approved, waiting for the next sign-in (until %(when)s)") % {"when": until}
    return _("approved, expired unused")


def _local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


@admin.register(SignInReview)
class SignInReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Sign-ins held for review: listed, filtered, approved or rejected (with a confirmation)."""

    list_display = ("user", "held_at", "ip_address", "state", "decided_by", "decided_at")
    list_filter = (ReviewStateFilter, "held_at")
    list_select_related = ("user", "decided_by")
    actions = ("approve_reviews", "reject_reviews")
    fields = (
        "user",
        "held_at",
        "ip_address",
        "user_agent",
        "action",
        "idempotency_key",
        "state",
        "decided_by",
        "decided_at",
        "approval_expires_at",
        "used_at",
        "used_for",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("state"))
    def state(self, review: SignInReview) -> str:
        return state_of(review)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return (f"user__{get_user_model().USERNAME_FIELD}", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        """Who may decide may see the queue."""
        return super().has_view_permission(request, obj) or self.has_decide_permission(request)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return staff_may(request.user, DECIDE_REVIEWS)

    @admin.action(
        description=gettext_lazy("Approve: let their next sign-in go on to the SMS code"),
        permissions=["decide"],
    )
    def approve_reviews(
        self, request: HttpRequest, queryset: QuerySet[SignInReview]
    ) -> HttpResponse | None:
        return self._decide(request, queryset, SignInReview.APPROVED)

    @admin.action(description=gettext_lazy("Reject"), permissions=["decide"])
    def reject_reviews(
        self, request: HttpRequest, queryset: QuerySet[SignInReview]
    ) -> HttpResponse | None:
        return self._decide(request, queryset, SignInReview.REJECTED)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[SignInReview], status: str
    ) -> HttpResponse | None:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        selected = list(queryset.select_related("user")[: MAX_USERS_AT_ONCE + 1])
        if len(selected) > MAX_USERS_AT_ONCE:
            message = _("Select at most %(count)d reviews at a time.")
            self.message_user(request, message % {"count": MAX_USERS_AT_ONCE}, messages.WARNING)
            return None
        if request.POST.get("post") != "yes":
            return self._confirm(request, selected, status)
        for review in selected:
            decision = reviews.decide(review, status, _staff(request), request)
            self.message_user(request, *_decision_message(decision))
        return None

    def _confirm(
        self, request: HttpRequest, selected: list[SignInReview], status: str
    ) -> TemplateResponse:
        approve = status == SignInReview.APPROVED
        context = {
            **self.admin_site.each_context(request),
            "title": _("Approve sign-ins") if approve else _("Reject sign-ins"),
            "opts": self.opts,
            "approve": approve,
            "action": "approve_reviews" if approve else "reject_reviews",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "reviews": [(review, state_of(review)) for review in selected],
            "deciding": [review for review in selected if review.status == SignInReview.PENDING],
            "lifetime_hours": round(app_settings.REVIEW_APPROVAL_LIFETIME / 3600, 1),
        }
        return TemplateResponse(request, TEMPLATES + "decide_reviews.html", context)


def _decision_message(decision: reviews.Decision) -> tuple[str, int]:
    review = decision.review
    values = {"user": review.user, "held": _local(review.held_at), "detail": decision.detail}
    texts = {
        "approved": _(
            "Approved the sign-in of %(user)s held at %(held)s: their next sign-in goes on "
            "to the SMS code."
        ),
        "rejected": _("Rejected the sign-in of %(user)s held at %(held)s."),
        "already_decided": _(
            "The sign-in of %(user)s held at %(held)s was already decided (%(detail)s): "
            "nothing changed."
        ),
        "decided_elsewhere": _(
            "The sign-in of %(user)s held at %(held)s was not changed: %(detail)s."
        ),
        "gone": _(
            "Authsignal no longer has the sign-in of %(user)s held at %(held)s: nothing "
            "changed. They can sign in again to be reviewed anew."
        ),
        "error": _(
            "The sign-in of %(user)s held at %(held)s was not decided: Authsignal could not "
            "be told (%(detail)s). Try again."
        ),
    }
    level = messages.SUCCESS if decision.done else messages.WARNING
    if decision.outcome == "error":
        level = messages.ERROR
    return texts[decision.outcome] % values, level


__all__ = [
    "SignInAdminMixin",
    "SignInReviewAdmin",
    "add_sign_in_tools",
    "reset_sign_in_phone",
    "show_sign_in_status",
]
