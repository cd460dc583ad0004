"""The command line (`python -m django_authsignal_sms.testing`), its console, and
`manage.py authsignal_sms_emulator`."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from authsignal.client import AuthsignalClient

from django_authsignal_sms.testing import ENABLE_ENV, EmulatorServer
from django_authsignal_sms.testing import __main__ as cli
from django_authsignal_sms.testing.__main__ import message_printer, run_in_foreground
from tests.emulator_fixtures import EMULATOR_SECRET_KEY as SECRET
from tests.emulator_fixtures import EMULATOR_TENANT_ID as TENANT
from tests.emulator_fixtures import PHONE, enroll

ROOT = Path(__file__).resolve().parents[2]
WHATSAPP_TOO = {"allowedVerificationMethods": ["SMS", "WHATSAPP"]}


# On a busy machine a child can take seconds to start or to stop: the deadlines are generous,
# and Ctrl-C is only sent once the child is serving (earlier, it would land mid-import).
DEADLINE = 60
SERVING = "Ctrl-C to stop."


class Child:
    """A Python subprocess whose output lines are read as they come."""

    def __init__(self, args, env_extra=None):
        # Not PYTHONUNBUFFERED either: the console lines must be flushed by the code itself.
        hidden = (ENABLE_ENV, "DJANGO_SETTINGS_MODULE", "AUTHSIGNAL_SECRET_KEY", "PYTHONUNBUFFERED")
        env = {k: v for k, v in os.environ.items() if k not in (*hidden, "AUTHSIGNAL_TENANT_ID")}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        env.update(env_extra or {})
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.errors: list[str] = []
        self.serving = threading.Event()
        self.pumps = [
            threading.Thread(target=self._pump, daemon=True),
            threading.Thread(target=self._pump_errors, daemon=True),
        ]
        for pump in self.pumps:
            pump.start()

    def _pump(self):
        for line in self.process.stdout:
            self.output.append(line)
            if SERVING in line:
                self.serving.set()
            self.lines.put(line)

    def _pump_errors(self):
        self.errors.extend(self.process.stderr)

    def wait_for(self, needle):
        """The next line containing `needle`."""
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {needle!r} in time: {self.report()}") from None
            if needle in line:
                return line

    def interrupt(self):
        """Ctrl-C once the child serves; it must stop cleanly and exit 0."""
        if not self.serving.wait(DEADLINE):
            self.process.kill()
            raise AssertionError(f"the child never served: {self.report()}")
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"no exit after Ctrl-C: {self.report()}") from None
        for pump in self.pumps:  # the output up to the exit
            pump.join(timeout=DEADLINE)
        assert code == 0, self.report()

    def report(self):
        return f"stdout={''.join(self.output)!r} stderr={''.join(self.errors)!r}"


def _exercise(base_url, channel="sms"):
    client = AuthsignalClient(SECRET, api_url=base_url)
    enroll(client)
    token = client.track("u1", "signIn")["token"]
    reply = requests.post(
        f"{base_url}/client/challenge/{channel}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert reply.status_code == 200


@pytest.mark.slow  # a Python subprocess
def test_cli_runs_and_prints_codes(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "CHALLENGE_REQUIRED"}))
    args = ["-m", "django_authsignal_sms.testing", "--port", "0", "--rules", str(rules)]
    args += ["--secret-key", SECRET, "--tenant-id", TENANT, "--variant", "bad_token=not_valid"]
    child = Child(args, {ENABLE_ENV: "1"})
    try:
        base_url = child.wait_for("listening on").split()[-1]
        assert "bad_token=not_valid, review_challenge=refused" in child.wait_for("Variants:")
        _exercise(base_url)
        line = child.wait_for("SMS to")
        assert (
            f"SMS to {PHONE}: your code is " in line and "(user u1, action signIn, expires " in line
        )
    finally:
        child.interrupt()
    assert child.output[-1] == "[emulator] stopped\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--secret-key", SECRET, "--tenant-id", TENANT], ENABLE_ENV),
        (["--enable"], "--secret-key"),
        (
            ["--enable", "--secret-key", SECRET, "--tenant-id", TENANT, "--host", "0.0.0.0"],
            "loopback",
        ),
    ],
)
def test_cli_refusals(monkeypatch, capsys, args, message):
    for name in (ENABLE_ENV, "AUTHSIGNAL_SECRET_KEY", "AUTHSIGNAL_TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["--port", "0", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_main_starts_the_server(monkeypatch, capsys, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "BLOCK"}))
    started = []

    def run(server, write):
        started.append(server)
        write(f"serving {server.base_url}")
        server.stop()

    monkeypatch.setattr(cli, "run_in_foreground", run)
    args = ["--port", "0", "--secret-key", SECRET, "--tenant-id", TENANT, "--enable"]
    assert cli.main([*args, "--rules", str(rules)]) == 0
    [server] = started
    assert server.rules.fallback_state == "BLOCK"
    assert f"serving {server.base_url}" in capsys.readouterr().out


def test_console_prints_codes_until_stopped():
    lines: list[str] = []
    server = EmulatorServer(
        secret_key=SECRET,
        tenant_id=TENANT,
        rules=WHATSAPP_TOO,
        enabled=True,
        on_message=message_printer(lines.append),
    )
    thread = threading.Thread(target=run_in_foreground, args=(server, lines.append))
    thread.start()
    _exercise(server.base_url, channel="whatsapp")
    server.stop()
    thread.join(timeout=5)
    assert lines[0] == f"[emulator] Authsignal emulator listening on {server.base_url}"
    assert any(f"WhatsApp to {PHONE}: your code is " in line for line in lines)
    assert lines[-1] == "[emulator] stopped"


def test_console_stops_on_ctrl_c(monkeypatch):
    server = EmulatorServer(secret_key=SECRET, tenant_id=TENANT, enabled=True)

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve_forever", interrupted)
    lines: list[str] = []
    run_in_foreground(server, lines.append)
    assert lines[-1] == "[emulator] stopped"


COMMAND_SCRIPT = """
import django
from django.conf import settings
settings.configure(DEBUG=True, AUTHSIGNAL_SECRET_KEY={secret!r}, AUTHSIGNAL_TENANT_ID={tenant!r},
                   AUTHSIGNAL_API_URL="http://127.0.0.1:1/v1")
