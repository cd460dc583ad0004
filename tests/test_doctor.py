"""manage.py authsignal_sms_doctor: the configuration checked against a live (emulated) tenant,
over real HTTP, without changing anything there."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_authsignal_sms import doctor
from django_authsignal_sms.attributes import phone_number
from django_authsignal_sms.conf import app_settings
from django_authsignal_sms.management.commands.authsignal_sms_doctor import Command

pytestmark = pytest.mark.django_db

# A static file of the tests app: an SDK URL the doctor finds without the internet.
STATIC_SDK = "/static/tests/spa-sign-in.js"
# Routes that change nothing at Authsignal: the only ones the doctor may call.
READ_ROUTES = {"get_user", "get_action", "get_authenticators"}
REGION_FIX = "wrong secret key, or the key of another region: check AUTHSIGNAL_API_URL's region"
JAVASCRIPT = b"window.Authsignal = function Authsignal() {};\n"


@pytest.fixture
def site(settings, emulator, monkeypatch):
    """The app pointed at the emulator, with an SDK URL that is a local static file, and no
    Authsignal values in the environment to fall back on."""
    for name in ("AUTHSIGNAL_API_URL", "AUTHSIGNAL_TENANT_ID", "AUTHSIGNAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "BROWSER_SDK_URL": STATIC_SDK,
        "BROWSER_SDK_INTEGRITY": "",
    }
    return emulator


def sdk_option(settings, **options):
    settings.AUTHSIGNAL_SMS = {**settings.AUTHSIGNAL_SMS, **options}


def run_doctor(*args):
    """The command's output (no colours) and its exit status."""
    out = io.StringIO()
    try:
        call_command("authsignal_sms_doctor", *args, stdout=out, no_color=True)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def line(output, check):
    """The one line the doctor printed for this check."""
    found = [text for text in output.splitlines() if f" {check}: " in text]
    assert len(found) == 1, output
    return found[0]


def assert_read_only(emulator, get_user_calls=1):
    """The doctor called get_user this often, and no route that changes anything."""
    requests = emulator.stats()["requests"]
    assert requests["get_user"] == get_user_calls
    called = {route for route, count in requests.items() if count}
    assert called <= READ_ROUTES, called


def add_user(username, phone):
    return get_user_model().objects.create_user(username, password="x", phone_number=phone)


