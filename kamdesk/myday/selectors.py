"""What "My day" shows a user, and the daily digest sends: their tasks, meetings, stakeholders overdue for
contact and alerts — always their own, whatever their role (a team lead sees their day, not the team's).

Everything is gathered for a batch of users at once (``days_for``): one query per section for the whole
batch, then one access check per user (``visible_accounts``), so the page costs the same whatever the amount
of data and the digest for every user a bounded number of queries per section. Dates are the user's: "today"
is today in ``User.time_zone``, and a meeting at 23:30 local time belongs to that day.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from kamdesk.access.scope import EDIT, visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.activities.models import Activity, ActivityStatus, Task, TaskStatus
from kamdesk.people.coverage import effective_cadence_days, load_cadence_rules
from kamdesk.people.models import Cadence, Contact
from kamdesk.sales.dashboards import (
    ZERO,
    Scope,
    cents,
    latest_month,
    rebates_by_account,
    revenue_targets_by_account,
)
from kamdesk.sales.models import SalesImport
from kamdesk.sales.periods import year_to_date
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

UPCOMING_DAYS = 7  # tasks due after today and up to this many days ahead, shown collapsed
TASKS_SHOWN = 10  # per group (overdue, today, next days): the most urgent; the counts cover them all
CONTACTS_SHOWN = 10  # the most overdue stakeholders listed; the count covers them all
MEETINGS_SHOWN = 10  # per day, the earliest; the count covers them all
ALERTS_SHOWN = 10  # per kind of alert; the rest are summed up in one more alert
FAILED_IMPORT_DAYS = 7  # failed imports stay an alert this long
DETRACTOR_ATTITUDE = -2  # ATTITUDE_LABELS: "Detractor"
HIGH_INFLUENCE = 4  # influence 4 or 5 of 5


# Only what the page and the e-mail show: these lists can be long, and wide rows cost time.
TASK_COLUMNS = ("id", "title", "due_date", "priority", "status", "owner_id", "account_id", "account__name")
CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "title",
    "last_contacted_at",
    "account_id",
    "account__name",
)
ACTIVITY_COLUMNS = (
    "id",
    "subject",
    "kind",
    "status",
    "starts_at",
    "location",
    "account_id",
    "account__name",
    "account__owner_id",
)


# --- the user's clock -----------------------------------------------------------------------------------------


def local_now(user: User, now: datetime) -> datetime:
    return now.astimezone(user_zone(user))


def day_start(user: User, day: date) -> datetime:
    """Midnight at the start of ``day`` in the user's time zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=user_zone(user))


# --- what a day holds -----------------------------------------------------------------------------------------


@dataclass
class Alert:
    kind: str  # behind_target | failed_import | detractor
    title: str
    detail: str
    url: str
    action: str  # the link's text: where to act


class ContactFacts(NamedTuple):
    """What the overdue rule reads of a stakeholder (light rows: a KAM may have thousands, so a tuple rather
    than a model or a dataclass). It has what ``effective_cadence_days`` reads of a contact: their own
    cadence, level and account."""

    id: int
    owner_id: int | None
    account_id: int
    account_owner_id: int | None  # when one of the batch's users: the only account owners the rule asks about
    level: str
    cadence_days: int | None
    last_contacted_at: datetime | None


@dataclass
class Candidates:
    """The stakeholders a batch of users may be overdue with, and the communication plans that apply to them."""

    facts: list[ContactFacts]
    rules: dict[tuple[int, str], int]


@dataclass
class OverdueContact:
    contact_id: int
    account_id: int
    days_overdue: int | None  # None: never contacted
    cadence_days: int  # the effective cadence: own, else the account's plan for the level, else the default
    contact: Contact | None = None  # loaded for the rows shown
    can_log: bool = False

    @property
    def cadence_label(self) -> str:
        return CADENCE_LABELS.get(self.cadence_days) or f"Every {self.cadence_days} days"


CADENCE_LABELS = dict(Cadence.choices)


