"""URL walk: no step-up-protected view runs for a signed-in user without a fresh step-up for its
action and its data.

Every URL pattern whose view is wrapped by ``step_up_required``, ``StepUpRequiredMixin`` or a
``StepUpPermission`` (found by walking the resolver, so a new protected URL is covered without
touching this file) is requested with GET and POST by a signed-in user: without any step-up,
with a pending step-up for another action, and with completed step-ups for every other action
and, where the action binds its data, for other data. The answer is always the step-up's (the
code page, or the 403 JSON), and the view never runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import responses
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import RoutePattern

from django_authsignal_sms.stepup import StepUp, StepUpRequiredMixin
from django_authsignal_sms.stepup.drf import StepUpPermission
from django_authsignal_sms.stepup.state import DONE_KEY, PENDING_KEY
from tests.conftest import API
from tests.security.conftest import Authority
from tests.security.test_pending_urls import URLCONF, walk
from tests.stepup import views
from tests.stepup.conftest import ACTION_URL, CALLBACK, Rules, sign_in

pytestmark = pytest.mark.django_db

DATA = {"amount": "1250", "payee": "acme", "email": "new@evil.test"}
JSON_TYPE = "application/json"
OTHER_DATA = {"amount": "1", "payee": "someone-else", "email": "other@example.com"}


@dataclass(frozen=True)
class Protected:
    url: str
    name: str
    action: str
    binds: bool
    api: bool

    def __str__(self):
        return f"{self.url} [{self.action}]"


def protection_of(callback) -> tuple[str, bool, bool] | None:
    """(action, binds its data, answers JSON only) for a protected view, else ``None``."""
    view_class = getattr(callback, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, StepUpRequiredMixin):
        return view_class.step_up_action, view_class.step_up_bind != (), False
    for permission in getattr(view_class, "permission_classes", ()):
        if isinstance(permission, type) and issubclass(permission, StepUpPermission):
            return permission.step_up_action, permission.step_up_bind != (), True
    function = callback
    while function is not None:
        for cell in getattr(function, "__closure__", None) or ():
            content = cell.cell_contents
            if isinstance(content, StepUp):
                return content.action, content.bind != (), False
        function = getattr(function, "__wrapped__", None)
    return None


def protected_urls() -> list[Protected]:
    found = []
    for endpoint in walk(get_resolver(URLCONF).url_patterns):
        protection = protection_of(endpoint.callback)
        if protection is None:
            continue
        assert all(isinstance(part, RoutePattern) for part in endpoint.parts)
        url = "/" + "".join(str(part) for part in endpoint.parts)
        assert "<" not in url, f"fill in the parameters of {url}"
        found.append(Protected(url, endpoint.name or url, *protection))
    return found


PROTECTED = protected_urls()
TEST_VIEWS = {pattern.name for pattern in views.urlpatterns}


def test_the_walk_finds_every_protected_test_view_and_nothing_else():
    names = {p.name for p in PROTECTED}
    assert {pattern.name for pattern in views.urlpatterns} <= names
    assert {p.action for p in PROTECTED} == {"transferMoney", "exportData", "changeEmail"}
    assert protection_of(views.status) is None


@pytest.fixture
def stepper(client, staff, authsignal, settings):
    """A signed-in superuser; Authsignal asks for a code for every action."""
    settings.ROOT_URLCONF = URLCONF
    rules = Rules(states={p.action: "CHALLENGE_REQUIRED" for p in PROTECTED})
    authsignal.mock.add_callback(
        responses.POST, ACTION_URL, callback=rules.answer, content_type="application/json"
    )
    authority = Authority(authsignal.mock)
    authsignal.mock.add_callback(
        responses.POST,
        f"{API}/validate",
        callback=authority.answer,
        content_type="application/json",
    )
    sign_in(client, staff, settings)
    client.authority = authority
    return client


def request(client, method, protected, data):
    if method == "GET":
        return client.get(protected.url, data)
    return client.post(protected.url, data)


def step_up(client, protected, data):
    """A complete step-up, through the protected URL and the callback, for ``data`` (none
    when a step-up for the action and data is fresh already)."""
    response = request(client, "POST" if protected.api else "GET", protected, data)
    if response.status_code == 405:  # a POST-only view
        response = request(client, "POST", protected, data)
    if response.status_code == 200:
        return
    assert response.status_code in (302, 403), response.status_code
    pending = client.session[PENDING_KEY]
    token = f"verified-{pending['idempotency_key']}"
    client.authority.verify(token, pending["user_id"], pending["idempotency_key"], protected.action)
    assert client.post(CALLBACK, {"token": token}).status_code in (200, 302)
    assert protected.action in client.session[DONE_KEY]


def assert_asked_for_a_step_up(response, protected, client, keys_before=None):
    """The step-up's answer (or a 405 from a view that takes another method, before it), the
    view's own effects absent: nothing in DONE, no new key in the session."""
    if keys_before is not None:
        assert set(client.session.keys()) <= {*keys_before, PENDING_KEY}
    assert views.DONE == []
    if response.status_code == 405:
        return
    if protected.api or response.get("Content-Type") == "application/json":
        assert response.status_code == 403, response.content[:300]
        assert json.loads(response.content)["code"] == "step_up_required"
    else:
        assert response.status_code == 302, response.content[:300]
        assert response["Location"] == "/mfa/step-up/"
    assert client.session[PENDING_KEY]["action"] == protected.action