@pytest.fixture
def closed_port():
    """A loopback port bound but never listening: connections to it are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def web_server():
    """A tiny loopback HTTP server: /sdk.js (JavaScript), /html/... (an HTML page), anything
    else 404. Yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/sdk.js":
                self.answer(200, "text/javascript", JAVASCRIPT)
            elif self.path.startswith("/html/"):
                self.answer(200, "text/html", b"<!doctype html><h1>Welcome</h1>")
            else:
                self.send_error(404)

        def answer(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


# The four required cases


def test_good_key_everything_ok(site):
    add_user("alice", "+64211234567")
    output, status = run_doctor()
    assert status == 0, output
    for check in ("tenant id", "API URL", "secret key", "browser SDK", "phone numbers"):
        assert line(output, check).startswith("OK "), output
    assert line(output, "tenant id").endswith(": test-tenant")
    assert "No problems found." in output
    assert_read_only(site)


def test_bad_key_is_a_problem_naming_key_and_region(site, settings):
    settings.AUTHSIGNAL_SECRET_KEY = "not-the-tenants-key"
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert line(output, "API URL").startswith("OK ")
    key = line(output, "secret key")
    assert key.startswith("PROBLEM ")
    assert "HTTP 401 unauthorized" in key
    assert REGION_FIX in key
    assert "not-the-tenants-key" not in output
    assert_read_only(site)


@pytest.mark.parametrize("unknown_path", ["missing_token", "not_found"])
def test_wrong_region_url_answering_without_v1(site, settings, unknown_path):
    """The emulator's host without /v1: its gateway answers 403 or 404 without an error code."""
    site.set_variants({"unknown_path": unknown_path})
    settings.AUTHSIGNAL_API_URL = site.url
    output, status = run_doctor("--skip-users")
    assert status == 1
    url = line(output, "API URL")
    assert url.startswith("PROBLEM ")
    assert "is this the Authsignal API URL? it must end with /v1" in url
    assert line(output, "secret key").startswith("WARNING ")
    assert sum(site.stats()["requests"].values()) == 0


@pytest.mark.parametrize(
    ("path", "answer"),
    [("/v1", "answers HTTP 404"), ("/html/v1", "not with the Authsignal API's JSON")],
)
def test_another_loopback_server_is_not_the_api(site, settings, web_server, path, answer):
    settings.AUTHSIGNAL_API_URL = web_server + path
    output, status = run_doctor("--skip-users")
    assert status == 1
    url = line(output, "API URL")
    assert url.startswith("PROBLEM ")
    assert answer in url
    assert "it must end with /v1" in url


def test_emulator_down_cannot_reach(site, settings, closed_port):
    settings.AUTHSIGNAL_API_URL = f"http://127.0.0.1:{closed_port}/v1"
    output, status = run_doctor("--skip-users")
    assert status == 1
    url = line(output, "API URL")
    assert url.startswith(
        f"PROBLEM  API URL: cannot reach http://127.0.0.1:{closed_port}/v1 (Connection refused)"
    )
    assert line(output, "secret key").startswith("WARNING ")


# The other answers of the API URL


def test_no_answer_within_the_timeout(site):
    site.set_fault("timeout")
    output, status = run_doctor("--skip-users", "--timeout", "0.3")
    assert status == 1
    assert "cannot reach" in line(output, "API URL")
    assert "no answer within 0.3s" in line(output, "API URL")


def test_a_failing_authsignal_is_named_with_its_status(site):
    site.set_fault("status:503")
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert "answers HTTP 503 (service_unavailable)" in line(output, "API URL")


def test_other_refusals_are_reported_with_status_and_code(site):
    site.set_fault("status:429")
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert line(output, "API URL").startswith("OK ")
    assert "HTTP 429 too_many_requests" in line(output, "secret key")


# Tenant id and secret key missing


def test_tenant_id_missing(site, settings):
    settings.AUTHSIGNAL_TENANT_ID = ""
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert line(output, "tenant id").startswith("PROBLEM  tenant id: AUTHSIGNAL_TENANT_ID is not")
    assert line(output, "secret key").startswith("OK ")


def test_tenant_id_from_the_environment(site, settings, monkeypatch):
    settings.AUTHSIGNAL_TENANT_ID = ""
    monkeypatch.setenv("AUTHSIGNAL_TENANT_ID", "tenant-from-env")
    output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert line(output, "tenant id") == "OK       tenant id: tenant-from-env"


def test_secret_key_missing_calls_nothing(site, settings):
    settings.AUTHSIGNAL_SECRET_KEY = ""
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert "AUTHSIGNAL_SECRET_KEY is not set" in line(output, "secret key")
    assert line(output, "API URL").startswith("WARNING ")
    assert sum(site.stats()["requests"].values()) == 0


# The browser SDK


def test_static_sdk_found(site):
    output, _ = run_doctor("--skip-users")
    assert line(output, "browser SDK") == (
        f"OK       browser SDK: {STATIC_SDK} is in the static files (no integrity hash to check)"
    )


def test_static_sdk_not_found(site, settings):
    sdk_option(settings, BROWSER_SDK_URL="/static/tests/no-such-sdk.js")
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert "no-such-sdk.js is not in the static files (looked for tests/no-such-sdk.js)" in line(
        output, "browser SDK"
    )


def test_sdk_outside_static_url_is_not_checked(site, settings):
    sdk_option(settings, BROWSER_SDK_URL="/assets/sdk.js")
    output, status = run_doctor("--skip-users")
    assert status == 0
    assert line(output, "browser SDK").startswith("WARNING ")


def test_hashed_static_name_of_a_manifest_storage(site, settings, tmp_path):
    manifest = {
        "paths": {"tests/spa-sign-in.js": "tests/spa-sign-in.0123abcd.js"},
        "version": "1.1",
    }
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    sdk_option(settings, BROWSER_SDK_URL="/static/tests/spa-sign-in.0123abcd.js")
    output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert line(output, "browser SDK").startswith("OK ")


def test_the_default_sdk_is_found_and_matches_its_integrity(site, settings):
    options = dict(settings.AUTHSIGNAL_SMS)
    del options["BROWSER_SDK_URL"], options["BROWSER_SDK_INTEGRITY"]
    settings.AUTHSIGNAL_SMS = options
    if app_settings.BROWSER_SDK_URL.startswith(("http:", "https:", "//")):
        pytest.skip("the default SDK URL is a CDN: checking it would reach the internet")
    output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert "and matches BROWSER_SDK_INTEGRITY" in line(output, "browser SDK")


def test_served_sdk_ok(site, settings, web_server):
    sdk_option(settings, BROWSER_SDK_URL=f"{web_server}/sdk.js")
    output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert line(output, "browser SDK").startswith(f"OK       browser SDK: {web_server}/sdk.js")


def test_served_sdk_with_its_integrity_hash(site, settings, web_server):
    digest = base64.b64encode(hashlib.sha384(JAVASCRIPT).digest()).decode()
    sdk_option(
        settings, BROWSER_SDK_URL=f"{web_server}/sdk.js", BROWSER_SDK_INTEGRITY=f"sha384-{digest}"
    )
    output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert "matches BROWSER_SDK_INTEGRITY" in line(output, "browser SDK")


def test_served_sdk_with_another_files_hash(site, settings, web_server):
    sdk_option(
        settings, BROWSER_SDK_URL=f"{web_server}/sdk.js", BROWSER_SDK_INTEGRITY="sha384-AAAA"
    )
    output, status = run_doctor("--skip-users")
    assert status == 1
    sdk = line(output, "browser SDK")
    assert "does not match BROWSER_SDK_INTEGRITY" in sdk
    digest = base64.b64encode(hashlib.sha384(JAVASCRIPT).digest()).decode()
    assert f"set BROWSER_SDK_INTEGRITY to sha384-{digest}" in sdk


@pytest.mark.parametrize(
    ("path", "answer"),
    [("/missing.js", "answers HTTP 404"), ("/html/sdk.js", "does not serve JavaScript")],
)
def test_served_sdk_problems(site, settings, web_server, path, answer):
    sdk_option(settings, BROWSER_SDK_URL=web_server + path)
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert answer in line(output, "browser SDK")


def test_served_sdk_unreachable(site, settings, closed_port):
    sdk_option(settings, BROWSER_SDK_URL=f"http://127.0.0.1:{closed_port}/sdk.js")
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert "cannot reach" in line(output, "browser SDK")


# The users' phone numbers


def test_users_counted_and_examples_masked(site):
    add_user("alice", "+64219876543")
    add_user("dave", "+1 (500) 555-0006")  # separators are removed, as at a login
    bob = add_user("bob", "021 123 4567")
    carol = add_user("carol", "")
    output, status = run_doctor()
    assert status == 0, output
    users = line(output, "phone numbers")
    assert users.startswith("WARNING ")
    assert "2 of 4 users with a usable number, 2 without" in users
    details = output.split(users, 1)[1]
    assert f"id={bob.pk} 'bob': not E.164: **********67" in details
    assert f"id={carol.pk} 'carol': no number" in details
    for full_number in ("+64219876543", "021 123 4567", "555-0006", "123 4567"):
        assert full_number not in output


def test_at_most_five_examples(site):
    for index in range(7):
        add_user(f"user{index}", "")
    add_user("alice", "+64211234567")
    output, _ = run_doctor()
    assert "1 of 8 users with a usable number, 7 without" in output
    assert output.count(": no number") == 5


def test_no_user_with_a_usable_number_is_a_problem(site, settings):
    sdk_option(settings, PHONE_NUMBER="email")
    add_user("alice", "+64211234567")
    output, status = run_doctor()
    assert status == 1
    assert "PHONE_NUMBER ('email')" in line(output, "phone numbers")


def test_no_users_is_fine(site):
    output, status = run_doctor()
    assert status == 0
    assert "0 of 0 users" in line(output, "phone numbers")


def failing_for_bob(user):
    if user.get_username() == "bob":
        raise RuntimeError("no directory entry")
    return user.phone_number


def test_a_phone_number_callable_that_fails_is_reported(site, settings):
    sdk_option(settings, PHONE_NUMBER="tests.test_doctor.failing_for_bob")
    add_user("alice", "+64211234567")
    bob = add_user("bob", "+64211234568")
    output, status = run_doctor()
    assert status == 0, output
    assert f"id={bob.pk} 'bob': PHONE_NUMBER failed: RuntimeError" in output


def test_a_phone_number_path_that_does_not_import(site, settings):
    sdk_option(settings, PHONE_NUMBER="tests.nowhere.phone")
    output, status = run_doctor()
    assert status == 1
    assert "PHONE_NUMBER does not import" in line(output, "phone numbers")


def test_users_read_in_one_query_without_other_columns(site):
    for index in range(12):
        add_user(f"user{index}", f"+6421123456{index % 10}")
    with CaptureQueriesContext(connection) as queries:
        finding = doctor.check_users()
    assert finding.summary.startswith("12 of 12")
    assert len(queries) == 1
    assert "password" not in queries[0]["sql"]
    assert "phone_number" in queries[0]["sql"]


def test_invalid_numbers_are_counted_not_logged(site, caplog):
    bob = add_user("bob", "12345")
    with caplog.at_level(logging.INFO, logger="django_authsignal_sms"):
        run_doctor()
        assert not caplog.records
        phone_number(bob)  # a login still logs it
    assert [record.authsignal_sms["event"] for record in caplog.records] == ["phone_number_invalid"]


def test_skip_users_reads_no_user(site):
    add_user("alice", "")
    with CaptureQueriesContext(connection) as queries:
        output, status = run_doctor("--skip-users")
    assert status == 0, output
    assert " phone numbers: " not in output
    assert not queries


# The command line


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_timeout_must_be_positive_seconds(site, value):
    with pytest.raises(CommandError, match="--timeout"):
        call_command("authsignal_sms_doctor", "--timeout", value)


def test_runs_although_system_checks_fail(site, settings, capsys):
    """It explains what the checks would stop on (here E001) rather than stopping with them, and
    exits with status 1 when run as manage.py runs it."""
    settings.AUTHSIGNAL_SECRET_KEY = ""
    command = Command(no_color=True)
    with pytest.raises(SystemExit) as exited:
        command.run_from_argv(["manage.py", "authsignal_sms_doctor", "--skip-users"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert "AUTHSIGNAL_SECRET_KEY is not set" in out
    assert "1 problem(s) found" in err


def test_a_setting_the_client_cannot_use_is_a_problem_not_a_traceback(site, settings):
    sdk_option(settings, TIMEOUT="soon")
    output, status = run_doctor("--skip-users")
    assert status == 1
    assert "could not be asked" in line(output, "API URL")
    assert "run manage.py check" in line(output, "API URL")
