"""The Tasks page (my open tasks by default, filters, team leads' view), task pages and their actions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kamdesk.activities.models import Task, TaskComment, TaskStatus
from tests.activities_factories import make_activity, make_task
from tests.factories import grant

pytestmark = pytest.mark.django_db
TASKS = reverse("activities:tasks")


def detail(task):
    return reverse("activities:task_detail", args=[task.pk])


def test_tasks_is_in_the_main_navigation(world, login):
    assert f'href="{TASKS}"'.encode() in login(world.kam_a).get(reverse("accounts:list")).content


def test_by_default_my_open_tasks(world, login):
    mine = make_task(world.global_account, world.kam_a, title="Mine open")
    done = make_task(world.global_account, world.kam_a, title="Mine done")
    done.status, done.completed_at = "done", timezone.now()
    done.save()
    make_task(world.global_account, world.lead, title="The lead's")
    make_task(world.hidden, world.outsider, title="Hidden task")
    body = login(world.kam_a).get(TASKS).content.decode()
    assert mine.title in body
    assert "Mine done" not in body and "The lead's" not in body and "Hidden task" not in body


def test_filters_status_owner_and_the_team_leads_view(world, login):
    make_task(world.global_account, world.kam_a, title="Kam A task")
    make_task(world.account_b, world.kam_b, title="Kam B task")
    make_task(world.hidden, world.outsider, title="Outsider task")
    client = login(world.lead)
    team = client.get(TASKS, {"scope": "team", "status": "open"}).content.decode()
    assert "Kam A task" in team and "Kam B task" in team and "Outsider task" not in team
    only_b = client.get(TASKS, {"owner": world.kam_b.pk}).content.decode()
    assert "Kam B task" in only_b and "Kam A task" not in only_b
    # A KAM filtering for all they can see still does not see the others' accounts.
    everything = login(world.kam_a).get(TASKS, {"scope": "all"}).content.decode()
    assert "Kam A task" in everything and "Kam B task" not in everything


def test_due_filter_and_account_filter(world, login):
    today = timezone.localdate()
    make_task(world.global_account, world.kam_a, title="Late one", due_date=today - timedelta(days=2))
    make_task(world.subsidiary, world.kam_a, title="Next week", due_date=today + timedelta(days=3))
    client = login(world.kam_a)
    overdue = client.get(TASKS, {"scope": "mine", "due": "overdue"}).content.decode()
    assert "Late one" in overdue and "Next week" not in overdue and "overdue" in overdue
    by_account = client.get(TASKS, {"account": world.subsidiary.pk}).content.decode()
    assert "Next week" in by_account and "Late one" not in by_account


def test_htmx_filter_answers_only_the_results(world, login):
    make_task(world.global_account, world.kam_a, title="Mine open")
    response = login(world.kam_a).get(TASKS, {"scope": "mine"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-results")
    body = response.content.decode()
    assert "Mine open" in body and "<html" not in body


def test_create_complete_reopen_reassign_and_comment(world, login):
    client = login(world.kam_a)
    activity = make_activity(world.global_account)
    url = reverse("activities:task_create", args=[world.global_account.pk]) + f"?activity={activity.pk}"
    response = client.post(url, {"title": "Call the buyer", "priority": "high", "activity": activity.pk})
    task = Task.objects.get(title="Call the buyer")
    assert response.status_code == 302 and task.owner == world.kam_a and task.activity == activity
    client.post(reverse("activities:task_complete", args=[task.pk]), {"next": TASKS})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    client.post(reverse("activities:task_reopen", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    client.post(reverse("activities:task_reassign", args=[task.pk]), {"owner": world.lead.pk, "note": "yours"})
    task.refresh_from_db()
    assert task.owner == world.lead
    refused = client.post(reverse("activities:task_reassign", args=[task.pk]), {"owner": world.outsider.pk})
    assert refused.status_code == 422 and "has no access to this account" in refused.content.decode()
    client.post(reverse("activities:task_comment", args=[task.pk]), {"text": "Called, *waiting*"})
    assert TaskComment.objects.get(task=task).text == "Called, *waiting*"
    page = client.get(detail(task)).content.decode()
    assert "<em>waiting</em>" in page and activity.subject in page


def test_edit_and_cancel_a_task(world, login):
    client = login(world.kam_a)
    task = make_task(world.global_account, world.kam_a)
    assert client.get(reverse("activities:task_edit", args=[task.pk])).status_code == 200
    response = client.post(reverse("activities:task_edit", args=[task.pk]), {"title": "Renamed", "priority": "low"})
    assert response.status_code == 302
    client.post(reverse("activities:task_cancel", args=[task.pk]))
    task.refresh_from_db()
    assert (task.title, task.priority, task.status) == ("Renamed", "low", TaskStatus.CANCELLED)


def test_access_on_task_pages(world, login):
    task = make_task(world.global_account, world.kam_a)
    client = login(world.outsider)
    for name in ("activities:task_detail", "activities:task_edit"):
        assert client.get(reverse(name, args=[task.pk])).status_code == 404
    for name in ("activities:task_complete", "activities:task_comment", "activities:task_reassign"):
        assert client.post(reverse(name, args=[task.pk]), {"text": "x"}).status_code == 404
    grant(world.global_account, world.kam_b, access="read")
    client = login(world.kam_b)
    assert client.get(reverse("activities:task_edit", args=[task.pk])).status_code == 403
    assert (
        client.post(reverse("activities:task_reassign", args=[task.pk]), {"owner": world.kam_b.pk}).status_code == 403
    )
    assert client.get(reverse("activities:task_create", args=[world.global_account.pk])).status_code == 403
    grant(world.global_account, world.viewer, access="edit")
    viewer = login(world.viewer)
    assert viewer.post(reverse("activities:task_comment", args=[task.pk]), {"text": "x"}).status_code == 403
    assert not TaskComment.objects.exists()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TASKS, {"scope": "all"}).status_code == 200
    return len(queries)


def test_the_tasks_page_costs_the_same_queries_for_few_and_many_rows(world, login):
    client = login(world.lead)

    def add(n):
        for i in range(n):
            activity = make_activity(world.subsidiary, subject=f"A{i}")
            make_task(world.subsidiary, world.kam_a, title=f"T{i}", activity=activity)
            make_task(world.account_b, world.kam_b, title=f"B{i}")

    add(2)
    few = _list_queries(client)
    add(12)
    many = _list_queries(client)
    assert many == few
