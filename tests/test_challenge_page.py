"""The code page: SDK with SRI, data attributes only, one automatic SMS per pending login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import set_script_prefix

from django_authsignal_sms.conf import CDN_SDK_INTEGRITY, CDN_SDK_URL, VENDORED_SDK_INTEGRITY
from tests.conftest import log_in, pending_mark, start_pending
from tests.records import age_record
from tests.test_vendored_sdk import sri

VENDORED = "django_authsignal_sms/vendor/authsignal-browser-1.16.0.min.js"

pytestmark = pytest.mark.django_db


def data(page, name):
    match = re.search(rf'data-{name}="([^"]*)"', page.content.decode())
    return match.group(1) if match else None


def sdk_script(page):
    """The src and integrity of the page's first script: the SDK."""
    match = re.search(r'<script src="([^"]*)"(?: integrity="([^"]*)")?', page.content.decode())
    assert match, page.content
    return match.group(1), match.group(2)


def test_the_page_loads_the_pinned_sdk_with_integrity(pending):
    page = pending.get("/mfa/challenge/?next=/protected/")
    html = page.content.decode()
    assert page.status_code == 200
    assert sdk_script(page) == (f"/static/{VENDORED}", VENDORED_SDK_INTEGRITY)
    assert VENDORED_SDK_INTEGRITY.startswith("sha384-VtCa")
    assert 'crossorigin="anonymous"' in html
    assert data(page, "tenant-id") == "test-tenant"
    assert data(page, "base-url") == "https://authsignal.test/v1"
    assert data(page, "token") == "track-token-1"
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    assert 'name="next" value="/protected/"' in html
    assert "+15*******06" in html


def test_no_inline_script(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    for tag in re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S):
        assert tag.strip() == ""
    assert "onclick" not in html


def report_first_send(client):
    """What the page's script does before it asks Authsignal for the automatic code."""
    return client.post("/mfa/resend/", {"first": "1"})


def test_the_first_view_sends_and_a_reload_does_not(pending):
    first = pending.get("/mfa/challenge/")
    assert data(first, "auto-send") == "true"
    assert report_first_send(pending).json() == {"allowed": True, "cooldown": 30}
    second = pending.get("/mfa/challenge/")
    assert data(second, "auto-send") == "false"
    assert 0 < int(data(second, "resend-wait")) <= 30


def test_a_page_whose_script_never_ran_has_not_used_the_send(pending):
    pending.get("/mfa/challenge/")
    assert data(pending.get("/mfa/challenge/"), "auto-send") == "true"


def test_a_second_tab_does_not_send_either(pending):
    pending.get("/mfa/challenge/")
    report_first_send(pending)
    other_tab = Client()
    other_tab.cookies = pending.cookies
    assert data(other_tab.get("/mfa/challenge/"), "auto-send") == "false"
    answer = report_first_send(other_tab)
    assert answer.status_code == 409
    assert answer.json()["reason"] == "already_sent"
    assert 0 < answer.json()["wait"] <= 30


def test_the_code_page_costs_one_query_and_no_write(pending, django_assert_num_queries):
    with django_assert_num_queries(1):  # the session; nothing else, and nothing saved
        page = pending.get("/mfa/challenge/")
    assert page.status_code == 200


