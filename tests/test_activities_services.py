"""Activity services: validation, access, audit, participants and the contacts' last contact."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kamdesk.activities.models import Activity, ActivityStatus, Task, TaskStatus
from kamdesk.activities.services import (
    activity_cancel,
    activity_create,
    activity_next_steps_to_tasks,
    activity_update,
    next_step_lines,
)
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tests.activities_factories import make_activity
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_create_writes_the_activity_its_participants_and_an_audit_event(world):
    buyer = make_contact(world.subsidiary, last_name="Buyer")
    activity = activity_create(
        actor=world.kam_a,
        account=world.global_account,
        kind="store_check",
        status="done",
        subject="Store walk",
        starts_at=ago(hours=3),
        ends_at=ago(hours=1),
        notes="**Shelf** gaps",
        our_participants=[world.kam_a, world.lead],
        their_participants=[buyer],
    )
    assert activity.created_by == world.kam_a
    assert set(activity.our_participants.all()) == {world.kam_a, world.lead}
    assert list(activity.their_participants.all()) == [buyer]
    event = AuditEvent.objects.get(object_type="activity", object_id=activity.pk)
    assert event.action == "create" and event.account_id == world.global_account.pk
    assert event.changes["subject"] == [None, "Store walk"]
    assert "Buyer" in event.changes["their_participants"][1]


def test_end_before_start_is_refused_by_the_service_and_the_database(world):
    with pytest.raises(ServiceError) as error:
        make_activity(world.global_account, actor=world.kam_a, starts_at=ago(hours=1), ends_at=ago(hours=2))
    assert "ends_at" in error.value.field_errors
    activity = make_activity(world.global_account, actor=world.kam_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(ends_at=activity.starts_at - timedelta(minutes=1))


def test_a_done_activity_cannot_lie_in_the_future(world):
    with pytest.raises(ServiceError) as error:
        make_activity(
            world.global_account, actor=world.kam_a, status="done", starts_at=timezone.now() + timedelta(days=2)
        )
    assert "status" in error.value.field_errors
    planned = make_activity(
        world.global_account, actor=world.kam_a, status="planned", starts_at=timezone.now() + timedelta(days=2)
    )
    assert planned.status == ActivityStatus.PLANNED


def test_required_subject_and_unknown_fields(world):
    with pytest.raises(ServiceError) as error:
        make_activity(world.global_account, actor=world.kam_a, subject="")
    assert "subject" in error.value.field_errors
    with pytest.raises(ServiceError):
        make_activity(world.global_account, actor=world.kam_a, created_at=ago(days=3))


def test_access_hidden_account_is_not_found_read_only_is_refused_viewers_never_write(world):
    with pytest.raises(NotFound):
        make_activity(world.hidden, actor=world.kam_a)
    grant(world.global_account, world.kam_b, access="read")
    with pytest.raises(PermissionDenied):
        make_activity(world.global_account, actor=world.kam_b)
    grant(world.global_account, world.viewer, access="edit")
    with pytest.raises(PermissionDenied):
        make_activity(world.global_account, actor=world.viewer)
    # The team lead changes the accounts of the people they lead.
    assert make_activity(world.global_account, actor=world.lead).pk
    assert not Activity.objects.filter(account=world.hidden).exists()


def test_their_participants_must_be_visible_and_of_the_customer_group(world):
    hidden_person = make_contact(world.hidden, last_name="Hidden")
    other_group = make_contact(world.account_b, last_name="Elsewhere")
    grant(world.account_b, world.kam_a, access="read")
    with pytest.raises(ServiceError) as error:
        make_activity(world.global_account, actor=world.kam_a, their_participants=[hidden_person])
    assert "their_participants" in error.value.field_errors
    assert "Hidden" not in str(error.value.field_errors)
    with pytest.raises(ServiceError) as error:
        make_activity(world.global_account, actor=world.kam_a, their_participants=[other_group])
    assert "Elsewhere" in error.value.message and "customer group" in error.value.message
    # A contact of the parent may take part in a subsidiary's meeting: same customer group.
    parent_person = make_contact(world.global_account, last_name="Parent")
    activity = make_activity(world.subsidiary, actor=world.kam_a, their_participants=[parent_person])
    assert list(activity.their_participants.all()) == [parent_person]


def test_done_activity_sets_last_contact_to_the_latest_start(world):
    a = make_contact(world.global_account, last_name="Alpha")
    b = make_contact(world.global_account, last_name="Beta")
    recent, older = ago(days=1), ago(days=10)
    make_activity(world.global_account, actor=world.kam_a, starts_at=recent, their_participants=[a])
    make_activity(world.global_account, actor=world.kam_a, starts_at=older, their_participants=[a, b])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.last_contacted_at == recent  # an older activity does not move it back
    assert b.last_contacted_at == older
    make_activity(
        world.global_account, actor=world.kam_a, status="planned", starts_at=ago(hours=1), their_participants=[b]
    )
    b.refresh_from_db()
    assert b.last_contacted_at == older  # planned activities are no contact yet


def test_marking_a_planned_activity_done_updates_last_contact(world):
    person = make_contact(world.global_account, last_name="Later")
    start = ago(hours=2)
    activity = make_activity(
        world.global_account, actor=world.kam_a, status="planned", starts_at=start, their_participants=[person]
    )
    activity_update(actor=world.kam_a, activity_id=activity.pk, status="done", outcome="Agreed")
    person.refresh_from_db()
    assert person.last_contacted_at == start
    event = AuditEvent.objects.filter(object_type="activity", object_id=activity.pk, action="update").get()
    assert event.changes["status"] == ["planned", "done"]


def test_update_keeps_participants_the_actor_cannot_see(world):
    # kam_b may edit the subsidiary only; the parent's people are out of their sight.
    grant(world.subsidiary, world.kam_b, access="edit")
    parent_person = make_contact(world.global_account, last_name="Parentperson")
    local_person = make_contact(world.subsidiary, last_name="Localperson")
    activity = make_activity(world.subsidiary, their_participants=[parent_person, local_person])  # by the system
    activity_update(actor=world.kam_b, activity_id=activity.pk, their_participants=[])
    assert list(activity.their_participants.all()) == [parent_person]
    activity_update(actor=None, activity_id=activity.pk, their_participants=[local_person])
    assert list(activity.their_participants.all()) == [local_person]


def test_cancel_only_planned_and_audited(world):
    planned = make_activity(world.global_account, actor=world.kam_a, status="planned", starts_at=ago(days=-1))
    activity_cancel(actor=world.kam_a, activity_id=planned.pk, reason="Customer asked")
    planned.refresh_from_db()
    assert planned.status == ActivityStatus.CANCELLED
    event = AuditEvent.objects.get(object_type="activity", object_id=planned.pk, action="cancel")
    assert event.note == "Customer asked"
    done = make_activity(world.global_account, actor=world.kam_a)
    with pytest.raises(ServiceError):
        activity_cancel(actor=world.kam_a, activity_id=done.pk)
    with pytest.raises(NotFound):
        activity_cancel(actor=world.outsider, activity_id=done.pk)


def test_next_step_lines_strip_bullets_and_blanks():
    text = "- Send offer\n\n* Call back\n1. Book visit\n[ ] Share deck\n   plain line  \n"
    assert next_step_lines(text) == ["Send offer", "Call back", "Book visit", "Share deck", "plain line"]


def test_next_steps_become_tasks_linked_to_the_activity(world):
    activity = make_activity(world.global_account, actor=world.kam_a, next_steps="- Send offer\n- Call back")
    due = timezone.localdate() + timedelta(days=7)
    tasks = activity_next_steps_to_tasks(
        actor=world.kam_a,
        activity_id=activity.pk,
        steps=next_step_lines(activity.next_steps),
        owner=world.lead,
        due_date=due,
        priority="high",
    )
    assert [t.title for t in tasks] == ["Send offer", "Call back"]
    for task in Task.objects.filter(activity=activity):
        assert (task.owner, task.account_id, task.due_date, task.priority, task.status) == (
            world.lead,
            world.global_account.pk,
            due,
            "high",
            TaskStatus.OPEN,
        )
    assert AuditEvent.objects.filter(object_type="task", action="create").count() == 2


def test_next_steps_refused_without_steps_or_with_an_owner_who_cannot_see_the_account(world):
    activity = make_activity(world.global_account, actor=world.kam_a)
    with pytest.raises(ServiceError) as error:
        activity_next_steps_to_tasks(actor=world.kam_a, activity_id=activity.pk, steps=["  "], owner=world.kam_a)
    assert "steps" in error.value.field_errors
    with pytest.raises(ServiceError) as error:
        activity_next_steps_to_tasks(actor=world.kam_a, activity_id=activity.pk, steps=["x"], owner=world.outsider)
    assert "owner" in error.value.field_errors
    with pytest.raises(ServiceError):
        activity_next_steps_to_tasks(actor=world.kam_a, activity_id=activity.pk, steps=["x" * 201], owner=world.kam_a)
    assert not Task.objects.exists()