@dataclass
class Day:
    user: User
    today: date
    overdue_tasks: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    upcoming_tasks: list[Task] = field(default_factory=list)
    # How many tasks each group holds; the lists show the TASKS_SHOWN most urgent.
    overdue_task_count: int = 0
    due_today_count: int = 0
    upcoming_task_count: int = 0
    meetings_today: list[Activity] = field(default_factory=list)
    meetings_tomorrow: list[Activity] = field(default_factory=list)
    # How many meetings each day holds; the lists show the MEETINGS_SHOWN earliest.
    meetings_today_count: int = 0
    meetings_tomorrow_count: int = 0
    overdue_contacts: list[OverdueContact] = field(default_factory=list)
    overdue_contact_count: int = 0
    alerts: list[Alert] = field(default_factory=list)

    @property
    def tomorrow(self) -> date:
        return self.today + timedelta(days=1)

    @property
    def task_count(self) -> int:
        return self.overdue_task_count + self.due_today_count

    @property
    def meeting_count(self) -> int:
        return self.meetings_today_count + self.meetings_tomorrow_count

    @property
    def is_empty(self) -> bool:
        """Nothing to act on today: no digest is sent. Tasks due later in the week alone do not count."""
        return not (self.task_count or self.meeting_count or self.overdue_contact_count or self.alerts)


# --- the sections, for a batch of users -------------------------------------------------------------------------


TASK_GROUPS = (  # the list and the count of each group, by its number in _task_group
    ("overdue_tasks", "overdue_task_count"),
    ("due_today", "due_today_count"),
    ("upcoming_tasks", "upcoming_task_count"),
)


def _task_group(days: dict[int, Day]) -> Case:
    """0 overdue, 1 due today, 2 due in the next days, 3 later — each user by their own today."""
    whens = []
    for pk, day in days.items():
        whens += [
            When(owner_id=pk, due_date__lt=day.today, then=Value(0)),
            When(owner_id=pk, due_date=day.today, then=Value(1)),
            When(owner_id=pk, due_date__lte=day.today + timedelta(days=UPCOMING_DAYS), then=Value(2)),
        ]
    return Case(*whens, default=Value(3), output_field=IntegerField())


def _tasks(days: dict[int, Day]) -> None:
    """Open tasks the users own, due up to a week ahead: per user and group the TASKS_SHOWN most urgent and
    how many there are. Two queries for the batch, however many tasks someone has: the ranking (window
    functions over the owner/status/due index), then the rows shown."""
    horizon = max(day.today for day in days.values()) + timedelta(days=UPCOMING_DAYS)
    partition = [F("owner_id"), F("group")]
    ranked = (
        Task.objects.filter(owner_id__in=days, status=TaskStatus.OPEN, due_date__lte=horizon)
        .annotate(group=_task_group(days))
        .annotate(
            rank=Window(RowNumber(), partition_by=partition, order_by=[F("due_date").asc(), F("id").asc()]),
            in_group=Window(Count("id"), partition_by=partition),
        )
        .filter(group__lt=3, rank__lte=TASKS_SHOWN)
        .values_list("id", "group", "in_group")
    )
    groups = {pk: (group, in_group) for pk, group, in_group in ranked}
    if not groups:
        return
    shown = Task.objects.filter(id__in=groups).select_related("account").only(*TASK_COLUMNS)
    for task in shown.order_by("due_date", "id"):
        day = days[task.owner_id]
        group, in_group = groups[task.pk]
        name, count = TASK_GROUPS[group]
        getattr(day, name).append(task)
        setattr(day, count, in_group)


def _window_ids(low: datetime, high: datetime):
    """Ids of the activities starting in [low, high), not cancelled: a range of the start index (a couple of
    days of everyone's activities), whose participants are then looked up by activity."""
    return (
        Activity.objects.filter(starts_at__gte=low, starts_at__lt=high)
        .exclude(status=ActivityStatus.CANCELLED)
        .values("id")
    )


def _meetings(days: dict[int, Day]) -> None:
    """Today's and tomorrow's activities: those the user takes part in (unless cancelled) and planned ones on
    accounts they own. Three queries for the batch; each user's window is their own two local days."""
    windows = {
        pk: (day_start(day.user, day.today), day_start(day.user, day.today + timedelta(days=2)))
        for pk, day in days.items()
    }
    low, high = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    users_of: dict[int, set[int]] = defaultdict(set)
    for activity_id, user_id in Activity.our_participants.through.objects.filter(
        activity_id__in=_window_ids(low, high), user_id__in=days
    ).values_list("activity_id", "user_id"):
        users_of[activity_id].add(user_id)
    shown = Activity.objects.select_related("account").only(*ACTIVITY_COLUMNS)
    planned = list(
        shown.filter(
            account_id__in=Account.objects.filter(owner_id__in=days).values("id"),
            status=ActivityStatus.PLANNED,
            starts_at__gte=low,
            starts_at__lt=high,
        )
    )
    for activity in planned:
        users_of[activity.pk].add(activity.account.owner_id)
    others = set(users_of) - {activity.pk for activity in planned}
    activities = planned + (list(shown.filter(id__in=others)) if others else [])
    for activity in sorted(activities, key=lambda a: (a.starts_at, a.pk)):
        for pk in users_of[activity.pk]:
            day, (start, end) = days[pk], windows[pk]
            tomorrow = day_start(day.user, day.tomorrow)
            if start <= activity.starts_at < tomorrow:
                day.meetings_today.append(activity)
            elif tomorrow <= activity.starts_at < end:
                day.meetings_tomorrow.append(activity)


