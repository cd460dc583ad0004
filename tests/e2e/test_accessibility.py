"""Every page the app renders, in the light and the dark theme, has no serious or critical
accessibility violation (axe-core, tests/e2e/axe.py): the code page of a login (as it opens,
after a wrong code, after another code is sent, in the admin's look) and of a step-up, and the
problem page of each reason in pages.WORDING; the code page opened on a passkey and on an email
code, and the offer to add a passkey. And a user signs in with the keyboard alone."""

from __future__ import annotations

import json

import pytest

from django_authsignal_sms.pages import WORDING
from tests.browser_fixtures import skip_or_fail_without_axe
from tests.conftest import PASSWORD
from tests.e2e import test_methods
from tests.e2e.axe import assert_none_serious, serious_violations
from tests.e2e.test_browser_login import (
    enroll_sms,
    log_in,
    type_code,
    wait_for_error,
    wait_for_sent,
    wait_until,
)
from tests.e2e.test_methods import add_passkey, enroll_email
from tests.e2e.test_step_up import DEMO_RULES, submit_transfer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

THEMES = ("light", "dark")
PHONE = "+15005550041"
HELP_URL = "/help/"
SUPPORT_CONTACT = "help@example.com"

# The refusals a real flow reaches here (each test below); tests/urls_pages.py previews the rest.
REACHED_BY_FLOWS = {
    "blocked",
    "review",
    "no_phone",
    "no_pending",
    "step_up_blocked",
    "step_up_review",
    "step_up_none",
}
PREVIEWED = [reason for reason in WORDING if reason not in REACHED_BY_FLOWS]

# The code page's controls, in the order Tab must reach them.
CONTROLS = {
    "code": "#authsignal-sms-code",
    "verify": "#authsignal-sms-verify",
    "resend": "#authsignal-sms-resend",
    "cancel": "form[action$='/cancel/'] [type=submit]",
}
# What has the focus: which control (else its tag and id), and whether a person can see it: a
# :focus-visible element, on screen, with an outline or a box shadow.
FOCUSED = """controls => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadowed = style.boxShadow !== "none";
    const control = Object.keys(controls).find(name => element.matches(controls[name]));
    return {
        name: control || element.tagName.toLowerCase() + (element.id ? "#" + element.id : ""),
        visible: element.matches(":focus-visible") && box.width > 0 && box.height > 0
            && (outlined || shadowed),
    };
}"""


@pytest.fixture(autouse=True)
def axe_installed():
    """Without axe-core, skip (or fail) before starting a sign-in it could not check."""
    skip_or_fail_without_axe()


@pytest.fixture
def help_and_support(site, settings):
    """The problem pages show all they can: the help link and the support contact too."""
    settings.AUTHSIGNAL_SMS = {
        **settings.AUTHSIGNAL_SMS,
        "HELP_URL": HELP_URL,
        "SUPPORT_CONTACT": SUPPORT_CONTACT,
    }


def assert_accessible(page, where, within=None):
    """axe in each theme (on the part ``within`` selects, else the whole page); a failure lists
    every serious or critical violation of both."""
    findings = {}
    for theme in THEMES:
        page.emulate_media(color_scheme=theme, reduced_motion="reduce")
        findings[f"{where}, {theme} theme"] = serious_violations(page, within)
    assert_none_serious(findings)


def assert_problem_page(page, reason, look="the app's"):
    """The page says what ``reason``'s wording says, and passes axe."""
    title = str(WORDING[reason][0])
    assert page.locator("h1", has_text=title).count() == 1, f"not the {reason!r} page"
    assert_accessible(page, f"the {reason!r} problem page in {look} look")


def assert_admin_look(page):
    assert page.locator("link[href*='admin/css/base.css']").count(), "not in the admin's look"


def code_page(site, page, emulator, user, login_path="/accounts/login/"):
    """An enrolled user gives the password; the code page has sent the first code."""
    enroll_sms(emulator, user)
    log_in(page, site, user.username, login_path=login_path)
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_sent(page)


def signed_in_for_transfers(site, page, emulator, user):
    """``user``, enrolled, signed in with a code under the demo's rules (example_project/
    emulator-rules.json), plus one: a payee held for review; on the transfer form."""
    rules = json.loads(DEMO_RULES.read_text())
    review = {"action": "transferMoney", "when": {"custom.payee": {"in": ["rita"]}}}
    rules["rules"].insert(0, {"id": "review-payee", **review, "state": "REVIEW_REQUIRED"})
    emulator.set_rules(rules)
    code_page(site, page, emulator, user)
    type_code(page, emulator.latest_code(to=PHONE))
    page.wait_for_url(f"{site.url}/protected/")
    page.goto(f"{site.url}/transfer/")


