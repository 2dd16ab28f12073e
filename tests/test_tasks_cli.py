"""`kamdesk task list|add|done` and `kamdesk activity list`: the same services and access as the pages."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kamdesk.activities.models import Task, TaskStatus
from kamdesk.audit.models import AuditEvent
from tests.activities_factories import make_activity, make_task

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_task_add_list_and_done(world):
    out = run(
        "task", "add", "--account", "G-001", "--title", "Send offer", "--due", "2030-01-31", "--as", "kam.a@example.com"
    )
    task = Task.objects.get(title="Send offer")
    assert f"Task {task.pk} added to G-001 for kam.a@example.com" in out
    assert task.created_by == world.kam_a and str(task.due_date) == "2030-01-31"
    make_task(world.global_account, world.lead, title="Lead's task")
    mine = run("task", "list", "--as", "kam.a@example.com")
    assert "Send offer" in mine and "Lead's task" not in mine
    everything = json.loads(run("task", "list", "--as", "kam.a@example.com", "--all", "--format", "json"))
    assert {t["title"] for t in everything} == {"Send offer", "Lead's task"}
    assert everything[0]["account_code"] == "G-001"
    out = run("task", "done", str(task.pk), "--as", "kam.a@example.com")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and "is done" in out
    assert AuditEvent.objects.filter(object_type="task", object_id=task.pk, action="complete").exists()
    assert "Send offer" not in run("task", "list", "--as", "kam.a@example.com")


def test_task_commands_refuse_with_clear_errors(world):
    make_task(world.hidden, world.outsider, title="Hidden")
    assert "Hidden" not in run("task", "list", "--as", "kam.a@example.com", "--all")
    assert "Hidden" in run("task", "list")  # the operator sees everything
    with pytest.raises(CommandError, match="cannot see"):
        run("task", "add", "--account", "G-001", "--title", "x", "--owner", "outsider@example.com")
    with pytest.raises(CommandError, match="--owner"):
        run("task", "add", "--account", "G-001", "--title", "x")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("task", "add", "--account", "G-001", "--title", "x", "--owner", "kam.a@example.com", "--due", "tomorrow")
    with pytest.raises(CommandError, match="priority"):
        run("task", "add", "--account", "G-001", "--title", "x", "--owner", "kam.a@example.com", "--priority", "urgent")
    hidden = Task.objects.get(title="Hidden")
    with pytest.raises(CommandError, match="not found"):
        run("task", "done", str(hidden.pk), "--as", "kam.a@example.com")


def test_activity_list(world):
    make_activity(world.global_account, subject="Group review")
    make_activity(world.subsidiary, subject="Local visit", kind="visit")
    table = run("activity", "list", "--account", "G-001")
    assert "Group review" in table and "Local visit" in table and "G-001-DE" in table
    items = json.loads(
        run("activity", "list", "--account", "G-001-DE", "--format", "json", "--as", "kam.a@example.com")
    )
    assert [item["subject"] for item in items] == ["Local visit"]
    with pytest.raises(CommandError, match="No account"):
        run("activity", "list", "--account", "G-001", "--as", "outsider@example.com")
    assert "No activities" in run("activity", "list", "--account", "B-001")
