"""Every change to activities and tasks goes through these functions (access, validation, audit).

Access follows the account: changing an activity or a task needs edit access to its account; the owner of
a task may also complete, reopen and comment on it; anyone who sees a task (viewers excepted) may comment.
``actor=None`` is the system (the operator's CLI), which may act on everything.
"""

import re
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kamdesk.access.scope import EDIT, actor_accounts, visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.accounts.services import editable_account
from kamdesk.activities.models import (
    Activity,
    ActivityStatus,
    Task,
    TaskComment,
    TaskPriority,
    TaskStatus,
)
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

ACTIVITY_FIELDS = [
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "location",
    "subject",
    "agenda",
    "notes",
    "outcome",
    "next_steps",
]
ACTIVITY_AUDITED = [*ACTIVITY_FIELDS, "our_participants", "their_participants"]
TASK_FIELDS = ["title", "description", "due_date", "priority"]
TASK_AUDITED = [*TASK_FIELDS, "owner", "status", "activity"]
MAX_NEXT_STEPS = 50
TITLE_MAX_LENGTH = 200
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|\[[ xX]?\])\s*")
_UNSET = object()


# --- access -------------------------------------------------------------------------------------------------


def _refuse_viewer(actor: User | None) -> None:
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Your role (viewer) has read-only access.")


def editable_activity(actor: User | None, activity_id: int) -> Activity:
    """The activity, locked for change; NotFound when hidden or missing, PermissionDenied when read-only."""
    _refuse_viewer(actor)
    activity = (
        Activity.objects.filter(pk=activity_id, account_id__in=actor_accounts(actor, EDIT).values("id"))
        .select_related("account")
        .select_for_update(of=("self",))
        .first()
    )
    if activity is not None:
        return activity
    if actor is not None and Activity.objects.filter(pk=activity_id, account_id__in=visible_accounts(actor)).exists():
        raise PermissionDenied("You have read-only access to this activity's account.")
    raise NotFound("Activity not found.")


def _task_for_change(actor: User | None, task_id: int, *, owner_may: bool = False, anyone: bool = False) -> Task:
    """The task, locked. Edit access to its account is enough; ``owner_may`` lets its owner act too and
    ``anyone`` everyone who sees it. Viewers never change anything."""
    _refuse_viewer(actor)
    task = (
        Task.objects.filter(pk=task_id, account_id__in=actor_accounts(actor).values("id"))
        .select_related("account", "owner")
        .select_for_update(of=("self",))
        .first()
    )
    if task is None:
        raise NotFound("Task not found.")
    if actor is None or anyone or (owner_may and task.owner_id == actor.pk):
        return task
    if not visible_accounts(actor, EDIT).filter(pk=task.account_id).exists():
        raise PermissionDenied("You have read-only access to this task's account.")
    return task


def _check_owner(account: Account, owner: User | None, field: str = "owner") -> User:
    if owner is None:
        raise ServiceError("Choose who owns the task.", {field: ["This field is required."]})
    if not owner.is_active:
        raise ServiceError("The task's owner must be an active user.", {field: [f"{owner} is inactive."]})
    if not visible_accounts(owner).filter(pk=account.pk).exists():
        raise ServiceError(
            f"{owner} cannot see {account.name}; choose someone who can.",
            {field: [f"{owner} has no access to this account."]},
        )
    return owner


def _check_their_participants(actor: User | None, account: Account, contacts: list[Contact]) -> list[Contact]:
    """Only people of the activity's customer group, and only people the actor can see."""
    ids = {contact.pk for contact in contacts}
    if not ids:
        return []
    seen = visible_contacts(actor) if actor is not None else Contact.objects.all()
    visible = set(seen.filter(pk__in=ids).values_list("id", flat=True))
    if ids - visible:
        raise ServiceError(
            "Some participants are not contacts you can see.",
            {"their_participants": ["One or more contacts do not exist or belong to an account outside your access."]},
        )
    tree = account_group_ids(account.pk)
    in_group = Q(account_id__in=tree) | Q(
        id__in=Contact.other_accounts.through.objects.filter(account_id__in=tree).values("contact_id")
    )
    inside = set(Contact.objects.filter(in_group, pk__in=ids).values_list("id", flat=True))
    outside = [contact for contact in contacts if contact.pk not in inside]
    if outside:
        names = ", ".join(sorted(str(c) for c in outside))
        raise ServiceError(
            f"{names} {'does' if len(outside) == 1 else 'do'} not belong to {account.name}'s customer group.",
            {"their_participants": [f"Not a contact of this customer group: {names}."]},
        )
    return list(contacts)


def _check_our_participants(users: list[User]) -> list[User]:
    inactive = [str(user) for user in users if not user.is_active]
    if inactive:
        raise ServiceError(
            "Inactive users cannot take part.", {"our_participants": [f"Inactive: {', '.join(inactive)}."]}
        )
    return list(users)


# --- activities ---------------------------------------------------------------------------------------------


