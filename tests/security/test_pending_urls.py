"""URL walk: a session whose password was accepted but whose code was not is nobody, anywhere.

Every URL pattern of the project (found by walking the resolver, so a new URL is covered without
touching this file) is requested with GET and POST by a pending admin session: non-exempt URLs
redirect to the code page without running the view, exempt ones run with an anonymous user, and
no response is a page that shows the user as signed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from allauth.account.forms import (  # type: ignore[import-untyped]
    default_token_generator as allauth_tokens,
)
from allauth.account.models import (  # type: ignore[import-untyped]
    EmailAddress,
    EmailConfirmationHMAC,
)
from allauth.account.utils import user_pk_to_url_str  # type: ignore[import-untyped]
from django.apps import apps
from django.contrib.admin import ModelAdmin
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, path, resolve
from django.urls.resolvers import RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_authsignal_sms.conf import DEFAULTS
from tests.conftest import PASSWORD, log_in, pending_mark, start_pending
from tests.security.urls import SECRET

pytestmark = pytest.mark.django_db

URLCONF = "tests.security.urls"
PROBE = "tests.security.urls.SeenUserProbe"
# What a page shows only to a signed-in user: the demo's nav, the admin's header, allauth's
# menu, our test views (test_the_markers_show_on_a_signed_in_users_pages proves they do).
SIGNED_IN_MARKERS = (
    b'id="signed-in-as"',
    b"Welcome,",
    b"Log out</",
    b">Sign Out<",
    SECRET.encode(),
)
DEFAULT_EXEMPT = set(DEFAULTS["EXEMPT_URL_NAMES"]) | set(DEFAULTS["LOGOUT_URL_NAMES"])


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: the pattern texts from the root down, its view and its full name."""

    parts: tuple
    callback: object
    name: str | None

    def __str__(self):
        route = "".join(str(part) for part in self.parts) or "<root>"
        return f"{route} [{self.name}]" if self.name else route

    @property
    def exempt_by_default(self):
        return self.name in DEFAULT_EXEMPT or (self.name or "").startswith("authsignal_sms:")


