"""Coverage analysis: the cadence each contact must keep, the gaps, the score, single-threading and the daily
snapshots for the trend — on a known set of stakeholders, against the real database."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from kamdesk.people.coverage import (
    account_coverage,
    effective_cadence_days,
    load_cadence_rules,
    percent,
    take_snapshots,
)
from kamdesk.people.models import Contact, CoverageSnapshot
from kamdesk.people.services_coverage import cadence_rule_set
from tests.activities_factories import make_activity
from tests.factories import make_account, make_contact, make_user

pytestmark = pytest.mark.django_db

DEFAULTS = {"c_level": 91, "director": 30, "head": 30, "buyer": 14, "operational": 30, "other": 91, "none": 91}


def contacted(contact: Contact, days_ago: int | None) -> None:
    when = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
    Contact.objects.filter(pk=contact.pk).update(last_contacted_at=when)


@pytest.fixture
def kam(db):
    return make_user("kam", email="kam@example.com")


@pytest.fixture
def account(kam):
    return make_account(owner=kam, code="COV-1", name="Coverco")


# --- cadence: contact > account rule > parent's rule > default ---------------------------------------------------


@override_settings(COVERAGE_DEFAULT_CADENCE_DAYS=DEFAULTS)
def test_effective_cadence_prefers_contact_then_account_rule_then_parent_then_default(kam):
    group = make_account(owner=kam, code="GRP")
    local = make_account(owner=kam, code="LOC", parent=group)
    own = make_contact(local, level="buyer", cadence_days=7)
    by_rule = make_contact(local, level="buyer")
    by_parent = make_contact(local, level="c_level")
    by_default = make_contact(local, level="director")
    no_level = make_contact(local)
    cadence_rule_set(actor=None, account_id=local.pk, level="buyer", cadence_days=30)
    cadence_rule_set(actor=None, account_id=group.pk, level="buyer", cadence_days=182)  # the nearer rule wins
    cadence_rule_set(actor=None, account_id=group.pk, level="c_level", cadence_days=365)

    rules = load_cadence_rules([local.pk])

    assert effective_cadence_days(own, rules) == 7
    assert effective_cadence_days(by_rule, rules) == 30
    assert effective_cadence_days(by_parent, rules) == 365
    assert effective_cadence_days(by_default, rules) == 30
    assert effective_cadence_days(no_level, rules) == 91


def test_rules_load_in_one_query(kam, account):
    cadence_rule_set(actor=None, account_id=account.pk, level="buyer", cadence_days=14)
    with CaptureQueriesContext(connection) as queries:
        load_cadence_rules([account.pk])
    assert len(queries) == 1


def test_a_rule_refuses_unknown_levels_and_cadences(account):
    from kamdesk.core.errors import ServiceError

    with pytest.raises(ServiceError) as bad_level:
        cadence_rule_set(actor=None, account_id=account.pk, level="king", cadence_days=14)
    assert "level" in bad_level.value.field_errors
    with pytest.raises(ServiceError) as bad_days:
        cadence_rule_set(actor=None, account_id=account.pk, level="buyer", cadence_days=10)
    assert "cadence_days" in bad_days.value.field_errors


# --- the score on a known set -----------------------------------------------------------------------------------


def test_percent_rounds_halves_up_and_is_none_without_a_whole():
    assert percent(1, 2) == 50
    assert percent(1, 8) == 13  # 12.5 -> 13
    assert percent(2, 3) == 67
    assert percent(0, 0) is None


@override_settings(COVERAGE_DEFAULT_CADENCE_DAYS=DEFAULTS)
def test_score_is_the_influence_weighted_share_owned_and_in_cadence(kam, account):
    # Covered: owner and contacted within cadence (weights 5 and 3 — influence missing weighs 3).
    a = make_contact(account, buying_role="decision_maker", influence=5, owner=kam, cadence_days=30)
    b = make_contact(account, buying_role="champion", owner=kam, cadence_days=30)
    # Not covered: no owner (weight 4); out of cadence (weight 2); never contacted (weight 1).
    c = make_contact(account, buying_role="economic_buyer", influence=4, cadence_days=30)
    d = make_contact(account, buying_role="influencer", influence=2, owner=kam, cadence_days=30)
    e = make_contact(account, buying_role="influencer", influence=1, owner=kam, cadence_days=30)
    # Not key: ignored by the score, but counted by the cadence compliance.
    f = make_contact(account, buying_role="user", influence=5, cadence_days=30)
    # Left the company: ignored by everything.
    g = make_contact(account, buying_role="decision_maker", influence=5, has_left=True)
    for contact, days in ((a, 3), (b, 29), (c, 1), (d, 31), (f, 2), (g, 400)):
        contacted(contact, days)

    result = account_coverage(account).assessment

    assert result.score == percent(5 + 3, 5 + 3 + 4 + 2 + 1) == 53
    assert {row.contact.pk for row in result.key} == {a.pk, b.pk, c.pk, d.pk, e.pk}
    assert [x.pk for x in result.without_owner] == [c.pk]
    assert {row.contact.pk for row in result.out_of_cadence} == {d.pk, e.pk}
    assert (result.in_cadence, result.judged, result.compliance) == (4, 6, 67)
    assert e.pk not in {r.contact.pk for r in result.rows if r.in_cadence}
    assert g.pk not in {r.contact.pk for r in result.rows}


def test_no_key_stakeholders_means_no_score(account):
    make_contact(account, buying_role="user")
    assert account_coverage(account).assessment.score is None


@override_settings(COVERAGE_DEFAULT_CADENCE_DAYS=DEFAULTS)
def test_cadence_rows_give_next_due_and_days_overdue(kam, account):
    late = make_contact(account, level="buyer", owner=kam)  # default 14 days
    never = make_contact(account, level="buyer", owner=kam)
    fresh = make_contact(account, level="c_level", owner=kam)
    contacted(late, 20)
    contacted(fresh, 10)

    rows = {row.contact.pk: row for row in account_coverage(account).assessment.rows}

    assert rows[late.pk].days_overdue == 6 and rows[late.pk].overdue
    assert rows[late.pk].next_due == rows[late.pk].last_contact + timedelta(days=14)
    assert rows[never.pk].last_contact is None and rows[never.pk].overdue
    assert rows[fresh.pk].in_cadence and rows[fresh.pk].days_overdue == -81
    # Most overdue first: never contacted, then the longest overdue, then those in cadence.
    order = [row.contact.pk for row in account_coverage(account).assessment.rows]
    assert order == [never.pk, late.pk, fresh.pk]


# --- each gap rule ---------------------------------------------------------------------------------------------


def test_influential_sceptics_and_detractors_are_a_gap(kam, account):
    risky = make_contact(account, attitude=-1, influence=4)
    worst = make_contact(account, attitude=-2, influence=5, buying_role="user")
    make_contact(account, attitude=-2, influence=3)  # not influential enough
    make_contact(account, attitude=0, influence=5)  # neutral
    make_contact(account, attitude=None, influence=5)  # unknown

    gaps = account_coverage(account).assessment.risky_detractors

    assert {c.pk for c in gaps} == {risky.pk, worst.pk}


def test_single_threaded_means_one_of_our_people_met_them_in_the_last_year(kam, account):
    colleague = make_user("kam", email="colleague@example.com")
    single = make_contact(account, buying_role="decision_maker", owner=kam)
    double = make_contact(account, buying_role="champion", owner=kam)
    planned_only = make_contact(account, buying_role="influencer", owner=kam)
    old = make_contact(account, buying_role="economic_buyer", owner=kam)
    not_key = make_contact(account, buying_role="user", owner=kam)
    make_activity(account, our_participants=[kam], their_participants=[single, double, not_key])
    make_activity(account, our_participants=[kam], their_participants=[single])  # still only one person
    make_activity(account, our_participants=[colleague], their_participants=[double])
    make_activity(
        account,
        status="planned",
        starts_at=timezone.now() + timedelta(days=3),
        our_participants=[kam],
        their_participants=[planned_only],
    )
    make_activity(
        account,
        starts_at=timezone.now() - timedelta(days=400),
        our_participants=[kam],
        their_participants=[old],
    )

    gaps = account_coverage(account).assessment.single_threaded

    assert [c.pk for c in gaps] == [single.pk]


def test_subsidiaries_count_only_when_asked(kam):
    group = make_account(owner=kam, code="G")
    local = make_account(owner=kam, code="G-L", parent=group)
    top = make_contact(group, buying_role="decision_maker", owner=kam)
    below = make_contact(local, buying_role="decision_maker")

    with_children = account_coverage(group, include_subsidiaries=True).assessment
    alone = account_coverage(group, include_subsidiaries=False).assessment

    assert {r.contact.pk for r in with_children.key} == {top.pk, below.pk}
    assert [r.contact.pk for r in alone.key] == [top.pk]


def test_account_coverage_reads_in_a_fixed_number_of_queries(kam, account):
    def queries_for(n: int) -> int:
        colleague = make_user("kam")
        for i in range(n):
            contact = make_contact(account, buying_role="decision_maker", influence=1 + i % 5, owner=kam)
            if i % 3 == 0:
                make_activity(account, our_participants=[kam, colleague], their_participants=[contact])
        with CaptureQueriesContext(connection) as queries:
            account_coverage(account)
        return len(queries)

    assert queries_for(10) == queries_for(90)


# --- snapshots -------------------------------------------------------------------------------------------------


def test_snapshots_are_idempotent_per_day_and_follow_the_data(kam, account):
    other = make_account(owner=kam, code="COV-2")
    boss = make_contact(account, buying_role="decision_maker", influence=5, owner=kam)
    make_contact(account, buying_role="influencer", influence=5)
    today = timezone.localdate()

    assert take_snapshots(today) == 2
    first = CoverageSnapshot.objects.get(account=account, taken_on=today)
    assert (first.score, first.key_stakeholders, first.without_owner, first.out_of_cadence) == (0, 2, 1, 2)

    contacted(boss, 1)
    assert take_snapshots(today) == 2
    assert CoverageSnapshot.objects.filter(taken_on=today).count() == 2
    assert CoverageSnapshot.objects.get(account=account, taken_on=today).score == 50
    assert CoverageSnapshot.objects.get(account=other, taken_on=today).score is None

    take_snapshots(today - timedelta(days=1))
    assert CoverageSnapshot.objects.filter(account=account).count() == 2
    trend = account_coverage(account).trend
    assert [s.taken_on for s in trend] == [today - timedelta(days=1), today]


def test_snapshot_matches_the_account_page_including_subsidiaries(kam):
    group = make_account(owner=kam, code="SG")
    local = make_account(owner=kam, code="SG-1", parent=group)
    for account in (group, local):
        for influence in (2, 5):
            contact = make_contact(account, buying_role="champion", influence=influence, owner=kam)
            contacted(contact, influence)
    linked = make_contact(make_account(owner=kam, code="ELSE"), buying_role="influencer", influence=4)
    linked.other_accounts.add(local)
    take_snapshots(timezone.localdate())
    for account in (group, local):
        live = account_coverage(account).assessment
        stored = CoverageSnapshot.objects.get(account=account)
        assert stored.score == live.score
        assert stored.key_stakeholders == len(live.key)
        assert stored.compliance == live.compliance


def test_snapshot_for_all_accounts_takes_a_bounded_number_of_queries(kam):
    def queries_for(accounts: int) -> int:
        for _ in range(accounts):
            account = make_account(owner=kam)
            for role in ("decision_maker", "influencer", "user"):
                make_contact(account, buying_role=role, owner=kam)
        with CaptureQueriesContext(connection) as queries:
            take_snapshots(timezone.localdate())
        return len(queries)

    assert queries_for(3) == queries_for(30)


def test_the_snapshot_command(kam, account, capsys):
    make_contact(account, buying_role="decision_maker")
    call_command("coverage", "snapshot")
    call_command("coverage", "snapshot", "--date", "2026-01-05")
    assert "Stored the coverage snapshot of 1 account" in capsys.readouterr().out
    assert CoverageSnapshot.objects.filter(account=account).count() == 2
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("coverage", "snapshot", "--date", "yesterday")
    with pytest.raises(CommandError, match="future"):
        call_command("coverage", "snapshot", "--date", (timezone.localdate() + timedelta(days=2)).isoformat())


def test_the_scheduled_job_takes_todays_snapshot(account):
    from kamdesk.people.tasks import coverage_snapshots_job

    coverage_snapshots_job.enqueue()
    assert CoverageSnapshot.objects.filter(account=account, taken_on=timezone.localdate()).exists()
