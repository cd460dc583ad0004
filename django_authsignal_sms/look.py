"""How the app's pages look: a card of their own, or the Django admin's look for a sign-in made
in the admin, so that signing in to the admin feels like one product."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from .conf import app_settings

if TYPE_CHECKING:
    from django.contrib.admin.sites import AdminSite

# The page every app page extends: ``page_base`` in their context.
STANDALONE = "django_authsignal_sms/base.html"
ADMIN = "django_authsignal_sms/admin_base.html"


def page_look(request: HttpRequest, *urls: str) -> dict[str, Any]:
    """The context that frames a page: the admin's (``admin.site.each_context``) when one of
    ``urls`` (the login page, where the user is heading) is in an admin site; else the app's
    own card under the site's name."""
    site = admin_site_of(urls)
    if site is None:
        return {"page_base": STANDALONE, "site_name": site_name(request)}
    return {
        **site.each_context(request),
        "page_base": ADMIN,
        "site_name": site_name(request),
        # The page has no admin navigation: no need for the sidebar's script and styles.
        "is_nav_sidebar_enabled": False,
    }


def site_name(request: HttpRequest) -> str:
    """``SITE_NAME``, else the host the request was made to, without its port."""
    if app_settings.SITE_NAME:
        return app_settings.SITE_NAME
    host, _port = split_domain_port(request.get_host())
    return host


def admin_site_of(urls: tuple[str, ...]) -> AdminSite | None:
    """The admin site the first of ``urls`` that is in one belongs to, if any."""
    if not apps.is_installed("django.contrib.admin"):
        return None
    prefixes = _admin_prefixes(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language()
    )
    for path in filter(None, map(_path_of, urls)):
        for prefix, name in prefixes:
            if path.startswith(prefix):
                return _site_named(name)
    return None


def _path_of(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


@functools.lru_cache(maxsize=64)
def _admin_prefixes(
    urlconf: object, script_prefix: str, language: str | None
) -> tuple[tuple[str, str], ...]:
    """Each admin site's index URL, with the site's name; remembered per URLconf, script prefix
    and language (the code page asks on every request). A site at the root is left out: it
    would make every page an admin page."""
    from django.contrib.admin.sites import all_sites

    prefixes = []
    for site in all_sites:
        try:
            index = reverse(f"{site.name}:index")
        except NoReverseMatch:
            continue
        if index != script_prefix:
            prefixes.append((index, site.name))
    return tuple(prefixes)


def _site_named(name: str) -> AdminSite:
    from django.contrib.admin.sites import all_sites, site

    return next((each for each in all_sites if each.name == name), site)
