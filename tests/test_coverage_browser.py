"""The Coverage tab in real headless Chromium: the trend chart is drawn by the page's script from the installed
vega files, a touchpoint is planned and marked held through the forms, and axe-core finds no serious
accessibility violation on the tab, its forms and the overview."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from kamdesk.people.coverage import take_snapshots
from kamdesk.people.models import PlannedTouchpoint
from tests.activities_factories import make_activity
from tests.factories import PASSWORD, make_account, make_contact, make_user
from tests.test_accessibility import CHROMIUM, CHROMIUM_ARGS, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def setting():
    kam = make_user("kam", email="cov.kam@example.com", first_name="Cora", last_name="Kam")
    group = make_account(owner=kam, code="CV-1", name="Coverage Group")
    boss = make_contact(group, first_name="Bea", last_name="Boss", buying_role="decision_maker", level="c_level")
    make_contact(group, first_name="Rob", last_name="Risk", buying_role="influencer", attitude=-2, influence=5)
    make_activity(group, subject="Kick-off held", our_participants=[kam], their_participants=[boss])
    today = timezone.localdate()
    take_snapshots(today - timedelta(days=1))
    take_snapshots(today)
    return kam, group


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_chart_touchpoint_flow_and_accessibility(live_server, setting):
    kam, group = setting
    base = f"{live_server.url}/accounts/{group.pk}/coverage/"
    problems = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(live_server.url + "/login/")
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()

            page.goto(base)
            page.wait_for_selector(".chart-canvas svg, .chart-canvas canvas", timeout=15000)
            problems["tab"] = serious_violations(page)
            assert "Influential sceptics and detractors (1)" in page.content()

            page.get_by_role("button", name="Plan a touchpoint").click()
            problems["form"] = serious_violations(page)
            page.fill('input[name="title"]', "Executive dinner")
            page.fill('input[name="planned_on"]', (timezone.localdate() - timedelta(days=1)).isoformat())
            page.select_option('select[name="kind"]', "executive_meeting")
            page.get_by_role("button", name="Plan", exact=True).click()
            page.wait_for_url(base)
            assert "Executive dinner" in page.content()

            page.get_by_role("link", name="Mark held Executive dinner").click()
            problems["held"] = serious_violations(page)
            page.select_option(
                'select[name="activity"]', label=page.locator("option", has_text="Kick-off held").inner_text()
            )
            page.get_by_role("button", name="Mark held", exact=True).click()
            page.wait_for_url(base)
            assert "Kick-off held" in page.locator("#touchpoints").inner_text()

            page.goto(live_server.url + "/coverage/")
            problems["overview"] = serious_violations(page)
        finally:
            browser.close()
    assert PlannedTouchpoint.objects.get(title="Executive dinner").status == "held"
    assert not any(problems.values()), problems
