"""The in-process benchmark's settings: the load site's (tests/load/site_settings.py, with its
env knobs), plus two tiny views of its own (bench/urls.py)."""

from __future__ import annotations

from tests.load.site_settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