def _aware(value):
    if isinstance(value, datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _check_activity(activity: Activity) -> None:
    activity.starts_at = _aware(activity.starts_at)
    activity.ends_at = _aware(activity.ends_at)
    validate(activity)
    if activity.ends_at is not None and activity.ends_at < activity.starts_at:
        raise ServiceError("The activity cannot end before it starts.", {"ends_at": ["Must not be before the start."]})
    if activity.status == ActivityStatus.DONE and activity.starts_at > timezone.now():
        raise ServiceError(
            "An activity that has not started yet cannot be done.",
            {"status": ["Choose 'planned' for an activity in the future."]},
        )


def _touch_contacts(activity: Activity) -> int:
    """Set-based: each of their participants' last contact becomes max(last contact, activity start)."""
    if activity.status != ActivityStatus.DONE:
        return 0
    participants = Activity.their_participants.through.objects.filter(activity_id=activity.pk).values("contact_id")
    return (
        Contact.objects.filter(id__in=participants)
        .filter(Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=activity.starts_at))
        .update(last_contacted_at=activity.starts_at)
    )


def activity_create(
    *,
    actor: User | None,
    account: Account,
    our_participants: list[User] | None = None,
    their_participants: list[Contact] | None = None,
    **fields,
) -> Activity:
    _refuse_viewer(actor)
    with transaction.atomic():
        account = editable_account(actor, account.pk)
        activity = Activity(account=account, created_by=actor if getattr(actor, "pk", None) else None)
        apply_fields(activity, fields, set(ACTIVITY_FIELDS))
        _check_activity(activity)
        users = _check_our_participants(our_participants or [])
        contacts = _check_their_participants(actor, account, their_participants or [])
        activity.save()
        activity.our_participants.set(users)
        activity.their_participants.set(contacts)
        _touch_contacts(activity)
        audit_record(
            actor=actor,
            action="create",
            obj=activity,
            account_id=account.pk,
            changes=diff({}, snapshot(activity, ACTIVITY_AUDITED)),
        )
    return activity


def activity_update(
    *,
    actor: User | None,
    activity_id: int,
    our_participants=_UNSET,
    their_participants=_UNSET,
    **fields,
) -> Activity:
    with transaction.atomic():
        activity = editable_activity(actor, activity_id)
        before = snapshot(activity, ACTIVITY_AUDITED)
        apply_fields(activity, fields, set(ACTIVITY_FIELDS))
        _check_activity(activity)
        activity.save()
        if our_participants is not _UNSET:
            activity.our_participants.set(_check_our_participants(our_participants or []))
        if their_participants is not _UNSET:
            # Participants the actor cannot see stay: they were added by someone who could.
            hidden = (
                activity.their_participants.exclude(id__in=visible_contacts(actor).values("id"))
                if actor is not None
                else Contact.objects.none()
            )
            chosen = _check_their_participants(actor, activity.account, their_participants or [])
            activity.their_participants.set([*chosen, *hidden])
        _touch_contacts(activity)
        changes = diff(before, snapshot(activity, ACTIVITY_AUDITED))
        if changes:
            audit_record(actor=actor, action="update", obj=activity, account_id=activity.account_id, changes=changes)
    return activity


def activity_cancel(*, actor: User | None, activity_id: int, reason: str = "") -> Activity:
    with transaction.atomic():
        activity = editable_activity(actor, activity_id)
        if activity.status != ActivityStatus.PLANNED:
            raise ServiceError(
                f"Only a planned activity can be cancelled; this one is {activity.get_status_display().lower()}.",
                {"status": ["Not planned."]},
            )
        activity.status = ActivityStatus.CANCELLED
        activity.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="cancel",
            obj=activity,
            account_id=activity.account_id,
            changes={"status": [ActivityStatus.PLANNED.value, ActivityStatus.CANCELLED.value]},
            note=reason.strip()[:500],
        )
    return activity


def next_step_lines(text: str) -> list[str]:
    """The non-blank lines of a next-steps text, without list bullets ("- ", "1. ", "[ ] ")."""
    lines = []
    for line in (text or "").splitlines():
        step = _BULLET.sub("", line, count=1).strip()
        if step:
            lines.append(step)
    return lines


