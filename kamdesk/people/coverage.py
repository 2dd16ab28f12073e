"""Coverage of an account's stakeholders and compliance with its communication plan.

Who matters: the key stakeholders are the people whose buying role is decision maker, economic buyer,
influencer or champion (KEY_ROLES); each weighs as much as their influence (1-5, DEFAULT_WEIGHT when not
recorded). A key stakeholder is *covered* when they have a relationship owner on our side and were contacted
within their cadence. The coverage score is the covered share of the key stakeholders' weight, 0-100.

A contact's cadence: their own, else the account's communication plan for their level (an account without a
rule for that level follows the nearest parent account that has one), else the installation's default for
the level (settings.COVERAGE_DEFAULT_CADENCE_DAYS) — see ``effective_cadence_days``.

Everything here reads in sets: a fixed number of queries per account page, per overview and per snapshot
run, whatever the number of stakeholders. Access is the caller's job: views and the API pass accounts they
took from ``visible_accounts``.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kamdesk.access.scope import people_under, visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.activities.models import Activity, ActivityStatus
from kamdesk.people.models import (
    BuyingRole,
    CadenceRule,
    Contact,
    CoverageSnapshot,
    PlannedTouchpoint,
    TouchpointStatus,
)
from kamdesk.users.models import User

KEY_ROLES = (BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER, BuyingRole.INFLUENCER, BuyingRole.CHAMPION)
DEFAULT_WEIGHT = 3  # influence of a key stakeholder whose influence is not recorded
RISKY_INFLUENCE = 4  # a sceptic or detractor from this influence up is a gap
SINGLE_THREAD_DAYS = 365  # the window in which we count which of our people met a stakeholder
TREND_DAYS = 365
# The shortest cadence there is (weekly): whoever was contacted more recently cannot be overdue.
SHORTEST_CADENCE_DAYS = 7
# What the snapshot job and the cadence table need of a contact.
CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "title",
    "account_id",
    "buying_role",
    "level",
    "influence",
    "attitude",
    "owner_id",
    "cadence_days",
    "last_contacted_at",
)


# --- cadence ----------------------------------------------------------------------------------------------------


def default_cadence_days(level: str) -> int | None:
    """The installation's cadence for a level ("none" for contacts without a level)."""
    return settings.COVERAGE_DEFAULT_CADENCE_DAYS.get(level or "none")


def load_cadence_rules(account_ids=None) -> dict[tuple[int, str], int]:
    """``{(account id, level): cadence days}`` for ``account_ids`` (ids or a subquery; None: every account), in
    one query. An account without its own rule for a level inherits the nearest ancestor's rule."""
    links = CadenceRule.objects.all()
    if account_ids is not None:
        links = links.filter(account__descendant_links__descendant_id__in=account_ids)
    rows = links.values_list(
        "account__descendant_links__descendant_id", "level", "cadence_days", "account__descendant_links__depth"
    ).order_by("-account__descendant_links__depth")
    rules: dict[tuple[int, str], int] = {}
    for account_id, level, days, _depth in rows:  # farthest first: a nearer rule overwrites it
        rules[(account_id, level)] = days
    return rules


def effective_cadence_days(contact: Contact, rules: dict[tuple[int, str], int]) -> int | None:
    """THE cadence of a contact: their own, else their account's plan for their level (``rules`` from
    ``load_cadence_rules``), else the installation's default for the level."""
    if contact.cadence_days:
        return contact.cadence_days
    return rules.get((contact.account_id, contact.level)) or default_cadence_days(contact.level)


@dataclass(frozen=True)
class CadenceRow:
    """One stakeholder against their cadence, on ``today``."""

    contact: Contact
    cadence_days: int | None
    last_contact: date | None
    next_due: date | None
    days_overdue: int | None  # past the due date; None when never contacted

    @property
    def judged(self) -> bool:
        return self.cadence_days is not None

    @property
    def in_cadence(self) -> bool:
        return not self.judged or (self.days_overdue is not None and self.days_overdue <= 0)

    @property
    def overdue(self) -> bool:
        return not self.in_cadence


def cadence_row(contact: Contact, rules: dict, today: date) -> CadenceRow:
    cadence = effective_cadence_days(contact, rules)
    last = timezone.localdate(contact.last_contacted_at) if contact.last_contacted_at else None
    due = last + timedelta(days=cadence) if last and cadence else None
    overdue = (today - due).days if due else None
    return CadenceRow(contact, cadence, last, due, overdue)


def _most_overdue_first(row: CadenceRow):
    return (row.in_cadence, row.days_overdue is not None, -(row.days_overdue or 0), row.contact.last_name)