@pytest.fixture(autouse=True)
def nothing_done():
    views.DONE.clear()
    yield
    views.DONE.clear()


METHODS = ["GET", "POST"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("protected", PROTECTED, ids=str)
def test_without_a_step_up_no_protected_view_runs(stepper, protected, method):
    keys = set(stepper.session.keys())
    response = request(stepper, method, protected, DATA)
    assert_asked_for_a_step_up(response, protected, stepper, keys)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("protected", PROTECTED, ids=str)
def test_a_pending_step_up_for_another_action_runs_no_protected_view(stepper, protected, method):
    other = next(p for p in PROTECTED if p.action != protected.action and p.name in TEST_VIEWS)
    request(stepper, "GET", other, DATA)
    assert stepper.session[PENDING_KEY]["action"] == other.action
    keys = set(stepper.session.keys())
    response = request(stepper, method, protected, DATA)
    assert_asked_for_a_step_up(response, protected, stepper, keys)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("protected", PROTECTED, ids=str)
def test_completed_step_ups_for_other_actions_and_data_run_no_protected_view(
    stepper, protected, method
):
    done_for = set()
    for other in PROTECTED:
        if other.action == protected.action or other.action in done_for:
            continue
        step_up(stepper, other, DATA)
        done_for.add(other.action)
    if protected.binds:
        step_up(stepper, protected, OTHER_DATA)
    views.DONE.clear()
    keys = set(stepper.session.keys())
    response = request(stepper, method, protected, DATA)
    assert_asked_for_a_step_up(response, protected, stepper, keys)


@pytest.mark.parametrize("protected", PROTECTED, ids=str)
def test_the_control_a_step_up_for_the_action_and_data_runs_the_view(stepper, protected):
    """The walk would see a view that ran: with the right step-up each one does."""
    step_up(stepper, protected, DATA)
    views.DONE.clear()
    response = request(stepper, "POST" if protected.api else "GET", protected, DATA)
    if response.status_code == 405:
        response = request(stepper, "POST", protected, DATA)
    assert response.status_code in (200, 302)
    assert response.get("Location") != "/mfa/step-up/"


def test_another_browser_never_shares_a_step_up(stepper, staff, settings):
    for protected in PROTECTED:
        step_up(stepper, protected, DATA)
    views.DONE.clear()
    other = sign_in(Client(), staff, settings)
    for protected in PROTECTED:
        for method in METHODS:
            keys = set(other.session.keys())
            response = request(other, method, protected, DATA)
            assert_asked_for_a_step_up(response, protected, other, keys)