# The code page


def test_the_code_page_as_it_opens(site, page, emulator, make_user):
    code_page(site, page, emulator, make_user("opal", PHONE))
    assert_accessible(page, "the code page, the first code sent")


def test_the_code_page_after_a_wrong_code(site, page, emulator, make_user):
    code_page(site, page, emulator, make_user("otto", PHONE))
    right = emulator.latest_code(to=PHONE)
    type_code(page, "000000" if right != "000000" else "111111")
    wait_for_error(page)
    assert_accessible(page, "the code page, a wrong code's error shown")


def test_the_code_page_after_another_code_is_sent(site, page, emulator, make_user):
    code_page(site, page, emulator, make_user("olga", PHONE))
    page.wait_for_selector("#authsignal-sms-resend:enabled")
    page.click("#authsignal-sms-resend")
    wait_until(page, lambda: len(emulator.outbox(to=PHONE)) == 2)
    wait_for_sent(page)
    assert_accessible(page, "the code page, another code sent")


def test_the_code_page_of_an_admin_login(site, page, emulator, make_user):
    admin = make_user("olaf", PHONE, is_staff=True, is_superuser=True)
    code_page(site, page, emulator, admin, login_path="/admin/login/")
    assert_admin_look(page)
    assert_accessible(page, "the code page of an admin login")


def test_the_code_page_of_a_step_up(site, page, emulator, make_user):
    signed_in_for_transfers(site, page, emulator, make_user("oona", PHONE))
    submit_transfer(page, 1250, "acme")
    page.wait_for_url(f"{site.url}/mfa/step-up/")
    wait_for_sent(page)
    assert_accessible(page, "the code page of a step-up")


# The problem pages


@pytest.mark.parametrize(("username", "reason"), [("block", "blocked"), ("review", "review")])
def test_a_refused_sign_in(site, page, emulator, make_user, help_and_support, username, reason):
    make_user(username, PHONE)
    log_in(page, site, username)
    page.wait_for_url(f"{site.url}/mfa/denied/")
    assert_problem_page(page, reason)


def test_a_refused_admin_sign_in(site, page, emulator, make_user, help_and_support):
    """In the admin's look."""
    make_user("block", PHONE, is_staff=True)
    log_in(page, site, "block", next_path="/admin/", login_path="/admin/login/")
    page.wait_for_url(f"{site.url}/mfa/denied/")
    assert_admin_look(page)
    assert_problem_page(page, "blocked", "the admin's")


def test_a_user_without_a_mobile_number(site, page, emulator, make_user, help_and_support):
    make_user("nora", "")
    log_in(page, site, "nora")
    page.wait_for_url(f"{site.url}/mfa/denied/")
    assert_problem_page(page, "no_phone")


def test_a_code_page_with_no_sign_in_waiting(site, page, help_and_support):
    page.goto(f"{site.url}/mfa/challenge/")
    assert_problem_page(page, "no_pending")


@pytest.mark.parametrize(
    ("payee", "reason"), [("mallory", "step_up_blocked"), ("rita", "step_up_review")]
)
def test_a_refused_step_up(site, page, emulator, make_user, help_and_support, payee, reason):
    signed_in_for_transfers(site, page, emulator, make_user("pia", PHONE))
    submit_transfer(page, 10, payee)
    page.wait_for_load_state()
    assert_problem_page(page, reason)


def test_a_step_up_code_page_with_nothing_waiting(
    site, page, emulator, make_user, help_and_support
):
    signed_in_for_transfers(site, page, emulator, make_user("pete", PHONE))
    page.goto(f"{site.url}/mfa/step-up/")
    assert_problem_page(page, "step_up_none")


@pytest.mark.parametrize("reason", PREVIEWED)
def test_a_problem_page_no_easy_flow_reaches(site, page, settings, help_and_support, reason):
    settings.ROOT_URLCONF = "tests.urls_pages"
    page.goto(f"{site.url}/problem-preview/{reason}/")
    assert_problem_page(page, reason)


def test_the_flows_reach_reasons_the_app_has():
    """Else a renamed reason would be neither reached nor previewed."""
    assert REACHED_BY_FLOWS - set(WORDING) == set()