# --- the gaps and the score -------------------------------------------------------------------------------------


def weight(contact: Contact) -> int:
    return contact.influence or DEFAULT_WEIGHT


def is_risky_detractor(contact: Contact) -> bool:
    return contact.attitude is not None and contact.attitude < 0 and (contact.influence or 0) >= RISKY_INFLUENCE


@dataclass
class Assessment:
    rows: list[CadenceRow]  # every current stakeholder, most overdue first
    key: list[CadenceRow]
    without_owner: list[Contact]
    out_of_cadence: list[CadenceRow]
    single_threaded: list[Contact]
    risky_detractors: list[Contact]
    score: int | None  # None: no key stakeholders to cover
    judged: int  # stakeholders with a cadence
    in_cadence: int

    @property
    def compliance(self) -> int | None:
        return percent(self.in_cadence, self.judged)

    def counts(self) -> dict:
        return {
            "score": self.score,
            "compliance": self.compliance,
            "key_stakeholders": len(self.key),
            "without_owner": len(self.without_owner),
            "out_of_cadence": len(self.out_of_cadence),
            "single_threaded": len(self.single_threaded),
            "risky_detractors": len(self.risky_detractors),
        }


def percent(part: int, whole: int) -> int | None:
    """Whole percent, halves rounded up (integer maths: no float surprises at .5)."""
    return (200 * part + whole) // (2 * whole) if whole else None


def assess(contacts, rules: dict, threads: dict[int, int], today: date) -> Assessment:
    """The gaps, the score and the cadence compliance of a set of current stakeholders. ``threads`` maps a
    contact id to how many of our people met them in the window (``thread_counts``)."""
    rows = sorted((cadence_row(contact, rules, today) for contact in contacts), key=_most_overdue_first)
    key = [row for row in rows if row.contact.buying_role in KEY_ROLES]
    total = sum(weight(row.contact) for row in key)
    covered = sum(weight(row.contact) for row in key if row.contact.owner_id and row.in_cadence)
    judged = [row for row in rows if row.judged]
    return Assessment(
        rows=rows,
        key=key,
        without_owner=[row.contact for row in key if not row.contact.owner_id],
        out_of_cadence=[row for row in key if row.overdue],
        single_threaded=[row.contact for row in key if threads.get(row.contact.pk) == 1],
        risky_detractors=[row.contact for row in rows if is_risky_detractor(row.contact)],
        score=percent(covered, total),
        judged=len(judged),
        in_cadence=sum(1 for row in judged if row.in_cadence),
    )


