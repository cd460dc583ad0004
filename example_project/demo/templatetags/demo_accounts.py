from __future__ import annotations

from django import template

from ..accounts import DEMO_PASSWORD, DemoAccount, accounts_to_list

register = template.Library()


@register.simple_tag
def demo_accounts() -> list[DemoAccount]:
    return accounts_to_list()


@register.simple_tag
def demo_password() -> str:
    return DEMO_PASSWORD
