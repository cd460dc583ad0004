"""Start and stop what a load run needs, each as a context manager, all on 127.0.0.1.

The load tests' machinery (tests/load/test_load.py); the benchmark (bench/) uses it too.

* ``redis_server()``: a throwaway redis-server (free port, temp dir, no persistence).
* ``emulator()``: the Authsignal emulator as a subprocess, with an admin handle;
  ``prepare_emulator()`` resets it and enrolls some of the users.
* ``prepare_site()``: a migrated SQLite database (WAL) with N users, made before any server.
* ``gunicorn_site()``: gunicorn serving ``example_project.wsgi`` with ``SITE_SETTINGS``, its
  sessions in Redis (``SESSION_ENGINE=...cache`` + ``CACHE_URL=redis://...``) or in the database.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import pickle
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = REPO / "example_project"
# The example project's settings with the load runs' knobs (tests/load/site_settings.py).
SITE_SETTINGS = "tests.load.site_settings"

EMULATOR_SECRET_KEY = "load-secret-key"
EMULATOR_TENANT_ID = "load-tenant"
DJANGO_SECRET_KEY = "load-django-secret-key-not-secret"
PASSWORD = "load-password-1"
SESSION_COOKIE = "sessionid"
SESSION_SALT = "django.contrib.sessions.SessionStore"
REDIS_SESSION_PREFIX = ":1:django.contrib.sessions.cache"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Variables of the caller that must not leak into the servers' configuration.
_DROPPED_ENV = (
    "DJANGO_",
    "AUTHSIGNAL_",
    "LOAD_",
    "DATABASE_URL",
    "CACHE_URL",
    "SESSION_ENGINE",
    "COV_CORE_",
    "COVERAGE_",
    "PYTHONPATH",
)


class HarnessError(RuntimeError):
    """A server did not start, or stopped early; the message says which and where its log is."""


# What is missing


def missing_tools(*, redis: bool = True, gunicorn: bool = True) -> list[str]:
    """Names of the tools a load run needs that this machine lacks."""
    missing = []
    if redis and redis_server_binary() is None:
        missing.append("redis-server (apt-get install redis-server)")
    if redis and importlib.util.find_spec("redis") is None:
        missing.append("the redis Python package")
    if gunicorn and importlib.util.find_spec("gunicorn") is None:
        missing.append("gunicorn (pip install -e '.[test]')")
    return missing


def redis_server_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


# Small helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, requests.RequestException):
            if check():
                return
        time.sleep(0.05)
    raise HarnessError(f"{what} not ready after {timeout:.0f}s")


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_ENV)}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(EXAMPLE_DIR)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def stop_process(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# CPU time from /proc


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


# Redis


@dataclass
class Redis:
    port: int
    process: subprocess.Popen[bytes]
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=0)


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    binary = redis_server_binary()
    if binary is None:
        raise HarnessError("redis-server is not installed")
    directory = Path(tempfile.mkdtemp(prefix="load-redis-"))
    log = directory / "redis.log"
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(directory), "--logfile", str(log)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: process.poll() is None and _redis_ping(port), 10, "redis-server")
        yield Redis(port, process, directory)
    except HarnessError as error:
        raise HarnessError(f"{error}\n{tail(log)}") from None
    finally:
        stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


# The Authsignal emulator


class Emulator:
    """A running emulator subprocess and its admin API (``/_emulator/...``)."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.base_url = f"{url}/v1"
        self.process = process
        self.log = log
        self._admin = requests.Session()
        self._lock = threading.Lock()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        with self._lock:
            reply = self._admin.request(method, f"{self.url}{path}", timeout=30, **kwargs)
        reply.raise_for_status()
        return reply.json()

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = self._call("GET", "/_emulator/stats")
        return data

    def reset(self) -> None:
        self._call("POST", "/_emulator/reset")

    def set_rules(self, rules: Mapping[str, Any]) -> None:
        self._call("PUT", "/_emulator/rules", json=dict(rules))

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self._call(
            "GET", "/_emulator/outbox", params={"to": to} if to else None
        )
        return messages

    def enroll(self, user_id: str, phone: str) -> None:
        """A verified SMS authenticator, as if the user had enrolled before (server API)."""
        self._call(
            "POST",
            f"/v1/users/{user_id}/authenticators",
            json={"verificationMethod": "SMS", "phoneNumber": phone},
            auth=(EMULATOR_SECRET_KEY, ""),
        )

    def close(self) -> None:
        self._admin.close()


