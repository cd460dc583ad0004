"""The admins' commands: ``authsignal_sms_reset_phone`` (the admin's reset, for scripts) and
``authsignal_sms_report`` (where the users stand, for a rollout), against the emulator."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

RESET = "authsignal_sms_reset_phone"
REPORT = "authsignal_sms_report"


def run(name, *args, **options):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def sms_numbers(emulator, user):
    return [a.phone_number for a in emulator.store.authenticators_of(str(user.pk))]


def make_user(username, phone="", **extra):
    return get_user_model().objects.create_user(
        username, f"{username}@example.com", PASSWORD, phone_number=phone, **extra
    )


# Reset


@pytest.fixture
def enrolled(emulator, user):
    emulator.enroll_sms(str(user.pk), user.phone_number)
    return user


def test_reset_without_input_deletes_and_signals(enrolled, emulator, sent):
    out, _ = run(RESET, "alice", interactive=False)
    assert "alice: deleted +15*******06; the next sign-in enrolls the number on file." in out
    assert sms_numbers(emulator, enrolled) == []
    [reset] = sent["sign_in_phone_reset"]
    assert (reset["by"], reset["request"], reset["masked_phones"]) == (None, None, ["+15*******06"])


def test_reset_by_id(enrolled, emulator):
    run(RESET, str(enrolled.pk), by_id=True, interactive=False)
    assert sms_numbers(emulator, enrolled) == []


def test_reset_asks_first_and_a_no_changes_nothing(enrolled, emulator, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Cancelled: nothing changed"):
        run(RESET, "alice")
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_reset_shows_the_status_and_a_yes_goes_ahead(enrolled, emulator, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    out, _ = run(RESET, "alice")
    assert "alice: SMS; +15*******06; on file: +15*******06" in out
    assert sms_numbers(emulator, enrolled) == []


def test_a_dry_run_changes_nothing(enrolled, emulator):
    out, _ = run(RESET, "alice", dry_run=True)
    assert "Dry run: nothing changed." in out
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_an_unknown_user_changes_nothing(enrolled, emulator):
    with pytest.raises(CommandError, match="No user with username 'nobody'"):
        run(RESET, "alice", "nobody", interactive=False)
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_an_outage_fails_the_command(enrolled, emulator):
    emulator.set_fault("status:503", routes=["delete_authenticator"])
    with pytest.raises(CommandError, match="1 of 1 sign-in phone"):
        run(RESET, "alice", interactive=False)
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_the_exit_status_is_1_on_an_outage(enrolled, emulator, capsys):
    from django.core.management import execute_from_command_line

    emulator.set_fault("refuse", routes=["get_authenticators"])
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", RESET, "alice", "--no-input"])
    assert exited.value.code == 1
    assert "not reset: Authsignal failed (unavailable" in capsys.readouterr().err


# Report


@pytest.fixture
def known_users(emulator, db):
    """Two enrolled for SMS, one enrolled by email only, two with a number but no authenticator
    (one staff), two without a usable number, one inactive (not counted)."""
    for name, phone in (("sms1", "+15005550101"), ("sms2", "+15005550102")):
        emulator.enroll_sms(str(make_user(name, phone).pk), phone)
    by_email = make_user("email", "+15005550103")
    store = emulator.store
    store.verify_authenticator(
        store.add_authenticator(str(by_email.pk), "EMAIL_OTP", email="email@example.com")
    )
    make_user("ready", "+15005550104")
    make_user("boss", "+15005550105", is_staff=True)
    make_user("nophone", "")
    make_user("badphone", "021 not a number")
    make_user("gone", "+15005550106", is_active=False)


EXPECTED = {
    "active_users": 7,
    "enrolled_sms": 2,
    "enrolled_other": 1,
    "number_not_enrolled": 2,
    "no_number_not_enrolled": 2,
}


def test_the_report_counts_a_known_set_of_users(known_users, emulator):
    out, err = run(REPORT, batch_size=3)
    assert "7 active users" in out
    assert "  2  enrolled for SMS codes" in out
    assert "  1  enrolled, but not for SMS" in out
    assert "  2  not enrolled yet, usable number on file" in out
    assert "  2  not enrolled, no usable number on file" in out
    assert "0 are outside REQUIRE_ENROLLMENT" in out
    assert err.splitlines() == [
        "Checked 3 of 7 users",
        "Checked 6 of 7 users",
        "Checked 7 of 7 users",
    ]
    assert emulator.stats()["requests"]["get_user"] == 7


def test_the_report_as_json(known_users):
    out, _ = run(REPORT, json=True, workers=1)
    assert json.loads(out) == EXPECTED


def test_the_report_names_users_outside_the_enrollment_policy(known_users, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "REQUIRE_ENROLLMENT": "staff"}
    out, _ = run(REPORT)
    assert "1 are outside REQUIRE_ENROLLMENT" in out  # "ready"; "boss" is staff


def test_the_report_reads_only(known_users, emulator):
    run(REPORT)
    requests = emulator.stats()["requests"]
    assert {name for name, count in requests.items() if count} == {"get_user"}


def test_an_outage_ends_the_report_with_a_clear_message(known_users, emulator):
    emulator.set_fault("status:503", routes=["get_user"], count=None)
    with pytest.raises(CommandError) as raised:
        run(REPORT, batch_size=3)
    message = str(raised.value)
    assert "Authsignal could not be asked" in message and "after 0 of 7 users" in message


def test_an_outage_later_says_how_far_it_got(known_users, emulator, monkeypatch):
    from django_authsignal_sms.management.commands import authsignal_sms_report as report

    asked = []

    def fail_after_three(user):
        asked.append(user)
        if len(asked) > 3:
            emulator.set_fault("refuse", routes=["get_user"])
        return real(user)

    real = report.ask
    monkeypatch.setattr(report, "ask", fail_after_three)
    with pytest.raises(CommandError, match="after 3 of 7 users"):
        run(REPORT, batch_size=3, workers=1)


def test_the_app_s_migrations_match_its_models():
    call_command("makemigrations", "authsignal_sms", check=True, dry_run=True, verbosity=0)