django.setup()
from django.core.management import call_command
from django_authsignal_sms.management.commands.authsignal_sms_emulator import Command
call_command(Command(), port=0, enable=True)
"""


@pytest.mark.slow  # a Python subprocess
def test_management_command_runs():
    script = COMMAND_SCRIPT.format(secret=SECRET, tenant=TENANT)
    child = Child(["-c", script])
    try:
        base_url = child.wait_for("listening on").split()[-1]
        assert "appear in this console" in child.wait_for("SMS and WhatsApp codes")
        _exercise(base_url)
        assert f"SMS to {PHONE}" in child.wait_for("your code is")
    finally:
        child.interrupt()
    assert child.output[-1] == "[emulator] stopped\n"
    assert "AUTHSIGNAL_API_URL is http://127.0.0.1:1/v1" in "".join(child.errors)


@pytest.fixture
def django_settings():
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure()
    return settings


@pytest.mark.parametrize(
    ("overrides", "options", "env", "message"),
    [
        ({"DEBUG": False}, {"enable": True}, "1", "DEBUG = True"),
        ({"DEBUG": True}, {}, None, ENABLE_ENV),
        (
            {"DEBUG": True, "AUTHSIGNAL_SECRET_KEY": ""},
            {"enable": True},
            None,
            "AUTHSIGNAL_SECRET_KEY",
        ),
        ({"DEBUG": True}, {"enable": True, "rules": "/no/such/file.json"}, None, "file.json"),
        ({"DEBUG": True}, {"enable": True, "host": "0.0.0.0"}, None, "loopback"),
    ],
)
def test_management_command_refusals(
    django_settings, monkeypatch, overrides, options, env, message
):
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    from django_authsignal_sms.management.commands.authsignal_sms_emulator import Command

    if env is None:
        monkeypatch.delenv(ENABLE_ENV, raising=False)
    else:
        monkeypatch.setenv(ENABLE_ENV, env)
    keys = {"AUTHSIGNAL_SECRET_KEY": SECRET, "AUTHSIGNAL_TENANT_ID": TENANT}
    with override_settings(**{**keys, **overrides}), pytest.raises(CommandError, match=message):
        call_command(Command(), port=0, **options)


@pytest.mark.parametrize("api_url", [None, "http://127.0.0.1:1/v1/"])
def test_management_command_starts_the_server(django_settings, monkeypatch, tmp_path, api_url):
    from django.core.management import call_command
    from django.test import override_settings

    from django_authsignal_sms.management.commands import authsignal_sms_emulator as command

    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"fallbackState": "REVIEW_REQUIRED"}))
    started = []

    def run(server, write):
        started.append(server)
        server.stop()

    monkeypatch.setattr(command, "run_in_foreground", run)
    keys = {"AUTHSIGNAL_SECRET_KEY": SECRET, "AUTHSIGNAL_TENANT_ID": TENANT}
    stderr = io.StringIO()
    with override_settings(DEBUG=True, AUTHSIGNAL_API_URL=api_url, **keys):
        call_command(command.Command(), port=0, enable=True, rules=str(rules), stderr=stderr)
    [server] = started
    assert server.rules.fallback_state == "REVIEW_REQUIRED"
    warning = f"AUTHSIGNAL_API_URL is {api_url}, not {server.base_url}"
    assert (warning in stderr.getvalue()) == (api_url is not None)
