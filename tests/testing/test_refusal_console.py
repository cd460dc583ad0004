"""A call the emulator refuses (over a per-user rate limit, or for an action locked by wrong
codes) gets a console line naming the user, the limit and how to get past it; the reset it
names (DELETE /_emulator/limits) works, and `manage.py authsignal_sms_emulator` prints the line."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest
import requests
from authsignal.client import AuthsignalClient

from tests.emulator_fixtures import (
    EMULATOR_SECRET_KEY,
    assert_envelope,
    challenged,
    client_post,
    enroll,
    verify,
    wrong,
)
from tests.testing.test_cli_and_command import COMMAND_SCRIPT, SECRET, TENANT, Child

RESET_COMMAND = re.compile(r"To reset the limits: (curl -X DELETE \S+)$")


@pytest.fixture
def console(emulator, monkeypatch):
    """The lines the emulator gives its console during the test."""
    lines: list[str] = []
    monkeypatch.setattr(emulator, "on_refusal", lines.append)
    return lines


def send_codes(emulator, token, count):
    return [client_post(emulator, token, "challenge/sms").status_code for _ in range(count)]


def run_reset(line):
    """Run the reset the console line names, as a developer would paste it."""
    command = RESET_COMMAND.search(line)
    assert command, line
    if shutil.which("curl"):
        subprocess.run([*shlex.split(command.group(1)), "--fail", "-s"], check=True, timeout=30)
    else:  # pragma: no cover - the same request without curl
        _, _, method, url = shlex.split(command.group(1))
        requests.request(method, url, timeout=5).raise_for_status()


def test_a_send_over_the_limit_is_explained_with_its_reset(emulator, sdk, console):
    tracked = challenged(sdk, emulator)
    assert send_codes(emulator, tracked["token"], 6) == [200] * 5 + [429]

    [line] = console
    assert line.startswith("[emulator] Refused to send a code to user u1: ")
    assert "over the limit of 6 codes sent per user in 10 minutes" in line
    assert line.endswith(f"To reset the limits: curl -X DELETE {emulator.url}/_emulator/limits")

    run_reset(line)
    assert send_codes(emulator, tracked["token"], 1) == [200]
    assert len(emulator.outbox()) == 7


def test_an_enrollment_over_the_limit_is_explained_too(emulator, sdk, console):
    for _ in range(6):
        token = sdk.track("new", "signIn")["token"]
        client_post(emulator, token, "user-authenticators/sms", {"phoneNumber": "+64211234567"})
    assert console == []
    refused = client_post(
        emulator, token, "user-authenticators/sms", {"phoneNumber": "+64211234567"}
    )
    assert_envelope(refused, 429, "too_many_requests")
    [line] = console
    assert line.startswith("[emulator] Refused to send a code to user new: ")


def test_code_checks_over_the_limit_are_explained_with_the_same_reset(emulator, sdk, console):
    tracked = challenged(sdk, emulator)
    token = tracked["token"]
    for _ in range(2):
        for _ in range(4):
            verify(emulator, token, wrong(emulator.latest_code("u1")))
        client_post(emulator, token, "challenge/sms")
    for _ in range(2):
        verify(emulator, token, wrong(emulator.latest_code("u1")))
    assert console == []
    limited = client_post(
        emulator, token, "verify/sms", {"verificationCode": emulator.latest_code("u1")}
    )
    assert_envelope(limited, 429, "too_many_requests")

    [line] = console
    assert line.startswith("[emulator] Refused to check a code for user u1: ")
    assert "over the limit of 10 code checks per user in 5 minutes" in line
    run_reset(line)
    assert verify(emulator, token, emulator.latest_code("u1"))["isVerified"] is True


def test_a_send_for_an_action_locked_by_wrong_codes_says_to_start_over(emulator, sdk, console):
    tracked = challenged(sdk, emulator)
    for _ in range(5):
        verify(emulator, tracked["token"], wrong(emulator.latest_code("u1")))
    refused = client_post(emulator, tracked["token"], "challenge/sms")
    assert_envelope(refused, 400, "invalid_request")

    [line] = console
    assert line == (
        "[emulator] Refused to send a code to user u1: the action 'signIn' failed after 5 wrong "
        "codes. Track a new action to start over (a new sign-in does)."
    )
    fresh = sdk.track("u1", "signIn")["token"]
    assert send_codes(emulator, fresh, 1) == [200]


def test_calls_within_the_limits_print_nothing(emulator, sdk, console):
    tracked = challenged(sdk, emulator)
    verify(emulator, tracked["token"], emulator.latest_code("u1"))
    assert console == []


def test_the_limits_reset_keeps_everything_else(emulator, sdk):
    tracked = challenged(sdk, emulator)
    emulator.advance_clock(5)
    reply = requests.delete(f"{emulator.url}/_emulator/limits", timeout=5)

    assert reply.status_code == 200 and reply.json() == {"limitsReset": True}
    assert emulator.store.sizes()["rate_limit_keys"] == 0
    assert len(emulator.outbox()) == 1 and emulator.clock.offset == 5
    assert sdk.get_authenticators("u1")
    assert verify(emulator, tracked["token"], emulator.latest_code("u1"))["isVerified"] is True


def test_the_limits_reset_is_kept_to_this_machine(emulator):
    reply = requests.delete(
        f"{emulator.url}/_emulator/limits", headers={"Origin": "https://evil.example"}, timeout=5
    )
    assert_envelope(reply, 403, "forbidden")


@pytest.mark.slow  # a Python subprocess
def test_the_management_command_prints_the_refusal_and_its_reset_works():
    child = Child(["-c", COMMAND_SCRIPT.format(secret=SECRET, tenant=TENANT)])
    try:
        base_url = child.wait_for("listening on").split()[-1]
        client = AuthsignalClient(EMULATOR_SECRET_KEY, api_url=base_url)
        enroll(client)
        token = client.track("u1", "signIn")["token"]
        headers = {"Authorization": f"Bearer {token}"}
        send = f"{base_url}/client/challenge/sms"
        statuses = [requests.post(send, headers=headers, timeout=5).status_code for _ in range(7)]
        assert statuses == [200] * 6 + [429]

        line = child.wait_for("Refused to send a code").rstrip("\n")
        assert "user u1: over the limit of 6 codes sent per user in 10 minutes" in line
        run_reset(line)
        assert requests.post(send, headers=headers, timeout=5).status_code == 200
    finally:
        child.interrupt()
