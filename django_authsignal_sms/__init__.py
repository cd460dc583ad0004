"""SMS one-time-code step-up for every Django login, decided by Authsignal."""

from __future__ import annotations

__version__ = "0.1.0"
