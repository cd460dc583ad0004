"""The problem pages: the same card as the code page (or the admin's look), a support contact
and a reference that support finds in the app's log (SUPPORT_CONTACT, SHOW_REFERENCE), and the
checks on those settings (E005, E016)."""

from __future__ import annotations

import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_authsignal_sms.support import contact_of, link_problem, new_reference
from tests.conftest import log_in, refusal_page, start_pending
from tests.test_challenge_page import is_admin_look
from tests.test_checks import reported

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r'<code id="authsignal-sms-reference">([A-Z2-9]{4}-[A-Z2-9]{4})</code>')
E005 = "authsignal_sms.E005"
E016 = "authsignal_sms.E016"


def blocked_page(client, authsignal):
    authsignal.on_track("BLOCK")
    return refusal_page(client, log_in(client, next_url="/protected/"))


def support_line(page):
    match = re.search(r'<p class="authsignal-sms-support">(.*?)</p>', page.content.decode(), re.S)
    return " ".join(match.group(1).split()) if match else None


def problem_records(caplog):
    return [
        record.authsignal_sms
        for record in caplog.records
        if getattr(record, "authsignal_sms", {}).get("event") == "problem_shown"
    ]


def test_the_problem_page_is_the_apps_card(client, user, authsignal):
    html = blocked_page(client, authsignal).content.decode()
    assert '<header class="authsignal-sms-brand">' in html
    assert '<div class="authsignal-sms-card">' in html
    assert '<h1 class="authsignal-sms-title">Sign-in blocked</h1>' in html
    assert re.search(
        r'class="authsignal-sms-button authsignal-sms-primary" href="/accounts/lo', html
    )


# The support contact


@pytest.mark.parametrize(
    ("contact", "line"),
    [
        (
            "help@example.com",
            'Need help? Contact support: <a href="mailto:help@example.com">help@example.com</a>',
        ),
        (
            "https://example.com/help",
            'Need help? Contact support: <a href="https://example.com/help">example.com/help</a>',
        ),
        (
            "tel:+6491234567",
            'Need help? Contact support: <a href="tel:+6491234567">+6491234567</a>',
        ),
        ("0800 123 456 (9am-5pm)", "Need help? Contact support: 0800 123 456 (9am-5pm)"),
        ("<b>javascript:x</b>", "Need help? Contact support: &lt;b&gt;javascript:x&lt;/b&gt;"),
    ],
)
def test_the_support_contact_is_a_link_or_text(client, user, authsignal, settings, contact, line):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SUPPORT_CONTACT": contact}
    assert support_line(blocked_page(client, authsignal)) == line


def test_no_support_contact_by_default(client, user, authsignal):
    assert support_line(blocked_page(client, authsignal)) is None


