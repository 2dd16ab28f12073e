"""Store checks in real headless Chromium: the trend charts are drawn (vega-embed, from the installed static
files), a photo is uploaded through the activity page and its thumbnail loads through the protected view.

Database reads and writes happen before and after the browser runs (Playwright's sync API keeps an event
loop running, inside which Django refuses ORM calls)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from kamdesk.activities.models import StoreCheckPhoto
from tests.factories import PASSWORD, make_account, make_user
from tests.sales_factories import make_product
from tests.storechecks_factories import make_store_check, picture

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_trend_charts_draw_and_a_photo_uploads_and_shows(live_server, settings, tmp_path):
    settings.STORE_CHECK_PHOTO_DIR = tmp_path / "photos"
    kam = make_user("kam", email="sven.kam@example.com")
    account = make_account(owner=kam, code="SC-1", name="Shelfmart")
    check = make_store_check(
        account, actor=kam, out_of_stock_products=[make_product()], shelf_share_pct="35", price_compliance_pct="70"
    )
    photo_file = tmp_path / "shelf.jpg"
    photo_file.write_bytes(picture("JPEG", (120, 90)))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(live_server.url + reverse("activities:store_checks", args=[account.pk]))
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(re.compile(r"/store-checks/$"))
            expect(page.locator("[data-chart-spec] svg")).to_have_count(2)
            expect(page.locator("[data-chart-spec]").first).not_to_contain_text("could not be drawn")

            page.get_by_role("link", name="Market Street").click()
            page.set_input_files("#id_photo_file", str(photo_file))
            page.fill("#id_photo_caption", "Front shelf")
            page.get_by_role("button", name="Upload photo").click()
            expect(page.get_by_text("The photo was added.")).to_be_visible()
            thumbnail = page.get_by_role("img", name="Front shelf")
            expect(thumbnail).to_be_visible()
            page.wait_for_function("img => img.complete && img.naturalWidth === 120", arg=thumbnail.element_handle())
        finally:
            browser.close()
    assert StoreCheckPhoto.objects.filter(store_check=check, caption="Front shelf").count() == 1
