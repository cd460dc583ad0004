"""The load site's settings: the example project's, plus the few knobs the load runs need, all
read from env (tests/load/harness.py sets them; the benchmark's ``bench.settings`` builds on it).

* ``AUTHSIGNAL_SMS_ENABLED`` (default true): false serves the same site with the step off, the
  baseline of a plain password login.
* ``LOAD_PASSWORD_HASHER``: ``md5`` (cheap, so the app's own cost is visible) or ``default``
  (Django's PBKDF2). The MFA and the plain site always use the same one.
* SQLite under concurrency needs nothing here: ``DATABASE_URL`` carries the options, e.g.
  ``sqlite:////tmp/x/db.sqlite3?timeout=20&transaction_mode=IMMEDIATE`` (the harness also
  switches the file to WAL).
"""

from __future__ import annotations

from example_project.settings import *  # noqa: F403
from example_project.settings import AUTHSIGNAL_SMS as EXAMPLE_AUTHSIGNAL_SMS
from example_project.settings import env

AUTHSIGNAL_SMS = {
    **EXAMPLE_AUTHSIGNAL_SMS,
    "ENABLED": env.bool("AUTHSIGNAL_SMS_ENABLED", default=True),
    # Every simulated person logs in from the load generator's one address, 127.0.0.1, and the
    # benchmark logs the same people in again and again: budgets that never bind, still counted
    # (so their cost is measured), where the defaults would stop the run as they should a real one.
    "MAX_PENDING_PER_USER": 1_000_000,
    "MAX_PENDING_PER_IP": 1_000_000,
}

if env("LOAD_PASSWORD_HASHER", default="md5") == "md5":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The load runs use production-like settings (DEBUG off) against the local emulator on purpose.
SILENCED_SYSTEM_CHECKS = ["authsignal_sms.E010"]
