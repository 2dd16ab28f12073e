"""Every main page, checked with axe-core (installed from npm at set-up) in real headless Chromium: no
serious or critical accessibility violation — labelled controls, usable contrast, valid landmarks."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from kamdesk.activities.services import task_comment_add
from tests.activities_factories import make_activity, make_task
from tests.factories import PASSWORD, make_account, make_contact, make_user
from tests.storechecks_factories import make_store_check

AXE = Path(__file__).resolve().parent.parent / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]

pytestmark = pytest.mark.browser


@pytest.fixture
def pages():
    kam = make_user("kam", email="ada.kam@example.com", first_name="Ada", last_name="Kam")
    group = make_account(owner=kam, code="AC-1", name="Acme Group", country="DE", tier="strategic")
    local = make_account(owner=kam, code="AC-1-FR", name="Acme France", parent=group, country="FR")
    boss = make_contact(local, first_name="Claire", last_name="Martin", title="CEO", influence=5, attitude=1)
    buyer = make_contact(local, first_name="Luc", last_name="Petit", title="Buyer", reports_to=boss)
    activity = make_activity(
        local,
        subject="Store check Paris",
        notes="**Shelf** gaps",
        next_steps="- Send planogram",
        their_participants=[buyer],
    )
    task = make_task(local, kam, title="Send planogram", activity=activity)
    task_comment_add(actor=kam, task_id=task.pk, text="Draft *ready*")
    store_check = make_store_check(local, actor=kam, shelf_share_pct="40", price_compliance_pct="80")
    return kam, [
        "/accounts/",
        f"/accounts/{group.pk}/",
        f"/accounts/{local.pk}/stakeholders/",
        f"/accounts/{group.pk}/coverage/",
        f"/accounts/{group.pk}/coverage/touchpoints/new/",
        "/coverage/",
        f"/accounts/{group.pk}/relationships/",
        f"/accounts/{local.pk}/team/",
        f"/accounts/{local.pk}/history/",
        f"/accounts/{group.pk}/timeline/?subsidiaries=on",
        f"/accounts/{group.pk}/pnl/",
        f"/accounts/{group.pk}/commercial/",
        f"/accounts/{group.pk}/prices/",
        "/dashboard/",
        "/concentration/",
        "/products/",
        f"/accounts/{local.pk}/edit/",
        f"/accounts/{local.pk}/handover/",
        "/accounts/new/",
        "/contacts/",
        f"/contacts/{buyer.pk}/",
        f"/accounts/{group.pk}/activities/",
        f"/accounts/{local.pk}/activities/new/",
        f"/accounts/{local.pk}/tasks/new/",
        f"/activities/{activity.pk}/",
        f"/activities/{activity.pk}/edit/",
        f"/accounts/{group.pk}/store-checks/?include_subsidiaries=true",
        f"/accounts/{local.pk}/store-checks/new/",
        f"/activities/{store_check.pk}/",
        "/tasks/",
        "/tasks/?scope=all&status=",
        f"/tasks/{task.pk}/",
        f"/contacts/{buyer.pk}/edit/",
        "/imports/",
        "/search/?q=acme",
        "/account/tokens/",
        "/account/calendar/",
        f"/accounts/{local.pk}/activities/from-invitation/",
        "/account/password/",
        "/",
        "/my-day/digest/",
    ]


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_main_pages_have_no_serious_accessibility_violations(live_server, pages):
    kam, paths = pages
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(live_server.url + "/login/")
            found["/login/"] = serious_violations(page)
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/")  # signing in lands on My day
            for path in paths:
                response = page.goto(live_server.url + path)
                assert response.status == 200, path
                found[path] = serious_violations(page)
        finally:
            browser.close()
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{path}: {v}" for path, vs in problems.items() for v in vs)


def test_the_check_does_catch_a_violation():
    """Guards the check itself: an unlabelled field and pale grey text must be reported."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(
                '<html lang="en"><head><title>t</title></head><body><main><input type="text">'
                '<p style="color:#ccc;background:#fff">faint</p></main></body></html>'
            )
            violations = serious_violations(page)
        finally:
            browser.close()
    assert any(v.startswith("label") for v in violations)
    assert any(v.startswith("color-contrast") for v in violations)
