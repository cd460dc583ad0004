"""E012: BROWSER_SDK_URL must be a URL a browser loads the same from any page; W010 (--deploy):
not plain http:// to another machine. None, the default, is the copy shipped with the app."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_authsignal_sms.conf import CDN_SDK_URL
from tests.test_checks import reported

E012 = "authsignal_sms.E012"
W010 = "authsignal_sms.W010"

GOOD = [
    None,
    CDN_SDK_URL,
    "/static/vendor/sdk.js",
    "//cdn.example.com/sdk.js",
    "https://cdn.example.com/sdk.js",
    "http://127.0.0.1:8000/sdk.js",
]
BAD = {
    "static/x.js": "is relative",
    "x.js": "is relative",
    "../sdk.js": "is relative",
    "ftp://cdn.example.com/sdk.js": "is a ftp: URL, not http(s)",
    "javascript:alert(1)": "is a javascript: URL, not http(s)",
    "cdn.example.com:443/sdk.js": "not http(s)",
    "https:///sdk.js": "has no host",
    "http:sdk.js": "has no host",
    "//": "has no host",
    "https://[::1/sdk.js": "does not parse as a URL",
}


@pytest.mark.parametrize("url", GOOD)
def test_usable_urls_pass(settings, url):
    settings.AUTHSIGNAL_SMS = {"BROWSER_SDK_URL": url}
    assert reported(deploy=True) == ["authsignal_sms.W009"]  # the test settings' locmem cache


@pytest.mark.parametrize(("url", "problem"), BAD.items())
def test_e012_names_the_problem(settings, url, problem):
    settings.AUTHSIGNAL_SMS = {"BROWSER_SDK_URL": url}
    with pytest.raises(SystemCheckError) as error:  # an Error: manage.py commands stop
        call_command("check", stdout=StringIO(), stderr=StringIO())
    text = str(error.value)
    assert f"({E012}) AUTHSIGNAL_SMS['BROWSER_SDK_URL'] {url!r} " in text
    assert problem in text
    assert "HINT:" in text
    assert reported() == [E012]


@pytest.mark.parametrize(
    "url",
    ["http://cdn.example.com/sdk.js", "http://10.0.0.5/sdk.js", "HTTP://cdn.example.com/x.js"],
)
def test_w010_plain_http_elsewhere_with_deploy(settings, url):
    settings.AUTHSIGNAL_SMS = {"BROWSER_SDK_URL": url}
    assert W010 in reported(deploy=True)
    assert reported() == []


@pytest.mark.parametrize(
    "url", ["http://localhost:8000/sdk.js", "https://cdn.example.com/sdk.js", "/static/sdk.js"]
)
def test_w010_is_silent_for_https_paths_and_this_machine(settings, url):
    settings.AUTHSIGNAL_SMS = {"BROWSER_SDK_URL": url}
    assert W010 not in reported(deploy=True)
