"""The demo portfolio carries the communication plan: contact levels, cadence rules and touchpoints of the
strategic groups — and the coverage pages work on it."""

import pytest
from django.utils import timezone

from benchmarks.generator import generate, reset_portfolio
from kamdesk.people.coverage import account_coverage, take_snapshots
from kamdesk.people.models import CadenceRule, Contact, CoverageSnapshot, Level, PlannedTouchpoint
from kamdesk.users.models import User


@pytest.fixture
def small(db):
    return generate("S", seed=3, scale=0.2)


def test_demo_contacts_have_levels_and_strategic_groups_a_plan(small):
    levels = set(Contact.objects.values_list("level", flat=True))
    assert {Level.C_LEVEL, Level.DIRECTOR, Level.HEAD, Level.BUYER, Level.OPERATIONAL} <= levels
    rule = CadenceRule.objects.select_related("account").first()
    assert rule is not None and rule.account.parent_id is None and rule.account.tier == "strategic"
    touchpoint = PlannedTouchpoint.objects.filter(status="held").first()
    assert touchpoint.held_on is not None and touchpoint.our_people.exists() and touchpoint.their_people.exists()
    assert PlannedTouchpoint.objects.filter(status="planned", planned_on__gt=timezone.localdate()).exists()


def test_coverage_runs_on_the_demo_and_reset_removes_the_plan(small, client):
    assert take_snapshots(timezone.localdate()) > 0
    account = CadenceRule.objects.first().account
    assert account_coverage(account).assessment.key
    client.force_login(User.objects.get(pk=account.owner_id))
    assert client.get(f"/accounts/{account.pk}/coverage/").status_code == 200
    assert client.get("/coverage/").status_code == 200
    reset_portfolio()
    assert not PlannedTouchpoint.objects.exists() and not CadenceRule.objects.exists()
    assert not CoverageSnapshot.objects.exists()