def test_the_page_never_carries_the_full_number(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    assert "+15005550006" not in html
    assert "5005550006" not in html
    assert "+15*******06" in html


@pytest.mark.parametrize(
    ("setting", "allowed", "offered"),
    [
        (False, ["SMS", "WHATSAPP"], False),
        (True, ["SMS"], False),
        (True, ["SMS", "WHATSAPP"], True),
    ],
)
def test_whatsapp_only_when_enabled_and_allowed_for_the_action(
    client, user, authsignal, settings, setting, allowed, offered
):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": setting}
    authsignal.on_track("CHALLENGE_REQUIRED", allowedVerificationMethods=allowed)
    log_in(client)
    html = client.get("/mfa/challenge/").content.decode()
    assert ('id="authsignal-sms-whatsapp"' in html) is offered


@override_settings(
    AUTHSIGNAL_SMS={"BROWSER_SDK_URL": "/static/sdk.js", "BROWSER_SDK_INTEGRITY": ""}
)
def test_the_sdk_url_is_a_setting(client, user, authsignal):
    start_pending(client, authsignal)
    html = client.get("/mfa/challenge/").content.decode()
    assert '<script src="/static/sdk.js" defer>' in html


def test_the_cdn_is_an_option_with_the_same_hash(pending, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "BROWSER_SDK_URL": CDN_SDK_URL}
    assert sdk_script(pending.get("/mfa/challenge/")) == (CDN_SDK_URL, CDN_SDK_INTEGRITY)
    assert CDN_SDK_URL.startswith("https://cdn.jsdelivr.net/npm/@authsignal/browser@1.16.0/")


@pytest.fixture
def script_prefix():
    set_script_prefix("/site/")
    yield "/site/"
    set_script_prefix("/")


def test_the_vendored_sdk_follows_a_relative_static_url_and_the_script_prefix(
    pending, settings, script_prefix
):
    settings.STATIC_URL = "assets/"
    src, integrity = sdk_script(pending.get("/mfa/challenge/"))
    assert src == f"/site/assets/{VENDORED}"
    assert integrity == VENDORED_SDK_INTEGRITY


def test_the_vendored_sdk_under_a_manifest_storage_keeps_its_hash(pending, settings, tmp_path):
    """collectstatic names it by its content; the bytes, so the integrity hash, stay the same."""
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    src, integrity = sdk_script(pending.get("/mfa/challenge/"))
    assert re.fullmatch(
        r"/static/django_authsignal_sms/vendor/authsignal-browser-1\.16\.0\.min\.[0-9a-f]{12}\.js",
        src,
    )
    served = Path(tmp_path, src.removeprefix("/static/"))
    assert sri(served.read_bytes()) == integrity == VENDORED_SDK_INTEGRITY


def test_without_a_pending_mark(client):
    page = client.get("/mfa/challenge/")
    assert page.status_code == 400
    assert b"No sign-in waiting" in page.content


def _cool_down(client):
    age_record(client, 31, "sent_at")


def test_resend_waits_for_the_cooldown(pending):
    pending.get("/mfa/challenge/")
    report_first_send(pending)
    response = pending.post("/mfa/resend/")
    assert response.status_code == 429
    assert response.json()["reason"] == "cooldown"
    _cool_down(pending)
    assert pending.post("/mfa/resend/").json() == {"allowed": True, "cooldown": 30}
    assert pending_mark(pending)["resends"] == 1


def test_too_many_resends_end_the_pending_login(pending):
    pending.get("/mfa/challenge/")
    for _ in range(3):
        _cool_down(pending)
        assert pending.post("/mfa/resend/").json()["allowed"] is True
    _cool_down(pending)
    response = pending.post("/mfa/resend/")
    assert response.status_code == 429
    assert response.json()["redirect"] == "/accounts/login/?next=%2Fprotected%2F"
    assert pending_mark(pending) is None


def test_resend_without_a_mark(client):
    assert client.post("/mfa/resend/").status_code == 400


def test_denied_page_without_a_mark_goes_to_login(client):
    assert client.get("/mfa/denied/")["Location"] == "/accounts/login/"


def test_denied_page_with_a_pending_mark_goes_to_the_challenge(pending):
    assert pending.get("/mfa/denied/")["Location"].startswith("/mfa/challenge/")


def test_templates_are_overridable(pending, settings, tmp_path):
    folder = tmp_path / "django_authsignal_sms"
    folder.mkdir()
    (folder / "base.html").write_text("CUSTOM BASE {% block content %}{% endblock %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    assert pending.get("/mfa/challenge/").content.startswith(b"CUSTOM BASE")


def test_wrong_codes_are_counted_and_too_many_end_the_pending_login(pending):
    for left in (4, 3, 2, 1):
        assert pending.post("/mfa/failed/").json() == {"ended": False, "attempts_left": left}
    response = pending.post("/mfa/failed/")
    assert response.status_code == 429
    assert response.json() == {
        "allowed": False,
        "ended": True,
        "reason": "too_many",
        "redirect": "/accounts/login/?next=%2Fprotected%2F",
    }
    assert pending_mark(pending) is None
    assert pending.get("/protected/")["Location"].startswith("/accounts/login/")


@override_settings(AUTHSIGNAL_SMS={"MAX_FAILED_VERIFICATIONS": 2})
def test_the_failure_limit_is_a_setting(client, user, authsignal):
    start_pending(client, authsignal)
    assert client.post("/mfa/failed/").json()["ended"] is False
    assert client.post("/mfa/failed/").json()["ended"] is True


def test_failure_report_without_a_mark(client):
    assert client.post("/mfa/failed/").status_code == 400


def test_a_head_request_does_not_use_up_the_automatic_send(pending):
    assert pending.head("/mfa/challenge/").status_code == 200
    assert data(pending.get("/mfa/challenge/"), "auto-send") == "true"


def test_the_page_hands_its_script_what_it_needs(pending):
    page = pending.get("/mfa/challenge/?next=/admin/")
    html = page.content.decode()
    assert data(page, "resend-cooldown") == "30"
    assert data(page, "resend-wait") == "0"
    assert 'name="next" value="/admin/"' in html
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]{32,}"', html)


def test_an_api_client_without_a_pending_login_is_told_in_json(client):
    response = client.get("/mfa/challenge/", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "no_pending"


# The page's markup: one primary action, the code field, what the page says without its script


def test_the_code_field_is_never_submitted_without_the_script(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    form = re.search(r'<form id="authsignal-sms-code-form"[^>]*>(.*?)</form>', html, flags=re.S)
    assert form and 'method="post"' in form.group(0)
    field = re.search(r"<input id=\"authsignal-sms-code\"[^>]*>", form.group(1)).group(0)
    assert " name=" not in field  # a submitted form could not carry the code anywhere
    assert re.search(r'<button type="submit" id="authsignal-sms-verify"[^>]*\bdisabled\b', html)
    assert "<noscript>" in html and "This page needs JavaScript" in html


def test_the_code_field_is_a_one_time_code_field_with_its_hint(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    field = re.search(r"<input id=\"authsignal-sms-code\"[^>]*>", html).group(0)
    for attribute in ('autocomplete="one-time-code"', 'inputmode="numeric"', "autofocus"):
        assert attribute in field
    assert 'aria-describedby="authsignal-sms-code-hint"' in field
    assert '<label for="authsignal-sms-code">Code</label>' in html
    hint = re.search(r'id="authsignal-sms-code-hint"[^>]*>([^<]*)<', html).group(1)
    assert hint == "The 6-digit code from your message"
    assert data(pending.get("/mfa/challenge/"), "code-length") == "6"


def test_status_and_errors_are_announced(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    assert '<p id="authsignal-sms-status" class="authsignal-sms-status" role="status"' in html
    assert 'aria-live="polite"' in html
    assert '<p id="authsignal-sms-error" class="authsignal-sms-error" role="alert"></p>' in html
    assert re.search(r'id="authsignal-sms-retry"[^>]*hidden', html)


def test_one_primary_action(pending):
    html = pending.get("/mfa/challenge/").content.decode()
    assert re.findall(r'class="authsignal-sms-primary"', html) == ['class="authsignal-sms-primary"']
    assert 'id="authsignal-sms-verify" class="authsignal-sms-primary"' in html
    assert 'id="authsignal-sms-resend" class="authsignal-sms-secondary"' in html


# Every word the script shows comes from the template


STATIC = Path(__file__).resolve().parents[1] / "django_authsignal_sms/static/django_authsignal_sms"
SCRIPT = STATIC / "challenge.js"
SHARED_SCRIPT = STATIC / "code-page.js"  # what both code pages' scripts share


def template_messages(html):
    return dict(re.findall(r'<p data-message="([a-z_]+)">([^<]*)</p>', html))


def messages_the_script_asks_for(script=SCRIPT):
    source = script.read_text()
    asked = set()
    for arguments in re.findall(r"\b(?:say|fail|retryable|text|end)\(([^;]*?)\)", source):
        arguments = re.sub(r'=== "[^"]*"', "", arguments)  # compared with, not shown
        asked.update(re.findall(r'"([a-z_]*[a-z])"', arguments))
    if '"queued_" + ' in source:
        asked.update({"queued_sms", "queued_whatsapp", "queued_email"})
    return asked


def test_every_message_of_the_script_is_in_the_template_and_no_other(pending):
    messages = template_messages(pending.get("/mfa/challenge/").content.decode())
    asked = messages_the_script_asks_for()
    assert len(asked) > 15
    assert set(messages) == asked
    assert all(words.strip() for words in messages.values())
    assert messages["wait"] == "You can send a new code in {time}."


def test_the_shared_script_shows_no_message_of_its_own():
    """Each page's script names every message it shows, so the test above sees them all."""
    assert messages_the_script_asks_for(SHARED_SCRIPT) == set()


@pytest.mark.parametrize("script", [SCRIPT, SHARED_SCRIPT], ids=lambda path: path.name)
def test_the_script_has_no_words_of_its_own(script):
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", script.read_text(), flags=re.S)
    source = re.sub(r'report\("[^"]*"', "report(", source)  # the console's, for developers
    literals = set(re.findall(r'"([^"]*)"', source)) - {"use strict"}
    words = [
        literal
        for literal in literals
        if re.search(r"[A-Za-z]{2,} [A-Za-z]", literal) and not literal.startswith(("#", "["))
    ]
    assert words == []


def test_the_login_page_words_its_messages_for_a_sign_in(pending):
    login = template_messages(pending.get("/mfa/challenge/").content.decode())
    assert login["too_many_wrong"] == "Too many wrong codes. Please sign in again."
    assert login["accepted"] == "Code accepted. Signing you in…"


# The brand, the blocks, the admin's look


def test_the_site_name_is_the_host_unless_set(pending, settings):
    html = pending.get("/mfa/challenge/").content.decode()
    assert '<span class="authsignal-sms-site-name">testserver</span>' in html
    assert "<title>Enter your code | testserver</title>" in html
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "SITE_NAME": "Example Bank"}
    html = pending.get("/mfa/challenge/", HTTP_HOST="localhost:8000").content.decode()
    assert '<span class="authsignal-sms-site-name">Example Bank</span>' in html


def test_the_brand_and_the_styles_are_blocks(pending, settings, tmp_path):
    folder = tmp_path / "django_authsignal_sms"
    folder.mkdir()
    (folder / "base.html").write_text(
        '{% extends "django_authsignal_sms/base.html" %}'
        '{% block styles %}{{ block.super }}<link rel="stylesheet" href="/site.css">{% endblock %}'
        '{% block logo %}<img src="/logo.svg" alt="">{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    html = pending.get("/mfa/challenge/").content.decode()
    assert re.search(r'authsignal-sms\.css">\s*<link rel="stylesheet" href="/site.css">', html), (
        html[:800]
    )
    assert '<img src="/logo.svg" alt="">' in html
    assert 'id="authsignal-sms-code"' in html  # the card still comes from the app's page


def is_admin_look(page):
    html = page.content.decode()
    admin = "admin/css/base.css" in html and 'id="site-name"' in html
    own = '<header class="authsignal-sms-brand">' in html
    assert admin != own, "one frame or the other"
    return admin


def test_a_login_made_in_the_admin_looks_like_the_admin(client, staff, authsignal):
    start_pending(client, authsignal, "root", path="/admin/login/", next_url="/admin/")
    page = client.get("/mfa/challenge/")
    assert is_admin_look(page)
    html = page.content.decode()
    assert "Django administration" in html
    assert "authsignal-sms-admin" in html and "admin/css/login.css" in html
    assert "nav_sidebar" not in html
    assert 'id="authsignal-sms-code"' in html


def test_next_in_the_admin_is_enough(client, staff, authsignal):
    start_pending(client, authsignal, "root", next_url="/admin/auth/user/")
    assert is_admin_look(client.get("/mfa/challenge/"))


def test_a_login_elsewhere_has_the_apps_own_look(pending):
    assert not is_admin_look(pending.get("/mfa/challenge/"))


def test_the_admin_look_costs_no_query_either(client, staff, authsignal, django_assert_num_queries):
    start_pending(client, authsignal, "root", path="/admin/login/", next_url="/admin/")
    with django_assert_num_queries(1):  # the session
        assert is_admin_look(client.get("/mfa/challenge/"))


def test_an_admin_look_can_be_turned_off_with_a_template(
    client, staff, authsignal, settings, tmp_path
):
    folder = tmp_path / "django_authsignal_sms"
    folder.mkdir()
    (folder / "admin_base.html").write_text('{% extends "django_authsignal_sms/base.html" %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    start_pending(client, authsignal, "root", path="/admin/login/", next_url="/admin/")
    assert not is_admin_look(client.get("/mfa/challenge/"))
