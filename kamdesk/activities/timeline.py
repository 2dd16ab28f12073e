"""The account timeline: activities, business reviews, tasks and audited changes of an account, newest first.

Each source is read with its own query, limited to one page (plus one row, to know whether there is more) and
ordered by its time in SQL on an indexed column; the pages are merged in Python. A page therefore costs the
same handful of queries however long the account's history is, and the next page starts from a keyset cursor
(time, source, id) rather than an offset, so page 100 is as cheap as page 1.

The caller has checked that the user may see the account; its subsidiaries are then visible too.
"""

import dataclasses
import functools
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kamdesk.access.scope import can_see_costs
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus, Task, TaskComment, TaskStatus
from kamdesk.audit.models import AuditEvent
from kamdesk.users.models import User

PAGE_SIZE = 50
MAX_LIMIT = 200

ACTIVITIES, REVIEWS, TASKS, CHANGES = "activities", "reviews", "tasks", "changes"
TYPES = {ACTIVITIES: "Activities", REVIEWS: "Reviews", TASKS: "Tasks", CHANGES: "Changes"}

# The sources, each with a fixed rank: entries at the same instant are ordered by rank, then by id, so the
# order — and the cursor that continues it — is total. Activities and reviews are one source (one query when
# both are shown), told apart by their kind.
ACTIVITY, TASK_CREATED, TASK_DONE, COMMENT, CHANGE = range(5)
RANKS = frozenset(range(5))

# Audit events the timeline already shows as their own entries (the activity, the new task, its completion,
# the comment); the other changes to activities and tasks (edits, cancelling, reassigning) stay.
SHOWN_ELSEWHERE = (
    Q(object_type__in=["activity", "task"], action="create")
    | Q(object_type="task", action="complete")
    | Q(action="comment")
)
# Pricing terms are hidden from roles that may not see costs (kamdesk.access.scope.can_see_costs).
PRICING_OBJECTS = ("priceagreement",)


class InvalidCursor(ValueError):
    """An ``older`` cursor that this timeline did not hand out."""


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page ended: the last entry's time (microseconds since the epoch), source rank and id."""

    at_us: int
    rank: int
    id: int

    def __str__(self) -> str:
        return f"{self.at_us}.{self.rank}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        parts = (text or "").strip().split(".")
        if len(parts) != 3 or not all(part.lstrip("-").isdigit() and len(part) <= 20 for part in parts):
            raise InvalidCursor("Not a timeline position: use the “older” link (or the API's next value) as given.")
        at_us, rank, pk = (int(part) for part in parts)
        if rank not in RANKS or pk < 1 or pk > 2**63 - 1 or abs(at_us) > 2**62:
            raise InvalidCursor("Not a timeline position: use the “older” link (or the API's next value) as given.")
        return cls(at_us, rank, pk)

    @property
    def at(self) -> datetime:
        return EPOCH + timedelta(microseconds=self.at_us)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class Entry:
    """One line of the timeline."""

    at: datetime
    rank: int
    id: int
    type: str  # one of TYPES
    title: str
    account_id: int
    account_name: str
    actor: str = ""
    url: str = ""
    label: str = ""  # what happened: "Meeting · done", "Task completed", "Stakeholder changed"
    details: list[str] = field(default_factory=list)

    @property
    def cursor(self) -> Cursor:
        return Cursor(_micros(self.at), self.rank, self.id)

    @property
    def sort_key(self) -> tuple:
        return (_micros(self.at), self.rank, self.id)


@dataclass
class TimelinePage:
    entries: list[Entry]
    next_cursor: Cursor | None  # None: this is the oldest page


@dataclass(frozen=True)
class TimelineQuery:
    """What the timeline shows: the types (empty: all), the account alone or with its subsidiaries, an
    optional date range (the user's dates, both ends included) and where the previous page ended.

    Without an end date the timeline stops at the present (``now``, set when it is read): it tells what
    happened, and the activities planned ahead are on the Activities tab and in My day."""

    types: frozenset[str] = frozenset()
    include_subsidiaries: bool = False
    since: date | None = None
    until: date | None = None
    before: Cursor | None = None
    limit: int = PAGE_SIZE
    now: datetime | None = None

    @property
    def shown_types(self) -> frozenset[str]:
        return self.types or frozenset(TYPES)


# --- the per-source queries -------------------------------------------------------------------------------------