def shortest_cadence_days() -> int:
    """No cadence is shorter: the plans and a contact's own cadence choose from ``Cadence``, the defaults
    come from the settings."""
    defaults = [days for days in settings.COVERAGE_DEFAULT_CADENCE_DAYS.values() if days]
    return min([*Cadence.values, *defaults])


def owned_accounts(user_ids) -> list[tuple[int, int, str]]:
    """(id, owner id, name) of the accounts the users own, by name."""
    return list(Account.objects.filter(owner_id__in=user_ids).order_by("name").values_list("id", "owner_id", "name"))


def contact_candidates(
    user_ids, since: datetime | None = None, owned: list[tuple[int, int, str]] | None = None
) -> Candidates:
    """The stakeholders ``overdue_contacts`` judges: current ones whose relationship owner is one of the users
    or who sit on an account one of them owns, with the cadence rules of their accounts. Two queries for a
    whole batch (three without ``owned``, the users' ``owned_accounts``). ``since``: whoever was contacted at
    or after it cannot be overdue (``_recent_boundary``), so the database leaves them out."""
    if owned is None:
        owned = owned_accounts(user_ids)
    owner_of = {pk: owner_id for pk, owner_id, _name in owned}
    owned_ids = Account.objects.filter(owner_id__in=user_ids).order_by().values("id")
    contacts = Contact.objects.filter(has_left=False).order_by()
    if since is not None:
        contacts = contacts.filter(Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=since))
    columns = ("id", "owner_id", "account_id", "level", "cadence_days", "last_contacted_at")
    # Two halves joined by UNION, each free to use its own index (owner; account). The owned accounts go in
    # as a list where ``Scope`` says so: from a join or a subquery PostgreSQL reads every stakeholder.
    rows = contacts.filter(owner_id__in=user_ids).values_list(*columns)
    if owner_of:
        owned_scope = Scope(owned_ids, known=list(owner_of))
        rows = rows.union(contacts.filter(owned_scope.q("account_id")).values_list(*columns))
    facts = [
        ContactFacts(pk, owner_id, account_id, owner_of.get(account_id), level, cadence, last)
        for pk, owner_id, account_id, level, cadence, last in rows
    ]
    if not facts:
        return Candidates(facts, {})
    # The plans of their accounts, named by a subquery: a list of hundreds of ids is slower on SQLite.
    accounts = owned_ids.union(
        Contact.objects.filter(owner_id__in=user_ids, has_left=False).order_by().values("account_id")
    )
    return Candidates(facts, load_cadence_rules(accounts))


def _recent_boundary(days: dict[int, Day]) -> datetime:
    """The start of the latest day anyone in the batch could have been contacted and already be overdue: the
    shortest cadence back from the latest "today" of the batch (each user's own midnight)."""
    shortest = timedelta(days=shortest_cadence_days())
    return max(day_start(day.user, day.today - shortest) for day in days.values())


def overdue_contacts(user: User, today: date, candidates: Candidates | None = None) -> list[OverdueContact]:
    """THE rule for "overdue for contact": a stakeholder of the user (they are its relationship owner, or own
    its account) never contacted or last contacted longer ago than their cadence (in whole days of the user's
    calendar) — never contacted first, then the most overdue. The cadence is the communication plan's
    (``kamdesk.people.coverage.effective_cadence_days``): the contact's own, else their account's (or nearest
    parent's) rule for their level, else the installation's default for the level. ``candidates`` lets a
    batch pass what it read for many users at once (``contact_candidates``); access is checked by the caller.
    """
    if candidates is None:
        candidates = contact_candidates([user.pk])
    zone = user_zone(user)
    rows = []
    for facts in candidates.facts:
        if user.pk not in (facts.owner_id, facts.account_owner_id):
            continue
        cadence = effective_cadence_days(facts, candidates.rules)
        if not cadence:
            continue
        if facts.last_contacted_at is None:
            rows.append(OverdueContact(facts.id, facts.account_id, None, cadence))
            continue
        late = (today - facts.last_contacted_at.astimezone(zone).date()).days - cadence
        if late > 0:
            rows.append(OverdueContact(facts.id, facts.account_id, late, cadence))
    rows.sort(key=lambda row: (row.days_overdue is not None, -(row.days_overdue or 0), row.contact_id))
    return rows


