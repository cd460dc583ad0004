"""`python -m django_authsignal_sms.testing`: run the emulator in the foreground, printing each
code it "sends"; also the console used by `manage.py authsignal_sms_emulator`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence

from .server import ENABLE_ENV, EmulatorDisabled, EmulatorServer
from .state import Message
from .tenant import Rules, describe_variants, parse_assignments

Write = Callable[[str], None]


def describe(message: Message) -> str:
    channel = "SMS" if message.channel == "SMS" else "WhatsApp"
    expires = time.strftime("%H:%M:%S", time.localtime(message.expires_at))
    key = message.key
    return (
        f"[emulator] {channel} to {message.to}: your code is {message.code} "
        f"(user {key.user_id}, action {key.action}, expires {expires})"
    )


def message_printer(write: Write) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        write(describe(message))

    return hook


def run_in_foreground(server: EmulatorServer, write: Write) -> None:
    """Serve until Ctrl-C (or stop() from another thread), then stop cleanly."""
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_authsignal_sms.testing",
        description="A local Authsignal API for development. Never use it in production.",
    )
    parser.add_argument("--secret-key", default=os.environ.get("AUTHSIGNAL_SECRET_KEY"))
    parser.add_argument("--tenant-id", default=os.environ.get("AUTHSIGNAL_TENANT_ID"))
    add_server_arguments(parser)
    return parser.parse_args(argv)


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options the CLI and the management command share."""
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rules", metavar="FILE", help="a JSON rules file (see docs/emulator.md)")
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"an undocumented behaviour to pick (repeatable): {describe_variants()}",
    )
    parser.add_argument("--enable", action="store_true", help=f"same as {ENABLE_ENV}=1")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.secret_key or not args.tenant_id:
        print(
            "error: pass --secret-key and --tenant-id (or set AUTHSIGNAL_SECRET_KEY and "
            "AUTHSIGNAL_TENANT_ID).",
            file=sys.stderr,
        )
        return 2

    def write(line: str) -> None:
        print(line, flush=True)

    try:
        rules = Rules.from_file(args.rules) if args.rules else Rules()
        server = EmulatorServer(
            args.host,
            args.port,
            secret_key=args.secret_key,
            tenant_id=args.tenant_id,
            rules=rules,
            variants=parse_assignments(args.variants),
            enabled=args.enable,
            on_message=message_printer(write),
            on_refusal=write,
        )
    except (EmulatorDisabled, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    run_in_foreground(server, write)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a script by the CLI subprocess test
    sys.exit(main())
