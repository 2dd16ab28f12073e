"""An account's History tab names every kind of record written to it (activities, tasks, the communication
plan, ...) in words, reads their changes with the model's labels, and never shows another account's events."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from kamdesk.people.models import Level
from kamdesk.people.services_coverage import cadence_rule_set
from kamdesk.people.touchpoints import touchpoint_create
from tests.activities_factories import make_activity, make_task

pytestmark = pytest.mark.django_db


def _history(client, account) -> str:
    response = client.get(reverse("accounts:history", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_history_names_activities_tasks_and_the_communication_plan(world, login):
    kam, account = world.kam_a, world.subsidiary
    make_activity(account, actor=kam, subject="Range review")
    make_task(account, kam, actor=kam, title="Send the minutes", due_date=date.today() + timedelta(days=3))
    cadence_rule_set(actor=kam, account_id=account.pk, level=Level.BUYER, cadence_days=14)
    touchpoint_create(actor=kam, account=account, title="Annual review", planned_on=date.today())
    html = _history(login(kam), account)
    for summary in (
        "Activity added: Range review",
        "Task added: Send the minutes",
        "Contact cadence rule added",
        "Planned touchpoint added: Annual review",
    ):
        assert summary in html, summary
    # Changes read with the model's labels and choice names, not raw field names and values.
    assert "Every two weeks" in html
    for raw in ("cadencerule", "plannedtouchpoint", "cadence_days"):
        assert raw not in html, raw


def test_hidden_accounts_history_is_404_and_never_leaks_into_a_visible_one(world, login):
    make_activity(world.hidden, actor=world.outsider, subject="Secret summit")
    cadence_rule_set(actor=world.outsider, account_id=world.hidden.pk, level=Level.C_LEVEL, cadence_days=7)
    client = login(world.kam_a)
    assert client.get(reverse("accounts:history", args=[world.hidden.pk])).status_code == 404
    for account in (world.subsidiary, world.global_account):
        assert "Secret summit" not in _history(client, account)
    viewer = login(world.viewer)
    assert viewer.get(reverse("accounts:history", args=[world.hidden.pk])).status_code == 404
