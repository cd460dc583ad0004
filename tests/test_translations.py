"""The shipped translations: `scripts/messages check` catches each way a catalog falls behind its
sources, and every page of the app comes out in each shipped language with no English left."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest
import responses
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse
from django.test import Client
from django.utils import translation
from django.utils.module_loading import import_string

from django_authsignal_sms import pages
from django_authsignal_sms.notices import add_notice
from tests.conftest import API, log_in

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_authsignal_sms"
MESSAGES = ROOT / "scripts" / "messages"
LANGUAGES = sorted(path.name for path in (PACKAGE / "locale").iterdir() if path.is_dir())

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="GNU gettext is not installed (apt-get install gettext)"
)


# The checker, on a copy of the app with one problem planted


@pytest.fixture
def package(tmp_path):
    copy = tmp_path / PACKAGE.name
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def check(package: Path) -> tuple[int, list[str]]:
    """The checker's exit status and its problems (its stderr lines but the closing advice)."""
    result = subprocess.run(
        [sys.executable, MESSAGES, "check", "--package", package], capture_output=True, text=True
    )
    lines = result.stderr.splitlines()
    return result.returncode, [line for line in lines if "not complete and up to date" not in line]


def po(package: Path, language: str) -> Path:
    return package / "locale" / language / "LC_MESSAGES" / "django.po"


def compile_po(path: Path) -> None:
    """Compile as compilemessages does (without --check: a planted format error stays)."""
    subprocess.run(["msgfmt", "-o", path.with_suffix(".mo"), path], check=True)


def a_translated_entry(text: str) -> re.Match[str]:
    """The first one-line msgid with a one-line msgstr after the header."""
    match = re.search(r'^msgid "(.+)"\nmsgstr "(.+)"$', text, flags=re.M)
    assert match, "no one-line entry to plant a problem in"
    return match


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.slow
@needs_gettext
def test_the_shipped_catalogs_pass_and_the_check_changes_nothing(package):
    before = tree_digest(package)
    assert check(package) == (0, [])
    assert tree_digest(package) == before


@pytest.mark.slow
@needs_gettext
def test_a_msgid_new_in_the_sources_is_missing_from_every_catalog(package):
    planted = 'from django.utils.translation import gettext as _\n\n_("A sentence no one has")\n'
    (package / "planted.py").write_text(planted)
    status, problems = check(package)
    assert status == 1
    assert problems == [
        f"scripts/messages: {', '.join(LANGUAGES)}: missing msgid 'A sentence no one has' "
        "(in the sources)"
    ]


@pytest.mark.slow
@needs_gettext
def test_an_obsolete_entry(package):
    path = po(package, LANGUAGES[0])
    path.write_text(path.read_text() + '\n#~ msgid "Gone"\n#~ msgstr "Fuera"\n')
    assert check(package) == (
        1,
        [f"scripts/messages: {LANGUAGES[0]}: obsolete entry (#~) msgid 'Gone'"],
    )


@pytest.mark.slow
@needs_gettext
def test_a_fuzzy_entry(package):
    path = po(package, LANGUAGES[1])
    text = path.read_text()
    entry = a_translated_entry(text)
    path.write_text(text[: entry.start()] + "#, fuzzy\n" + text[entry.start() :])
    compile_po(path)
    assert check(package) == (
        1,
        [f"scripts/messages: {LANGUAGES[1]}: fuzzy msgid {entry[1]!r}"],
    )


@pytest.mark.slow
@needs_gettext
def test_an_empty_msgstr(package):
    path = po(package, LANGUAGES[2])
    text = path.read_text()
    entry = a_translated_entry(text)
    path.write_text(text.replace(entry[0], f'msgid "{entry[1]}"\nmsgstr ""', 1))
    compile_po(path)
    assert check(package) == (
        1,
        [f"scripts/messages: {LANGUAGES[2]}: untranslated msgid {entry[1]!r}"],
    )


@pytest.mark.slow
@needs_gettext
def test_a_mo_that_does_not_match_its_po(package):
    path = po(package, LANGUAGES[3])
    text = path.read_text()
    entry = a_translated_entry(text)
    path.write_text(text.replace(entry[0], f'msgid "{entry[1]}"\nmsgstr "{entry[2]}!"', 1))
    assert check(package) == (
        1,
        [
            f"scripts/messages: {LANGUAGES[3]}: django.mo does not match django.po for msgid "
            f"{entry[1]!r} (scripts/messages compile)"
        ],
    )


@pytest.mark.slow
@needs_gettext
def test_a_placeholder_lost_in_translation(package):
    path = po(package, LANGUAGES[-1])
    entries = path.read_text().split("\n\n")
    index = next(
        i for i, entry in enumerate(entries) if "python-format" in entry and "_plural" not in entry
    )
    source, _, translated = entries[index].partition("\nmsgstr")
    entries[index] = source + "\nmsgstr" + re.sub(r"%\(\w+\)[sd]", "", translated)
    path.write_text("\n\n".join(entries))
    compile_po(path)
    status, problems = check(package)
    assert status == 1
    assert len(problems) == 1 and problems[0].startswith(
        f"scripts/messages: {LANGUAGES[-1]}: msgfmt --check: "
    ), problems


@pytest.mark.slow
@needs_gettext
def test_a_missing_catalog(package):
    shutil.rmtree(package / "locale" / LANGUAGES[0])
    status, problems = check(package)
    assert status == 1
    assert problems == [
        f"scripts/messages: {LANGUAGES[0]}: no catalog locale/{LANGUAGES[0]}/LC_MESSAGES/django.po "
        "(scripts/messages update)"
    ]


# The pages, in each shipped language


