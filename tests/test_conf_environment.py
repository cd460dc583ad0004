"""Zero-config: the three Authsignal values come from the environment when the settings leave
them out (a setting with a value wins; an empty one counts as left out). A missing value is a
check's message, never an exception."""

from __future__ import annotations

import base64

import pytest
import responses
from django.core.checks import registry

from django_authsignal_sms import client
from django_authsignal_sms.conf import DEFAULT_API_URL, app_settings

NAMES = ("AUTHSIGNAL_API_URL", "AUTHSIGNAL_TENANT_ID", "AUTHSIGNAL_SECRET_KEY")
FROM_ENV = {
    "AUTHSIGNAL_API_URL": "https://env.authsignal.test/v1",
    "AUTHSIGNAL_TENANT_ID": "env-tenant",
    "AUTHSIGNAL_SECRET_KEY": "env-secret",
}


@pytest.fixture
def no_settings(settings, monkeypatch):
    """Neither the three settings nor the three environment variables."""
    for name in NAMES:
        delattr(settings, name)
        monkeypatch.delenv(name, raising=False)
    return settings


@pytest.fixture
def env_only(no_settings, monkeypatch):
    for name, value in FROM_ENV.items():
        monkeypatch.setenv(name, value)
    return no_settings


def app_messages(*, deploy=False):
    return {
        message.id: message
        for message in registry.run_checks(include_deployment_checks=deploy)
        if message.id.startswith("authsignal_sms.")
    }


def test_the_environment_alone_configures_the_app(env_only):
    assert app_settings.API_URL == "https://env.authsignal.test/v1"
    assert app_settings.TENANT_ID == "env-tenant"
    assert app_settings.SECRET_KEY == "env-secret"
    assert app_messages() == {}


def test_settings_win_over_the_environment(no_settings, monkeypatch):
    for name, value in FROM_ENV.items():
        monkeypatch.setenv(name, value)
    no_settings.AUTHSIGNAL_API_URL = "https://settings.authsignal.test/v1"
    no_settings.AUTHSIGNAL_TENANT_ID = "settings-tenant"
    no_settings.AUTHSIGNAL_SECRET_KEY = "settings-secret"
    assert app_settings.API_URL == "https://settings.authsignal.test/v1"
    assert app_settings.TENANT_ID == "settings-tenant"
    assert app_settings.SECRET_KEY == "settings-secret"


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_setting_falls_back_to_the_environment(env_only, empty):
    for name in NAMES:
        setattr(env_only, name, empty)
    assert app_settings.API_URL == "https://env.authsignal.test/v1"
    assert app_settings.TENANT_ID == "env-tenant"
    assert app_settings.SECRET_KEY == "env-secret"


def test_neither_is_a_check_message_not_an_exception(no_settings):
    assert app_settings.SECRET_KEY == ""
    assert app_settings.TENANT_ID == ""
    assert app_settings.API_URL == DEFAULT_API_URL
    messages = app_messages()
    assert sorted(messages) == ["authsignal_sms.E001", "authsignal_sms.E002"]
    for id_, name in (("E001", "AUTHSIGNAL_SECRET_KEY"), ("E002", "AUTHSIGNAL_TENANT_ID")):
        message = messages[f"authsignal_sms.{id_}"]
        assert "in the environment" in message.msg
        assert f"Set the {name} environment variable" in message.hint


def test_the_environment_is_read_at_each_access(env_only, monkeypatch):
    assert app_settings.SECRET_KEY == "env-secret"
    monkeypatch.setenv("AUTHSIGNAL_SECRET_KEY", "rotated")
    assert app_settings.SECRET_KEY == "rotated"
    monkeypatch.delenv("AUTHSIGNAL_SECRET_KEY")
    assert app_settings.SECRET_KEY == ""


def test_an_empty_environment_variable_is_left_out(env_only, monkeypatch):
    monkeypatch.setenv("AUTHSIGNAL_API_URL", "")
    monkeypatch.setenv("AUTHSIGNAL_SECRET_KEY", "")
    assert app_settings.API_URL == DEFAULT_API_URL
    assert "authsignal_sms.E001" in app_messages()


def test_a_bad_url_from_the_environment_says_where_it_came_from(env_only, monkeypatch):
    monkeypatch.setenv("AUTHSIGNAL_API_URL", "api.authsignal.com/v1")
    message = app_messages()["authsignal_sms.E003"]
    assert "'api.authsignal.com/v1' (the environment variable)" in message.msg


def test_a_self_referring_proxy_value_does_not_raise(env_only, monkeypatch):
    """django-environ reads "$NAME" as "the value of NAME": one naming itself is no value."""
    monkeypatch.setenv("AUTHSIGNAL_SECRET_KEY", "$AUTHSIGNAL_SECRET_KEY")
    assert app_settings.SECRET_KEY == ""
    assert "authsignal_sms.E001" in app_messages()


def test_deploy_checks_see_the_environment_too(env_only, monkeypatch):
    env_only.DEBUG = False
    monkeypatch.setenv("AUTHSIGNAL_API_URL", "http://127.0.0.1:8765/v1")
    assert "authsignal_sms.E010" in app_messages(deploy=True)


def test_the_server_calls_authsignal_with_the_environments_values(env_only):
    with responses.RequestsMock() as mock:
        mock.post(
            "https://env.authsignal.test/v1/users/42/actions/signIn",
            json={"state": "ALLOW", "idempotencyKey": "i", "isEnrolled": True},
        )
        client.track_sign_in("42", {})
        authorization = mock.calls[0].request.headers["Authorization"]
    assert base64.b64decode(authorization.removeprefix("Basic ")).startswith(b"env-secret:")
