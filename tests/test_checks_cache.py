"""The cache named by CACHE_ALIAS claims each pending login once: E008, E009 and W009 (deploy)."""

from __future__ import annotations

import pytest
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from tests.test_checks import reported

E008 = "authsignal_sms.E008"
E009 = "authsignal_sms.E009"
W009 = "authsignal_sms.W009"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
FILEBASED = "django.core.cache.backends.filebased.FileBasedCache"
DUMMY = "django.core.cache.backends.dummy.DummyCache"
DATABASE = "django.core.cache.backends.db.DatabaseCache"
REDIS = "django.core.cache.backends.redis.RedisCache"


class MyDummyCache(DummyCache):
    pass


class MyLocMemCache(LocMemCache):
    pass


def caches(**aliases):
    return {
        "default": {"BACKEND": LOCMEM},
        **{alias: {"BACKEND": b} for alias, b in aliases.items()},
    }


def test_e008_alias_not_in_caches(settings):
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "claims"}
    assert reported() == [E008]


def test_e008_names_a_configured_alias(settings):
    settings.CACHES = caches(claims=REDIS)
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "claims"}
    settings.CACHES["claims"]["LOCATION"] = "redis://127.0.0.1:1"
    assert reported() == []


@pytest.mark.parametrize("backend", [DUMMY, f"{__name__}.MyDummyCache"])
def test_e009_dummy_cache(settings, backend):
    settings.CACHES = caches(claims=backend)
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "claims"}
    assert reported() == [E009]
    assert reported(deploy=True).count(E009) == 1


def test_e009_default_alias(settings):
    settings.CACHES = {"default": {"BACKEND": DUMMY}}
    assert reported() == [E009]


@pytest.mark.parametrize("backend", [LOCMEM, FILEBASED, f"{__name__}.MyLocMemCache"])
def test_w009_per_process_cache_on_deploy(settings, backend, tmp_path):
    settings.CACHES = caches(claims=backend)
    settings.CACHES["claims"]["LOCATION"] = str(tmp_path)
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "claims"}
    assert W009 in reported(deploy=True)
    # runserver is one process: development is not warned.
    assert reported() == []


@pytest.mark.parametrize("backend", [DATABASE, REDIS])
def test_shared_caches_are_silent(settings, backend):
    settings.CACHES = caches(claims=backend)
    settings.CACHES["claims"]["LOCATION"] = "redis://127.0.0.1:1" if backend == REDIS else "t"
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "claims"}
    found = reported(deploy=True)
    assert E008 not in found and E009 not in found and W009 not in found


def test_cache_checks_only_while_enabled(settings):
    settings.CACHES = caches(claims=DUMMY)
    settings.AUTHSIGNAL_SMS = {"CACHE_ALIAS": "nope", "ENABLED": False}
    found = reported(deploy=True)
    assert E008 not in found and E009 not in found and W009 not in found
