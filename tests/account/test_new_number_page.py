"""The new number's code page and the change form: every word the page's script shows comes from
the template (so it is translated and can be overridden), the script has none of its own, no
inline script, and the templates can be overridden."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.account.conftest import CHANGE, SECURITY, VERIFY, started, step_up

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / (
    "django_authsignal_sms/static/django_authsignal_sms/security.js"
)


def template_messages(html):
    return dict(re.findall(r'<p data-message="([a-z_]+)">([^<]*)</p>', html))


def messages_the_script_asks_for():
    source = SCRIPT.read_text()
    asked = set()
    for arguments in re.findall(r"\b(?:say|fail|text)\(([^;]*?)\)", source):
        arguments = re.sub(r'=== "[^"]*"', "", arguments)  # compared with, not shown
        asked.update(re.findall(r'"([a-z_]*[a-z])"', arguments))
    return asked


@pytest.fixture
def code_page(alice, live):
    started(alice, live)
    return alice.get(VERIFY).content.decode()


def test_every_message_of_the_script_is_in_the_template_and_no_other(code_page):
    messages = template_messages(code_page)
    asked = messages_the_script_asks_for()
    assert len(asked) > 10
    assert set(messages) == asked
    assert all(words.strip() for words in messages.values())
    assert messages["resend_in"] == "Send a new code ({seconds}s)"


def test_the_script_has_no_words_of_its_own():
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", SCRIPT.read_text(), flags=re.S)
    source = re.sub(r'report\("[^"]*"', "report(", source)  # the console's, for developers
    literals = set(re.findall(r'"([^"]*)"', source)) - {"use strict"}
    words = [
        literal
        for literal in literals
        if re.search(r"[A-Za-z]{2,} [A-Za-z]", literal) and not literal.startswith(("#", "["))
    ]
    assert words == []


def test_the_code_is_never_submitted_without_the_script(code_page):
    """As on the sign-in code page: no name on the field, and Verify disabled until the script
    starts, so without the script (or the SDK) neither Verify nor Enter posts the form."""
    form = re.search(r'<form id="authsignal-sms-code-form"[^>]*>(.*?)</form>', code_page, re.S)
    assert form and 'method="post"' in form.group(0)
    field = re.search(r'<input id="authsignal-sms-code"[^>]*>', form.group(1)).group(0)
    assert " name=" not in field
    assert re.search(
        r'<button type="submit" id="authsignal-sms-verify"[^>]*\bdisabled\b', code_page
    )


def test_no_page_has_an_inline_script(alice, live, code_page):
    step_up(alice, live)
    for html in (
        code_page,
        alice.get(SECURITY).content.decode(),
        alice.get(CHANGE).content.decode(),
    ):
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
        assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
        assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no inline event handler either


def test_the_templates_can_be_overridden(alice, live, settings, tmp_path):
    folder = tmp_path / "django_authsignal_sms" / "security"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(
        '{% extends "django_authsignal_sms/security/page.html" %}'
        "{% block title %}Our security settings{% endblock %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    assert b"<title>Our security settings" in alice.get(SECURITY).content
