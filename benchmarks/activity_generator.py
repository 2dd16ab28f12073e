"""A year of a portfolio's relationship work — activities, their participants, follow-up tasks and comments —
for ``kamdesk bench --activities`` (see docs/benchmarks.md).

It works on a demo portfolio already in the database (benchmarks/generator.py) and adds:

- ``count`` activities (size M: 300,000) over the twelve months before the anchor day and the three weeks
  after it, spread over the accounts by tier; mostly done, some cancelled or still planned; our people
  (the owner, often a colleague from the account team) and one to three of their stakeholders taking part;
- about one task per three activities (the follow-ups, most of the older ones done), and a comment on one
  task in ten;
- every stakeholder's last contact, from the done activities they took part in;
- stakeholders on one global account (the "focus" group: the relationship map's and the timeline's subject)
  until its group has FOCUS_STAKEHOLDERS of them, reporting into its org chart.

Rows are written set-based: the activities, participants, tasks and comments with ``executemany`` in batches
of plain tuples (ids assigned here, sequences reset after), the last contacts from one grouped read, written
back in batches. The data is counted from the anchor (the day it is generated: My day needs meetings today
and tasks due now) and is otherwise fixed by the seed.
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, Max

from kamdesk.accounts.models import Account, AccountClosure, AccountMembership, Tier
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus, Task, TaskComment, TaskStatus
from kamdesk.people.models import BuyingRole, Cadence, Contact

ACTIVITIES = {"S": 20_000, "M": 300_000}  # at scale 1
FOCUS_STAKEHOLDERS = 150
DAYS_BACK, DAYS_AHEAD = 365, 21
TASK_SHARE = 1 / 3
COMMENT_SHARE = 0.1
BATCH = 5_000
EXTRA_NOTE = "Benchmark stakeholder: fills the relationship map of the benchmark's global account."

TIER_WEIGHT = {Tier.STRATEGIC: 4.0, Tier.KEY: 2.5, Tier.GROWTH: 1.0, Tier.MAINTAIN: 0.4}
KIND_WEIGHTS = {
    ActivityKind.MEETING: 24,
    ActivityKind.CALL: 26,
    ActivityKind.EMAIL: 16,
    ActivityKind.VISIT: 11,
    ActivityKind.SITE_VISIT: 3,
    ActivityKind.STORE_CHECK: 8,
    ActivityKind.PRESENTATION: 4,
    ActivityKind.PRODUCT_BRIEFING: 4,
    ActivityKind.EXECUTIVE_MEETING: 2,
    ActivityKind.BUSINESS_REVIEW: 2,
}
STORE_CHANNELS = {"retail-chain", "pharmacy", "diy"}
SUBJECTS = {
    ActivityKind.MEETING: ("Range review", "Promotion planning", "Listing talks", "Supply planning", "Price talks"),
    ActivityKind.CALL: ("Order follow-up", "Delivery issue", "Forecast check", "Invoice question", "Catch-up"),
    ActivityKind.EMAIL: ("Price list sent", "Promotion proposal", "Samples confirmed", "Minutes sent"),
    ActivityKind.VISIT: ("Account visit", "Warehouse visit", "Category team visit"),
    ActivityKind.SITE_VISIT: ("Site visit", "Plant tour"),
    ActivityKind.STORE_CHECK: ("Store check", "Shelf audit"),
    ActivityKind.PRESENTATION: ("Innovation pitch", "Category insights"),
    ActivityKind.PRODUCT_BRIEFING: ("Product briefing", "Launch briefing"),
    ActivityKind.EXECUTIVE_MEETING: ("Top-to-top meeting", "Executive dinner"),
    ActivityKind.BUSINESS_REVIEW: ("Quarterly business review", "Annual business review", "Monthly review"),
}
TASK_TITLES = (
    "Send the updated price list",
    "Share the promotion calendar",
    "Check the delivery backlog",
    "Prepare the listing proposal",
    "Send the meeting minutes",
    "Follow up on the open invoice",
    "Book the next review",
    "Ask for the sell-out data",
    "Send samples",
    "Confirm the planogram",
)
COMMENTS = ("Waiting for their answer.", "Sent, asked for feedback by Friday.", "Moved to next week.", "Done by phone.")


@dataclass
class ActivitySummary:
    activities: int
    their_participants: int
    our_participants: int
    tasks: int
    comments: int
    extra_stakeholders: int
    seconds: float


# --- what is there ------------------------------------------------------------------------------------------


def activity_count(size: str, scale: float, requested: int | None) -> int:
    """``requested``, or the size's number at this scale (0 or None: the size's)."""
    return requested or max(100, round(ACTIVITIES[size] * scale))


def focus_group(visible_tops: models.QuerySet) -> int | None:
    """The global account the benchmark measures: the one holding the benchmark's stakeholders if any, else the
    group (among ``visible_tops``, top-level accounts with subsidiaries) whose stakeholders are closest to
    FOCUS_STAKEHOLDERS without exceeding it — the one that needs the fewest extra."""
    marked = Contact.objects.filter(notes=EXTRA_NOTE).values_list("account_id", flat=True).first()
    if marked is not None:
        top = AccountClosure.objects.filter(descendant_id=marked).order_by("-depth").values("ancestor_id").first()
        return top["ancestor_id"] if top else None
    groups = (
        visible_tops.filter(depth=0)
        .annotate(subtree=Count("descendant_links", distinct=True))
        .filter(subtree__gte=2)
        .values_list("id", flat=True)
    )
    best = None
    for account_id in groups:
        stakeholders = _group_contacts(account_id).count()
        key = (stakeholders > FOCUS_STAKEHOLDERS, abs(FOCUS_STAKEHOLDERS - stakeholders), account_id)
        best = min(best, key) if best else key
    return best[2] if best else None


def _group_contacts(top_id: int) -> models.QuerySet:
    subtree = AccountClosure.objects.filter(ancestor_id=top_id).values("descendant_id")
    return Contact.objects.filter(account_id__in=subtree)


def activities_present(count: int, focus_id: int) -> bool:
    return Activity.objects.count() == count and _group_contacts(focus_id).count() >= FOCUS_STAKEHOLDERS


def reset_activities() -> None:
    """Remove the activity layer (and the benchmark's extra stakeholders); the portfolio stays."""
    with transaction.atomic():
        for model in (TaskComment, Task, Activity):
            _delete_all(model)
        Contact.objects.filter(notes=EXTRA_NOTE).delete()
        Contact.objects.exclude(last_contacted_at=None).update(last_contacted_at=None)


def _delete_all(model) -> None:
    """Delete every row through the ORM (so whatever refers to them is cascaded or set null), a batch of ids
    at a time: one statement naming 300,000 ids is more than SQLite takes."""
    while ids := list(model.objects.order_by().values_list("pk", flat=True)[:BATCH]):
        model.objects.filter(pk__in=ids).delete()


# --- writing ------------------------------------------------------------------------------------------------


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT rows (values in ``columns`` order, ready for the database) in batches; every other concrete
    column gets its field's default, so fields added to the models later do not break the generator."""
    given = set(columns)
    fields = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in fields)
    names = [*columns, *(f.attname for f in fields)]
    columns_sql = ", ".join(connection.ops.quote_name(_column(model, n)) for n in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns_sql}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [row + defaults for row in rows[start : start + BATCH]])


