"""Console output for the CLI and the management command: a banner and each "sent" code."""

from __future__ import annotations

import time
from collections.abc import Callable

from .engine import MessageHook
from .models import Message
from .server import EmulatorServer

Write = Callable[[str], None]


def describe(message: Message) -> str:
    channel = "SMS" if message.channel == "SMS" else "WhatsApp"
    expires = time.strftime("%H:%M:%S", time.localtime(message.expires_at))
    key = message.key
    return (
        f"[emulator] {channel} to {message.to}: your code is {message.code} "
        f"(user {key.user_id}, action {key.action}, expires {expires})"
    )


def message_printer(write: Write) -> MessageHook:
    def hook(message: Message) -> None:
        write(describe(message))

    return hook


def run_in_foreground(server: EmulatorServer, write: Write) -> None:
    """Serve until Ctrl-C, then stop cleanly."""
    write(f"[emulator] Authsignal emulator listening on {server.base_url}")
    write("[emulator] Use it as AUTHSIGNAL_API_URL (server SDK) and baseUrl (browser SDK).")
    variants = ", ".join(f"{name}={value}" for name, value in server.variants.items())
    write(f"[emulator] Variants: {variants}")
    write("[emulator] SMS and WhatsApp codes will appear in this console. Ctrl-C to stop.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        write("[emulator] stopped")
