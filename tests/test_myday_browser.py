"""My day in real headless Chromium: signing in lands on it, it has no serious accessibility violation with
every section filled, and its quick actions (htmx) swap just the row they change.

Database reads and writes happen before and after the browser runs (Playwright's sync API keeps an event
loop running, inside which Django refuses ORM calls).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from kamdesk.activities.models import Activity, Task, TaskStatus
from kamdesk.people.models import Contact
from tests.activities_factories import make_activity, make_task
from tests.factories import PASSWORD, make_account, make_contact, make_user
from tests.test_accessibility import AXE, serious_violations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def day():
    kam = make_user("kam", email="mia.kam@example.com", first_name="Mia", last_name="Kam", time_zone="Europe/Berlin")
    account = make_account(owner=kam, code="MD-1", name="Marktdorf Handel")
    today = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date()
    task = make_task(account, kam, title="Send the price list", due_date=today)
    make_task(account, kam, title="Chase the listing fee", due_date=today - timedelta(days=1))
    make_task(account, kam, title="Prepare the deck", due_date=today + timedelta(days=2))
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Europe/Berlin"))
    make_activity(account, subject="Category review", status="planned", starts_at=tomorrow + timedelta(hours=9))
    contact = make_contact(account, first_name="Nora", last_name="Never", cadence_days=30, title="Buyer")
    make_contact(account, first_name="Dora", last_name="Detractor", influence=5, attitude=-2)
    return kam, task, contact


def test_sign_in_lands_on_my_day_and_the_quick_actions_work(live_server, day):
    kam, task, contact = day
    assert AXE.exists()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(live_server.url + "/login/")
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("My day")
            expect(page.get_by_role("link", name="My day")).to_have_attribute("aria-current", "page")
            violations = serious_violations(page)

            page.get_by_role("button", name="Mark “Send the price list” done").click()
            expect(page.locator(f"#myday-task-{task.pk}")).to_contain_text("“Send the price list” is done.")
            expect(page.get_by_text("Chase the listing fee")).to_be_visible()  # the rest stays as it was

            row = page.locator(f"#myday-contact-{contact.pk}")
            row.get_by_label("How you were in touch with Nora Never").select_option("email")
            row.get_by_label("What about (optional)").fill("Listing terms")
            row.get_by_role("button", name="Log a contact with Nora Never").click()
            expect(page.locator(f"#myday-contact-{contact.pk}")).to_contain_text(
                "Logged “Listing terms” with Nora Never"
            )
            url_after = page.url
        finally:
            browser.close()
    assert not violations, "\n".join(violations)
    assert url_after == live_server.url + "/"  # htmx swapped rows; no navigation
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    logged = Activity.objects.get(subject="Listing terms")
    assert logged.kind == "email" and logged.status == "done"
    assert Contact.objects.get(pk=contact.pk).last_contacted_at is not None