def _contacts(days: dict[int, Day], owned: list[tuple[int, int, str]]) -> dict[int, list[OverdueContact]]:
    """Each user's overdue stakeholders, from one read for the batch handed out by user first: the digest's
    batch holds every KAM's stakeholders, and each user is judged on their own only."""
    candidates = contact_candidates(list(days), since=_recent_boundary(days), owned=owned)
    by_user: dict[int, list[ContactFacts]] = defaultdict(list)
    for facts in candidates.facts:
        for pk in {facts.owner_id, facts.account_owner_id} & days.keys():
            by_user[pk].append(facts)
    return {
        pk: overdue_contacts(day.user, day.today, Candidates(by_user[pk], candidates.rules)) for pk, day in days.items()
    }


def _load_contacts(days: dict[int, Day]) -> None:
    """The stakeholders shown (at most CONTACTS_SHOWN a user), read in one query for the batch."""
    shown = [row for day in days.values() for row in day.overdue_contacts]
    if not shown:
        return
    contacts = Contact.objects.filter(id__in={row.contact_id for row in shown}).select_related("account")
    by_id = {contact.pk: contact for contact in contacts.only(*CONTACT_COLUMNS)}
    for row in shown:
        row.contact = by_id[row.contact_id]


# --- alerts -----------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def _behind_target(days: dict[int, Day], owned: list[tuple[int, int, str]]) -> None:
    """Own accounts whose revenue this fiscal year to date is below its target, read from the roll-ups the
    dashboard reads (targets joined to AccountMonthly, less rebates), in the same like-for-like way."""
    if not owned:
        return
    as_of = latest_month(Scope(Account.objects.values("id")))
    if as_of is None:
        return
    period = year_to_date(as_of)
    ids = [pk for pk, _owner, _name in owned]
    scope = Scope(Account.objects.filter(id__in=ids).values("id"), known=ids)
    targets = revenue_targets_by_account(scope, period)
    if not targets:
        return
    rebates = rebates_by_account(scope, period, period.previous_year())
    for pk, owner_id, name in owned:
        if pk not in targets:
            continue
        target, net = targets[pk]
        actual = cents(net - rebates.get(pk, (ZERO, ZERO, ZERO))[2])
        if target and actual < target:
            share = actual / target * 100
            days[owner_id].alerts.append(
                Alert(
                    "behind_target",
                    f"{name} is behind its revenue target",
                    f"{_money(actual)} of {_money(target)} year to date ({share:.0f}%), to {as_of:%B %Y}.",
                    reverse("sales:commercial", args=[pk]),
                    "See the commercial picture",
                )
            )


def _failed_imports(days: dict[int, Day], now: datetime) -> None:
    since = now - timedelta(days=FAILED_IMPORT_DAYS)
    failed = SalesImport.objects.filter(
        user_id__in=days, status=SalesImport.Status.FAILED, created_at__gte=since
    ).order_by("-created_at")
    for record in failed:
        days[record.user_id].alerts.append(
            Alert(
                "failed_import",
                f"Your {record.kind} import “{record.file_name}” failed",
                f"Started {record.created_at.astimezone(user_zone(days[record.user_id].user)):%Y-%m-%d %H:%M}.",
                reverse("sales:import_detail", args=[record.pk]),
                "See what went wrong",
            )
        )


def _detractors(days: dict[int, Day]) -> None:
    detractors = Contact.objects.filter(
        account__owner_id__in=days, has_left=False, attitude__lte=DETRACTOR_ATTITUDE, influence__gte=HIGH_INFLUENCE
    ).select_related("account")
    detractors = detractors.only(
        "id", "first_name", "last_name", "title", "influence", "account__name", "account__owner_id"
    )
    for contact in detractors.order_by("-influence", "last_name", "id"):
        days[contact.account.owner_id].alerts.append(
            Alert(
                "detractor",
                f"{contact.full_name} at {contact.account.name} is a detractor",
                f"Influence {contact.influence} of 5{f', {contact.title}' if contact.title else ''}.",
                reverse("people:detail", args=[contact.pk]),
                "Plan how to win them over",
            )
        )


