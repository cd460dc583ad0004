"""The user admin's sign-in tools: the status on the change page, "Reset sign-in phone" (a
page of its own and a list action), each behind its permission and a confirmation."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from django_authsignal_sms import client
from django_authsignal_sms.admin import SignInAdminMixin, add_sign_in_tools
from django_authsignal_sms.models import SignInReview
from tests.admin_tools.conftest import reset_page, sign_in_with_code, user_change_page
from tests.conftest import log_in, pending_mark

pytestmark = pytest.mark.django_db

USERS = "/admin/demo/user/"
VIEW_USERS = "demo.view_user"
VIEW_STATUS = "authsignal_sms.view_sign_in_status"
RESET = "authsignal_sms.reset_sign_in_phone"


@pytest.fixture
def enrolled(emulator, user):
    """alice, with her number on file enrolled at Authsignal."""
    emulator.enroll_sms(str(user.pk), user.phone_number)
    return user


@pytest.fixture
def resetter(make_staff, signed_in):
    return signed_in(make_staff("resetter", VIEW_USERS, RESET))


def sms_numbers(emulator, user):
    return [a.phone_number for a in emulator.store.authenticators_of(str(user.pk))]


def messages_of(client):
    return [str(m) for m in client.get("/admin/").context["messages"]]


# The status on the change page


def test_the_change_page_shows_the_sign_in_status(enrolled, make_staff, signed_in, sent):
    viewer = signed_in(make_staff("viewer", VIEW_USERS, VIEW_STATUS))
    page = viewer.get(user_change_page(enrolled))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign-in (Authsignal)" in html
    assert "Enrolled at Authsignal:" in html and "(SMS)" in html
    assert "+15*******06" in html and "the enrolled one" in html
    assert "5005550006" not in html.split("Sign-in (Authsignal)")[1]  # the section is last
    assert "Reset sign-in phone" not in html  # not without its permission
    [viewed] = sent["sign_in_status_viewed"]
    assert (viewed["user"], viewed["by"].username) == (enrolled, "viewer")


def test_the_reset_link_needs_the_reset_permission(enrolled, resetter):
    html = resetter.get(user_change_page(enrolled)).content.decode()
    assert reset_page(enrolled) in html


def test_no_status_without_a_permission(enrolled, make_staff, signed_in, emulator):
    plain = signed_in(make_staff("plain", VIEW_USERS))
    page = plain.get(user_change_page(enrolled))
    assert page.status_code == 200
    assert "Sign-in (Authsignal)" not in page.content.decode()
    assert emulator.stats()["requests"]["get_user"] == 0


def test_a_never_enrolled_user(emulator, user, resetter):
    html = resetter.get(user_change_page(user)).content.decode()
    assert "their next sign-in enrolls it" in html


def test_an_outage_shows_a_message_not_an_error_page(enrolled, resetter, emulator):
    emulator.set_fault("status:503", routes=["get_user"])
    page = resetter.get(user_change_page(enrolled))
    assert page.status_code == 200
    assert "Authsignal could not be reached" in page.content.decode()


# Reset: the page of its own


def test_get_shows_a_confirmation_and_changes_nothing(enrolled, resetter, emulator):
    page = resetter.get(reset_page(enrolled))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Yes, reset" in html and 'name="post" value="yes"' in html
    assert "csrfmiddlewaretoken" in html
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_the_confirmation_sits_in_the_admin_frame(enrolled, resetter):
    html = resetter.get(reset_page(enrolled)).content.decode()
    body_class = html.split("<body", 1)[1].split(">", 1)[0]
    assert "model-" in body_class and "authsignal-sms-reset-confirmation" in body_class
    breadcrumbs = html.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
    assert 'href="/admin/"' in breadcrumbs
    assert breadcrumbs.count("<a href=") == 3


def test_a_post_without_the_confirmation_changes_nothing(enrolled, resetter, emulator):
    assert resetter.post(reset_page(enrolled)).status_code == 200
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_the_confirmed_reset_deletes_the_sms_authenticators(
    enrolled, resetter, emulator, sent, caplog
):
    with caplog.at_level(logging.INFO, "django_authsignal_sms"):
        response = resetter.post(reset_page(enrolled), {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == user_change_page(enrolled)
    assert sms_numbers(emulator, enrolled) == []
    [reset] = sent["sign_in_phone_reset"]
    assert (reset["user"], reset["by"].username) == (enrolled, "resetter")
    assert reset["masked_phones"] == ["+15*******06"]
    [record] = [r for r in caplog.records if r.authsignal_sms["event"] == "sign_in_phone_reset"]
    assert "5005550006" not in record.getMessage()
    assert any("next sign-in enrolls the number on file" in m for m in messages_of(resetter))


def test_after_a_reset_the_next_sign_in_enrolls_the_number_on_file(enrolled, resetter, emulator):
    emulator.enroll_sms(str(enrolled.pk), "+15005550001")  # replaced the number on file
    resetter.post(reset_page(enrolled), {"post": "yes"})
    signing_in = Client()
    assert sign_in_with_code(signing_in, emulator)["Location"] == "/protected/"
    assert [m["to"] for m in emulator.outbox()] == [enrolled.phone_number]
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_the_permission_get_403(enrolled, make_staff, signed_in, emulator, method):
    viewer = signed_in(make_staff("viewer", VIEW_USERS, VIEW_STATUS))
    response = getattr(viewer, method)(reset_page(enrolled), {"post": "yes"})
    assert response.status_code == 403
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_a_non_staff_user_with_the_permission_is_sent_to_the_admin_login(
    enrolled, make_staff, signed_in, emulator
):
    outsider = signed_in(make_staff("outsider", VIEW_USERS, RESET, is_staff=False))
    response = outsider.post(reset_page(enrolled), {"post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_anonymous_is_sent_to_the_admin_login(enrolled, emulator, client):
    response = client.post(reset_page(enrolled), {"post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_a_post_without_the_csrf_token_is_refused(enrolled, make_staff, emulator, settings):
    staff = make_staff("resetter", VIEW_USERS, RESET)
    strict = Client(enforce_csrf_checks=True)
    options = settings.AUTHSIGNAL_SMS
    settings.AUTHSIGNAL_SMS = {**options, "ENABLED": False}
    strict.force_login(staff)
    settings.AUTHSIGNAL_SMS = options
    assert strict.post(reset_page(enrolled), {"post": "yes"}).status_code == 403
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_an_unknown_user_is_a_404(resetter, emulator):
    assert resetter.get("/admin/demo/user/999999/sign-in/reset/").status_code == 404


def test_an_outage_during_the_reset_is_a_message(enrolled, resetter, emulator, sent):
    emulator.set_fault("refuse", routes=["delete_authenticator"])
    response = resetter.post(reset_page(enrolled), {"post": "yes"})
    assert response.status_code == 302
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]
    assert sent["sign_in_phone_reset"] == []
    [message] = messages_of(resetter)
    assert "was not reset" in message and "0 of 1" in message


def test_an_authenticator_already_gone_counts_as_deleted(enrolled, resetter, emulator, monkeypatch):
    """A reset run twice at once, or again after a failure: a 404 is a deleted authenticator."""
    real = client.sms_authenticators

    def with_one_already_gone(user_id):
        return [*real(user_id), client.SmsAuthenticator("gone-already", "+15005550077", "")]

    monkeypatch.setattr(client, "sms_authenticators", with_one_already_gone)
    resetter.post(reset_page(enrolled), {"post": "yes"})
    [message] = messages_of(resetter)
    assert "deleted +15*******06, +15*******77" in message
    assert sms_numbers(emulator, enrolled) == []


def test_a_user_without_a_number_on_file_gets_a_warning(emulator, make_staff, resetter):
    nophone = make_staff("nophone", is_staff=False, phone="")
    emulator.enroll_sms(str(nophone.pk), "+15005550003")
    resetter.post(reset_page(nophone), {"post": "yes"})
    [message] = messages_of(resetter)
    assert "no usable number on file" in message


# Reset and status: the list actions


def test_the_actions_need_their_permissions(enrolled, make_staff, signed_in):
    plain = signed_in(make_staff("plain", VIEW_USERS))
    html = plain.get(USERS).content.decode()
    assert "reset_sign_in_phone" not in html and "show_sign_in_status" not in html
    viewer = signed_in(make_staff("viewer", VIEW_USERS, VIEW_STATUS))
    html = viewer.get(USERS).content.decode()
    assert "show_sign_in_status" in html and "reset_sign_in_phone" not in html


def test_the_status_action(enrolled, resetter):
    page = resetter.post(
        USERS, {"action": "show_sign_in_status", "_selected_action": [enrolled.pk]}
    )
    assert page.status_code == 200
    assert "+15*******06" in page.content.decode()


def test_the_reset_action_confirms_then_resets(enrolled, bob, resetter, emulator):
    emulator.enroll_sms(str(bob.pk), bob.phone_number)
    selected = {"action": "reset_sign_in_phone", "_selected_action": [enrolled.pk, bob.pk]}
    page = resetter.post(USERS, selected)
    assert page.status_code == 200 and "Yes, reset" in page.content.decode()
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]
    response = resetter.post(USERS, {**selected, "post": "yes"})
    assert response.status_code == 302
    assert sms_numbers(emulator, enrolled) == sms_numbers(emulator, bob) == []


def test_the_reset_action_without_its_permission_does_nothing(
    enrolled, make_staff, signed_in, emulator
):
    viewer = signed_in(make_staff("viewer", VIEW_USERS, VIEW_STATUS))
    data = {"action": "reset_sign_in_phone", "_selected_action": [enrolled.pk], "post": "yes"}
    viewer.post(USERS, data)
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


def test_a_pending_sign_in_does_not_reach_the_tools(enrolled, staff, emulator, client):
    """A superuser whose password was accepted but whose code was not is nobody in the admin."""
    emulator.enroll_sms(str(staff.pk), staff.phone_number)
    log_in(client, "root", path="/admin/login/")
    assert pending_mark(client)
    response = client.post(reset_page(enrolled), {"post": "yes"})
    assert response["Location"].startswith("/mfa/challenge/")
    assert sms_numbers(emulator, enrolled) == [enrolled.phone_number]


# Installing the tools


def test_the_test_project_s_user_admin_has_the_tools():
    """tests/admin_tools/apps.py calls add_sign_in_tools(), as a site's own code would."""
    assert isinstance(admin.site.get_model_admin(get_user_model()), SignInAdminMixin)
    assert admin.site.is_registered(SignInReview)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_admin_user_tools_setting_adds_them_at_startup(settings, monkeypatch, enabled):
    added = []
    monkeypatch.setattr("django_authsignal_sms.admin.add_sign_in_tools", lambda: added.append(1))
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "ADMIN_USER_TOOLS": enabled}
    apps.get_app_config("authsignal_sms")._connect_admin_tools()
    assert added == ([1] if enabled else [])


def test_add_sign_in_tools_mixes_in_once():
    site = AdminSite(name="other")
    site.register(get_user_model(), UserAdmin)
    extended = add_sign_in_tools(site)
    assert extended.__mro__[1:3] == (SignInAdminMixin, UserAdmin)
    assert add_sign_in_tools(site) is extended
    assert type(site.get_model_admin(get_user_model())) is extended


def test_add_sign_in_tools_needs_a_registered_user_admin():
    with pytest.raises(ImproperlyConfigured, match="no admin is registered"):
        add_sign_in_tools(AdminSite(name="empty"))