def thread_counts(contacts: QuerySet, today: date) -> dict[int, int]:
    """``{contact id: how many of our people took part in done activities with them}`` over the
    SINGLE_THREAD_DAYS up to ``today``, for the contacts of a queryset — one grouped query."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(today - timedelta(days=SINGLE_THREAD_DAYS), time.min, tzinfo=zone)
    until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        Activity.their_participants.through.objects.filter(
            contact_id__in=contacts.values("id"),
            activity__status=ActivityStatus.DONE,
            activity__starts_at__gte=since,
            activity__starts_at__lt=until,
        )
        .values("contact_id")
        .annotate(people=Count("activity__our_participants", distinct=True))
        .values_list("contact_id", "people")
    )
    return dict(rows)


# --- one account ------------------------------------------------------------------------------------------------


def scope_ids(account: Account, include_subsidiaries: bool) -> QuerySet:
    """The account (and its whole subtree) as a subquery of ids."""
    if include_subsidiaries:
        return AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")
    return Account.objects.filter(pk=account.pk).values("id")


def current_stakeholders(account_ids) -> QuerySet:
    """People still at the customer whose main or further account is one of ``account_ids``."""
    further = Contact.other_accounts.through.objects.filter(account_id__in=account_ids).values("contact_id")
    return Contact.objects.filter(Q(account_id__in=account_ids) | Q(id__in=further), has_left=False)


@dataclass
class AccountCoverage:
    assessment: Assessment
    touchpoints_due: int
    touchpoints_on_time: int
    trend: list[CoverageSnapshot] = field(default_factory=list)

    @property
    def touchpoint_compliance(self) -> int | None:
        return percent(self.touchpoints_on_time, self.touchpoints_due)


def touchpoint_counts(account_ids, today: date) -> tuple[int, int]:
    """(due, held on time) of the planned touchpoints of the last year: due once their date plus the grace
    days has passed (or once held); on time when held at most TOUCHPOINT_GRACE_DAYS after the planned date."""
    grace = timedelta(days=settings.TOUCHPOINT_GRACE_DAYS)
    rows = (
        PlannedTouchpoint.objects.filter(
            account_id__in=account_ids, planned_on__gte=today - timedelta(days=TREND_DAYS), planned_on__lte=today
        )
        .exclude(status=TouchpointStatus.CANCELLED)
        .values_list("planned_on", "status", "held_on")
    )
    due = on_time = 0
    for planned_on, status, held_on in rows:
        if status == TouchpointStatus.HELD or planned_on + grace < today:
            due += 1
            on_time += status == TouchpointStatus.HELD and held_on <= planned_on + grace
    return due, on_time


def account_coverage(account: Account, *, include_subsidiaries: bool = True, today: date | None = None):
    """Gaps, score, compliance and trend of an account the caller has checked the user may see."""
    today = today or timezone.localdate()
    ids = scope_ids(account, include_subsidiaries)
    stakeholders = current_stakeholders(ids)
    contacts = list(stakeholders.select_related("owner").only(*CONTACT_FIELDS, *_owner_fields()))
    rules = load_cadence_rules(stakeholders.values("account_id"))
    threads = thread_counts(stakeholders.filter(buying_role__in=KEY_ROLES), today)
    due, on_time = touchpoint_counts(ids, today)
    trend = list(
        CoverageSnapshot.objects.filter(account=account, taken_on__gte=today - timedelta(days=TREND_DAYS)).order_by(
            "taken_on"
        )
    )
    return AccountCoverage(assess(contacts, rules, threads, today), due, on_time, trend)


def _owner_fields() -> tuple[str, ...]:
    return ("owner__id", "owner__first_name", "owner__last_name", "owner__email")


# --- snapshots for the trend ------------------------------------------------------------------------------------

SNAPSHOT_FIELDS = (
    "score",
    "compliance",
    "key_stakeholders",
    "without_owner",
    "out_of_cadence",
    "single_threaded",
    "risky_detractors",
)


def _ancestors_of() -> dict[int, list[int]]:
    ancestors: dict[int, list[int]] = defaultdict(list)
    for ancestor_id, descendant_id in AccountClosure.objects.values_list("ancestor_id", "descendant_id"):
        ancestors[descendant_id].append(ancestor_id)
    return ancestors


def take_snapshots(on: date) -> int:
    """Store every active account's coverage on ``on`` (with its subsidiaries), replacing that day's earlier
    snapshot: running it twice the same day changes nothing but the numbers. A handful of queries for all
    accounts. Returns the number of accounts snapshotted."""
    contacts = list(Contact.objects.filter(has_left=False).only(*CONTACT_FIELDS))
    rules = load_cadence_rules()
    threads = thread_counts(Contact.objects.filter(has_left=False, buying_role__in=KEY_ROLES), on)
    further: dict[int, list[int]] = defaultdict(list)
    for contact_id, account_id in Contact.other_accounts.through.objects.values_list("contact_id", "account_id"):
        further[contact_id].append(account_id)
    ancestors = _ancestors_of()
    # Each contact counts for their own and further accounts and for every account above those.
    by_account: dict[int, dict[int, Contact]] = defaultdict(dict)
    for contact in contacts:
        for account_id in {contact.account_id, *further.get(contact.pk, ())}:
            for ancestor_id in ancestors.get(account_id, (account_id,)):
                by_account[ancestor_id][contact.pk] = contact
    snapshots = [
        CoverageSnapshot(
            account_id=account_id, taken_on=on, **assess(by_account[account_id].values(), rules, threads, on).counts()
        )
        for account_id in Account.objects.filter(is_active=True).values_list("id", flat=True)
    ]
    with transaction.atomic():
        CoverageSnapshot.objects.bulk_create(
            snapshots,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["account", "taken_on"],
            update_fields=list(SNAPSHOT_FIELDS),
        )
    return len(snapshots)


def trend_chart(snapshots: list[CoverageSnapshot], *, title: str = "Coverage score") -> dict:
    """The score day by day as a Vega-Lite line (the commercial charts' conventions: data inline, no URLs)."""
    from kamdesk.sales.charts import HEIGHT, SCHEMA, WIDTH

    values = [
        {"day": snapshot.taken_on.isoformat(), "score": snapshot.score, "compliance": snapshot.compliance}
        for snapshot in snapshots
    ]
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": f"{title} and contact cadence compliance by day, 0 to 100.",
        "width": WIDTH,
        "height": HEIGHT // 2,
        "data": {"values": values},
        "transform": [{"fold": ["score", "compliance"], "as": ["measure", "value"]}],
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "title": None},
            "y": {"field": "value", "type": "quantitative", "title": "%", "scale": {"domain": [0, 100]}},
            "color": {"field": "measure", "type": "nominal", "title": None},
            "tooltip": [
                {"field": "day", "type": "temporal", "title": "Day"},
                {"field": "measure", "title": "Measure"},
                {"field": "value", "type": "quantitative", "title": "%"},
            ],
        },
        "config": {"font": "sans-serif", "view": {"stroke": None}},
    }


