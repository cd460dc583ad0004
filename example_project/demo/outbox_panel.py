"""What the dev-only outbox panel shows: the codes of one user, or everyone's, and the users its
filter offers. By default, the user whose code page it sits on (the pending login's or step-up's
user), else the signed-in user, else everyone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from django_authsignal_sms import record
from django_authsignal_sms.stepup.state import read_pending

from .emulator_outbox import OutboxUnavailable, SentCode, sent_codes

ALL_USERS = "all"  # the filter's value for everyone (user ids are primary keys: never "all")


@dataclass(frozen=True)
class UserChoice:
    value: str  # the user's id at Authsignal (the primary key, as text)
    label: str


@dataclass(frozen=True)
class Row:
    sent: SentCode
    user: str


@dataclass(frozen=True)
class Panel:
    selected: str
    subject: str = "all users"  # whose codes, in words
    rows: list[Row] = field(default_factory=list)
    choices: list[UserChoice] = field(default_factory=list)
    notice: str = ""  # why the panel shows something other than what was asked
    unavailable: str = ""  # why it shows nothing at all

    @property
    def all_users(self) -> str:
        return ALL_USERS


def panel(request: HttpRequest) -> Panel:
    default = user_on_this_page(request)
    try:
        codes = sent_codes()
    except OutboxUnavailable as error:
        return Panel(ALL_USERS, unavailable=str(error))
    labels = user_labels({code.user_id for code in codes} | ({default} if default else set()))
    choices = sorted((UserChoice(value, label) for value, label in labels.items()), key=_by_label)
    wanted = request.GET.get("user", default or ALL_USERS)
    notice = ""
    if wanted != ALL_USERS and wanted not in labels:
        notice = f"No code was sent to user {wanted[:40]!r} in the last hour: showing everyone's."
        wanted = ALL_USERS
    shown = [code for code in codes if wanted in (ALL_USERS, code.user_id)]
    rows = [Row(code, labels[code.user_id]) for code in shown]
    return Panel(wanted, labels.get(wanted, "all users"), rows, choices, notice)


def user_on_this_page(request: HttpRequest) -> str | None:
    """The id of the user a code page in this session is for, if any."""
    # The app's session records, read only: the panel is a development aid beside its page.
    for pending in (record.read(request), read_pending(request)):
        if pending is not None and pending.is_pending and pending.user_id:
            return pending.user_id
    return str(request.user.pk) if request.user.is_authenticated else None


def user_labels(user_ids: Iterable[str]) -> dict[str, str]:
    """Each id with the username it belongs to here, or "user <id>" for one unknown here."""
    ids = set(user_ids)
    model = get_user_model()
    primary_key = model._meta.pk
    keys = []
    for user_id in ids:  # ids from elsewhere ("u1" in a test, say) are no primary key here
        try:
            key = primary_key.to_python(user_id)
            primary_key.run_validators(key)  # within the column's range, too
        except ValidationError:
            continue
        keys.append(key)
    users = model._default_manager.filter(pk__in=keys)
    names = {str(user.pk): user.get_username() for user in users}
    return {user_id: names.get(user_id, f"user {user_id}") for user_id in ids}


def _by_label(choice: UserChoice) -> str:
    return choice.label.casefold()
