"""Reads of activities and tasks; every function starts from the accounts the acting user may see."""

from django.db.models import F, Prefetch, QuerySet

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.activities.filters import ActivityFilter, TaskFilter
from kamdesk.activities.models import Activity, Task, TaskComment, TaskStatus
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User


def visible_activities(user: User) -> QuerySet:
    return Activity.objects.filter(account_id__in=visible_accounts(user).values("id"))


def visible_tasks(user: User) -> QuerySet:
    return Task.objects.filter(account_id__in=visible_accounts(user).values("id"))


def with_participants(queryset: QuerySet, user: User | None) -> QuerySet:
    """Our participants, and those of their participants the user may see (``visible_their_participants``);
    ``user=None`` is the system, which sees everyone."""
    contacts = visible_contacts(user) if user is not None else Contact.objects.all()
    return queryset.prefetch_related(
        "our_participants",
        Prefetch(
            "their_participants",
            queryset=contacts.order_by("last_name", "first_name"),
            to_attr="visible_their_participants",
        ),
    )


def activity_list(user: User, params=None) -> tuple[ActivityFilter, QuerySet]:
    base = visible_activities(user).select_related("account", "created_by")
    activity_filter = ActivityFilter(params or {}, queryset=base)
    return activity_filter, activity_filter.qs


def activity_detail(user: User, activity_id: int) -> Activity:
    """Activity.DoesNotExist when hidden or missing."""
    return with_participants(visible_activities(user).select_related("account", "created_by"), user).get(pk=activity_id)


def task_list(user: User, params=None) -> tuple[TaskFilter, QuerySet]:
    base = visible_tasks(user).select_related("account", "owner", "activity")
    task_filter = TaskFilter(params or {}, queryset=base, user=user)
    return task_filter, task_filter.qs


def task_detail(user: User, task_id: int) -> Task:
    """Task.DoesNotExist when hidden or missing."""
    comments = TaskComment.objects.select_related("author").order_by("created_at", "id")
    return (
        visible_tasks(user)
        .select_related("account", "owner", "activity", "created_by")
        .prefetch_related(Prefetch("comments", queryset=comments))
        .get(pk=task_id)
    )


def _subtree(account: Account) -> QuerySet:
    return AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")


def account_activities(user: User | None, account: Account) -> QuerySet:
    """Activities of an account and its subsidiaries (the caller has checked the user may see the account;
    its subsidiaries are then visible too)."""
    queryset = Activity.objects.filter(account_id__in=_subtree(account)).select_related("account")
    return with_participants(queryset, user).order_by("-starts_at", "-id")


def account_open_tasks(account: Account) -> QuerySet:
    return (
        Task.objects.filter(account_id__in=_subtree(account), status=TaskStatus.OPEN)
        .select_related("account", "owner")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )
