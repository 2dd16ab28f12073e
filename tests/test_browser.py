"""A person's path through the accounts pages in real headless Chromium against the live server: log in
through the login form, filter the accounts list (htmx updates it in place), open an account, rename it.

Database reads and writes happen before and after the browser runs: Playwright's sync API keeps an event
loop running, inside which Django refuses ORM calls.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from kamdesk.accounts.models import Account
from kamdesk.audit.models import AuditEvent
from tests.factories import PASSWORD, make_account, make_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized rollback restores the migrations' default
    # channels for the tests that run after this one.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def portfolio():
    kam = make_user("kam", email="kira.kam@example.com", first_name="Kira", last_name="Kamm")
    accounts = [
        make_account(owner=kam, code="NL-100", name="Nordlicht Handel", country="DE", tier="key"),
        make_account(owner=kam, code="SW-200", name="Sonnenwerk Retail", country="AT"),
        make_account(owner=kam, code="BV-300", name="Bergvolk Pharma", country="CH"),
    ]
    make_account(owner=make_user("kam"), code="ZZ-900", name="Nordstern Hidden")  # someone else's
    return kam, accounts


def result_rows(page):
    return page.locator("#account-results tbody tr")


def test_log_in_filter_open_and_edit_an_account(live_server, portfolio):
    kam, (nordlicht, *_rest) = portfolio
    list_url = live_server.url + reverse("accounts:list")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)

            # Not signed in: the list sends us to the login form, which brings us back afterwards.
            page.goto(list_url)
            expect(page).to_have_url(re.compile(r"/login/"))
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/accounts/$"))
            expect(result_rows(page)).to_have_count(3)  # only Kira's own accounts

            # Sorting by a column heading swaps the results in place, newest sort in the address bar.
            page.locator("#account-results thead").get_by_role("link", name="Code").click()
            expect(page).to_have_url(re.compile(r"[?&]sort=code"))
            expect(result_rows(page).first).to_contain_text("BV-300")
            page.locator("#account-results thead").get_by_role("link", name="Code").click()
            expect(page).to_have_url(re.compile(r"[?&]sort=-code"))
            expect(result_rows(page).first).to_contain_text("SW-200")
            expect(page.locator("#account-results")).to_have_count(1)

            # Typing in the search box filters in place and keeps the filter in the address bar.
            page.get_by_label("Search", exact=True).fill("nord")
            expect(result_rows(page)).to_have_count(1)
            expect(result_rows(page).first).to_contain_text("Nordlicht Handel")
            expect(page).to_have_url(re.compile(r"[?&]q=nord"))
            expect(page.locator("#account-results")).not_to_contain_text("Nordstern Hidden")

            # A second filter narrows further; with no match the table says so.
            page.get_by_label("Country (ISO code)").fill("AT")
            expect(page.locator("#account-results")).to_contain_text("No accounts match these filters.")
            page.get_by_label("Country (ISO code)").fill("DE")
            expect(result_rows(page)).to_have_count(1)

            # Open the account, then edit it.
            page.get_by_role("link", name="Nordlicht Handel").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Nordlicht Handel")
            page.get_by_role("button", name="Edit", exact=True).click()
            name = page.get_by_role("textbox", name="Name", exact=True)
            expect(name).to_have_value("Nordlicht Handel")
            name.fill("Nordlicht Handel AG")
            page.get_by_role("button", name="Save changes").click()

            expect(page).to_have_url(re.compile(rf"/accounts/{nordlicht.pk}/$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Nordlicht Handel AG")
            expect(page.get_by_role("status")).to_contain_text("Changes saved.")

            # The list shows the new name too.
            page.goto(list_url + "?q=nordlicht")
            expect(result_rows(page).first).to_contain_text("Nordlicht Handel AG")
        finally:
            browser.close()

    nordlicht.refresh_from_db()
    assert nordlicht.name == "Nordlicht Handel AG"
    assert Account.objects.get(code="SW-200").name == "Sonnenwerk Retail"
    change = AuditEvent.objects.get(account_id=nordlicht.pk, action="update")
    assert change.actor == kam
    assert change.changes["name"] == ["Nordlicht Handel", "Nordlicht Handel AG"]