class PageText(HTMLParser):
    """What a page says: its text, its human-readable attributes, the strings of its JSON."""

    READABLE = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.script: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self.script = attributes.get("type") or tag
        self.texts += [value for name, value in attrs if name in self.READABLE and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.script = None

    def handle_data(self, data):
        if self.script == "application/json":
            self.texts += strings_in(json.loads(data))
        elif self.script is None:
            self.texts.append(data)


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in strings_in(item)]


def texts_of(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts if text.strip()]


def messages_script():
    """scripts/messages as a module, for its .po reader."""
    if "scripts_messages" not in sys.modules:
        loader = SourceFileLoader("scripts_messages", str(MESSAGES))
        module = importlib.util.module_from_spec(
            importlib.util.spec_from_loader(loader.name, loader)
        )
        sys.modules[loader.name] = module  # dataclasses look their module up there
        loader.exec_module(module)
    return sys.modules["scripts_messages"]


def translated_msgids(language: str) -> list[str]:
    """The catalog's msgids, singular and plural, but those translated as the English itself
    ("Code" in German): an untranslated one (an empty msgstr) is among them."""
    entries = messages_script().read_po(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po")
    found = []
    for entry in entries:
        if entry.msgid and not entry.obsolete:
            found += [entry.msgid] if entry.msgstrs[0] != entry.msgid else []
            plural = entry.msgid_plural
            found += [plural] if plural and entry.msgstrs[-1] != plural else []
    return found


def english_left(html: str, language: str) -> list[str]:
    """The msgids that appear untranslated: a whole text, or inside one when at least three
    words long (a short one may be a word the language borrows: "Code", "SMS")."""
    texts = texts_of(html)
    left = []
    for msgid in translated_msgids(language):
        words = " ".join(msgid.split())
        pattern = re.escape(words).replace("%%", "%")
        pattern = re.sub(r"%\\\(\w+\\\)[sd]", ".+?", pattern)
        long_enough = len(words.split()) >= 3
        if any(
            re.fullmatch(pattern, text) or (long_enough and re.search(pattern, text))
            for text in texts
        ):
            left.append(msgid)
    return left


def accept_language(language: str) -> str:
    return translation.to_language(language).replace("-br", "-BR")


def sign_in_code_page(language, authsignal, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "WHATSAPP": True}
    authsignal.on_track("CHALLENGE_REQUIRED", allowedVerificationMethods=["SMS", "WHATSAPP"])
    client = Client(headers={"Accept-Language": accept_language(language)})
    return client.get(log_in(client)["Location"])


def step_up_code_page(language, authsignal, settings, user, path):
    client = Client(headers={"Accept-Language": accept_language(language)})
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "ENABLED": False}
    client.force_login(user)
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "ENABLED": True}
    reply = {
        "state": "CHALLENGE_REQUIRED",
        "idempotencyKey": "idem-step-up",
        "token": "track-token-step-up",
        "isEnrolled": True,
        "enrolledVerificationMethods": ["SMS"],
        "allowedVerificationMethods": ["SMS"],
    }
    track = re.compile(rf"{re.escape(API)}/users/[^/]+/actions/\w+")
    authsignal.mock.upsert(responses.POST, track, json=reply)
    return client.get(path, follow=True)


CODE_PAGES = {
    "sign-in": lambda language, authsignal, settings, user: sign_in_code_page(
        language, authsignal, settings
    ),
    # A purpose given by the view (the site's own words), and the app's default one.
    "step-up": lambda language, authsignal, settings, user: step_up_code_page(
        language, authsignal, settings, user, "/stepup-tests/email/"
    ),
    "step-up, default purpose": lambda language, authsignal, settings, user: step_up_code_page(
        language, authsignal, settings, user, "/stepup-tests/export/"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", CODE_PAGES)
def test_the_code_page_has_no_english_left(language, page, authsignal, settings, user):
    response = CODE_PAGES[page](language, authsignal, settings, user)
    html = response.content.decode()
    assert response.status_code == 200 and "authsignal-sms-code" in html, html[:500]
    assert english_left(html, language) == []
    with translation.override(language):
        assert translation.gettext("Send a new code") in texts_of(html)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", pages.WORDING)
def test_each_problem_page_has_no_english_left(language, reason, rf, settings):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, "HELP_URL": "https://example.com/help"}
    step_up = reason.startswith("step_up_")
    with translation.override(language):
        html = pages.problem_page(rf.get("/"), reason, "/back/", 403, back=step_up).content.decode()
        title = str(pages.WORDING[reason][0])
    with translation.override(None):
        assert title != str(pages.WORDING[reason][0])
    assert title in texts_of(html)
    assert english_left(html, language) == []


@pytest.mark.django_db
def test_an_english_page_is_found_out(authsignal, settings, user):
    """The check above sees English: every msgid of an English code page is found in it."""
    html = sign_in_code_page("en", authsignal, settings).content.decode()
    found = english_left(html, LANGUAGES[0])
    assert {"Enter your code", "Send a new code", "Cancel and sign in again"} <= set(found)
    assert any("%(masked_phone)s" in msgid for msgid in found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "notice",
    [
        "django_authsignal_sms.flow.TOO_MANY_RESENDS",
        "django_authsignal_sms.flow.EXPIRED",
        "django_authsignal_sms.stepup.responses.SUBMIT_AGAIN",
        "django_authsignal_sms.security.change.TOO_MANY_FAILURES",
    ],
)
def test_notices_are_shown_in_the_language_of_the_request(rf, notice):
    request = rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    text = import_string(notice)
    with translation.override("es"):
        add_notice(request, HttpResponse(), text)
        shown = [str(message) for message in get_messages(request)]
        spanish = translation.gettext(text)
    assert spanish != text  # the catalog has it
    assert shown == [spanish]