def walk(patterns, parts=(), namespace=""):
    """Every leaf pattern under ``patterns``, depth first, in resolution order."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, (*parts, entry.pattern), inner)
        else:
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Endpoint((*parts, entry.pattern), entry.callback, name)


ENDPOINTS = list(walk(get_resolver(URLCONF).url_patterns))


def admin_model(callback):
    """The model a ModelAdmin view edits, so its object ids can name an existing object."""
    model_admin = getattr(callback, "model_admin", None)
    owner = getattr(getattr(callback, "__wrapped__", None), "__self__", None)
    for candidate in (model_admin, owner):
        if isinstance(candidate, ModelAdmin):
            return candidate.model
    return None


def plausible_values(endpoint, user):
    """Candidate values for each path parameter, most plausible first."""
    model = admin_model(endpoint.callback)
    obj = model._default_manager.order_by("pk").first() if model else None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    email = EmailAddress.objects.get(user=user)
    by_name = {
        "object_id": [str(obj.pk if obj else user.pk)],
        "id": [str(obj.pk if obj else user.pk)],
        "content_type_id": [str(ContentType.objects.get_for_model(user).pk)],
        "uidb64": [uid],
        "token": [default_token_generator.make_token(user)],
        "uidb36": [user_pk_to_url_str(user)],
        "app_label": [config.label for config in apps.get_app_configs()],
        "url": ["no-such-page/"],
    }
    if endpoint.name == "account_reset_password_from_key":
        by_name["key"] = [allauth_tokens.make_token(user)]
    else:
        by_name["key"] = [EmailConfirmationHMAC(email).key]
    return by_name


def fill_route(part, pick):
    """A RoutePattern such as ``<path:object_id>/change/``."""
    converters = part.converters
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: pick(m[1], converters[m[1]].regex), str(part))


def fill_regex(part, pick):
    """A RegexPattern such as ``^(?P<app_label>auth|demo)/$``."""
    regex = str(part).removeprefix("^").removesuffix("$")
    regex = re.sub(r"(?<=/)\?", "", regex)  # dj-rest-auth's optional trailing slash: "reset/?"
    return re.sub(r"\(\?P<(\w+)>([^()]*)\)", lambda m: pick(m[1], m[2]), regex)


def fill(endpoint, user):
    """A concrete path for the endpoint, with path converters and regex groups filled in."""
    values = plausible_values(endpoint, user)

    def pick(name, regex):
        for candidate in [*values.get(name, []), "1", "x1"]:
            if re.fullmatch(regex, candidate):
                return candidate
        raise LookupError(f"no value for <{name}> ({regex}) in {endpoint}")

    text = ""
    for part in endpoint.parts:
        text += fill_route(part, pick) if isinstance(part, RoutePattern) else fill_regex(part, pick)
    assert not re.search(r"[()\[\]*+?^$|]", text), f"unfilled regex in {text!r}"
    url = "/" + text
    assert resolve(url, urlconf=URLCONF).func is endpoint.callback, f"{url} is not {endpoint}"
    return url


@pytest.fixture
def walker(client, staff, authsignal, settings):
    """A superuser whose password was accepted (a pending login), and what the walk needs."""
    settings.ROOT_URLCONF = URLCONF
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, PROBE]
    Group.objects.create(name="editors")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    start_pending(client, authsignal, "root", next_url="/admin/")
    return client


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, {})


def assert_not_shown_as_signed_in(response, client):
    assert response.status_code < 500
    seen = getattr(response.wsgi_request, "security_probe_saw_user", None)
    assert seen in (None, False), "the view was given the pending user"
    if 200 <= response.status_code < 300:
        for marker in SIGNED_IN_MARKERS:
            assert marker not in response.content, marker
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_a_pending_session_reaches_no_url_as_its_user(walker, staff, endpoint, method):
    url = fill(endpoint, staff)
    before = pending_mark(walker)
    response = request(walker, method, url)
    assert_not_shown_as_signed_in(response, walker)
    if endpoint.exempt_by_default:
        return
    assert response.status_code == 302
    assert response["Location"].startswith("/mfa/challenge/")
    assert not hasattr(response.wsgi_request, "security_probe_saw_user"), "the view ran"
    assert pending_mark(walker) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_even_with_every_url_exempt_no_view_sees_the_pending_user(
    walker, staff, endpoint, method, settings
):
    settings.AUTHSIGNAL_SMS = {"EXEMPT_URLS": [r""]}
    url = fill(endpoint, staff)
    response = request(walker, method, url)
    assert_not_shown_as_signed_in(response, walker)
    assert hasattr(response.wsgi_request, "security_probe_saw_user"), "the view did not run"


def test_the_walk_covers_the_project_and_picks_up_new_urls():
    names = {endpoint.name for endpoint in ENDPOINTS}
    expected = {
        "login",
        "protected",
        "admin:index",
        "admin:password_change",
        "admin:demo_user_change",
        "account_login",
        "password_reset_confirm",
        "authsignal_sms:callback",
        "security_login_required",
    }
    assert expected <= names
    assert len(ENDPOINTS) >= 60

    def brand_new(request, pk):
        return HttpResponse("new")

    patterns = [*get_resolver(URLCONF).url_patterns, path("brand-new/<int:pk>/", brand_new)]
    assert [str(e) for e in walk(patterns)][-1] == "brand-new/<int:pk>/"


@pytest.mark.parametrize(
    "url", ["/", "/admin/", "/admin/demo/user/", "/allauth/email/", "/security/login-required/"]
)
def test_the_markers_show_on_a_signed_in_users_pages(client, staff, authsignal, settings, url):
    """The control for the walk: the same pages, signed in, do show a marker."""
    settings.ROOT_URLCONF = URLCONF
    authsignal.on_track("ALLOW")
    log_in(client, "root")
    response = client.get(url)
    assert response.status_code == 200
    assert any(marker in response.content for marker in SIGNED_IN_MARKERS)


# The test-only views: login_required, permission_required (redirect and 403), whoami.

PROTECTED_VIEWS = [
    "/security/login-required/",
    "/security/permission-required/",
    "/security/permission-required-403/",
]


@pytest.mark.parametrize("url", PROTECTED_VIEWS)
def test_the_test_views_do_show_the_secret_once_fully_signed_in(
    client, staff, authsignal, settings, url
):
    """The control: these views would leak to the pending user if the gate let them."""
    settings.ROOT_URLCONF = URLCONF
    authsignal.on_track("ALLOW")
    log_in(client, "root")
    response = client.get(url)
    assert response.status_code == 200
    assert SECRET.encode() in response.content


@pytest.mark.parametrize("url", PROTECTED_VIEWS)
def test_protected_views_redirect_a_pending_session_to_the_code_page(walker, url):
    response = walker.get(url)
    assert response["Location"] == "/mfa/challenge/?next=" + url.replace("/", "%2F")
    assert SECRET.encode() not in response.content


@pytest.mark.parametrize(
    ("url", "status", "location"),
    [
        ("/security/login-required/", 302, "/accounts/login/?next=/security/login-required/"),
        (
            "/security/permission-required/",
            302,
            "/accounts/login/?next=/security/permission-required/",
        ),
        ("/security/permission-required-403/", 403, None),
    ],
)
@pytest.mark.parametrize("how", ["EXEMPT_URLS", "EXEMPT_URL_NAMES"])
def test_exempt_protected_views_treat_the_pending_session_as_anonymous(
    walker, settings, url, status, location, how
):
    name = resolve(url).url_name
    settings.AUTHSIGNAL_SMS = (
        {"EXEMPT_URLS": [rf"^{url}$"]} if how == "EXEMPT_URLS" else {"EXEMPT_URL_NAMES": [name]}
    )
    response = walker.get(url)
    assert response.status_code == status
    assert SECRET.encode() not in response.content
    if location:
        assert response["Location"] == location
    assert response.wsgi_request.security_probe_saw_user is False
    assert pending_mark(walker)["outcome"] == "pending"


@pytest.mark.parametrize("how", ["EXEMPT_URLS", "EXEMPT_URL_NAMES"])
def test_an_exempt_url_is_served_to_an_anonymous_user(walker, settings, how):
    settings.AUTHSIGNAL_SMS = (
        {"EXEMPT_URLS": [r"^/security/whoami/$"]}
        if how == "EXEMPT_URLS"
        else {"EXEMPT_URL_NAMES": ["security_whoami"]}
    )
    assert walker.get("/security/whoami/").content == b"anonymous"
    assert walker.post("/security/whoami/").content == b"anonymous"
    assert pending_mark(walker)["outcome"] == "pending"


def test_a_pending_session_cannot_log_in_again_elsewhere_to_skip_the_code(walker, staff):
    """Every other login page is behind the gate too: no second password login to race."""
    for url in ("/accounts/login/", "/admin/login/", "/allauth/login/"):
        response = walker.post(url, {"username": "root", "login": "root", "password": PASSWORD})
        assert response["Location"].startswith("/mfa/challenge/")
    assert SESSION_KEY not in walker.session


def test_with_django_login_required_middleware_the_code_page_is_reachable(walker, settings):
    """LoginRequiredMiddleware (Django 5.1+) must not send the pending user round in circles."""
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    browser = Client()  # a client loads MIDDLEWARE once: a new one sees the change
    browser.cookies = walker.cookies
    response = browser.get("/mfa/challenge/")
    assert response.status_code == 200, response.get("Location")
    assert b"Enter your code" in response.content
