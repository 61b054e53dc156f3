"""The portal in a real browser (Debian's Chromium, headless, driven by Playwright) against the
demo as `make run` starts it, with its SIP core and a mailbox on loopback. Screenshots of the
main pages go to tests/screenshots/ (not committed)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa

from provisioning.accounts.models import Account
from provisioning.demo.seed import SNOM_MAC
from tests.browser.harness import chromium, screenshot, sip_credentials, world
from tests.integration.sipcore_world import SNOM_SIP_UA, Phone

pytestmark = pytest.mark.slow

NEW_PASSWORD = "Quiet-Harbour-Lantern-Eleven-59"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with world(tmp_path_factory.mktemp("browser")) as w:
        yield w


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, demo):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sign_in(page, demo, username: str, password: str) -> None:
    page.goto(demo.url("/portal/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")


def sign_in_as(page, demo, role: str) -> None:
    sign_in(page, demo, demo.creds[role]["username"], demo.creds[role]["password"])


def _database(demo) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{demo.demo.instance / 'provisioning.sqlite'}")


def test_german_and_english_both_render(browser, demo):
    for locale, words in (("de-DE", ("Anmelden", "Passwort vergessen?")),
                          ("en-GB", ("Sign in", "Forgot your password?"))):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        page.goto(demo.url("/portal/login"))
        assert page.locator("html").get_attribute("lang") == locale[:2]
        for word in words:
            assert word in page.content()
        screenshot(page, f"login-{locale[:2]}")
        context.close()


def test_a_form_posted_without_its_csrf_token_is_refused(page, demo):
    page.goto(demo.url("/portal/login"))
    page.evaluate("document.querySelector('form.stack input[name=csrf_token]').remove()")
    page.fill("input[name=username]", demo.creds["superadmin"]["username"])
    page.fill("input[name=password]", demo.creds["superadmin"]["password"])
    page.click("form.stack button[type=submit]")
    assert "security token" in page.content()
    assert page.url.endswith("/portal/login")
    page.goto(demo.url("/portal/dashboard"))
    assert "/portal/login" in page.url, "not signed in"


def test_a_user_sees_only_their_phone_and_private_contacts_and_no_admin_page(page, demo):
    sign_in_as(page, demo, "user")
    page.wait_for_url("**/portal/my/devices")
    cards = page.locator("article.device")
    assert cards.count() == 1 and "Anna's desk" in cards.inner_text()
    assert "Ben's desk" not in page.content()
    screenshot(page, "my-phones")
    page.goto(demo.url("/portal/contacts"))
    private = page.locator("tr[data-private=true]")
    assert private.count() == 1 and "Lea Kaya" in private.inner_text()
    response = page.goto(demo.url("/portal/devices"))
    assert response.status == 403 and "Not allowed" in page.content()


def test_an_admin_assigns_the_demo_snom_with_two_blf_keys_and_sees_it_register(page, demo):
    sign_in_as(page, demo, "superadmin")
    page.wait_for_url("**/portal/dashboard")
    assert page.locator("svg#fleet-chart").count() == 1

    # a new employee with a free number gets a SIP account
    page.goto(demo.url("/portal/employees/new"))
    page.fill("input[name=display_name]", "Carla Rossi")
    page.select_option("select[name=personal_number]", index=1)
    page.click("#employee-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal/employees/\d+$"))
    sip_user = page.inner_text("#sip-account").split("@")[0]
    assert sip_user.startswith("u")

    # the demo snom goes to her
    page.goto(demo.url(f"/portal/devices?q={SNOM_MAC}"))
    page.click(f"tr[data-mac='{SNOM_MAC}'] a")
    device_url = page.url
    page.select_option("#assign-form select[name=employee_id]", label="Carla Rossi")
    page.click("#assign-form button[value=assign]")
    assert "moved from Anna Schmidt to Carla Rossi" in page.content()

    # two BLF keys on colleagues
    page.click("text=Function keys")
    for row, colleague in ((0, "Anna Schmidt"), (1, "Ben Miller")):
        page.select_option(f"select[name=key-{row}-kind]", "blf")
        page.select_option(f"select[name=key-{row}-target_employee_id]", label=colleague)
        page.fill(f"input[name=key-{row}-label]", colleague.split()[0])
    page.click("#keys-form button:text('Save keys')")
    assert "The keys were saved." in page.content()
    kinds = [page.locator(f"select[name=key-{i}-kind]").input_value() for i in (0, 1)]
    assert kinds == ["blf", "blf"]
    screenshot(page, "device-keys")

    # the file preview: her account, the password masked
    page.goto(device_url)
    page.click("text=Files (preview)")
    page.click(f"a:text('{SNOM_MAC.upper()}.xml')")
    body = page.inner_text("#file-body")
    assert sip_user in body and "********" in body
    screenshot(page, "device-file")

    # the phone fetches the same file over HTTPS and registers with what it says
    page.goto(demo.url("/portal/settings"))
    phone_url = page.input_value("#provisioning-url")
    creds = sip_credentials(demo.phone_file(phone_url, SNOM_MAC))
    assert creds["user"] == sip_user and creds["password"] not in body
    phone = Phone(demo.tmp, demo.demo.sip_port, creds["user"], creds["domain"],
                  creds["password"], SNOM_SIP_UA.format(mac=SNOM_MAC))
    assert phone.register(), demo.demo.log.read_text()[-3000:]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page.goto(device_url)
        if page.locator("#registration [data-state=registered]").count():
            break
        time.sleep(0.5)
    assert page.locator("#registration [data-state=registered]").count() == 1
    screenshot(page, "device")
    page.goto(demo.url("/portal/dashboard"))
    assert page.locator("svg#fleet-chart rect.registered").count() >= 1
    screenshot(page, "dashboard")


def test_a_forced_password_change(page, demo):
    sign_in_as(page, demo, "superadmin")
    page.goto(demo.url("/portal/accounts"))
    page.fill("#account-form input[name=username]", "forced.change")
    page.select_option("#account-form select[name=role]", "user")
    page.fill("#account-form input[name=password]", NEW_PASSWORD)
    page.click("#account-form button[type=submit]")
    assert "The account forced.change was created." in page.content()
    page.goto(demo.url("/portal/settings"))
    page.fill("input[name=password_max_age_days]", "30")
    page.click("#password-policy button[type=submit]")
    assert "The password policy was saved." in page.content()
    engine = _database(demo)
    with engine.begin() as conn:
        conn.execute(sa.update(Account.__table__).where(Account.username == "forced.change")
                     .values(password_changed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
    engine.dispose()
    page.click("header button:text('Sign out')")

    sign_in(page, demo, "forced.change", NEW_PASSWORD)
    page.wait_for_url("**/portal/password")
    assert page.locator("#password-required").count() == 1
    page.goto(demo.url("/portal/my/devices"))
    assert page.url.endswith("/portal/password"), "nothing else until it is changed"
    screenshot(page, "password-expired")
    page.fill("input[name=current_password]", NEW_PASSWORD)
    page.fill("input[name=new_password]", NEW_PASSWORD + "-x")
    page.fill("input[name=new_password_again]", NEW_PASSWORD + "-x")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/portal/my/devices")
    assert "Your password has been changed." in page.content()


def test_a_password_reset_by_mail_end_to_end(page, demo):
    sign_in_as(page, demo, "user")
    page.goto(demo.url("/portal/me"))
    page.fill("input[name=email]", "anna.schmidt@example.net")
    page.click("form.stack button[type=submit]")
    page.click("header button:text('Sign out')")

    page.click("#forgot")
    page.fill("input[name=name]", "anna.schmidt@example.net")
    page.click("#reset-form button[type=submit]")
    assert page.locator("#reset-sent").count() == 1
    [message] = demo.mailbox.wait(1)
    assert message["To"] == "anna.schmidt@example.net"
    link = demo.mailbox.link(message)
    assert link.startswith(demo.demo.base_url)

    page.goto(link)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password_again]", NEW_PASSWORD)
    page.click("#reset-confirm-form button[type=submit]")
    page.wait_for_url("**/portal/login")
    sign_in(page, demo, demo.creds["user"]["username"], NEW_PASSWORD)
    page.wait_for_url("**/portal/my/devices")
    page.goto(link)
    assert page.locator("#reset-invalid").count() == 1, "the link works once"