# The keyboard alone


def press_tab_until(page, selector, presses=30, key="Tab"):
    for _ in range(presses):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {selector}")


def tab_stops(page):
    """From the code field, what Tab focuses, in order, until it is back at the code field."""
    stops = [page.evaluate(FOCUSED, CONTROLS)]
    for _ in range(20):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED, CONTROLS)
        if stop["name"] == "code":
            return stops
        if stop["name"] != "body":  # past the last control, before the first again
            stops.append(stop)
    raise AssertionError(f"Tab never came back to the code field: {stops}")


def test_a_user_signs_in_with_the_keyboard_alone(site, page, emulator, make_user):
    enroll_sms(emulator, make_user("kate", PHONE))
    page.goto(f"{site.url}/accounts/login/?next=/protected/")
    press_tab_until(page, "input[name=username]")
    page.keyboard.type("kate")
    press_tab_until(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/mfa/challenge/**")
    wait_for_sent(page)
    page.wait_for_selector("#authsignal-sms-resend:enabled")  # a disabled button takes no focus
    press_tab_until(page, CONTROLS["code"])  # none needed when the page focuses it itself

    stops = tab_stops(page)

    assert [stop["name"] for stop in stops if stop["name"] in CONTROLS] == list(CONTROLS), stops
    assert [stop for stop in stops if not stop["visible"]] == [], f"focus not visible: {stops}"
    page.keyboard.type(emulator.latest_code(to=PHONE))
    # Enter, as a person would: a page that checks the code once all its digits are in has
    # begun already, and Verify, disabled while it checks, ignores it.
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/protected/")
    assert page.text_content("#signed-in-as") == "kate"


# Other methods (tests/e2e/test_methods.py's site: opened at localhost, every method allowed)

methods_site = test_methods.methods_site
authenticator = test_methods.authenticator


def test_the_code_page_of_a_passkey_and_of_an_email_code(
    methods_site, page, emulator, make_user, authenticator
):
    methods_site.enable("PASSKEY", "SMS", "EMAIL_OTP")
    user = make_user("petra", PHONE)
    enroll_sms(emulator, user)
    enroll_email(emulator, user)
    add_passkey(page, methods_site, emulator, user)
    log_in(page, methods_site, "petra")
    page.wait_for_url("**/mfa/challenge/**")
    assert page.is_visible("#authsignal-sms-passkey-start")
    assert_accessible(page, "the code page opened on a passkey")
    page.click("#authsignal-sms-email")
    wait_for_sent(page, "We sent your code by email")
    assert_accessible(page, "the code page, an email code sent")


def test_the_offer_to_add_a_passkey(methods_site, page, emulator, make_user, authenticator):
    methods_site.enable("PASSKEY", "SMS")
    user = make_user("pia", PHONE)
    enroll_sms(emulator, user)
    log_in(page, methods_site, "pia")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to=PHONE))
    page.wait_for_url("**/mfa/passkey/**")
    assert page.is_visible("#authsignal-sms-add-passkey")
    assert_accessible(page, "the offer to add a passkey")


# The admin pages the app renders. The Django admin draws the rest of those pages, and axe
# finds its own violations there (unlabelled date inputs, help icons' ARIA, dark-theme link
# contrast in Django 6.1's admin): only the app's parts are checked.


def test_the_admin_sign_in_tools(site, page, emulator, make_user):
    boss = make_user("boss", "+15005550051", is_staff=True, is_superuser=True)
    enroll_sms(emulator, boss)
    user = make_user("jane", "+15005550052")
    enroll_sms(emulator, user)
    log_in(page, site, "boss", next_path="/admin/", login_path="/admin/login/")
    wait_for_sent(page)
    type_code(page, emulator.latest_code(to="+15005550051"))
    page.wait_for_url(f"{site.url}/admin/")
    page.goto(f"{site.url}/admin/demo/user/{user.pk}/change/")
    section = "fieldset:has(.authsignal-sms-status)"  # the app's part of the change page
    assert page.locator(section).count() == 1
    assert "Sign-in (Authsignal)" in page.locator(section).text_content()
    assert_accessible(page, "the user's sign-in status in the admin", within=section)
    page.goto(f"{site.url}/admin/demo/user/{user.pk}/sign-in/reset/")
    assert page.locator("#content").get_by_role("button", name="Yes, reset").count() == 1
    assert_accessible(page, "the admin's confirmation of a reset", within="#content")
