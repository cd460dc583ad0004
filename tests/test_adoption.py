"""A Django team adopts the app the way the README says, in a brand-new ``startproject`` site.

In a temporary folder: a virtualenv, ``pip install <this checkout>`` (the README's install line
from a checkout), ``django-admin startproject``, a custom user model with a phone number (the
README's advice for a new project), the README's minimal setup (the app, the middleware, the URL
include, three environment variables: no AUTHSIGNAL setting at all), ``migrate``,
``createsuperuser``. Then the README's "Local development against the emulator": the emulator
through ``manage.py authsignal_sms_emulator --enable`` and the site through ``runserver``. Chromium
signs in to ``/admin/`` through the code page, with the browser SDK served by the site itself and
every request to anywhere but 127.0.0.1 refused.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser_fixtures import skip_or_fail_without_browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "an adoption password"
PHONE = "+15005550142"
SECRET = "dev-secret"
TENANT = "dev"

USER_MODEL = """\
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    phone_number = models.CharField(max_length=20, blank=True)

    REQUIRED_FIELDS = ["email", "phone_number"]
"""

SETTINGS_ADDITIONS = """
INSTALLED_APPS += ["accounts", "django_authsignal_sms"]
MIDDLEWARE += ["django_authsignal_sms.middleware.AuthsignalSmsMiddleware"]
AUTH_USER_MODEL = "accounts.User"
"""

URLS_ADDITION = """
from django.urls import include

urlpatterns += [path("mfa/", include("django_authsignal_sms.urls"))]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def wait_until_answers(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{url}: the server exited"
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback only)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answers at {url}")


@contextmanager
def serving(command: list[str], cwd: Path, env: dict[str, str], url: str) -> Iterator[None]:
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    try:
        wait_until_answers(url, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def new_site(tmp_path_factory) -> Iterator[dict[str, object]]:
    """The brand-new site, installed and set up as the README says; yields where it listens."""
    skip_or_fail_without_browser()
    home = tmp_path_factory.mktemp("adoption")
    timings: dict[str, float] = {}
    started = time.monotonic()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("PYTHONPATH", None)
    run([sys.executable, "-m", "venv", str(home / "venv")], home, env)
    python = str(home / "venv/bin/python")
    run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        home,
        env,
    )
    timings["install"] = time.monotonic() - started

    run([str(home / "venv/bin/django-admin"), "startproject", "mysite", str(home)], home, env)
    run([python, "manage.py", "startapp", "accounts"], home, env)
    (home / "accounts/models.py").write_text(USER_MODEL)
    with open(home / "mysite/settings.py", "a") as settings:
        settings.write(SETTINGS_ADDITIONS)
    with open(home / "mysite/urls.py", "a") as urls:
        urls.write(URLS_ADDITION)

    emulator_port, site_port = free_port(), free_port()
    env.update(
        {
            "AUTHSIGNAL_API_URL": f"http://127.0.0.1:{emulator_port}/v1",
            "AUTHSIGNAL_TENANT_ID": TENANT,
            "AUTHSIGNAL_SECRET_KEY": SECRET,
        }
    )
    run([python, "manage.py", "makemigrations", "accounts"], home, env)
    run([python, "manage.py", "migrate"], home, env)
    run([python, "manage.py", "check"], home, env)
    superuser = {
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_PHONE_NUMBER": PHONE,
    }
    run([python, "manage.py", "createsuperuser", "--noinput"], home, {**env, **superuser})
    timings["setup"] = time.monotonic() - started - timings["install"]

    emulator_url = f"http://127.0.0.1:{emulator_port}"
    site_url = f"http://127.0.0.1:{site_port}"
    emulator = [python, "manage.py", "authsignal_sms_emulator", "--enable"]
    with (
        serving([*emulator, "--port", str(emulator_port)], home, env, f"{emulator_url}/v1"),
        serving(
            [python, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload"],
            home,
            env,
            f"{site_url}/admin/login/",
        ),
    ):
        yield {"site": site_url, "emulator": emulator_url, "timings": timings}


def latest_code(emulator_url: str, page) -> str:
    """The code the emulator sent; waits through the page's event loop, so the page's own
    requests (routed by Playwright in this thread) go on meanwhile."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{emulator_url}/_emulator/outbox?to=%2B15005550142") as reply:  # noqa: S310
            messages = json.load(reply)
        if messages:
            return str(messages[-1]["code"])
        page.wait_for_timeout(200)
    raise AssertionError(f"no SMS to {PHONE}")


def test_a_new_site_signs_in_to_the_admin_with_a_code(new_site, browser_context):
    site, emulator = str(new_site["site"]), str(new_site["emulator"])
    refused: list[str] = []

    def only_this_machine(route):
        if route.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    browser_context.clear_cookies()
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    page.route("**/*", only_this_machine)
    sdk_requests: list[str] = []
    page.on("request", lambda request: sdk_requests.append(request.url))
    try:
        page.goto(f"{site}/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/mfa/challenge/**")
        # The page checks the code by itself once its six digits are in.
        page.fill("#authsignal-sms-code", latest_code(emulator, page))
        page.wait_for_url(f"{site}/admin/")
        assert "Site administration" in page.content()
    finally:
        page.close()
    assert refused == []
    assert any(
        url.startswith(f"{site}/static/django_authsignal_sms/")
        and url.endswith(".js")
        and "challenge" not in url
        for url in sdk_requests
    ), "the browser SDK comes from the site's own static files"
    print(f"adoption timings (s): {new_site['timings']}")
