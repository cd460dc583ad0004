"""The threaded HTTP/1.1 server (keep-alive, JSON on every reply), bound to loopback only, and
the loop that serves it from a thread or from the caller until stop()."""

from __future__ import annotations

import contextlib
import json
import logging
import select
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .dispatch import JSON, Outcome, dispatch
from .loopback import is_loopback_literal
from .state import Counters, envelope

if TYPE_CHECKING:
    from .server import EmulatorServer

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
# Spelled out: HTTPStatus phrases change between Python versions (413 in 3.13).
ERROR_CODES = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "request_entity_too_large",
    501: "not_implemented",
}


def loopback(host: str) -> tuple[int, str, str]:
    """Address family, address to bind and host for URLs; anything not loopback is refused."""
    if not is_loopback_literal(host):
        raise ValueError(f"The emulator only listens on loopback addresses, not {host!r}.")
    if host.lower() == "localhost":
        return socket.AF_INET, "127.0.0.1", "127.0.0.1"
    if ":" in host:
        return socket.AF_INET6, host.strip("[]"), f"[{host.strip('[]')}]"
    return socket.AF_INET, host, host


class Listener:
    """The bound server socket, and whoever serves it: a daemon thread (start) or the caller
    (serve_forever). stop() closes every connection and never waits on an idle keep-alive one.
    """

    def __init__(self, address: tuple[int, str, str], port: int, emulator: EmulatorServer) -> None:
        family, bind_host, self.url_host = address
        self.httpd = EmulatorHTTPServer((bind_host, port), emulator, family)
        self.port: int = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None
        self._serving: set[threading.Thread] = set()
        self._changed = threading.Condition()
        self._closed = False

    def start(self) -> None:
        with self._changed:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"authsignal-emulator-{self.port}",
                daemon=True,
            )
        self._thread.start()

    def serve_forever(self, poll_interval: float = 0.2) -> None:
        me = threading.current_thread()
        with self._changed:
            if self._closed:
                return
            self._serving.add(me)
        try:
            self.httpd.timeout = poll_interval
            while not self.httpd.stopping.is_set():
                self.httpd.handle_request()
        finally:
            with self._changed:
                self._serving.discard(me)
                self._changed.notify_all()

    @property
    def started(self) -> bool:
        """Serving, or about to (start() called), and not stopped."""
        with self._changed:
            return not self._closed and (self._thread is not None or bool(self._serving))

    def stop(self) -> None:
        with self._changed:
            if self._closed:
                return
            self._closed = True
        self.httpd.stopping.set()
        self.httpd.close_connections()
        me = threading.current_thread()
        # Each serving loop notices `stopping` within its poll interval.
        with self._changed:
            self._changed.wait_for(lambda: not self._serving - {me})
        self.httpd.close_connections()
        self.httpd.server_close()


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: EmulatorServer, family: int) -> None:
        self.address_family = family
        self.emulator = emulator
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, EmulatorHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve a FQDN (a DNS lookup): not needed here. What
        # TCPServer.server_bind does first is still needed: a port whose last connections the
        # server closed first sits in TIME_WAIT, and a restart must be able to bind it.
        if self.allow_reuse_address:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        self.emulator.count_connection()
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-reply is normal (timeouts, fault tests): no traceback.
        logger.debug("Connection from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Cut open connections (idle keep-alive ones too) so their threads end now."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AuthsignalEmulator/1.0"
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACK
    # stalls every keep-alive reply by ~40 ms.
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self._counted_in: Counters | None = None

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        raw_body = self._read_body()
        if raw_body is None:
            return
        emulator = self.server.emulator
        self._count_api_connection(emulator)
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = dispatch(emulator, self.command, self.path, headers, raw_body)
        if outcome.disposition == "drop":
            self._drop()
        elif outcome.disposition == "hang":
            self._hang()
        else:
            self._write(outcome)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(411, "Send a Content-Length; chunked bodies are not supported.")
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(400, "Content-Length is not a valid number.")
            return None
        if length > MAX_BODY:
            self.send_error(413, "The request body is larger than 1 MiB.")
            return None
        return self.rfile.read(length)

    def _count_api_connection(self, emulator: EmulatorServer) -> None:
        # Counted once per connection and per reset, for the first /v1 request it carries.
        if self.path.startswith("/v1") and self._counted_in is not emulator.counters:
            self._counted_in = emulator.counters
            emulator.count_connection(api=True)

    def _write(self, outcome: Outcome) -> None:
        self.send_response(outcome.status)
        if outcome.status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", outcome.content_type)
            self.send_header("Content-Length", str(len(outcome.body)))
        for name, value in outcome.headers:
            self.send_header(name, value)
        self.end_headers()
        if outcome.status != HTTPStatus.NO_CONTENT:
            self.wfile.write(outcome.body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _hang(self) -> None:
        """Never answer: wait until the client gives up and closes, or the server stops."""
        self.close_connection = True
        while not self.server.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if not readable:
                continue
            try:
                if not self.connection.recv(65536):
                    return
            except OSError:
                return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's errors (bad request line, unknown method...) as JSON envelopes too."""
        phrase = HTTPStatus(code).phrase
        error = ERROR_CODES.get(code, phrase.lower().replace(" ", "_").replace("-", "_"))
        body = json.dumps(envelope(error, message or phrase)).encode("utf-8")
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", JSON)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)
