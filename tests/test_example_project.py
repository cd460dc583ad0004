"""The example project: its checks pass with .env.example, E010 guards DEBUG off, createsuperuser
asks for an E.164 phone number, and the login page lists the demo accounts on the demo only."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from django_authsignal_sms.conf import VENDORED_SDK

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_project" / "manage.py"


def example_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHSIGNAL", "DJANGO"))}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.slow  # manage.py in a subprocess
def test_example_project_checks_pass_with_the_example_env(tmp_path):
    env = example_env()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    migrate = manage("migrate", "--verbosity", "0", env=env)
    assert migrate.returncode == 0, migrate.stderr
    setup = manage("demo_setup", env=env)
    assert "demo" in setup.stdout


@pytest.mark.slow  # manage.py in a subprocess
def test_the_example_site_loads_the_browser_sdk_the_app_ships():
    """No node_modules, no CDN: the page's SDK is the copy in the app's own static files."""
    show = (
        "from django.conf import settings as s; from django_authsignal_sms.conf import app_settings"
        " as a; print('=', getattr(s, 'STATICFILES_DIRS', []), a.BROWSER_SDK_URL)"
    )
    shown = manage("shell", "-c", show, env=example_env())
    assert shown.returncode == 0, shown.stderr
    assert f"= [] /static/{VENDORED_SDK}" in shown.stdout


@pytest.mark.slow  # manage.py in a subprocess
def test_example_project_with_debug_off_rejects_the_emulator_url(tmp_path):
    env = example_env()
    env["DJANGO_DEBUG"] = "false"
    # A deployment check: `check --deploy` refuses it, plain `check` (and `test`) does not.
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "authsignal_sms.E010" in result.stderr
    assert "authsignal_sms.E010" not in manage("check", env=env).stderr


def test_demo_setup_enrolls_the_returning_users_at_authsignal(emulator, settings, db):
    from authsignal.client import AuthsignalClient
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.AUTHSIGNAL_API_URL = emulator.base_url
    call_command("demo_setup", "--enroll", stdout=io.StringIO())
    sdk = AuthsignalClient("test-secret-key", api_url=emulator.base_url)
    users = get_user_model().objects
    numbers = {
        user.username: [a["phone_number"] for a in sdk.get_authenticators(str(user.pk))]
        for user in users.all()
    }
    assert numbers["demo"] == ["+15005550006"]
    assert numbers["admin"] == ["+15005550009"]
    assert numbers["newbie"] == [] and numbers["nophone"] == []
    assert users.get(username="admin").is_staff


# createsuperuser asks for the phone number, in E.164

E164_MESSAGE = "Enter the phone number in international (E.164) format"


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_createsuperuser_asks_for_the_phone_number():
    from django.contrib.auth import get_user_model

    assert "phone_number" in get_user_model().REQUIRED_FIELDS


def test_createsuperuser_takes_the_phone_number_from_the_environment(db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PHONE_NUMBER", "+64211234567")
    call_command(
        "createsuperuser", interactive=False, username="boss", email="", stdout=io.StringIO()
    )

    boss = get_user_model().objects.get(username="boss")
    assert boss.is_superuser and boss.phone_number == "+64211234567"


@pytest.mark.parametrize(
    "number", ["021 123 4567", "64211234567", "+0211234567", "+12345", "+64211234567\n"]
)
def test_createsuperuser_refuses_a_number_not_in_e164(db, number):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=re.escape(E164_MESSAGE)):
        call_command(
            "createsuperuser", interactive=False, username="boss", email="", phone_number=number
        )
    assert not get_user_model().objects.filter(username="boss").exists()


def test_the_createsuperuser_prompt_asks_again_after_a_bad_number(db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    answers = iter(["boss", "", "021 123 4567", "+64211234567"])
    prompts = []

    def answer(prompt):
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a password long enough")
    errors = io.StringIO()
    call_command("createsuperuser", stdin=TTY(), stdout=io.StringIO(), stderr=errors)

    assert prompts[-2:] == ["Phone number: ", "Phone number: "]
    assert E164_MESSAGE in errors.getvalue()
    assert get_user_model().objects.get(username="boss").phone_number == "+64211234567"


# The login page: a sign-in form and, on the demo only, the demo accounts beside it

EMULATOR_URL = "http://127.0.0.1:8765/v1"


@pytest.fixture
def demo_users(db):
    from django.core.management import call_command

    call_command("demo_setup", stdout=io.StringIO())


def login_page(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_login_page_is_a_labelled_form(client, db):
    page = login_page(client)

    assert '<h1 id="sign-in-heading">Log in</h1>' in page
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    assert 'autocomplete="current-password"' in page
    assert "Demo accounts" not in page


def test_a_refused_password_is_announced(client, db):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert response.status_code == 200
    assert '<div class="form-error" role="alert">' in response.content.decode()


def test_the_demo_login_page_lists_the_demo_accounts(client, demo_users, settings):
    from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD

    settings.DEBUG = True
    settings.AUTHSIGNAL_API_URL = EMULATOR_URL
    page = login_page(client)

    assert '<h2 id="demo-accounts-heading">Demo accounts</h2>' in page
    assert f'<code id="demo-password">{DEMO_PASSWORD}</code>' in page
    for account in DEMO_ACCOUNTS:
        assert f"<tr><td><code>{account.username}</code></td><td>{account.shows}</td></tr>" in page


def test_only_the_demo_accounts_that_exist_are_listed(client, demo_users, settings):
    from django.contrib.auth import get_user_model

    settings.DEBUG = True
    settings.AUTHSIGNAL_API_URL = EMULATOR_URL
    get_user_model().objects.filter(username="review").delete()
    page = login_page(client)

    assert "<code>demo</code>" in page and "<code>review</code>" not in page


@pytest.mark.parametrize(
    ("debug", "api_url", "with_users"),
    [
        (False, EMULATOR_URL, True),  # a deployed site
        (True, "https://api.authsignal.com/v1", True),  # development against a real tenant
        (True, EMULATOR_URL, False),  # no demo users created
    ],
)
def test_the_demo_accounts_are_listed_on_the_demo_only(
    client, db, settings, debug, api_url, with_users
):
    from django.core.management import call_command

    if with_users:
        call_command("demo_setup", stdout=io.StringIO())
    settings.DEBUG = debug
    settings.AUTHSIGNAL_API_URL = api_url
    page = login_page(client)

    assert "Demo accounts" not in page and "demo-password" not in page
