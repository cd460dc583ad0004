"""scripts/demo as a newcomer runs it: it refuses taken ports before starting anything, stops both
servers however it ends, and (scripts/lib/setup.sh's ensure_venv) runs pip only when needed.

Each test runs the scripts in a copy of the checkout whose "venv" is a stand-in: its python is
this interpreter, except that `python -m pip` only records its arguments. So nothing is
installed and nothing reaches the internet.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAKE_PYTHON = """#!/bin/sh
# This interpreter, but pip only records what it was asked (or fails, with FAIL_PIP=1).
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  shift 2
  echo "pip $*" >>"$(dirname "$0")/../pip-calls"
  [ "${{FAIL_PIP:-}}" != 1 ]
  exit
fi
exec {python} "$@"
"""
ENV_LEFT_OUT = ("AUTHSIGNAL", "DJANGO", "DATABASE_URL", "CACHE_URL", "SESSION_ENGINE", "VENV")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What scripts/demo uses of the repository, with a stand-in venv."""
    copy = tmp_path / "checkout"
    skip = shutil.ignore_patterns("__pycache__", "*.sqlite3", "staticfiles", ".env")
    for folder in ("scripts", "example_project"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=skip)
    for name in ("pyproject.toml", ".env.example"):
        shutil.copy(ROOT / name, copy / name)
    python = copy / "venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(0o755)
    return copy


def script_env(checkout: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_LEFT_OUT)}
    env.pop("DEMO_PORT", None)
    env.pop("EMULATOR_PORT", None)
    return {**env, "VENV": str(checkout / "venv"), **values}


def pip_calls(checkout: Path) -> list[str]:
    calls = checkout / "venv/pip-calls"
    return calls.read_text().splitlines() if calls.exists() else []


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for probe in sockets:
        probe.bind(("127.0.0.1", 0))
    ports = [probe.getsockname()[1] for probe in sockets]
    for probe in sockets:
        probe.close()
    return ports


def answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.2)


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def finish(self, seconds: float = 60) -> str:
        self.process.wait(timeout=seconds)
        return self.output()


ENDINGS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def as_from_a_terminal() -> None:
    """In the demo's process, before it runs: the endings' default handling, as a terminal gives
    it. A signal ignored when a shell starts (pytest run under nohup, or in the background)
    cannot be trapped by it, and the demo would not see its ending at all."""
    for ending in ENDINGS:
        signal.signal(ending, signal.SIG_DFL)


@pytest.fixture
def start_demo(checkout: Path, tmp_path: Path) -> Iterator[Callable[..., Demo]]:
    """Starts scripts/demo in a process group of its own, killed whatever the test does."""
    started: list[Demo] = []

    def start(**env: str) -> Demo:
        log = tmp_path / f"demo-{len(started)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [str(checkout / "scripts/demo")],
                env=script_env(checkout, **env),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=as_from_a_terminal,
            )
        started.append(Demo(process, log))
        return started[-1]

    yield start
    for demo in started:
        with suppress(ProcessLookupError):
            os.killpg(demo.process.pid, signal.SIGKILL)
        demo.process.wait()


# The ports


@pytest.mark.slow  # scripts/demo, the emulator and the site in subprocesses
@pytest.mark.parametrize("ending", ENDINGS, ids=lambda ending: ending.name)
def test_a_demo_ended_by_a_signal_stops_both_servers(start_demo, ending):
    site, emulator = free_ports(2)
    demo = start_demo(DEMO_PORT=str(site), EMULATOR_PORT=str(emulator))
    script = demo.process
    wait_for(lambda: "Demo site:" in demo.output() or script.poll() is not None, 120, "the demo")
    assert script.poll() is None, demo.output()
    assert answers(site) and answers(emulator)

    os.kill(script.pid, ending)  # the script only, as `kill <pid>` does

    assert script.wait(timeout=30) == 128 + ending
    wait_for(lambda: not group_alive(script.pid), 10, "the servers to stop")
    assert not answers(site) and not answers(emulator)


@pytest.mark.slow  # scripts/demo and the emulator in subprocesses
def test_a_server_that_fails_to_start_ends_the_demo(checkout, start_demo):
    # A .env for a deployed site: the emulator refuses to run without DEBUG.
    example = (checkout / ".env.example").read_text()
    (checkout / ".env").write_text(example.replace("DJANGO_DEBUG=true", "DJANGO_DEBUG=false"))
    site, emulator = free_ports(2)
    demo = start_demo(DEMO_PORT=str(site), EMULATOR_PORT=str(emulator))
    output = demo.finish()

    assert demo.process.returncode == 1
    assert "The Authsignal emulator only runs with DEBUG = True" in output
    assert "error: the emulator stopped while starting (its output is above)" in output
    assert "Demo site" not in output
    assert not group_alive(demo.process.pid)