def diff_stats(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What happened between two ``stats()`` snapshots (counters only grow until a reset)."""
    routes = after["requests"]
    return {
        "connections": after["connections"] - before["connections"],
        "api_connections": after["api_connections"] - before["api_connections"],
        "requests": {
            name: routes[name] - before["requests"].get(name, 0)
            for name in routes
            if routes[name] - before["requests"].get(name, 0)
        },
    }


# The routes the Django app calls (Basic auth); the others are the browser's or ours.
SERVER_ROUTES = (
    "track",
    "get_action",
    "update_action",
    "validate",
    "get_user",
    "update_user",
    "delete_user",
    "get_authenticators",
    "enroll_authenticator",
    "delete_authenticator",
)


@contextlib.contextmanager
def emulator(rules: Mapping[str, Any] | None = None) -> Iterator[Emulator]:
    directory = Path(tempfile.mkdtemp(prefix="load-emulator-"))
    log = directory / "emulator.log"
    args = [sys.executable, "-m", "django_authsignal_sms.testing", "--port", "0", "--enable"]
    args += ["--secret-key", EMULATOR_SECRET_KEY, "--tenant-id", EMULATOR_TENANT_ID]
    if rules is not None:
        rules_file = directory / "rules.json"
        rules_file.write_text(json.dumps(rules))
        args += ["--rules", str(rules_file)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=base_env()
        )
    handle = None
    try:
        url = _wait_for_line(
            log, re.compile(r"listening on (http://[^/\s]+)/v1"), process, "emulator"
        )
        handle = Emulator(url, process, log)
        wait_until(lambda: bool(handle.stats()), 10, "emulator")
        yield handle
    finally:
        if handle is not None:
            handle.close()
        stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_for_line(
    log: Path, pattern: re.Pattern[str], process: subprocess.Popen[Any], what: str
) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = pattern.search(log.read_text(errors="replace"))
        if match:
            return match.group(1)
        if process.poll() is not None:
            raise HarnessError(f"{what} exited with {process.returncode}:\n{tail(log)}")
        time.sleep(0.05)
    raise HarnessError(f"{what} printed no address in 30s:\n{tail(log)}")


def prepare_emulator(
    emulator: Emulator,
    users: Sequence[SiteUser],
    *,
    enrolled_every: int = 2,
    rules: dict[str, object] | None = None,
) -> None:
    """A clean emulator (state, outbox, rate limits); every ``enrolled_every``-th user already
    has a verified SMS authenticator, the others are enrolled by the site at their first login."""
    emulator.reset()
    if rules is not None:
        emulator.set_rules(rules)
    if enrolled_every:
        for index, user in enumerate(users):
            if index % enrolled_every == 0:
                emulator.enroll(user.user_id, user.phone)


# The site's data: database and users


@dataclass(frozen=True)
class SiteUser:
    pk: int
    username: str
    phone: str
    password: str = PASSWORD

    @property
    def user_id(self) -> str:
        """The id the app sends to Authsignal."""
        return str(self.pk)


@dataclass
class SiteData:
    directory: Path
    db_path: Path
    users: list[SiteUser]
    hasher: str

    @property
    def database_url(self) -> str:
        # Django 5.1+: IMMEDIATE transactions and a busy timeout, so concurrent writers wait.
        return f"sqlite:///{self.db_path}?timeout=20&transaction_mode=IMMEDIATE"


def username(index: int) -> str:
    return f"user{index:05d}"


def phone(index: int) -> str:
    return f"+6420{index:07d}"


def prepare_site(directory: Path, users: int, hasher: str = "md5") -> SiteData:
    """Migrate a fresh SQLite database and create ``users`` users (all with ``PASSWORD``)."""
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "db.sqlite3"
    env = {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": SITE_SETTINGS,
        "DJANGO_SECRET_KEY": DJANGO_SECRET_KEY,
        "AUTHSIGNAL_API_URL": "http://127.0.0.1:9/v1",
        "AUTHSIGNAL_TENANT_ID": EMULATOR_TENANT_ID,
        "AUTHSIGNAL_SECRET_KEY": EMULATOR_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "LOAD_PASSWORD_HASHER": hasher,
    }
    args = [sys.executable, "-m", "tests.load.harness", "prepare", "--users", str(users)]
    result = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HarnessError(f"preparing the site failed:\n{result.stdout}\n{result.stderr}")
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    created = [SiteUser(**row) for row in json.loads(result.stdout.strip().splitlines()[-1])]
    return SiteData(directory, db_path, created, hasher)


def _prepare(users: int) -> None:
    """Runs in a subprocess with ``SITE_SETTINGS``: migrate, then bulk-create the users."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    model = get_user_model()
    encoded = make_password(PASSWORD)
    model.objects.bulk_create(
        [
            model(username=username(i), phone_number=phone(i), password=encoded)
            for i in range(users)
        ],
        batch_size=500,
    )
    rows = [
        {"pk": pk, "username": name, "phone": number}
        for pk, name, number in model.objects.order_by("pk").values_list(
            "pk", "username", "phone_number"
        )
    ]
    print(json.dumps(rows))


# gunicorn


@dataclass
class Site:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    data: SiteData
    sessions: str
    workers: int
    redis: Redis | None = None
    env: dict[str, str] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def worker_cpu(self) -> float:
        """CPU seconds used so far by the current workers (the master does not serve)."""
        total = 0.0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
        return total

    def read_session(self, session_key: str) -> tuple[dict[str, Any], int] | None:
        """A stored session as the app wrote it, and its stored size in bytes; None if gone."""
        if self.sessions == "redis":
            assert self.redis is not None
            raw = self.redis.client().get(REDIS_SESSION_PREFIX + session_key)
            return None if raw is None else (pickle.loads(raw), len(raw))
        with contextlib.closing(sqlite3.connect(self.data.db_path, timeout=20)) as connection:
            row = connection.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?", (session_key,)
            ).fetchone()
        if row is None:
            return None
        from django.core import signing

        decoded = signing.loads(
            row[0],
            key=DJANGO_SECRET_KEY,
            salt=SESSION_SALT,
            serializer=signing.JSONSerializer,
            fallback_keys=[],
        )
        return decoded, len(row[0])