# --- across a portfolio: per-KAM compliance and the overdue contacts --------------------------------------------


@dataclass
class KamCompliance:
    user: User
    accounts: int = 0
    stakeholders: int = 0  # with a cadence
    in_cadence: int = 0
    overdue: int = 0
    touchpoints_due: int = 0
    touchpoints_on_time: int = 0

    @property
    def compliance(self) -> int | None:
        return percent(self.in_cadence, self.stakeholders)

    @property
    def touchpoint_compliance(self) -> int | None:
        return percent(self.touchpoints_on_time, self.touchpoints_due)


def _portfolio_accounts(viewer: User) -> QuerySet:
    """The active, owned accounts whose KAM the viewer may see a row for: admins every KAM, a team lead or
    manager the people under them, anyone else themselves."""
    accounts = visible_accounts(viewer).filter(is_active=True, owner__isnull=False)
    return accounts if viewer.is_admin else accounts.filter(owner_id__in=people_under(viewer))


def kam_compliance(viewer: User, today: date | None = None) -> list[KamCompliance]:
    """Per KAM (account owner): cadence compliance and overdue count of their accounts' stakeholders, and
    their touchpoints held on time. A fixed number of queries however big the portfolio."""
    today = today or timezone.localdate()
    accounts = _portfolio_accounts(viewer)
    owner_of = dict(accounts.values_list("id", "owner_id"))
    rows = {user.pk: KamCompliance(user) for user in User.objects.filter(pk__in=set(owner_of.values()))}
    for owner_id in owner_of.values():
        rows[owner_id].accounts += 1
    contacts = Contact.objects.filter(has_left=False, account_id__in=accounts.values("id"))
    rules = load_cadence_rules(accounts.values("id"))
    for contact in contacts.only(*CONTACT_FIELDS).iterator(chunk_size=2000):
        row = cadence_row(contact, rules, today)
        if row.judged:
            kam = rows[owner_of[contact.account_id]]
            kam.stakeholders += 1
            kam.in_cadence += row.in_cadence
            kam.overdue += row.overdue
    _touchpoints_by_owner(rows, accounts, today)
    return sorted(rows.values(), key=lambda r: (r.compliance is None, r.compliance or 0, r.user.last_name))


def _touchpoints_by_owner(rows: dict[int, KamCompliance], accounts: QuerySet, today: date) -> None:
    grace = timedelta(days=settings.TOUCHPOINT_GRACE_DAYS)
    touchpoints = (
        PlannedTouchpoint.objects.filter(
            account_id__in=accounts.values("id"),
            planned_on__gte=today - timedelta(days=TREND_DAYS),
            planned_on__lte=today,
        )
        .exclude(status=TouchpointStatus.CANCELLED)
        .values_list("account__owner_id", "planned_on", "status", "held_on")
    )
    for owner_id, planned_on, status, held_on in touchpoints:
        if owner_id in rows and (status == TouchpointStatus.HELD or planned_on + grace < today):
            rows[owner_id].touchpoints_due += 1
            rows[owner_id].touchpoints_on_time += status == TouchpointStatus.HELD and held_on <= planned_on + grace


def overdue_contacts(
    viewer: User, today: date | None = None, *, owner_id: int | None = None, account_id: int | None = None
) -> list[CadenceRow]:
    """Stakeholders of the accounts the viewer may see who are past their cadence, most overdue first (never
    contacted before all). ``owner_id``: only those this user is the relationship owner of."""
    today = today or timezone.localdate()
    accounts = visible_accounts(viewer)
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    recent = timezone.now() - timedelta(days=SHORTEST_CADENCE_DAYS)
    contacts = Contact.objects.filter(has_left=False, account_id__in=accounts.values("id")).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=recent)
    )
    if owner_id is not None:
        contacts = contacts.filter(owner_id=owner_id)
    rules = load_cadence_rules(contacts.values("account_id"))
    contacts = contacts.select_related("account", "owner").only(
        *CONTACT_FIELDS, "account__id", "account__name", "account__code", *_owner_fields()
    )
    rows = (cadence_row(contact, rules, today) for contact in contacts)
    return sorted((row for row in rows if row.overdue), key=_most_overdue_first)
