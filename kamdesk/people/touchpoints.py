"""Planned touchpoints of the communication plan: reads (through the access scope) and every change (access,
validation, audit). A touchpoint is visible exactly when its account is; changing it needs edit access."""

from datetime import date

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kamdesk.access.scope import EDIT, actor_accounts, visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.accounts.services import editable_account
from kamdesk.activities.models import Activity, ActivityStatus
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.people.models import Contact, PlannedTouchpoint, TouchpointStatus
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

AUDITED_FIELDS = ["kind", "title", "planned_on", "status", "held_on", "held_by", "notes", "our_people", "their_people"]
EDITABLE_FIELDS = {"kind", "title", "planned_on", "notes", "status"}
# Held and cancelled have their own actions (with an activity, with a reason); an edit moves between these.
EDITABLE_STATUSES = {TouchpointStatus.PLANNED, TouchpointStatus.MISSED}

# --- reads ------------------------------------------------------------------------------------------------------


def visible_touchpoints(user: User) -> QuerySet:
    return PlannedTouchpoint.objects.filter(account_id__in=visible_accounts(user).values("id"))


def with_people(touchpoints: QuerySet) -> QuerySet:
    """Account, activity and both sides' people in a fixed number of queries, however many touchpoints."""
    return touchpoints.select_related("account", "held_by").prefetch_related(
        Prefetch("our_people", queryset=User.objects.only("id", "first_name", "last_name", "email")),
        Prefetch("their_people", queryset=Contact.objects.only("id", "first_name", "last_name", "account_id")),
    )


def touchpoint_detail(user: User, touchpoint_id: int) -> PlannedTouchpoint:
    """PlannedTouchpoint.DoesNotExist when hidden or missing."""
    return with_people(visible_touchpoints(user)).get(pk=touchpoint_id)


def account_touchpoints(account_ids) -> QuerySet:
    """Touchpoints of accounts the caller has checked the user may see, latest plans last."""
    return with_people(PlannedTouchpoint.objects.filter(account_id__in=account_ids)).order_by("planned_on", "id")


# --- checks -----------------------------------------------------------------------------------------------------


def editable_touchpoint(actor: User | None, touchpoint_id: int) -> PlannedTouchpoint:
    touchpoint = (
        PlannedTouchpoint.objects.filter(pk=touchpoint_id, account_id__in=actor_accounts(actor, EDIT).values("id"))
        .select_for_update()
        .first()
    )
    if touchpoint is not None:
        if actor is not None and actor.is_read_only:
            raise PermissionDenied("Viewers cannot change the communication plan.")
        return touchpoint
    if actor is not None and visible_touchpoints(actor).filter(pk=touchpoint_id).exists():
        raise PermissionDenied("You have read-only access to this account.")
    raise NotFound("Touchpoint not found.")


def _check_our_people(users) -> list[User]:
    inactive = sorted(str(user) for user in users if not user.is_active)
    if inactive:
        raise ServiceError("Inactive users cannot take part.", {"our_people": [f"Inactive: {', '.join(inactive)}."]})
    return list(users)


def _check_their_people(actor: User | None, account: Account, contacts) -> list[Contact]:
    """Only people of the account's customer group whom the actor can see (hidden reads like missing)."""
    ids = {contact.pk for contact in contacts}
    if not ids:
        return []
    tree = account_group_ids(account.pk)
    in_group = Q(account_id__in=tree) | Q(
        id__in=Contact.other_accounts.through.objects.filter(account_id__in=tree).values("contact_id")
    )
    seen = visible_contacts(actor) if actor is not None else Contact.objects.all()
    inside = set(seen.filter(in_group, pk__in=ids).values_list("id", flat=True))
    if ids - inside:
        raise ServiceError(
            f"Some people are not contacts of {account.name}'s customer group.",
            {"their_people": ["One or more contacts do not exist or do not belong to this customer group."]},
        )
    return list(contacts)


def _check_status(status: str) -> None:
    if status not in EDITABLE_STATUSES:
        raise ServiceError(
            "Mark a touchpoint held or cancelled with its own action.",
            {"status": ["Choose planned or missed here; use 'held' or 'cancel' for the others."]},
        )


def _record(actor, action: str, touchpoint: PlannedTouchpoint, before: dict, note: str = "") -> None:
    changes = diff(before, snapshot(touchpoint, AUDITED_FIELDS))
    if changes or action != "update":
        audit_record(
            actor=actor, action=action, obj=touchpoint, account_id=touchpoint.account_id, changes=changes, note=note
        )


# --- writes -----------------------------------------------------------------------------------------------------


