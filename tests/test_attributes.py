"""What is sent to Authsignal about a sign-in: the client IP and the phone number."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from django_authsignal_sms.attributes import client_ip, phone_number
from django_authsignal_sms.log import mask_phone


def test_remote_addr_by_default_even_with_a_forwarded_header(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"


@override_settings(AUTHSIGNAL_SMS={"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"})
def test_one_trusted_proxy_takes_the_rightmost_entry(rf):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


@override_settings(
    AUTHSIGNAL_SMS={"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR", "TRUSTED_PROXY_COUNT": 2}
)
def test_two_trusted_proxies(rf):
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.7"


@override_settings(
    AUTHSIGNAL_SMS={"CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR", "TRUSTED_PROXY_COUNT": 2}
)
@pytest.mark.parametrize("header", ["", "203.0.113.7", "garbage, 10.0.0.2", "a,b,c"])
def test_short_or_forged_headers_fall_back_to_remote_addr(rf, header):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == "10.0.0.1"


def test_default_phone_source_is_the_phone_number_attribute(settings):
    settings.AUTHSIGNAL_SMS = {}
    user = get_user_model()(username="bob")
    assert phone_number(user) is None
    user.phone_number = "+64 21 123-4567"
    assert phone_number(user) == "+64211234567"


def test_an_attribute_name_source(settings):
    settings.AUTHSIGNAL_SMS = {"PHONE_NUMBER": "mobile"}
    user = get_user_model()(username="bob")
    user.mobile = "+15005550006"
    assert phone_number(user) == "+15005550006"


def test_a_number_that_is_not_e164_is_not_sent(settings, caplog):
    settings.AUTHSIGNAL_SMS = {}
    user = get_user_model()(username="bob")
    user.phone_number = "0211234567"
    assert phone_number(user) is None
    assert "0211234567" not in caplog.text


def test_mask_phone():
    assert mask_phone("+15005550006") == "+15*******06"
    assert mask_phone("") == ""
    assert mask_phone("12") == "12"
