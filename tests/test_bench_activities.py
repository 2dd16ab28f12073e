"""The benchmark's activity layer (`kamdesk bench --activities`): what it generates on a tiny portfolio, that it
keeps the models' rules, and the bench measuring My day, the timeline, the relationship map and the digest."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Q

from benchmarks import activity_generator as layer
from benchmarks.generator import generate, reset_portfolio
from benchmarks.runner import ACTIVITY_PAGES, KAM, ROLES, _format_digest
from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.activities.models import Activity, Task, TaskComment
from kamdesk.people.models import Contact
from kamdesk.users.models import Role, User

ANCHOR = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def portfolio(db):
    generate("S", seed=3, scale=0.05, sales_lines=1_000)
    lead = User.objects.filter(role=Role.TEAM_LEAD, team__isnull=False).order_by("id").first()
    admin_view = Account.objects.all()
    return lead, admin_view


def test_a_year_of_activities_keeps_the_rules_and_fills_one_global_account(portfolio):
    _lead, accounts = portfolio
    focus = layer.focus_group(accounts)
    assert focus is not None and AccountClosure.objects.filter(ancestor_id=focus, depth__gt=0).exists()
    summary = layer.write_activities(count=900, seed=1, anchor=ANCHOR, focus_id=focus)

    assert Activity.objects.count() == summary.activities == 900
    assert 200 <= Task.objects.count() == summary.tasks <= 400  # about one task per three activities
    assert TaskComment.objects.count() == summary.comments
    subtree = AccountClosure.objects.filter(ancestor_id=focus).values("descendant_id")
    group = Contact.objects.filter(account_id__in=subtree)
    assert group.count() == layer.FOCUS_STAKEHOLDERS and summary.extra_stakeholders > 0
    # The added people sit in the group's org chart, with an owner or not, and a cadence.
    extras = group.filter(notes=layer.EXTRA_NOTE)
    assert not extras.filter(reports_to=None).exists()
    assert not extras.exclude(reports_to__account_id__in=subtree).exists()

    latest_start = Activity.objects.aggregate(last=Max("starts_at"))["last"]
    assert latest_start <= ANCHOR + timedelta(days=layer.DAYS_AHEAD + 1)
    assert not Activity.objects.filter(status="done", starts_at__gt=ANCHOR).exists()
    assert not Activity.objects.exclude(Q(ends_at=None) | Q(ends_at__gte=F("starts_at"))).exists()
    assert not Task.objects.filter(status="done", completed_at=None).exists()
    assert not Task.objects.exclude(status="done").exclude(completed_at=None).exists()
    assert not Activity.objects.annotate(n=Count("our_participants")).filter(n=0).exists()
    # Their participants are people of the activity's account.
    Through = Activity.their_participants.through
    assert not Through.objects.exclude(contact__account_id=F("activity__account_id")).exists()

    # Last contact: the latest done activity each stakeholder took part in.
    contact = Contact.objects.filter(activities__status="done").order_by("id").first()
    latest = contact.activities.filter(status="done").aggregate(m=Max("starts_at"))["m"]
    assert contact.last_contacted_at == latest
    assert not Contact.objects.filter(activities=None).exclude(last_contacted_at=None).exists()

    # Ids were handed out by the generator: the next row saved normally gets a fresh one.
    account = Account.objects.get(pk=focus)
    fresh = Activity.objects.create(account=account, subject="After", starts_at=ANCHOR)
    assert fresh.pk > max(Activity.objects.exclude(pk=fresh.pk).values_list("pk", flat=True))


def test_the_layer_is_replaced_and_found_again_and_the_portfolio_can_be_reset(portfolio):
    _lead, accounts = portfolio
    focus = layer.focus_group(accounts)
    layer.write_activities(count=300, seed=1, anchor=ANCHOR, focus_id=focus)
    assert layer.activities_present(300, focus) and not layer.activities_present(301, focus)
    assert layer.focus_group(accounts) == focus  # the group holding the added stakeholders stays the focus
    layer.write_activities(count=200, seed=1, anchor=ANCHOR, focus_id=focus)
    assert Activity.objects.count() == 200
    assert Contact.objects.filter(notes=layer.EXTRA_NOTE).count() <= layer.FOCUS_STAKEHOLDERS
    reset_portfolio()  # activities and tasks protect accounts and users: the reset removes them first
    assert not Account.objects.exists() and not Activity.objects.exists() and not Task.objects.exists()


def test_the_focus_group_is_one_the_lead_sees(portfolio):
    lead, _accounts = portfolio
    visible = visible_accounts(lead)
    focus = layer.focus_group(visible)
    assert focus is None or visible.filter(pk=focus).exists()


def test_the_digest_line_reads_well():
    line = _format_digest({"users": 40, "seconds": 2.5, "messages": 30, "empty": 10, "failed": 0, "queries": 90}, 30)
    assert "all 40 users" in line[1] and "2.5 s" in line[1] and line[1].endswith("ok")
    assert "skipped: not available" in _format_digest({"skipped": "not available (no digests)"}, 30)[1]
    assert _format_digest(None, 30) == []


@pytest.mark.slow
def test_bench_with_activities_end_to_end_on_a_tiny_portfolio(tmp_path):
    """Prepare with a few hundred activities, serve with gunicorn, measure the relationship pages for the team
    lead, the admin and the global account's KAM, then time every user's digest."""
    out, progress = StringIO(), StringIO()
    database_url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    arguments = ["--scale", "0.05", "--requests", "2", "--warmup", "0", "--database-url", database_url]
    call_command("bench", "--json", *arguments, "--activities", "600", stdout=out, stderr=progress)
    (run,) = json.loads(out.getvalue())["runs"]
    assert run["activities"]["activities"] == 600 and run["activities"]["generated"] is True
    focus = run["subjects"]["focus"]
    assert focus["stakeholders"] == layer.FOCUS_STAKEHOLDERS and focus["subsidiaries"] >= 1
    assert set(run["pages"]) == {*ROLES, KAM}
    for role in (*ROLES, KAM):
        for page in ACTIVITY_PAGES:
            result = run["pages"][role][page.key]
            if "skipped" in result:  # a page not built in this installation yet
                assert page.key == "relationship_map" and "not available" in result["skipped"]
                continue
            assert result["queries"] > 0 and not result["queries_varied"] and result["target_p95_ms"] == 80
    assert run["pages"][KAM]["timeline"]["path"] == f"/accounts/{focus['id']}/timeline/?subsidiaries=on"
    digest = run["digest"]
    if "skipped" not in digest:
        assert digest["users"] == run["data"]["users"] and digest["failed"] == 0
        assert digest["messages"] == digest["sent"] > 0 and digest["seconds"] >= 0

    # Run again: the portfolio and its activities are reused; the text report shows the new parts.
    text = StringIO()
    call_command("bench", *arguments, "--activities", "600", stdout=text, stderr=progress)
    report = text.getvalue()
    assert "reused" in progress.getvalue() and "Activities: 600 over 12 months" in report
    assert report.count("  Account timeline ") == 3 and "KAM " in report and "Daily digest" in report