@pytest.mark.slow  # scripts/demo in a subprocess
@pytest.mark.parametrize("variable", ["DEMO_PORT", "EMULATOR_PORT"])
def test_a_taken_port_stops_the_demo_before_anything_starts(checkout, start_demo, variable):
    ports = dict(zip(["DEMO_PORT", "EMULATOR_PORT"], map(str, free_ports(2)), strict=True))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ports[variable] = str(taken.getsockname()[1])
        demo = start_demo(**ports)
        output = demo.finish()

    assert demo.process.returncode == 1
    assert f"error: port {ports[variable]} is in use" in output
    assert f"{variable}=<port> ./scripts/demo" in output
    assert "Demo site" not in output
    assert pip_calls(checkout) == [] and not (checkout / ".env").exists()


@pytest.mark.slow  # scripts/demo in a subprocess
@pytest.mark.parametrize("value", ["eighty", "0", "08000", "65536", "80 81"])
def test_a_port_that_is_not_a_port_number_is_refused(checkout, start_demo, value):
    demo = start_demo(DEMO_PORT=value, EMULATOR_PORT=str(free_ports(1)[0]))
    output = demo.finish()

    assert demo.process.returncode == 1
    assert f"error: DEMO_PORT must be a port number from 1 to 65535, not '{value}'" in output
    assert not (checkout / ".env").exists()


@pytest.mark.slow  # scripts/demo in a subprocess
def test_the_two_ports_must_differ(checkout, start_demo):
    (port,) = free_ports(1)
    demo = start_demo(DEMO_PORT=str(port), EMULATOR_PORT=str(port))
    output = demo.finish()

    assert demo.process.returncode == 1
    assert f"DEMO_PORT and EMULATOR_PORT are both {port}" in output
    assert not (checkout / ".env").exists()


# ensure_venv: pip only when the venv is new to this pyproject.toml and these extras


def ensure_venv(
    checkout: Path, extras: str = "", requirement: str = "", succeeds: bool = True, **env: str
) -> str:
    script = '. scripts/lib/setup.sh && ensure_venv "$1" "" "$2"'
    result = subprocess.run(
        ["bash", "-c", script, "ensure_venv", extras, requirement],
        cwd=checkout,
        env=script_env(checkout, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode == 0) == succeeds, result.stderr
    return result.stdout


INSTALL_TEST = "pip install --quiet --disable-pip-version-check -e .[test]"


@pytest.mark.slow  # bash and Python in subprocesses
def test_ensure_venv_installs_once_then_skips(checkout):
    first = ensure_venv(checkout, "[test]")
    assert "==> pip install -e .[test] (into" in first
    assert pip_calls(checkout)[-1] == INSTALL_TEST

    again = ensure_venv(checkout, "[test]")

    assert "pip install -e .[test] already done, pyproject.toml and setup.cfg unchanged" in again
    assert len(pip_calls(checkout)) == 2  # the first run's: pip itself, then the package


@pytest.mark.slow  # bash and Python in subprocesses
def test_ensure_venv_installs_again_when_pyproject_changes(checkout):
    ensure_venv(checkout, "[test]")
    assert "skipped" in ensure_venv(checkout, "[test]")
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# a new dependency, say\n")

    assert "skipped" not in ensure_venv(checkout, "[test]")
    assert [call for call in pip_calls(checkout) if "-e ." in call] == [INSTALL_TEST] * 2


@pytest.mark.slow  # bash and Python in subprocesses
def test_ensure_venv_installs_again_when_setup_cfg_appears_or_changes(checkout):
    ensure_venv(checkout, "[test]")
    setup_cfg = checkout / "setup.cfg"
    setup_cfg.write_text("[metadata]\n")
    assert "skipped" not in ensure_venv(checkout, "[test]")
    assert "skipped" in ensure_venv(checkout, "[test]")

    setup_cfg.write_text("[options]\ninstall_requires = something\n")

    assert "skipped" not in ensure_venv(checkout, "[test]")


@pytest.mark.slow  # bash and Python in subprocesses
def test_each_combination_of_extras_and_requirement_has_its_own_stamp(checkout):
    ensure_venv(checkout, "[test]")
    ensure_venv(checkout, "")
    ensure_venv(checkout, "[test]", "django>=6,<7")
    installs = [call for call in pip_calls(checkout) if "-e ." in call]

    for extras, requirement in [("[test]", ""), ("", ""), ("[test]", "django>=6,<7")]:
        assert "skipped" in ensure_venv(checkout, extras, requirement)
    assert installs[-1].endswith("-e .[test] django>=6,<7")
    assert [call for call in pip_calls(checkout) if "-e ." in call] == installs
    assert len(installs) == 3


@pytest.mark.slow  # bash and Python in subprocesses
def test_a_failed_install_is_tried_again(checkout):
    ensure_venv(checkout, "[test]", succeeds=False, FAIL_PIP="1")
    assert len(pip_calls(checkout)) == 1  # pip's own upgrade failed: nothing more

    output = ensure_venv(checkout, "[test]")

    assert "skipped" not in output
    assert pip_calls(checkout)[-1] == INSTALL_TEST
