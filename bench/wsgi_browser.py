"""A browser for a WSGI application in this process, called the way a WSGI server calls it.

Each request is a PEP 3333 environ built from scratch: Host and the server's name and port,
``REMOTE_ADDR``, the cookies this browser holds, a browser's ``User-Agent`` and ``Accept``,
``Origin`` and ``Referer`` on a POST, a urlencoded body on ``wsgi.input``. The handler
(``django.core.handlers.wsgi.WSGIHandler``) gets it with a ``start_response``; the body is read
and the response closed, which sends ``request_finished`` (database connections past
``CONN_MAX_AGE`` and caches are closed, as after a real request). Set-Cookie headers update the
cookie jar. Only the handler's work is measured: the CPU time of this thread, the wall-clock
time (which includes waiting for Authsignal, another process), and the database queries.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

HOST = "127.0.0.1:8000"
ORIGIN = f"http://{HOST}"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) bench/wsgi_browser.py"
ACCEPT_HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class QueryCounter:
    """A database execute wrapper that only counts (it stays installed: a few hundred
    nanoseconds a query, the same for every arm)."""

    def __init__(self) -> None:
        self.queries = 0
        self.writes = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        if sql.lstrip()[:6].upper() in WRITES:
            self.writes += 1
        return execute(sql, params, many, context)


def install_query_counter() -> QueryCounter:
    from django.db import connections

    counter = QueryCounter()
    for connection in connections.all():
        connection.execute_wrappers.append(counter)
    return counter


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    cpu_ns: int  # this thread's CPU time in the handler
    wall_ns: int
    queries: int
    writes: int

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def location(self) -> str:
        return self.header("Location") or ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def sample(self) -> list[int]:
        """What a measurement keeps: CPU ns, wall ns, queries, writes."""
        return [self.cpu_ns, self.wall_ns, self.queries, self.writes]


class WsgiBrowser:
    """One person's browser: a cookie jar and the requests a browser sends. Not thread-safe."""

    def __init__(self, app: WsgiApp, counter: QueryCounter, *, remote_addr: str = "127.0.0.1"):
        self.app = app
        self.counter = counter
        self.remote_addr = remote_addr
        self.cookies: dict[str, str] = {}

    def get(self, target: str, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", target, headers=headers)

    def post(
        self,
        target: str,
        data: Mapping[str, str],
        *,
        referer: str,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = {"Origin": ORIGIN, "Referer": ORIGIN + referer, **(headers or {})}
        return self.request("POST", target, body=urlencode(data).encode(), headers=sent)

    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        environ = self.environ(method, target, body, headers or {})
        captured: list[Any] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> Any:
            captured[:] = [status, response_headers]
            return lambda data: None

        queries, writes = self.counter.queries, self.counter.writes
        cpu, wall = time.thread_time_ns(), time.perf_counter_ns()
        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        cpu, wall = time.thread_time_ns() - cpu, time.perf_counter_ns() - wall
        status, response_headers = captured
        self._store_cookies(response_headers)
        return Reply(
            int(status.split()[0]),
            list(response_headers),
            content,
            cpu,
            wall,
            self.counter.queries - queries,
            self.counter.writes - writes,
        )

    def environ(
        self, method: str, target: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        url = urlsplit(target)
        host, _, port = HOST.partition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "RAW_URI": target,
            "SERVER_NAME": host,
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SERVER_SOFTWARE": "bench",
            "REMOTE_ADDR": self.remote_addr,
            "REMOTE_PORT": "50000",
            "HTTP_HOST": HOST,
            "HTTP_USER_AGENT": USER_AGENT,
            "HTTP_ACCEPT": ACCEPT_HTML,
            "HTTP_ACCEPT_LANGUAGE": "en",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate",
            "HTTP_CONNECTION": "keep-alive",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body or method == "POST":
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return environ

    def _store_cookies(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            for key, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
