"""Task services: create, update, reassign, complete, reopen, comment — validation, access and audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kamdesk.activities.models import TaskComment, TaskStatus
from kamdesk.activities.services import (
    task_comment_add,
    task_complete,
    task_create,
    task_reassign,
    task_reopen,
    task_update,
)
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def events(task, action):
    return AuditEvent.objects.filter(object_type="task", object_id=task.pk, action=action)


def test_create_defaults_the_owner_to_the_actor_and_audits(world):
    task = task_create(actor=world.kam_a, account=world.subsidiary, title="  Send samples  ", priority="high")
    assert (task.owner, task.title, task.status, task.created_by) == (world.kam_a, "Send samples", "open", world.kam_a)
    event = events(task, "create").get()
    assert event.account_id == world.subsidiary.pk and event.changes["title"] == [None, "Send samples"]


def test_the_owner_must_see_the_account(world):
    with pytest.raises(ServiceError) as error:
        make_task(world.global_account, world.outsider, actor=world.kam_a)
    assert "owner" in error.value.field_errors and "cannot see" in error.value.message
    grant(world.global_account, world.kam_b, access="read")  # reading is enough to own a task
    assert make_task(world.global_account, world.kam_b, actor=world.kam_a).owner == world.kam_b
    inactive = make_user(is_active=False)
    with pytest.raises(ServiceError):
        make_task(world.global_account, inactive, actor=world.kam_a)
    with pytest.raises(ServiceError):
        task_create(actor=None, account=world.global_account, title="No owner")


def test_validation_and_access_on_create(world):
    with pytest.raises(ServiceError) as error:
        make_task(world.global_account, world.kam_a, actor=world.kam_a, title=" ")
    assert "title" in error.value.field_errors
    with pytest.raises(ServiceError):
        make_task(world.global_account, world.kam_a, actor=world.kam_a, priority="urgent")
    with pytest.raises(NotFound):
        make_task(world.hidden, world.outsider, actor=world.kam_a)
    grant(world.account_b, world.kam_a, access="read")
    with pytest.raises(PermissionDenied):
        make_task(world.account_b, world.kam_a, actor=world.kam_a)
    other_activity = make_activity(world.account_b)
    with pytest.raises(ServiceError) as error:
        make_task(world.global_account, world.kam_a, actor=world.kam_a, activity=other_activity)
    assert "activity" in error.value.field_errors


def test_update_changes_fields_and_cancels(world):
    task = make_task(world.global_account, world.kam_a)
    due = timezone.localdate() + timedelta(days=3)
    task_update(actor=world.kam_a, task_id=task.pk, title="New title", due_date=due)
    event = events(task, "update").get()
    assert event.changes["title"] == ["Send the price list", "New title"]
    with pytest.raises(ServiceError):
        task_update(actor=world.kam_a, task_id=task.pk, status="done")
    with pytest.raises(ServiceError):
        task_update(actor=world.kam_a, task_id=task.pk, owner=world.lead)  # reassign is its own step
    task = task_update(actor=world.kam_a, task_id=task.pk, status="cancelled")
    assert task.status == TaskStatus.CANCELLED


def test_reassign_to_someone_who_sees_the_account(world):
    task = make_task(world.global_account, world.kam_a)
    task_reassign(actor=world.kam_a, task_id=task.pk, owner=world.lead, note="Lead takes it")
    task.refresh_from_db()
    assert task.owner == world.lead
    event = events(task, "reassign").get()
    assert event.note == "Lead takes it" and event.changes["owner"][1] == str(world.lead)
    with pytest.raises(ServiceError):
        task_reassign(actor=world.kam_a, task_id=task.pk, owner=world.outsider)
    with pytest.raises(ServiceError):
        task_reassign(actor=world.kam_a, task_id=task.pk, owner=world.lead)  # already theirs


def test_complete_and_reopen(world):
    task = make_task(world.global_account, world.kam_a)
    task_complete(actor=world.kam_a, task_id=task.pk)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None
    with pytest.raises(ServiceError):
        task_complete(actor=world.kam_a, task_id=task.pk)
    task_reopen(actor=world.kam_a, task_id=task.pk)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completed_at is None
    with pytest.raises(ServiceError):
        task_reopen(actor=world.kam_a, task_id=task.pk)
    assert events(task, "complete").count() == 1 and events(task, "reopen").count() == 1


def test_the_owner_with_read_access_completes_and_comments_but_does_not_edit(world):
    grant(world.global_account, world.kam_b, access="read")
    task = make_task(world.global_account, world.kam_b, actor=world.kam_a)
    task_complete(actor=world.kam_b, task_id=task.pk)
    task_reopen(actor=world.kam_b, task_id=task.pk)
    task_comment_add(actor=world.kam_b, task_id=task.pk, text="On it")
    with pytest.raises(PermissionDenied):
        task_update(actor=world.kam_b, task_id=task.pk, title="Mine now")
    with pytest.raises(PermissionDenied):
        task_reassign(actor=world.kam_b, task_id=task.pk, owner=world.kam_a)


def test_hidden_tasks_are_not_found_and_viewers_change_nothing(world):
    task = make_task(world.global_account, world.kam_a)
    for service, extra in (
        (task_complete, {}),
        (task_reopen, {}),
        (task_update, {"title": "x"}),
        (task_reassign, {"owner": world.outsider}),
        (task_comment_add, {"text": "x"}),
    ):
        with pytest.raises(NotFound):
            service(actor=world.outsider, task_id=task.pk, **extra)
    grant(world.global_account, world.viewer, access="edit")
    with pytest.raises(PermissionDenied):
        task_complete(actor=world.viewer, task_id=task.pk)
    with pytest.raises(PermissionDenied):
        task_comment_add(actor=world.viewer, task_id=task.pk, text="x")


def test_comments_are_stored_and_audited(world):
    task = make_task(world.global_account, world.kam_a)
    comment = task_comment_add(actor=world.lead, task_id=task.pk, text="  Please hurry  ")
    assert (comment.author, comment.text) == (world.lead, "Please hurry")
    event = AuditEvent.objects.get(object_type="taskcomment", object_id=comment.pk)
    assert event.account_id == world.global_account.pk and event.action == "comment"
    with pytest.raises(ServiceError):
        task_comment_add(actor=world.lead, task_id=task.pk, text="   ")
    assert TaskComment.objects.count() == 1