def activity_next_steps_to_tasks(
    *,
    actor: User | None,
    activity_id: int,
    steps: list[str],
    owner: User | None,
    due_date: date | None = None,
    priority: str = TaskPriority.NORMAL,
) -> list[Task]:
    """One task per given next-step line, owned by ``owner`` and linked to the activity, in one step."""
    with transaction.atomic():
        activity = editable_activity(actor, activity_id)
        titles = [step.strip() for step in steps if step and step.strip()]
        if not titles:
            raise ServiceError("Give at least one next step.", {"steps": ["No next steps given."]})
        if len(titles) > MAX_NEXT_STEPS:
            raise ServiceError(f"At most {MAX_NEXT_STEPS} tasks at once.", {"steps": [f"{len(titles)} steps given."]})
        too_long = [n for n, title in enumerate(titles, 1) if len(title) > TITLE_MAX_LENGTH]
        if too_long:
            raise ServiceError(
                f"A task title has at most {TITLE_MAX_LENGTH} characters.",
                {"steps": [f"Step {n} is too long." for n in too_long]},
            )
        _check_owner(activity.account, owner)
        tasks = []
        for title in titles:
            task = Task(
                title=title,
                account=activity.account,
                owner=owner,
                due_date=due_date,
                priority=priority,
                activity=activity,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            validate(task)
            tasks.append(task)
        for task in tasks:
            task.save()
            audit_record(
                actor=actor,
                action="create",
                obj=task,
                account_id=task.account_id,
                changes=diff({}, snapshot(task, TASK_AUDITED)),
                note=f"From the next steps of activity {activity.pk} ({activity.subject})"[:500],
            )
    return tasks


# --- tasks --------------------------------------------------------------------------------------------------


def task_create(
    *,
    actor: User | None,
    account: Account,
    title: str,
    owner: User | None = None,
    activity: Activity | None = None,
    **fields,
) -> Task:
    _refuse_viewer(actor)
    with transaction.atomic():
        account = editable_account(actor, account.pk)
        if activity is not None and activity.account_id != account.pk:
            raise ServiceError(
                "The activity belongs to another account.", {"activity": ["Not an activity of this account."]}
            )
        owner = _check_owner(account, owner if owner is not None else actor)
        task = Task(
            account=account,
            owner=owner,
            title=(title or "").strip(),
            activity=activity,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        apply_fields(task, fields, set(TASK_FIELDS))
        validate(task)
        task.save()
        audit_record(
            actor=actor,
            action="create",
            obj=task,
            account_id=account.pk,
            changes=diff({}, snapshot(task, TASK_AUDITED)),
        )
    return task


def task_update(*, actor: User | None, task_id: int, **fields) -> Task:
    """Title, description, due date and priority; ``status="cancelled"`` cancels an open task."""
    with transaction.atomic():
        task = _task_for_change(actor, task_id)
        before = snapshot(task, TASK_AUDITED)
        status = fields.pop("status", None)
        if "title" in fields:
            fields["title"] = (fields["title"] or "").strip()
        apply_fields(task, fields, set(TASK_FIELDS))
        if status is not None and status != task.status:
            if status != TaskStatus.CANCELLED:
                raise ServiceError(
                    "Use complete or reopen to change this status.", {"status": ["Only 'cancelled' can be set here."]}
                )
            if task.status != TaskStatus.OPEN:
                raise ServiceError("Only an open task can be cancelled.", {"status": ["The task is not open."]})
            task.status = TaskStatus.CANCELLED
        validate(task)
        task.save()
        changes = diff(before, snapshot(task, TASK_AUDITED))
        if changes:
            audit_record(actor=actor, action="update", obj=task, account_id=task.account_id, changes=changes)
    return task


def task_reassign(*, actor: User | None, task_id: int, owner: User | None, note: str = "") -> Task:
    with transaction.atomic():
        task = _task_for_change(actor, task_id)
        previous = task.owner
        new_owner = _check_owner(task.account, owner)
        if new_owner.pk == previous.pk:
            raise ServiceError(f"{previous} already owns this task.", {"owner": ["Same owner."]})
        task.owner = new_owner
        task.save(update_fields=["owner", "updated_at"])
        audit_record(
            actor=actor,
            action="reassign",
            obj=task,
            account_id=task.account_id,
            changes={"owner": [str(previous), str(new_owner)]},
            note=note.strip()[:500],
        )
    return task


def task_complete(*, actor: User | None, task_id: int) -> Task:
    with transaction.atomic():
        task = _task_for_change(actor, task_id, owner_may=True)
        if task.status != TaskStatus.OPEN:
            raise ServiceError(
                f"Only an open task can be completed; this one is {task.get_status_display().lower()}.",
                {"status": ["The task is not open."]},
            )
        task.status, task.completed_at = TaskStatus.DONE, timezone.now()
        task.save(update_fields=["status", "completed_at", "updated_at"])
        audit_record(
            actor=actor, action="complete", obj=task, account_id=task.account_id, changes={"status": ["open", "done"]}
        )
    return task


def task_reopen(*, actor: User | None, task_id: int) -> Task:
    with transaction.atomic():
        task = _task_for_change(actor, task_id, owner_may=True)
        if task.status == TaskStatus.OPEN:
            raise ServiceError("The task is already open.", {"status": ["Already open."]})
        previous = task.status
        task.status, task.completed_at = TaskStatus.OPEN, None
        task.save(update_fields=["status", "completed_at", "updated_at"])
        audit_record(
            actor=actor, action="reopen", obj=task, account_id=task.account_id, changes={"status": [previous, "open"]}
        )
    return task


def task_comment_add(*, actor: User | None, task_id: int, text: str) -> TaskComment:
    with transaction.atomic():
        task = _task_for_change(actor, task_id, anyone=True)
        comment = TaskComment(
            task=task, author=actor if getattr(actor, "pk", None) else None, text=(text or "").strip()
        )
        if not comment.text:
            raise ServiceError("Write a comment first.", {"text": ["This field is required."]})
        validate(comment)
        comment.save()
        audit_record(
            actor=actor,
            action="comment",
            obj=comment,
            account_id=task.account_id,
            changes={"text": [None, comment.text[:1000]]},
            note=f"On task {task.pk} ({task.title})"[:500],
        )
    return comment
