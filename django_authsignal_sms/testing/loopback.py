"""What "this machine" means, in one place: for the emulator (where it listens, which Host and
Origin its own pages accept) and for the app's check that production does not point at it.

Two strengths: a *loopback literal* (127.0.0.0/8 written as a dotted quad, ``localhost``,
``::1``) is what the emulator itself accepts; *reaches this machine* is every spelling a client's
resolver would take there too (short IPv4 forms, unspecified and IPv4-mapped addresses,
``*.localhost``), for the check, which must not be fooled.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from urllib.parse import unquote

# host[:port], host being a bracketed IPv6 literal or anything without ":" and brackets.
AUTHORITY = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::\d{1,5})?")
DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Names that always mean this machine (RFC 6761 reserves localhost and *.localhost).
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# 0.0.0.0/8 is "this host on this network" (RFC 1122): connecting to 0.0.0.0 reaches this machine.
THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
# What inet_aton (and so the HTTP client's resolver) takes as an IPv4 address: 127.1, 0x7f.1...
SHORT_IPV4 = re.compile(r"[0-9a-fx.]+")
# Dots that IDNA maps to "." (ideographic, fullwidth, halfwidth).
IDNA_DOTS = ("\u3002", "\uff0e", "\uff61")


def is_loopback_literal(host: str) -> bool:
    """``localhost``, a dotted-quad 127.0.0.0/8 address, or ``::1`` (brackets allowed)."""
    if host.lower() == "localhost":
        return True
    try:
        if ":" in host:
            return ipaddress.IPv6Address(host.strip("[]")).is_loopback
        return bool(DOTTED_QUAD.fullmatch(host)) and ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def is_loopback_authority(authority: str) -> bool:
    """A loopback literal with an optional port, as in a Host header or an Origin's netloc."""
    match = AUTHORITY.fullmatch(authority)
    return match is not None and is_loopback_literal(match["host"])


def reaches_this_machine(host: str) -> bool:
    """Whether a URL's host reaches this machine: parsed as an address, not compared as a string.

    localhost and *.localhost (with or without the trailing dot), loopback and unspecified
    addresses in any spelling the resolver accepts (127.0.0.2, 127.1, 0x7f.1, 0.0.0.0, ::1, ::,
    ::ffff:127.0.0.1).
    """
    name = unicodedata.normalize("NFKC", unquote(host)).lower()
    for dot in IDNA_DOTS:
        name = name.replace(dot, ".")
    name = name.strip("[]").rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    address = _ip_address(name)
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_loopback or address.is_unspecified:
            return True
        # IPv4-mapped (::ffff:127.0.0.1) and IPv4-compatible (::127.0.0.1) forms.
        embedded = address.ipv4_mapped
        if embedded is None and int(address) >> 32 == 0:
            embedded = ipaddress.IPv4Address(int(address))
        address = embedded
    return address is not None and (address.is_loopback or address in THIS_NETWORK)


def _ip_address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.partition("%")[0])  # without an IPv6 zone id
    except ValueError:
        pass
    if not SHORT_IPV4.fullmatch(name):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None