def _column(model, attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.column
    raise LookupError(f"{model.__name__} has no column for {attname}")


def _first_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(*models_) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _top_up(rng: random.Random, focus_id: int) -> int:
    """Add stakeholders to the focus group until it has FOCUS_STAKEHOLDERS: staff of its accounts, reporting
    to each account's top person, owned and kept in cadence like the planned ones."""
    have = _group_contacts(focus_id).count()
    missing = max(FOCUS_STAKEHOLDERS - have, 0)
    if not missing:
        return 0
    subtree = AccountClosure.objects.filter(ancestor_id=focus_id).values("descendant_id")
    accounts = list(Account.objects.filter(id__in=subtree).order_by("id").values_list("id", "owner_id", "website"))
    rows = list(Contact.objects.filter(account_id__in=subtree).values_list("id", "account_id", "reports_to_id"))
    account_of = {pk: account_id for pk, account_id, _ in rows}
    # An account's top person reports to nobody, or to someone at another account of the group.
    tops = {}
    for pk, account_id, boss in sorted(rows):
        if boss is None or account_of.get(boss) != account_id:
            tops.setdefault(account_id, pk)
    extras = []
    for n in range(missing):
        account_id, owner_id, website = accounts[n % len(accounts)]
        domain = website.removeprefix("https://www.") or "example.com"
        extras.append(
            Contact(
                account_id=account_id,
                first_name=rng.choice(("Alex", "Sam", "Robin", "Kim", "Jo", "Charlie", "Maxime", "Andrea")),
                last_name=f"Bench{n + 1:03d}",
                email=f"bench.stakeholder{n + 1}@{domain}",
                title=rng.choice(("Category Manager", "Buyer", "Supply Planner", "Trade Marketing Manager")),
                department="Purchasing",
                reports_to_id=tops.get(account_id),
                buying_role=rng.choice((BuyingRole.USER, BuyingRole.INFLUENCER, BuyingRole.TECHNICAL_BUYER)),
                influence=rng.choice((1, 2, 2, 3, 4)),
                attitude=rng.choice((-1, 0, 0, 1, 1, 2)),
                owner_id=owner_id if rng.random() < 0.8 else None,
                cadence_days=rng.choice((Cadence.FORTNIGHTLY, Cadence.MONTHLY, Cadence.QUARTERLY)),
                notes=EXTRA_NOTE,
            )
        )
    Contact.objects.bulk_create(extras)
    return missing


def write_activities(*, count: int, seed: int, anchor: datetime, focus_id: int) -> ActivitySummary:
    """Replace the activity layer with ``count`` activities around ``anchor``, all or nothing."""
    started = time.perf_counter()
    rng = random.Random(f"kamdesk-activities/{seed}/{count}")
    reset_activities()
    with transaction.atomic():
        extra = _top_up(rng, focus_id)
        accounts = list(
            Account.objects.order_by("id").values_list("id", "owner_id", "tier", "channel__code", "is_active")
        )
        team: dict[int, list[int]] = {}
        for account_id, user_id in AccountMembership.objects.order_by("id").values_list("account_id", "user_id"):
            team.setdefault(account_id, []).append(user_id)
        people: dict[int, list[int]] = {}
        for account_id, contact_id in (
            Contact.objects.filter(has_left=False).order_by("id").values_list("account_id", "id")
        ):
            people.setdefault(account_id, []).append(contact_id)
        weights = [TIER_WEIGHT.get(tier, 1.0) * (1.0 if active else 0.2) for _, _, tier, _, active in accounts]
        picks = rng.choices(range(len(accounts)), weights=weights, k=count)
        plan = _plan(rng, picks, accounts, team, people, anchor)
        _write(plan)
        _set_last_contacts()
    return ActivitySummary(
        activities=len(plan.activities),
        their_participants=len(plan.theirs),
        our_participants=len(plan.ours),
        tasks=len(plan.tasks),
        comments=len(plan.comments),
        extra_stakeholders=extra,
        seconds=round(time.perf_counter() - started, 2),
    )


@dataclass
class _Plan:
    activities: list[tuple]
    ours: list[tuple]
    theirs: list[tuple]
    tasks: list[tuple]
    comments: list[tuple]


ACTIVITY_COLUMNS = [
    "id", "account_id", "kind", "status", "starts_at", "ends_at", "subject", "created_by_id", "created_at",
    "updated_at",
]  # fmt: skip
TASK_COLUMNS = [
    "id", "title", "account_id", "owner_id", "due_date", "priority", "status", "completed_at", "activity_id",
    "created_by_id", "created_at", "updated_at",
]  # fmt: skip
COMMENT_COLUMNS = ["id", "task_id", "author_id", "text", "created_at"]


def _plan(rng, picks, accounts, team, people, anchor: datetime) -> _Plan:
    plan = _Plan([], [], [], [], [])
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    activity_id, task_id, comment_id = _first_id(Activity), _first_id(Task), _first_id(TaskComment)
    midnight = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    for index in picks:
        account_id, owner_id, _tier, channel, _active = accounts[index]
        kind = rng.choices(kinds, weights=kind_weights)[0]
        if kind == ActivityKind.STORE_CHECK and channel not in STORE_CHANNELS:
            kind = ActivityKind.VISIT
        day = rng.randint(-DAYS_BACK, DAYS_AHEAD)
        starts = midnight + timedelta(days=day, hours=rng.randint(7, 17), minutes=rng.choice((0, 15, 30, 45)))
        if starts > anchor:
            status = ActivityStatus.PLANNED
        else:
            status = rng.choices((ActivityStatus.DONE, ActivityStatus.CANCELLED, ActivityStatus.PLANNED), (93, 3, 4))[0]
        ends = None if kind == ActivityKind.EMAIL else starts + timedelta(minutes=rng.choice((15, 30, 60, 90, 120)))
        created = min(starts, anchor) - timedelta(days=rng.randint(0, 14), minutes=rng.randint(0, 600))
        subject = rng.choice(SUBJECTS[kind])
        plan.activities.append(
            (activity_id, account_id, kind.value, status.value, _dt(starts), ends and _dt(ends), subject, owner_id,
             _dt(created), _dt(created))
        )  # fmt: skip
        plan.ours.append((activity_id, owner_id))
        colleagues = [u for u in team.get(account_id, ()) if u != owner_id]
        if colleagues and rng.random() < 0.3:
            plan.ours.append((activity_id, rng.choice(colleagues)))
        contacts = people.get(account_id, ())
        for contact_id in rng.sample(contacts, min(len(contacts), rng.choice((1, 1, 2, 2, 3)))):
            plan.theirs.append((activity_id, contact_id))
        if rng.random() < TASK_SHARE:
            task = _task(rng, task_id, activity_id, account_id, owner_id, starts, anchor)
            plan.tasks.append(task)
            if rng.random() < COMMENT_SHARE:
                text = rng.choice(COMMENTS)
                plan.comments.append(
                    (comment_id, task_id, owner_id, text, _dt(min(anchor, starts + timedelta(days=1))))
                )
                comment_id += 1
            task_id += 1
        activity_id += 1
    return plan


def _task(rng, task_id, activity_id, account_id, owner_id, starts: datetime, anchor: datetime) -> tuple:
    created = starts + timedelta(hours=2) if starts < anchor else anchor - timedelta(days=rng.randint(1, 10))
    created = min(created, anchor)
    due = (created + timedelta(days=rng.randint(3, 30))).date()
    overdue_long = due < (anchor - timedelta(days=3)).date()
    roll = rng.random()
    if overdue_long:
        status = TaskStatus.DONE if roll < 0.85 else TaskStatus.CANCELLED if roll < 0.9 else TaskStatus.OPEN
    else:
        status = TaskStatus.DONE if roll < 0.1 else TaskStatus.OPEN
    completed = None
    if status == TaskStatus.DONE:
        completed = min(anchor, created + timedelta(hours=rng.randint(1, 24 * 20)))
    priority = rng.choices(("low", "normal", "high"), (2, 6, 2))[0]
    return (
        task_id, rng.choice(TASK_TITLES), account_id, owner_id, connection.ops.adapt_datefield_value(due), priority,
        status.value, completed and _dt(completed), activity_id, owner_id, _dt(created), _dt(completed or created),
    )  # fmt: skip


def _write(plan: _Plan) -> None:
    _insert(Activity, ACTIVITY_COLUMNS, plan.activities)
    _insert(Activity.our_participants.through, ["activity_id", "user_id"], plan.ours)
    _insert(Activity.their_participants.through, ["activity_id", "contact_id"], plan.theirs)
    _insert(Task, TASK_COLUMNS, plan.tasks)
    _insert(TaskComment, COMMENT_COLUMNS, plan.comments)
    _reset_sequences(
        Activity, Task, TaskComment, Activity.our_participants.through, Activity.their_participants.through
    )


def _set_last_contacts() -> None:
    """Every stakeholder's last contact: the start of the latest done activity they took part in. One grouped
    read and one batched UPDATE — a correlated subquery per stakeholder is planned badly on freshly loaded
    tables (no statistics yet) and took minutes on PostgreSQL."""
    Through = Activity.their_participants.through
    latest = (
        Through.objects.filter(activity__status=ActivityStatus.DONE)
        .order_by()
        .values("contact_id")
        .annotate(last=Max("activity__starts_at"))
        .values_list("last", "contact_id")
    )
    table, column = Contact._meta.db_table, Contact._meta.get_field("last_contacted_at").column
    sql = f"UPDATE {connection.ops.quote_name(table)} SET {connection.ops.quote_name(column)} = %s WHERE id = %s"
    rows = [(_dt(last), contact_id) for last, contact_id in latest]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