def _sum_up_alerts(day: Day) -> None:
    """At most ALERTS_SHOWN of each kind, the rest as one alert pointing to the full list."""
    kept, extra = [], defaultdict(int)
    shown = defaultdict(int)
    for alert in day.alerts:
        if shown[alert.kind] < ALERTS_SHOWN:
            kept.append(alert)
            shown[alert.kind] += 1
        else:
            extra[alert.kind] += 1
    for kind, count in extra.items():
        title, url, action = MORE_ALERTS[kind]
        kept.append(Alert(kind, title.format(count=count), "", url(), action))
    day.alerts = kept


MORE_ALERTS = {
    "behind_target": (
        "{count} more of your accounts are behind target",
        lambda: reverse("sales:dashboard"),
        "See the dashboard",
    ),
    "failed_import": ("{count} more failed imports", lambda: reverse("sales:imports"), "See the imports"),
    "detractor": (
        "{count} more high-influence detractors",
        lambda: reverse("people:list") + f"?min_influence={HIGH_INFLUENCE}",
        "See the influential stakeholders",
    ),
}


# --- access ------------------------------------------------------------------------------------------------------


def _account_ids(day: Day, contacts: list[OverdueContact]) -> set[int]:
    items = [*day.overdue_tasks, *day.due_today, *day.upcoming_tasks, *day.meetings_today, *day.meetings_tomorrow]
    return {item.account_id for item in items} | {row.account_id for row in contacts}


def _visible_ids(user: User, ids: set[int], with_edit: bool) -> tuple[set[int], set[int]]:
    """Which of the accounts ``ids`` the user may see and, with ``with_edit``, change: one query."""
    if not ids:
        return set(), set()
    visible = visible_accounts(user).filter(id__in=ids)
    if not with_edit:
        return set(visible.values_list("id", flat=True)), set()
    editable = Exists(visible_accounts(user, EDIT).filter(id=OuterRef("id")))
    rows = list(visible.annotate(editable=editable).values_list("id", "editable"))
    return {pk for pk, _ in rows}, {pk for pk, can_edit in rows if can_edit}


def _keep_visible(day: Day, contacts: list[OverdueContact], with_edit: bool) -> None:
    """Drop whatever sits on an account the user may no longer see (a task left behind by a handover, a
    meeting they were invited to on someone else's account), and with ``with_edit`` mark the stakeholders
    the user may log a contact with. One query per user."""
    visible, editable = _visible_ids(day.user, _account_ids(day, contacts), with_edit)
    for name, count in TASK_GROUPS:
        kept = [task for task in getattr(day, name) if task.account_id in visible]
        setattr(day, count, getattr(day, count) - (len(getattr(day, name)) - len(kept)))
        setattr(day, name, kept)
    for name in ("meetings_today", "meetings_tomorrow"):
        kept = [item for item in getattr(day, name) if item.account_id in visible]
        setattr(day, f"{name}_count", len(kept))
        setattr(day, name, kept[:MEETINGS_SHOWN])
    shown = [row for row in contacts if row.account_id in visible]
    day.overdue_contact_count = len(shown)
    day.overdue_contacts = shown[:CONTACTS_SHOWN]
    for row in day.overdue_contacts:
        row.can_log = row.account_id in editable


# --- entry points ------------------------------------------------------------------------------------------------


def days_for(users: list[User], now: datetime, with_edit: bool = False) -> dict[int, Day]:
    """Every user's day at ``now`` (each in their own time zone): a fixed number of queries for the batch,
    plus one access check per user (``with_edit``: also which overdue stakeholders they may log a contact
    with)."""
    days = {user.pk: Day(user=user, today=local_now(user, now).date()) for user in users}
    if not days:
        return days
    owned = owned_accounts(days)
    _tasks(days)
    _meetings(days)
    contacts = _contacts(days, owned)
    _behind_target(days, owned)
    _failed_imports(days, now)
    _detractors(days)
    for pk, day in days.items():
        _keep_visible(day, contacts[pk], with_edit)
        _sum_up_alerts(day)
    _load_contacts(days)
    return days


def my_day(user: User, now: datetime) -> Day:
    """The signed-in user's day, with which stakeholders they may log a contact with (edit access)."""
    return days_for([user], now, with_edit=not user.is_read_only)[user.pk]
