"""The "My day" landing page: its sections in the user's time zone, only the user's own records within their
access, a constant number of queries, and the quick actions (complete a task, log a contact)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamdesk.activities.models import Activity, Task, TaskStatus
from kamdesk.audit.models import AuditEvent
from kamdesk.myday.models import DigestPreference
from kamdesk.myday.selectors import ALERTS_SHOWN, MEETINGS_SHOWN, TASKS_SHOWN, my_day
from kamdesk.people.models import Contact, Level
from kamdesk.people.services_coverage import cadence_rule_set
from kamdesk.sales.models import AccountMonthly, SalesImport
from kamdesk.sales.targets import target_set_month
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_contact, make_user

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def local_today(user):
    return timezone.now().astimezone(ZoneInfo(user.time_zone)).date()


@pytest.fixture
def busy(world):
    """kam_a's day: tasks overdue, due today and next week; a meeting today and tomorrow; a stakeholder
    never contacted and one contacted recently; a high-influence detractor."""
    kam = world.kam_a
    today = local_today(kam)
    account = world.subsidiary
    overdue = make_task(account, kam, title="Chase the listing fee", due_date=today - timedelta(days=2))
    due = make_task(account, kam, title="Send the price list", due_date=today)
    later = make_task(account, kam, title="Prepare the review deck", due_date=today + timedelta(days=3))
    make_task(account, kam, title="Far future task", due_date=today + timedelta(days=30))
    make_task(world.account_b, world.kam_b, title="Someone else's task", due_date=today)
    now_local = timezone.now().astimezone(ZoneInfo(kam.time_zone))
    start_today = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo(kam.time_zone))
    make_activity(
        account,
        actor=kam,
        subject="Category review",
        status="planned",
        starts_at=max(now_local + timedelta(minutes=5), start_today + timedelta(hours=23, minutes=50))
        if now_local.hour >= 23
        else now_local + timedelta(minutes=5),
    )
    make_activity(
        account, subject="Store walk tomorrow", status="planned", starts_at=start_today + timedelta(days=1, hours=10)
    )
    never = make_contact(account, first_name="Nora", last_name="Never", cadence_days=30)
    fresh = make_contact(account, first_name="Fred", last_name="Fresh", cadence_days=30)
    Contact.objects.filter(pk=fresh.pk).update(last_contacted_at=timezone.now() - timedelta(days=3))
    late = make_contact(account, first_name="Lara", last_name="Late", cadence_days=7)
    Contact.objects.filter(pk=late.pk).update(last_contacted_at=timezone.now() - timedelta(days=20))
    make_contact(account, first_name="Dora", last_name="Detractor", influence=5, attitude=-2)
    return {"overdue": overdue, "due": due, "later": later, "never": never, "late": late}


def test_home_is_my_day_with_every_section(world, busy, login):
    response = login(world.kam_a).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "My day",
        "Chase the listing fee",
        "Send the price list",
        "Prepare the review deck",
        "Category review",
        "Store walk tomorrow",
        "Nora Never",
        "never contacted",
        "Lara Late",
        "Dora Detractor at Globex Deutschland is a detractor",
    ):
        assert text in html, text
    assert "Far future task" not in html
    assert "Someone else&#x27;s task" not in html and "Someone else's task" not in html
    assert "Fred Fresh" not in html
    assert login(world.kam_a).get("/my-day/").status_code == 200


def test_sections_are_sorted_into_overdue_today_and_next_week(world, busy):
    day = my_day(world.kam_a, timezone.now())
    assert [t.title for t in day.overdue_tasks] == ["Chase the listing fee"]
    assert [t.title for t in day.due_today] == ["Send the price list"]
    assert [t.title for t in day.upcoming_tasks] == ["Prepare the review deck"]
    assert [a.subject for a in day.meetings_today] == ["Category review"]
    assert [a.subject for a in day.meetings_tomorrow] == ["Store walk tomorrow"]
    # Dora has no cadence of her own nor a level: the installation's default for contacts without a level
    # applies, and she was never contacted.
    assert [row.contact.last_name for row in day.overdue_contacts] == ["Never", "Detractor", "Late"]
    assert day.overdue_contacts[2].days_overdue == 13
    assert [alert.kind for alert in day.alerts] == ["detractor"]


def test_a_meeting_at_half_past_eleven_local_time_is_today_not_tomorrow(world):
    kam = world.kam_a
    kam.time_zone = "America/New_York"
    kam.save()
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("UTC"))  # 07:00 in New York
    late_tonight = datetime(2026, 11, 24, 23, 30, tzinfo=new_york)  # already the 25th in UTC
    just_after_midnight = datetime(2026, 11, 25, 0, 30, tzinfo=new_york)
    two_days_on = datetime(2026, 11, 26, 0, 30, tzinfo=new_york)
    for subject, start in (("Late call", late_tonight), ("Early call", just_after_midnight), ("Later", two_days_on)):
        make_activity(world.subsidiary, subject=subject, status="planned", starts_at=start, our_participants=[kam])
    day = my_day(kam, now)
    assert day.today.isoformat() == "2026-11-24"
    assert [a.subject for a in day.meetings_today] == ["Late call"]
    assert [a.subject for a in day.meetings_tomorrow] == ["Early call"]


def test_a_task_due_today_follows_the_users_calendar(world):
    kam = world.kam_a
    kam.time_zone = "Pacific/Auckland"
    kam.save()
    now = datetime(2026, 11, 24, 20, 0, tzinfo=ZoneInfo("UTC"))  # already the 25th in Auckland
    make_task(world.subsidiary, kam, title="Auckland today", due_date=datetime(2026, 11, 25).date())
    day = my_day(kam, now)
    assert [t.title for t in day.due_today] == ["Auckland today"]


def test_records_on_accounts_the_user_may_not_see_are_never_shown(world, client):
    kam = world.kam_a
    today = local_today(kam)
    # Left behind after the account moved away (the services would refuse to create them today).
    Task.objects.create(account=world.hidden, owner=kam, title="Secret errand", due_date=today)
    meeting = Activity.objects.create(
        account=world.hidden, subject="Secret summit", starts_at=timezone.now() + timedelta(minutes=30)
    )
    meeting.our_participants.add(kam)
    make_contact(world.hidden, last_name="Secretworth", owner=kam, cadence_days=7)
    make_contact(world.hidden, last_name="Grumpy", influence=5, attitude=-2)
    make_task(world.hidden, world.outsider, title="Outsider's own task", due_date=today)
    client.force_login(kam)
    html = client.get("/").content.decode()
    for marker in ("Secret errand", "Secret summit", "Secretworth", "Grumpy", "Hidden Industries", "Outsider"):
        assert marker not in html, marker


def test_team_leads_and_admins_see_their_own_day_not_the_teams(world, busy, login):
    html = login(world.lead).get("/").content.decode()
    assert "Chase the listing fee" not in html and "Nora Never" not in html
    make_task(world.subsidiary, world.lead, title="Lead's own task", due_date=local_today(world.lead))
    assert "Lead&#x27;s own task" in login(world.lead).get("/").content.decode()
    html = login(world.admin).get("/").content.decode()
    assert "Chase the listing fee" not in html and "Nothing needs you today" in html


def _fill(world, n: int):
    kam = world.kam_a
    today = local_today(kam)
    start = timezone.now() + timedelta(minutes=10)
    for i in range(n):
        account = world.subsidiary if i % 2 else world.global_account
        make_task(account, kam, title=f"Task {i}", due_date=today - timedelta(days=i % 3))
        make_task(account, kam, title=f"Later {i}", due_date=today + timedelta(days=1 + i % 5))
        make_activity(account, subject=f"Meeting {i}", status="planned", starts_at=start, our_participants=[kam])
        make_contact(account, last_name=f"Stake{i}", cadence_days=7, influence=5, attitude=-2)
        make_contact(account, last_name=f"Planned{i}", level=Level.BUYER if i % 2 else Level.HEAD)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)


def test_the_page_costs_the_same_number_of_queries_with_more_data(world, client):
    client.force_login(world.kam_a)
    cadence_rule_set(actor=world.kam_a, account_id=world.global_account.pk, level=Level.BUYER, cadence_days=7)
    _fill(world, 2)
    few = _queries(client)
    _fill(world, 12)
    assert _queries(client) == few
    assert few <= 25


def _contacted(contact, days_ago: int):
    Contact.objects.filter(pk=contact.pk).update(last_contacted_at=timezone.now() - timedelta(days=days_ago))


def _overdue(user) -> dict[str, int | None]:
    return {row.contact.last_name: row.days_overdue for row in my_day(user, timezone.now()).overdue_contacts}


def test_the_cadence_is_the_accounts_plan_for_the_level_inherited_from_the_parent(world, settings, login):
    settings.COVERAGE_DEFAULT_CADENCE_DAYS = {**settings.COVERAGE_DEFAULT_CADENCE_DAYS, "buyer": 30}
    kam = world.kam_a
    buyer = make_contact(world.subsidiary, last_name="Buyer", level=Level.BUYER)
    head = make_contact(world.global_account, last_name="Head", level=Level.HEAD)
    _contacted(buyer, 20)
    _contacted(head, 20)
    assert _overdue(kam) == {}  # the defaults: buyers and heads monthly
    # The parent's plan: buyers every two weeks — the subsidiary has no rule of its own and follows it.
    cadence_rule_set(actor=kam, account_id=world.global_account.pk, level=Level.BUYER, cadence_days=14)
    assert _overdue(kam) == {"Buyer": 6}
    # The subsidiary's own rule wins over its parent's; the head follows the parent's plan for heads.
    cadence_rule_set(actor=kam, account_id=world.subsidiary.pk, level=Level.BUYER, cadence_days=7)
    cadence_rule_set(actor=kam, account_id=world.global_account.pk, level=Level.HEAD, cadence_days=7)
    day = my_day(kam, timezone.now())
    assert {row.contact.last_name: (row.days_overdue, row.cadence_label) for row in day.overdue_contacts} == {
        "Buyer": (13, "Weekly"),
        "Head": (13, "Weekly"),
    }
    assert "Weekly" in login(kam).get("/").content.decode()


def test_a_contacts_own_cadence_overrides_the_plan_and_the_default(world):
    kam = world.kam_a
    cadence_rule_set(actor=kam, account_id=world.subsidiary.pk, level=Level.C_LEVEL, cadence_days=7)
    relaxed = make_contact(world.subsidiary, last_name="Relaxed", level=Level.C_LEVEL, cadence_days=91)
    strict = make_contact(world.subsidiary, last_name="Strict", level=Level.OTHER, cadence_days=7)
    plain = make_contact(world.subsidiary, last_name="Plain", level=Level.C_LEVEL)
    for contact in (relaxed, strict, plain):
        _contacted(contact, 40)
    # Relaxed: own quarterly beats the weekly plan; Strict: own weekly beats the quarterly default for "other".
    assert _overdue(kam) == {"Strict": 33, "Plain": 33}
    # Contacted within the shortest cadence there is: never even read, whatever their cadence.
    _contacted(strict, 2)
    assert _overdue(kam) == {"Plain": 33}


# --- quick actions ---------------------------------------------------------------------------------------------


def test_done_from_my_day_with_htmx_completes_the_task_and_swaps_its_row(world, busy, login):
    task = busy["due"]
    response = login(world.kam_a).post(f"/tasks/{task.pk}/done-today/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "is done" in response.content.decode() and "<html" not in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert AuditEvent.objects.filter(object_type="task", object_id=task.pk, action="complete").exists()
    again = login(world.kam_a).post(f"/tasks/{task.pk}/done-today/", HTTP_HX_REQUEST="true")
    assert again.status_code == 422 and "Only an open task" in again.content.decode()


def test_done_without_javascript_redirects_home(world, busy, login):
    response = login(world.kam_a).post(f"/tasks/{busy['overdue'].pk}/done-today/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_done_on_a_hidden_task_is_404_and_a_viewer_cannot(world, login):
    hidden = make_task(world.hidden, world.outsider, title="Secret errand")
    assert login(world.kam_a).post(f"/tasks/{hidden.pk}/done-today/").status_code == 404
    grant(world.hidden, world.viewer)
    viewer_task = make_task(world.hidden, world.viewer, title="Viewer's task")
    assert login(world.viewer).post(f"/tasks/{viewer_task.pk}/done-today/").status_code == 403
    assert Task.objects.get(pk=viewer_task.pk).status == TaskStatus.OPEN
    assert login(world.kam_a).get(f"/tasks/{hidden.pk}/done-today/").status_code == 405


def test_log_contact_records_a_done_activity_and_clears_the_overdue_row(world, busy, login):
    contact = busy["never"]
    client = login(world.kam_a)
    response = client.post(
        f"/contacts/{contact.pk}/log-contact/", {"kind": "call", "subject": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Call with Nora Never" in response.content.decode()
    activity = Activity.objects.get(subject="Call with Nora Never")
    assert activity.status == "done" and list(activity.their_participants.all()) == [contact]
    contact.refresh_from_db()
    assert contact.last_contacted_at is not None
    assert f'id="myday-contact-{contact.pk}"' not in client.get("/").content.decode()


def test_log_contact_refuses_bad_input_hidden_contacts_and_read_only_users(world, busy, login):
    contact = busy["late"]
    bad = login(world.kam_a).post(f"/contacts/{contact.pk}/log-contact/", {"kind": "telepathy"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "telepathy" in bad.content.decode()
    hidden = make_contact(world.hidden, last_name="Secretworth")
    assert login(world.kam_a).post(f"/contacts/{hidden.pk}/log-contact/", {"kind": "call"}).status_code == 404
    grant(world.subsidiary, world.viewer)
    assert login(world.viewer).post(f"/contacts/{contact.pk}/log-contact/", {"kind": "call"}).status_code == 403
    reader = make_user("kam", email="reader@example.com")
    grant(world.subsidiary, reader)  # read access only
    assert login(reader).post(f"/contacts/{contact.pk}/log-contact/", {"kind": "call"}).status_code == 403
    assert not Activity.objects.filter(their_participants=contact).exists()


def test_the_log_form_is_offered_only_with_edit_access(world, busy, login):
    reader = make_user("kam", email="reader@example.com")
    grant(world.subsidiary, reader)
    Contact.objects.filter(pk=busy["never"].pk).update(owner=reader)
    html = login(reader).get("/").content.decode()
    assert "Nora Never" in html and "Log contact" not in html
    assert "Log contact" in login(world.kam_a).get("/").content.decode()


# --- digest preference --------------------------------------------------------------------------------------------


def test_the_digest_is_opt_in_on_the_users_own_settings_page(world, login):
    client = login(world.kam_a)
    page = client.get("/my-day/digest/")
    assert page.status_code == 200 and "Send at" in page.content.decode()
    assert not DigestPreference.objects.filter(user=world.kam_a).exists()
    response = client.post("/my-day/digest/", {"enabled": "on", "send_hour": "6"})
    assert response.status_code == 302
    preference = DigestPreference.objects.get(user=world.kam_a)
    assert preference.enabled and preference.send_hour == 6
    assert AuditEvent.objects.filter(object_type="digestpreference", object_id=preference.pk).exists()
    assert "Daily digest: on" in client.get("/").content.decode()
    bad = client.post("/my-day/digest/", {"enabled": "on", "send_hour": "24"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert DigestPreference.objects.get(user=world.kam_a).send_hour == 6
    client.post("/my-day/digest/", {"send_hour": "6"})
    assert not DigestPreference.objects.get(user=world.kam_a).enabled


def test_pages_need_a_signed_in_user(client):
    for path in ("/", "/my-day/", "/my-day/digest/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- alerts ---------------------------------------------------------------------------------------------------------


def test_alerts_for_accounts_behind_target_and_failed_imports_link_to_where_to_act(world, login):
    money = {"quantity": Decimal(1), "gross_amount": Decimal(0), "discount": Decimal(0), "cost": Decimal(0), "lines": 1}
    for account, net in ((world.subsidiary, "80.00"), (world.global_account, "300.00"), (world.hidden, "10.00")):
        AccountMonthly.objects.create(account=account, month=date(2026, 1, 1), net_amount=Decimal(net), **money)
        target_set_month(actor=None, account_id=account.pk, metric_code="revenue", month=date(2026, 1, 1), value="200")
    failed = SalesImport.objects.create(user=world.kam_a, file_name="january.csv", status=SalesImport.Status.FAILED)
    SalesImport.objects.create(user=world.outsider, file_name="secret.csv", status=SalesImport.Status.FAILED)
    day = my_day(world.kam_a, timezone.now())
    behind = [a for a in day.alerts if a.kind == "behind_target"]
    assert [a.title for a in behind] == ["Globex Deutschland is behind its revenue target"]
    assert behind[0].url == f"/accounts/{world.subsidiary.pk}/commercial/" and "80 of 200" in behind[0].detail
    imports = [a for a in day.alerts if a.kind == "failed_import"]
    assert [a.url for a in imports] == [f"/sales/imports/{failed.pk}/"]
    html = login(world.kam_a).get("/").content.decode()
    assert "january.csv" in html and "secret.csv" not in html and "Hidden Industries" not in html


def test_long_lists_show_the_most_urgent_with_the_full_count(world, login):
    kam = world.kam_a
    today = local_today(kam)
    for i in range(TASKS_SHOWN + 5):
        make_task(world.subsidiary, kam, title=f"Overdue {i:02d}", due_date=today - timedelta(days=1 + i))
    for i in range(ALERTS_SHOWN + 2):
        make_contact(world.subsidiary, last_name=f"Grump{i:02d}", influence=4, attitude=-2)
    day = my_day(kam, timezone.now())
    assert day.overdue_task_count == TASKS_SHOWN + 5 and len(day.overdue_tasks) == TASKS_SHOWN
    assert day.overdue_tasks[0].title == f"Overdue {TASKS_SHOWN + 4:02d}"  # the most overdue first
    detractors = [a for a in day.alerts if a.kind == "detractor"]
    assert len(detractors) == ALERTS_SHOWN + 1 and detractors[-1].title == "2 more high-influence detractors"
    html = login(kam).get("/").content.decode()
    assert f"The {TASKS_SHOWN} most urgent of {TASKS_SHOWN + 5}" in html and "/tasks/?due=overdue" in html


def test_a_crowded_day_lists_the_earliest_meetings_with_the_full_count(world, login):
    kam = world.kam_a
    zone = ZoneInfo(kam.time_zone)
    now = datetime(2026, 11, 24, 6, 0, tzinfo=zone)
    for i in range(MEETINGS_SHOWN + 3):
        starts = datetime(2026, 11, 24, 8, 0, tzinfo=zone) + timedelta(minutes=10 * i)
        make_activity(world.subsidiary, subject=f"Slot {i:02d}", status="planned", starts_at=starts)
    day = my_day(kam, now)
    assert day.meetings_today_count == MEETINGS_SHOWN + 3 and len(day.meetings_today) == MEETINGS_SHOWN
    assert [a.subject for a in day.meetings_today[:2]] == ["Slot 00", "Slot 01"]
    assert day.meeting_count == MEETINGS_SHOWN + 3


def test_log_is_offered_only_where_the_user_may_change_the_account(world, busy):
    """A stakeholder the KAM looks after on an account they only read shows up, without the quick log."""
    grant(world.account_b, world.kam_a)  # read access
    read_only = make_contact(world.account_b, first_name="Rita", last_name="Readonly", cadence_days=7)
    Contact.objects.filter(pk=read_only.pk).update(owner=world.kam_a)
    rows = {row.contact_id: row for row in my_day(world.kam_a, timezone.now()).overdue_contacts}
    assert rows[read_only.pk].can_log is False
    assert rows[busy["never"].pk].can_log is True and rows[busy["late"].pk].can_log is True