def _window(query: TimelineQuery, rank: int, column: str) -> Q:
    """The rows of one source that belong on the page: inside the date range and older than the cursor."""
    condition = Q()
    if query.since:
        condition &= Q(**{f"{column}__gte": _day_start(query.since)})
    if query.until:
        condition &= Q(**{f"{column}__lt": _day_start(query.until + timedelta(days=1))})
    elif query.now:
        condition &= Q(**{f"{column}__lte": query.now})
    cursor = query.before
    if cursor is not None:
        at = cursor.at
        if rank < cursor.rank:  # at the cursor's instant, lower ranks come after it
            condition &= Q(**{f"{column}__lte": at})
        elif rank > cursor.rank:
            condition &= Q(**{f"{column}__lt": at})
        else:
            condition &= Q(**{f"{column}__lt": at}) | Q(**{column: at, "pk__lt": cursor.id})
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _accounts(account: Account, query: TimelineQuery) -> Q:
    if not query.include_subsidiaries:
        return Q(account_id=account.pk)
    return Q(account_id__in=AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id"))


def _page(queryset: QuerySet, rank: int, column: str, query: TimelineQuery) -> QuerySet:
    return queryset.filter(_window(query, rank, column)).order_by(f"-{column}", "-pk")[: query.limit + 1]


# Only the columns an entry shows, read as plain values: notes, agendas and descriptions can be long, and
# building model instances for every source's rows was most of what a page cost in Python.
ACCOUNT = ("account__id", "account__name")
PERSON = ("first_name", "last_name", "email")


def _person(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}__{name}" for name in PERSON)


@functools.cache
def _url_pattern(name: str) -> str:
    """The URL of a record page with ``{}`` for its id: reversed once, not once per entry."""
    return reverse(name, args=[PLACEHOLDER_ID]).replace(str(PLACEHOLDER_ID), "{}")


PLACEHOLDER_ID = 987654321
# Choice labels looked up once: get_FOO_display() flattens the choices on every call.
KIND_LABELS = dict(ActivityKind.choices)
STATUS_LABELS = {**dict(ActivityStatus.choices), **dict(TaskStatus.choices)}


def _name(row: dict, prefix: str) -> str:
    """A user as the pages show one (their full name, else their e-mail address); blank for nobody."""
    full = f"{row[f'{prefix}__first_name'] or ''} {row[f'{prefix}__last_name'] or ''}".strip()
    return full or row[f"{prefix}__email"] or ""


def _activities(account: Account, query: TimelineQuery) -> Iterator[Entry]:
    """Activities, reviews or both: each shown type is an entry type of its own, read in one query."""
    shown = query.shown_types
    base = Activity.objects.filter(_accounts(account, query))
    reviews = Q(kind=ActivityKind.BUSINESS_REVIEW)
    if REVIEWS not in shown:
        base = base.exclude(reviews)
    elif ACTIVITIES not in shown:
        base = base.filter(reviews)
    fields = ("pk", "kind", "status", "starts_at", "subject", "location", *ACCOUNT, *_person("created_by"))
    for row in _page(base.values(*fields), ACTIVITY, "starts_at", query):
        kind, status = KIND_LABELS.get(row["kind"], row["kind"]), STATUS_LABELS.get(row["status"], row["status"])
        yield Entry(
            at=row["starts_at"],
            rank=ACTIVITY,
            id=row["pk"],
            type=REVIEWS if row["kind"] == ActivityKind.BUSINESS_REVIEW else ACTIVITIES,
            title=row["subject"],
            account_id=row["account__id"],
            account_name=row["account__name"],
            actor=_name(row, "created_by"),
            url=_url_pattern("activities:detail").format(row["pk"]),
            label=f"{kind} · {status.lower()}",
            details=[row["location"]] if row["location"] else [],
        )


def _tasks_created(account: Account, query: TimelineQuery) -> Iterator[Entry]:
    fields = ("pk", "title", "due_date", "status", "created_at", *ACCOUNT, *_person("owner"), *_person("created_by"))
    base = Task.objects.filter(_accounts(account, query)).values(*fields)
    for row in _page(base, TASK_CREATED, "created_at", query):
        due = f", due {row['due_date']:%Y-%m-%d}" if row["due_date"] else ""
        status = STATUS_LABELS.get(row["status"], row["status"]).lower()
        yield Entry(
            at=row["created_at"],
            rank=TASK_CREATED,
            id=row["pk"],
            type=TASKS,
            title=row["title"],
            account_id=row["account__id"],
            account_name=row["account__name"],
            actor=_name(row, "created_by"),
            url=_url_pattern("activities:task_detail").format(row["pk"]),
            label="Task created",
            details=[f"For {_name(row, 'owner')}{due} · now {status}"],
        )


def _tasks_done(account: Account, query: TimelineQuery) -> Iterator[Entry]:
    base = Task.objects.filter(_accounts(account, query), completed_at__isnull=False).values(
        "pk", "title", "completed_at", *ACCOUNT, *_person("owner")
    )
    for row in _page(base, TASK_DONE, "completed_at", query):
        yield Entry(
            at=row["completed_at"],
            rank=TASK_DONE,
            id=row["pk"],
            type=TASKS,
            title=row["title"],
            account_id=row["account__id"],
            account_name=row["account__name"],
            actor=_name(row, "owner"),
            url=_url_pattern("activities:task_detail").format(row["pk"]),
            label="Task completed",
        )


def _comments(account: Account, query: TimelineQuery) -> Iterator[Entry]:
    tasks = Task.objects.filter(_accounts(account, query)).values("pk")
    base = TaskComment.objects.filter(task_id__in=tasks).values(
        "pk", "task_id", "text", "created_at", "task__title", "task__account__id", "task__account__name",
        *_person("author"),
    )  # fmt: skip
    for row in _page(base, COMMENT, "created_at", query):
        yield Entry(
            at=row["created_at"],
            rank=COMMENT,
            id=row["pk"],
            type=TASKS,
            title=row["task__title"],
            account_id=row["task__account__id"],
            account_name=row["task__account__name"],
            actor=_name(row, "author"),
            url=_url_pattern("activities:task_detail").format(row["task_id"]),
            label="Comment on task",
            details=[_excerpt(row["text"])],
        )


def _excerpt(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _changes(user: User, account: Account, query: TimelineQuery) -> Iterator[Entry]:
    # Imported here: the account pages import this app's views, which import this module.
    from kamdesk.accounts.views import _history_entry

    base = AuditEvent.objects.filter(_accounts(account, query)).exclude(SHOWN_ELSEWHERE)
    hide_costs = not can_see_costs(user)
    if hide_costs:
        base = base.exclude(object_type__in=PRICING_OBJECTS)
    cost_labels = _cost_target_labels() if hide_costs else ()
    events = list(_page(base.select_related("actor", "account"), CHANGE, "at", query))
    for event in events:
        hidden = False
        if cost_labels and isinstance(event.changes, dict):
            # A margin target is itself a margin figure: drop those lines, keep the rest of the event.
            kept = {k: v for k, v in event.changes.items() if not k.startswith(cost_labels)}
            hidden, event.changes = len(kept) < len(event.changes), kept
        shown = _history_entry(event)
        yield Entry(
            at=event.at,
            rank=CHANGE,
            id=event.pk,
            type=CHANGES,
            title=event.object_repr,
            account_id=event.account_id or account.pk,
            account_name=event.account.name if event.account else account.name,
            actor=str(event.actor or "System"),
            label=_change_label(event, shown["summary"]),
            details=[f"{c['field']}: {c['old']} → {c['new']}" for c in shown["changes"]]
            + (["Margin figures hidden for your role."] if hidden else [])
            + ([f"Reason: {event.note}"] if event.note else []),
        )


def _cost_target_labels() -> tuple[str, ...]:
    """How margin target changes are labelled in audit events ("Gross margin target 2026-03")."""
    from kamdesk.sales.models import Metric
    from kamdesk.sales.targets import COST_METRICS

    return tuple(
        f"{name} target " for name in Metric.objects.filter(code__in=COST_METRICS).values_list("name", flat=True)
    )


OBJECT_LABELS = {
    "activity": "Activity",
    "task": "Task",
    "priceagreement": "Price agreement",
    "listing": "Listing",
}
ACTION_LABELS = {
    "cancel": "cancelled",
    "reassign": "reassigned",
    "complete": "completed",
    "reopen": "reopened",
    "comment": "commented",
}


def _change_label(event: AuditEvent, summary: str) -> str:
    """The History tab's wording, with names for the objects and actions it does not list itself."""
    if event.object_type in OBJECT_LABELS or event.action in ACTION_LABELS:
        noun = OBJECT_LABELS.get(event.object_type, summary.split(" ")[0])
        verb = ACTION_LABELS.get(event.action) or summary.split(" ", 1)[-1]
        return f"{noun} {verb}"
    return summary


# --- the timeline -----------------------------------------------------------------------------------------------


def _sources(user: User, account: Account, query: TimelineQuery) -> list[Iterable[Entry]]:
    shown = query.shown_types
    sources = []
    if ACTIVITIES in shown or REVIEWS in shown:
        sources.append(_activities(account, query))
    if TASKS in shown:
        sources += [_tasks_created(account, query), _tasks_done(account, query), _comments(account, query)]
    if CHANGES in shown:
        sources.append(_changes(user, account, query))
    return sources


def account_timeline(user: User, account: Account, query: TimelineQuery | None = None) -> TimelinePage:
    """One page of the account's timeline, newest first, and the cursor of the next (older) page.

    At most one query per source (five in all, one more for a role that may not see margins), whatever the
    number of rows behind them.
    """
    query = query or TimelineQuery()
    if query.until is None and query.now is None:
        query = dataclasses.replace(query, now=timezone.now())
    merged = heapq.merge(
        *(sorted(source, key=lambda e: e.sort_key, reverse=True) for source in _sources(user, account, query)),
        key=lambda e: e.sort_key,
        reverse=True,
    )
    entries = []
    for entry in merged:
        entries.append(entry)
        if len(entries) > query.limit:
            break
    more = len(entries) > query.limit
    entries = entries[: query.limit]
    return TimelinePage(entries=entries, next_cursor=entries[-1].cursor if more else None)