def test_the_support_contact_is_on_every_kind_of_problem_page(pending, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SUPPORT_CONTACT": "help@example.com"}
    failed = pending.post("/mfa/callback/", {"token": ""})
    assert failed.status_code == 400
    assert "help@example.com" in support_line(failed)


# The reference


def test_the_page_shows_a_reference_that_the_log_holds(client, user, authsignal, caplog):
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")
    page = blocked_page(client, authsignal)
    [reference] = REFERENCE.findall(page.content.decode())
    assert "If you contact support, give them this reference:" in page.content.decode()
    [logged] = problem_records(caplog)
    assert logged == {
        "event": "problem_shown",
        "reference": reference,
        "reason": "blocked",
        "user_id": "",
        "ip": "127.0.0.1",
        "path": "/mfa/denied/",
    }
    assert f"reference={reference}" in caplog.text


def test_the_reference_names_the_user_when_the_record_does(pending, user, caplog):
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")
    page = pending.post("/mfa/callback/", {"token": ""})
    [reference] = REFERENCE.findall(page.content.decode())
    [logged] = problem_records(caplog)
    assert (logged["reference"], logged["reason"], logged["user_id"]) == (
        reference,
        "failed",
        str(user.pk),
    )


def test_each_page_gets_its_own_reference(client, user, authsignal):
    first = REFERENCE.findall(blocked_page(client, authsignal).content.decode())
    second = REFERENCE.findall(blocked_page(client, authsignal).content.decode())
    assert first and second and first != second


def test_references_are_easy_to_read_out():
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", r) for r in references)


def test_no_reference_when_turned_off(client, user, authsignal, settings, caplog):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SHOW_REFERENCE": False}
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")
    page = blocked_page(client, authsignal)
    assert "authsignal-sms-reference" not in page.content.decode()
    assert problem_records(caplog) == []


def test_a_step_up_problem_names_the_signed_in_user(client, user, settings, caplog):
    caplog.set_level(logging.INFO, logger="django_authsignal_sms")
    current = settings.AUTHSIGNAL_SMS
    settings.AUTHSIGNAL_SMS = {**current, "ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = current
    page = client.get("/mfa/step-up/")
    assert page.status_code == 400 and b"Nothing waiting for a code" in page.content
    [logged] = problem_records(caplog)
    assert logged["reason"] == "step_up_none" and logged["user_id"] == str(user.pk)
    assert "Go back" in page.content.decode()


# The admin's look


def test_a_refused_admin_login_looks_like_the_admin(client, staff, authsignal):
    authsignal.on_track("BLOCK")
    response = log_in(client, "root", path="/admin/login/", next_url="/admin/")
    page = refusal_page(client, response)
    assert is_admin_look(page)
    assert "Django administration" in page.content.decode()
    assert "Sign-in blocked" in page.content.decode()


def test_a_refused_login_elsewhere_has_the_apps_look(client, user, authsignal):
    assert not is_admin_look(blocked_page(client, authsignal))


def test_an_expired_admin_login_page_too(client, staff, authsignal):
    start_pending(client, authsignal, "root", path="/admin/login/", next_url="/admin/")
    page = client.post("/mfa/callback/", {"token": ""})
    assert page.status_code == 400 and is_admin_look(page)


# The settings' checks


def test_the_defaults_pass_the_checks():
    assert E016 not in reported() and E005 not in reported()


@pytest.mark.parametrize(
    "contact",
    ["help@example.com", "https://example.com/help", "mailto:help@example.com", "tel:+64 9 123"]
    + ["Call 0800 123 456", "Phone: 0800 123", "javascript:alert(1)"],
)
def test_usable_contacts_pass(settings, contact):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SUPPORT_CONTACT": contact}
    assert E016 not in reported()
    assert link_problem(contact) == ""
    assert contact_of(contact) is not None


@pytest.mark.parametrize(
    ("contact", "problem"),
    [
        ("https://", "has no host"),
        ("https:/example.com/help", "has no host"),
        ("http:example.com", "has no host"),
        ("mailto:", "has no email address"),
        ("mailto:help", "has no email address"),
        ("tel:", "has no phone number"),
        ("TEL:call us", "has no phone number"),
    ],
)
def test_e016_a_contact_written_as_a_broken_link(settings, contact, problem):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SUPPORT_CONTACT": contact}
    with pytest.raises(SystemCheckError) as error:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    text = str(error.value)
    assert f"({E016}) AUTHSIGNAL_SMS['SUPPORT_CONTACT'] {contact!r} {problem}" in text
    assert "HINT:" in text
    assert reported() == [E016]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("SUPPORT_CONTACT", 5),
        ("SUPPORT_CONTACT", ""),
        ("SUPPORT_CONTACT", ["help@example.com"]),
        ("SITE_NAME", ""),
        ("SITE_NAME", 3),
        ("SHOW_REFERENCE", "yes"),
        ("SHOW_REFERENCE", None),
    ],
)
def test_e005_the_new_settings_of_the_wrong_type(settings, key, value):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, key: value}
    assert reported() == [E005]
