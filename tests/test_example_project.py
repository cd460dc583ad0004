"""The example project runs: its checks pass with .env.example, and E010 guards DEBUG off."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_fixtures import SDK_BUNDLE

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
    # The SDK from the CDN: the demo's local copy needs `npm ci` (see the next test).
    env["AUTHSIGNAL_SMS_LOCAL_SDK"] = "false"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    migrate = manage("migrate", "--verbosity", "0", env=env)
    assert migrate.returncode == 0, migrate.stderr
    setup = manage("demo_setup", env=env)
    assert "demo" in setup.stdout


@pytest.mark.slow  # manage.py in a subprocess
def test_the_local_sdk_is_the_npm_copy_served_by_the_site():
    """With .env.example (AUTHSIGNAL_SMS_LOCAL_SDK=true) the page loads the SDK from this site,
    which serves the folder `npm ci` fills; without it, nothing is served from node_modules."""
    show = "from django.conf import settings as s; print('=', s.STATICFILES_DIRS, s.AUTHSIGNAL_SMS)"
    env = example_env()
    local = manage("shell", "-c", show, env=env)
    assert local.returncode == 0, local.stderr
    assert repr([("authsignal-browser", SDK_BUNDLE.parent)]) in local.stdout
    assert "'BROWSER_SDK_URL': '/static/authsignal-browser/index.min.js'" in local.stdout
    env["AUTHSIGNAL_SMS_LOCAL_SDK"] = "false"
    cdn = manage("shell", "-c", show, env=env)
    assert "= [] {" in cdn.stdout and "BROWSER_SDK_URL" not in cdn.stdout


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