def site_env(
    data: SiteData,
    emulator_handle: Emulator,
    *,
    sessions: str,
    redis: Redis | None,
    app_enabled: bool = True,
) -> dict[str, str]:
    env = {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": SITE_SETTINGS,
        "DJANGO_SECRET_KEY": DJANGO_SECRET_KEY,
        "DJANGO_DEBUG": "false",
        "AUTHSIGNAL_API_URL": emulator_handle.base_url,
        "AUTHSIGNAL_TENANT_ID": EMULATOR_TENANT_ID,
        "AUTHSIGNAL_SECRET_KEY": EMULATOR_SECRET_KEY,
        "AUTHSIGNAL_SMS_ENABLED": "true" if app_enabled else "false",
        "LOAD_PASSWORD_HASHER": data.hasher,
        "DATABASE_URL": data.database_url,
    }
    if sessions == "redis":
        if redis is None:
            raise HarnessError("Redis sessions need a running redis_server()")
        env["SESSION_ENGINE"] = "django.contrib.sessions.backends.cache"
        env["CACHE_URL"] = redis.url
    elif sessions == "db":
        env["SESSION_ENGINE"] = "django.contrib.sessions.backends.db"
    else:
        raise ValueError(f"sessions must be 'redis' or 'db', not {sessions!r}")
    return env


@contextlib.contextmanager
def gunicorn_site(
    data: SiteData,
    emulator_handle: Emulator,
    *,
    workers: int = 4,
    sessions: str = "redis",
    redis: Redis | None = None,
    app_enabled: bool = True,
    worker_class: str = "sync",
    warm_requests: int = 3,
) -> Iterator[Site]:
    """gunicorn on a free port; ready (every worker booted and warm) when this yields."""
    env = site_env(data, emulator_handle, sessions=sessions, redis=redis, app_enabled=app_enabled)
    log = Path(tempfile.mkstemp(prefix="load-gunicorn-", suffix=".log", dir=data.directory)[1])
    args = [sys.executable, "-m", "gunicorn", "example_project.wsgi:application"]
    args += ["--bind", "127.0.0.1:0", "--workers", str(workers), "--worker-class", worker_class]
    args += ["--chdir", str(REPO), "--timeout", "120", "--graceful-timeout", "5"]
    args += ["--error-logfile", str(log), "--log-level", "info"]
    with open(log, "ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=out, cwd=REPO, env=env)
    try:
        address = _wait_for_line(
            log, re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)"), process, "gunicorn"
        )
        site = Site(address, process, log, data, sessions, workers, redis, env)
        wait_until(lambda: len(site.worker_pids()) == workers, 60, "gunicorn workers")
        with requests.Session() as http:
            wait_until(
                lambda: http.get(f"{address}/accounts/login/", timeout=10).status_code == 200,
                60,
                "gunicorn site",
            )
            # Every worker imports Django on boot; the first requests fill its caches.
            for _ in range(warm_requests * workers):
                http.get(f"{address}/accounts/login/", timeout=30)
        yield site
    except HarnessError as error:
        raise HarnessError(f"{error}\n{tail(log)}") from None
    finally:
        stop_process(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load.harness")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="(internal) migrate and create the users")
    prepare.add_argument("--users", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        _prepare(args.users)
    return 0


if __name__ == "__main__":
    sys.exit(main())
