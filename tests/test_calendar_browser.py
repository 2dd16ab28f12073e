"""The calendar feed page in real headless Chromium: create the address, copy it with the button, and the
copied address serves the feed to a client without a session."""

import re
import urllib.request

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_create_and_copy_the_feed_address(live_server):
    kam = make_user("kam", email="cal.kam@example.com")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(live_server.url + "/account/calendar/")
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/account/calendar/$"))
            page.get_by_role("button", name="Create calendar address").click()
            address = page.locator("#feed-url").input_value()
            assert re.fullmatch(re.escape(live_server.url) + r"/calendar/feed/kdcal_[\w-]+\.ics", address)
            page.get_by_role("button", name="Copy address").click()
            expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
            assert page.evaluate("() => navigator.clipboard.readText()") == address
        finally:
            browser.close()
    with urllib.request.urlopen(address) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert response.read().startswith(b"BEGIN:VCALENDAR")