def touchpoint_create(
    *,
    actor: User | None,
    account: Account,
    our_people: list[User] | None = None,
    their_people: list[Contact] | None = None,
    **fields,
) -> PlannedTouchpoint:
    if actor is not None and actor.is_read_only:
        raise PermissionDenied("Viewers cannot change the communication plan.")
    with transaction.atomic():
        editable_account(actor, account.pk)  # first: a hidden account reads as missing, whatever else is wrong
        touchpoint = PlannedTouchpoint(account=account, created_by=actor if getattr(actor, "pk", None) else None)
        apply_fields(touchpoint, fields, EDITABLE_FIELDS)
        _check_status(touchpoint.status)
        validate(touchpoint, exclude=["created_by"])
        ours = _check_our_people(our_people or [])
        theirs = _check_their_people(actor, account, their_people or [])
        touchpoint.save()
        touchpoint.our_people.set(ours)
        touchpoint.their_people.set(theirs)
        _record(actor, "create", touchpoint, {})
    return touchpoint


def touchpoint_update(
    *,
    actor: User | None,
    touchpoint_id: int,
    our_people: list[User] | None = None,
    their_people: list[Contact] | None = None,
    **fields,
) -> PlannedTouchpoint:
    with transaction.atomic():
        touchpoint = editable_touchpoint(actor, touchpoint_id)
        before = snapshot(touchpoint, AUDITED_FIELDS)
        apply_fields(touchpoint, fields, EDITABLE_FIELDS)
        if "status" in fields:
            _check_status(touchpoint.status)
            if touchpoint.status != TouchpointStatus.HELD:
                touchpoint.held_on, touchpoint.held_by = None, None
        validate(touchpoint, exclude=["created_by"])
        touchpoint.save()
        if our_people is not None:
            touchpoint.our_people.set(_check_our_people(our_people))
        if their_people is not None:
            touchpoint.their_people.set(_check_their_people(actor, touchpoint.account, their_people))
        _record(actor, "update", touchpoint, before)
    return touchpoint


def _held_activity(actor: User | None, touchpoint: PlannedTouchpoint, activity: Activity) -> Activity:
    activities = Activity.objects.filter(account_id__in=account_group_ids(touchpoint.account_id))
    if actor is not None:
        activities = activities.filter(account_id__in=visible_accounts(actor).values("id"))
    found = activities.filter(pk=activity.pk).first()
    if found is None:
        raise ServiceError(
            "That activity is not one of this customer group's.",
            {"held_by": ["Choose a logged activity of this account or its customer group."]},
        )
    if found.status != ActivityStatus.DONE:
        raise ServiceError("Only a done activity can hold a touchpoint.", {"held_by": ["This activity is not done."]})
    return found


def touchpoint_mark_held(
    *, actor: User | None, touchpoint_id: int, activity: Activity | None = None, held_on: date | None = None
) -> PlannedTouchpoint:
    """The touchpoint took place: in ``activity`` (a done activity of the customer group) and/or on ``held_on``
    (default: the activity's day, else today)."""
    with transaction.atomic():
        touchpoint = editable_touchpoint(actor, touchpoint_id)
        if touchpoint.status == TouchpointStatus.CANCELLED:
            raise ServiceError("A cancelled touchpoint cannot be held; plan a new one.", {"status": ["Cancelled."]})
        before = snapshot(touchpoint, AUDITED_FIELDS)
        found = _held_activity(actor, touchpoint, activity) if activity is not None else None
        today = timezone.localdate()
        held_on = held_on or (timezone.localdate(found.starts_at) if found else today)
        if held_on > today:
            raise ServiceError("A touchpoint cannot be held in the future.", {"held_on": ["Must not be after today."]})
        touchpoint.status, touchpoint.held_on, touchpoint.held_by = TouchpointStatus.HELD, held_on, found
        touchpoint.save(update_fields=["status", "held_on", "held_by", "updated_at"])
        _record(actor, "update", touchpoint, before)
    return touchpoint


def touchpoint_cancel(*, actor: User | None, touchpoint_id: int, reason: str = "") -> PlannedTouchpoint:
    with transaction.atomic():
        touchpoint = editable_touchpoint(actor, touchpoint_id)
        if touchpoint.status == TouchpointStatus.CANCELLED:
            return touchpoint
        before = snapshot(touchpoint, AUDITED_FIELDS)
        touchpoint.status, touchpoint.held_on, touchpoint.held_by = TouchpointStatus.CANCELLED, None, None
        touchpoint.save(update_fields=["status", "held_on", "held_by", "updated_at"])
        _record(actor, "cancel", touchpoint, before, note=reason.strip())
    return touchpoint


def touchpoint_delete(*, actor: User | None, touchpoint_id: int) -> None:
    """For plans made by mistake; one that did not happen is cancelled instead."""
    with transaction.atomic():
        touchpoint = editable_touchpoint(actor, touchpoint_id)
        audit_record(
            actor=actor,
            action="delete",
            obj=touchpoint,
            account_id=touchpoint.account_id,
            changes=diff(snapshot(touchpoint, AUDITED_FIELDS), {}),
        )
        touchpoint.delete()
