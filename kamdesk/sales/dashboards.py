"""Reads behind the portfolio dashboard and the account Commercial tab.

Everything starts from ``visible_accounts(user)`` and reads the monthly roll-ups (AccountMonthly,
SalesMonthly) and targets, aggregated in SQL: a page costs a fixed number of queries whatever the number of
accounts, months or sales lines. Money stays Decimal.

Figures: revenue is net sales, volume the quantity sold, gross margin net sales less the cost of goods.
Periods follow the fiscal year (kamdesk.sales.periods): the month, the quarter and the year to date, each
compared with its target and with the same months a year earlier.

Like with like: targets exist for some accounts only (in the demo the key and strategic ones), and a target
belongs to one account, metric and month. "vs target" therefore compares the sum of the targets with the
actual of exactly those accounts and months (``Figure.with_target``) — never with everyone's actual, which
would read far ahead of target. The accounts furthest behind target are ranked the same way (each account's
revenue in its months with a target against that target), and ``TargetCoverage`` says how much of the
revenue and how many of the accounts the targets cover. "vs last year" compares all the actuals.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import django_filters as filters
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from kamdesk.access.scope import can_see_costs, visible_accounts
from kamdesk.accounts.models import Account, AccountClosure, Channel, Tier
from kamdesk.core.forms import active_users
from kamdesk.sales.models import (
    AccountMonthly,
    AccountQuarterly,
    CostLine,
    CostType,
    Listing,
    ListingStatus,
    Metric,
    PriceAgreement,
    Product,
    SalesMonthly,
    Target,
)
from kamdesk.sales.periods import (
    Period,
    add_months,
    fiscal_year_of,
    month_to_date,
    quarter_start,
    quarter_to_date,
    year_period,
    year_to_date,
)
from kamdesk.sales.services_products import agreed_price
from kamdesk.users.models import Team, User

REVENUE, VOLUME, GROSS_MARGIN = "revenue", "volume", "gross_margin"
METRIC_LABELS = {REVENUE: "Revenue (net sales)", VOLUME: "Volume", GROSS_MARGIN: "Gross margin"}
PERIOD_LABELS = {"mtd": "Month", "qtd": "Quarter to date", "ytd": "Year to date"}
MOVERS = 5  # accounts in each of the top / bottom movers lists
BEHIND = 10  # accounts in the "furthest behind target" list
MIX_PRODUCTS = 10  # products shown in the product mix; the rest are summed as "Other products"
PRICE_CHECKS = 15  # (account, product) pairs in the price agreement check
PRICE_TOLERANCE_PCT = Decimal("1.0")  # an average price this close to the agreed one is "as agreed"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MILLI = Decimal("0.001")


# --- months -------------------------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """ "2025-07" -> 2025-07-01; ValueError with a message a person can act on otherwise."""
    cleaned = (text or "").strip()
    try:
        year, month = (int(part) for part in cleaned.split("-"))
        if not 1900 <= year <= 2999:
            raise ValueError
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"“{cleaned}” is not a month: write it as YYYY-MM, e.g. 2025-07.") from None


def metrics_for(user: User) -> tuple[str, ...]:
    """Gross margin only for roles allowed to see costs."""
    return (REVENUE, VOLUME, GROSS_MARGIN) if can_see_costs(user) else (REVENUE, VOLUME)


# --- the filters ----------------------------------------------------------------------------------------------


class DashboardFilter(filters.FilterSet):
    """Which of the visible accounts the dashboard sums: by team, owner, tier, channel and region."""

    team = filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="owner__team", label="Team", empty_label="Any"
    )
    owner = filters.ModelChoiceFilter(queryset=active_users(), label="Owner", empty_label="Any")
    tier = filters.MultipleChoiceFilter(choices=Tier.choices)
    channel = filters.ModelMultipleChoiceFilter(
        queryset=Channel.objects.all(), to_field_name="code", field_name="channel__code"
    )
    region = filters.CharFilter(field_name="region", lookup_expr="iexact", label="Region")

    class Meta:
        model = Account
        fields: list[str] = []


def dashboard_accounts(user: User, params=None) -> tuple[DashboardFilter, QuerySet]:
    """The bound filter and the visible accounts it selects (invalid filters select nothing)."""
    account_filter = DashboardFilter(params or {}, queryset=visible_accounts(user))
    accounts = account_filter.qs if account_filter.is_valid() else Account.objects.none()
    return account_filter, accounts.order_by()


def cents(value: Decimal | None) -> Decimal:
    """Money to the cent, the same on every database (SQLite sums drop trailing zeros)."""
    return (value or ZERO).quantize(CENT) + ZERO  # + 0 turns -0.00 into 0.00


def units(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(MILLI) + ZERO


# --- whose rows: the accounts as a condition --------------------------------------------------------------------


SQLITE_LIST = 500  # accounts up to which SQLite, too, gets a page's accounts as a list (see Scope)


def every_account(ids: QuerySet) -> bool:
    """True when ``ids`` (a query set of account ids from ``visible_accounts``) is every account — an admin
    without filters."""
    query = ids.query
    return ids.model is Account and not query.where and not query.is_sliced and query.combinator is None


class Scope:
    """The accounts whose roll-ups a page reads, as a condition for the ORM and for hand-written SQL.

    Every account (an admin without filters): no condition at all — both databases would otherwise join every
    roll-up row against the whole account list for nothing. On PostgreSQL the ids are read once (one query,
    or given when the caller already has them) and passed as a list: it then filters by a hashed list instead
    of joining the access rules again in every query. SQLite gets a list as well for a few accounts (an
    account with its subsidiaries), so that it starts from the roll-ups' account index rather than scanning
    the months of every account; for more it keeps the subquery, as fast there and under its parameter cap.
    """

    def __init__(self, ids: QuerySet, known: list[int] | None = None):
        self.query = ids
        self.everything = every_account(ids)
        self.ids: list[int] | None = None
        if self.everything:
            return
        if connection.vendor == "postgresql":
            self.ids = known if known is not None else self._read()
            return
        few = known if known is not None else self._read(SQLITE_LIST + 1)
        if len(few) <= SQLITE_LIST:
            self.ids = few

    def _read(self, limit: int | None = None) -> list[int]:
        ids = self.query.values_list(*self.query.query.values_select, flat=True)
        return list(ids if limit is None else ids[:limit])

    def q(self, field: str = "account_id") -> Q:
        if self.everything:
            return Q()
        return Q(**{f"{field}__in": self.ids if self.ids is not None else self.query})

    def sql(self, column: str) -> tuple[str, list]:
        """`` AND <column> IN (...)`` for hand-written SQL, and its parameters."""
        if self.everything:
            return "", []
        if self.ids is not None and connection.vendor == "postgresql":
            return f" AND {column} = ANY(%s)", [self.ids]
        if self.ids is not None:
            return f" AND {column} IN ({', '.join(['%s'] * len(self.ids))})", list(self.ids)
        sql, params = self.query.query.sql_with_params()
        return f" AND {column} IN ({sql})", list(params)

    def joined(self, column: str) -> tuple[str, list]:
        """On PostgreSQL, the list again for the other side of a join on the account: that side is then read by
        its account index too, instead of hashing the period's rows of every account. Nothing elsewhere: a
        subquery would run twice, and SQLite's list is already near the parameter limit of older builds."""
        if self.ids is None or connection.vendor != "postgresql":
            return "", []
        return self.sql(column)


def of_accounts(ids: "QuerySet | Scope", field: str = "account_id") -> Q:
    """The rows of the accounts ``ids``, as a filter."""
    return (ids if isinstance(ids, Scope) else Scope(ids)).q(field)


def sql_date(value: date):
    return connection.ops.adapt_datefield_value(value)


def sql_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _decimal(value) -> Decimal:
    """A sum from hand-written SQL (float on SQLite, Decimal on PostgreSQL, None for no rows) as Decimal."""
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _metric_id() -> str:
    """The id of the metric whose code is the next parameter, as SQL."""
    return f"(SELECT id FROM {Metric._meta.db_table} WHERE code = %s)"  # noqa: S608


# --- roll-up reads (a fixed number of queries, whatever the data size) -------------------------------------------


def latest_month(account_ids: "QuerySet | Scope") -> date | None:
    """The latest month with sales among these accounts (read backwards along the month index)."""
    return (
        AccountMonthly.objects.filter(of_accounts(account_ids))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


@dataclass
class MonthlyFigures:
    """Revenue, volume and gross margin per month of a set of accounts, the targets per (metric, month) and —
    to compare like with like — the actual of the accounts that have that target in that month."""

    totals: dict[date, dict[str, Decimal]]  # month -> metric -> actual of every account
    targets: dict[tuple[str, date], Decimal]  # (metric, month) -> sum of the targets
    covered: dict[tuple[str, date], Decimal]  # (metric, month) -> actual of the accounts with that target


def monthly_figures(account_ids: Scope, fiscal_year: Period, as_of: date, metrics) -> MonthlyFigures:
    """The fiscal year and the one before month by month, the fiscal year's targets, and the actual behind
    each target up to the as-of month: three queries.

    Revenue is net sales after rebates, as in the customer P&L: invoiced net sales less the rebate lines.
    """
    start, upto = add_months(fiscal_year.start, -12), add_months(as_of, 1)
    sales = (
        AccountMonthly.objects.filter(account_ids.q(), month__gte=start, month__lt=fiscal_year.end)
        .values("month")
        .annotate(net=Sum("net_amount"), volume=Sum("quantity"), cost=Sum("cost"))
        .order_by()
    )
    rebates = _monthly_rebates(account_ids, start, fiscal_year, upto)
    totals = {}
    for row in sales:
        rebate = rebates.get(row["month"], (ZERO, ZERO, ZERO))[0]
        revenue = cents(row["net"] - rebate)
        totals[row["month"]] = {
            REVENUE: revenue,
            VOLUME: units(row["volume"]),
            GROSS_MARGIN: cents(revenue - row["cost"]),
        }
    for month, (rebate, _rev, _gm) in rebates.items():
        if month not in totals:  # rebates booked in a month without sales
            totals[month] = {REVENUE: cents(-rebate), VOLUME: units(ZERO), GROSS_MARGIN: cents(-rebate)}
    targets, covered = _targets_and_covered(account_ids, fiscal_year, upto, metrics)
    for (metric, month), actual in list(covered.items()):
        _rebate, rebate_rev, rebate_gm = rebates.get(month, (ZERO, ZERO, ZERO))
        if metric == REVENUE:
            covered[(metric, month)] = cents(actual - rebate_rev)
        elif metric == GROSS_MARGIN:
            covered[(metric, month)] = cents(actual - rebate_gm)
    return MonthlyFigures(totals, targets, covered)


def _monthly_rebates(
    account_ids: Scope, start: date, fiscal_year: Period, upto: date
) -> dict[date, tuple[Decimal, Decimal, Decimal]]:
    """Rebates per month from ``start`` to the end of the fiscal year: all of them, and those of the accounts
    with a revenue (a gross margin) target in that month up to the as-of month. One query."""
    costs, targets = CostLine._meta.db_table, Target._meta.db_table
    scope, scope_params = account_ids.sql("c.account_id")
    in_tr, in_tr_params = account_ids.joined("tr.account_id")
    in_tg, in_tg_params = account_ids.joined("tg.account_id")
    covered = "c.month >= %s AND c.month < %s"
    sql = (
        f"SELECT c.month, SUM(c.amount), SUM(c.amount) FILTER (WHERE tr.id IS NOT NULL), "  # noqa: S608
        f"SUM(c.amount) FILTER (WHERE tg.id IS NOT NULL) FROM {costs} c "
        f"LEFT JOIN {targets} tr ON tr.account_id = c.account_id AND tr.month = c.month "
        f"AND tr.metric_id = {_metric_id()} AND {covered}{in_tr} "
        f"LEFT JOIN {targets} tg ON tg.account_id = c.account_id AND tg.month = c.month "
        f"AND tg.metric_id = {_metric_id()} AND {covered}{in_tg} "
        f"WHERE c.type = %s AND c.month >= %s AND c.month < %s{scope} GROUP BY c.month"
    )
    window = [sql_date(fiscal_year.start), sql_date(upto)]
    params = [REVENUE, *window, *in_tr_params, GROSS_MARGIN, *window, *in_tg_params]
    params += [CostType.REBATE, sql_date(start), sql_date(fiscal_year.end), *scope_params]
    return {
        _as_date(month): (_decimal(total), _decimal(rev), _decimal(gm))
        for month, total, rev, gm in sql_rows(sql, params)
    }


def _targets_and_covered(
    account_ids: Scope, fiscal_year: Period, upto: date, metrics
) -> tuple[dict[tuple[str, date], Decimal], dict[tuple[str, date], Decimal]]:
    """Targets per (metric, month) of the fiscal year, and per (metric, month) up to the as-of month the
    invoiced figures of exactly the accounts with that target (revenue and gross margin still before rebates).
    One query: the targets joined to the accounts' monthly roll-ups."""
    metric_table, targets, monthly = Metric._meta.db_table, Target._meta.db_table, AccountMonthly._meta.db_table
    scope, scope_params = account_ids.sql("t.account_id")
    in_a, in_a_params = account_ids.joined("a.account_id")
    codes = ", ".join(["%s"] * len(metrics))
    sql = (
        f"SELECT m.code, t.month, SUM(t.value), SUM(a.net_amount), SUM(a.quantity), SUM(a.cost) "  # noqa: S608
        f"FROM {targets} t JOIN {metric_table} m ON m.id = t.metric_id "
        f"LEFT JOIN {monthly} a ON a.account_id = t.account_id AND a.month = t.month "
        f"AND a.month >= %s AND a.month < %s{in_a} "
        f"WHERE m.code IN ({codes}) AND t.month >= %s AND t.month < %s{scope} GROUP BY m.code, t.month"
    )
    params = [
        sql_date(fiscal_year.start),
        sql_date(upto),
        *in_a_params,
        *metrics,
        sql_date(fiscal_year.start),
        sql_date(fiscal_year.end),
    ]
    target_sums, covered = {}, {}
    for code, month, target, net, quantity, cost in sql_rows(sql, params + scope_params):
        month = _as_date(month)
        target_sums[(code, month)] = cents(_decimal(target))
        if month < upto:
            if code == VOLUME:
                covered[(code, month)] = units(_decimal(quantity))
            elif code == GROSS_MARGIN:
                covered[(code, month)] = _decimal(net) - _decimal(cost)
            else:
                covered[(code, month)] = _decimal(net)
    return target_sums, covered


def _as_date(value) -> date:
    """A month from hand-written SQL (text on SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _in(period: Period) -> Q:
    return Q(month__gte=period.start, month__lt=period.end)


def whole_quarters(buckets: list[Period]) -> tuple[list[date], list[date]]:
    """The calendar quarters of the buckets' span that no bucket boundary cuts (read from the quarterly
    roll-up, a third of the rows), and the months left over (read from the monthly one)."""
    last = buckets[-1].end
    cuts = {bucket.start for bucket in buckets}
    quarters, months = [], []
    month = buckets[0].start
    while month < last:
        end = add_months(month, 3)
        if month == quarter_start(month) and end <= last and not any(month < cut < end for cut in cuts):
            quarters.append(month)
            month = end
        else:
            months.append(month)
            month = add_months(month, 1)
    return quarters, months


def sales_rows(quarters: list[date], months: list[date], scope: str, scope_params: list) -> tuple[str, list]:
    """(account_id, month, net_amount, cost) rows of the given whole quarters (dated by their first month) and
    single months, as one SQL source."""
    parts, params = [], []
    for table, column, days in (
        (AccountQuarterly._meta.db_table, "quarter", quarters),
        (AccountMonthly._meta.db_table, "month", months),
    ):
        if days:
            parts.append(
                f"SELECT account_id, {column} AS month, net_amount, cost FROM {table} "  # noqa: S608
                f"WHERE {column} IN ({', '.join(['%s'] * len(days))}){scope}"
            )
            params += [*map(sql_date, days), *scope_params]
    return " UNION ALL ".join(parts), params


def sales_by_account(account_ids: Scope, now: Period, before: Period) -> dict[int, tuple[float, float]]:
    """Invoiced net sales per account over ``now`` and over ``before``, as floats for ranking: one grouped
    query, over whole quarters where it can (see whole_quarters)."""
    spans = [before, now] if before.end == now.start else [before, Period(before.end, now.start, "months"), now]
    scope, scope_params = account_ids.sql("account_id")
    rows_sql, rows_params = sales_rows(*whole_quarters(spans), scope, scope_params)
    # Float sums: only ranked, and numeric sums per period cost PostgreSQL several times more.
    net = "COALESCE(SUM(CAST(net_amount AS DOUBLE PRECISION)) FILTER (WHERE month >= %s AND month < %s), 0)"
    sql = f"SELECT account_id, {net}, {net} FROM ({rows_sql}) AS sales GROUP BY account_id"  # noqa: S608
    params = [sql_date(now.start), sql_date(now.end), sql_date(before.start), sql_date(before.end), *rows_params]
    return {pk: (now_net, before_net) for pk, now_net, before_net in sql_rows(sql, params)}


def _months_sql(column: str, now: Period, before: Period) -> str:
    """The months of ``now`` and ``before``: one range when they touch (an OR of two ranges makes SQLite merge
    two index scans)."""
    if before.end == now.start:
        return f"{column} >= %s AND {column} < %s"
    return f"(({column} >= %s AND {column} < %s) OR ({column} >= %s AND {column} < %s))"


def _months_params(now: Period, before: Period) -> list:
    if before.end == now.start:
        return [sql_date(before.start), sql_date(now.end)]
    return [sql_date(now.start), sql_date(now.end), sql_date(before.start), sql_date(before.end)]


def rebates_by_account(account_ids: Scope, now: Period, before: Period) -> dict[int, tuple[Decimal, ...]]:
    """Rebates per account over ``now``, over ``before``, and over the months of ``now`` in which the account
    has a revenue target: one query."""
    costs, targets = CostLine._meta.db_table, Target._meta.db_table
    scope, scope_params = account_ids.sql("c.account_id")
    in_t, in_t_params = account_ids.joined("t.account_id")
    sql = (
        "SELECT c.account_id, SUM(c.amount) FILTER (WHERE c.month >= %s), "  # noqa: S608
        "SUM(c.amount) FILTER (WHERE c.month < %s), SUM(c.amount) FILTER (WHERE t.id IS NOT NULL) "
        f"FROM {costs} c LEFT JOIN {targets} t ON t.account_id = c.account_id AND t.month = c.month "
        f"AND t.metric_id = {_metric_id()} AND c.month >= %s{in_t} "
        f"WHERE c.type = %s AND {_months_sql('c.month', now, before)}{scope} GROUP BY c.account_id"
    )
    params = [sql_date(now.start), sql_date(before.end), REVENUE, sql_date(now.start), *in_t_params]
    params += [CostType.REBATE]
    params += [*_months_params(now, before), *scope_params]
    return {
        pk: (_decimal(now_total), _decimal(before_total), _decimal(with_target))
        for pk, now_total, before_total, with_target in sql_rows(sql, params)
    }


def revenue_targets_by_account(account_ids: Scope, period: Period) -> dict[int, tuple[Decimal, Decimal]]:
    """Per account with a revenue target in the period: the target, and the invoiced net sales of the months
    that have one (before rebates). One query: the targets joined to the roll-ups."""
    targets, monthly = Target._meta.db_table, AccountMonthly._meta.db_table
    scope, scope_params = account_ids.sql("t.account_id")
    in_a, in_a_params = account_ids.joined("a.account_id")
    sql = (
        f"SELECT t.account_id, SUM(t.value), SUM(a.net_amount) FROM {targets} t "  # noqa: S608
        f"LEFT JOIN {monthly} a ON a.account_id = t.account_id AND a.month = t.month "
        f"AND a.month >= %s AND a.month < %s{in_a} "
        f"WHERE t.metric_id = {_metric_id()} AND t.month >= %s AND t.month < %s{scope} "
        "GROUP BY t.account_id"
    )
    params = [
        sql_date(period.start),
        sql_date(period.end),
        *in_a_params,
        REVENUE,
        sql_date(period.start),
        sql_date(period.end),
        *scope_params,
    ]
    return {pk: (cents(_decimal(target)), _decimal(net)) for pk, target, net in sql_rows(sql, params)}


def account_count(account_ids: Scope) -> int:
    if account_ids.ids is not None:
        return len(account_ids.ids)
    return Account.objects.filter(account_ids.q("id")).count()


def account_names(ids) -> dict[int, tuple[str, str]]:
    return {pk: (name, code) for pk, name, code in Account.objects.filter(id__in=ids).values_list("id", "name", "code")}


# --- figures ----------------------------------------------------------------------------------------------------


def percent_change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Change in % of ``before``; None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return ((now - before) / abs(before) * 100).quantize(Decimal("0.1"))


def money(value: float) -> Decimal:
    """A float sum back to cents."""
    return Decimal(f"{value:.2f}") + ZERO


@dataclass
class Figure:
    """One metric over one period: the actual, the same period a year earlier, and the target with the
    actual it is compared with — that of the accounts (and months) that have a target, never the rest."""

    metric: str
    actual: Decimal
    target: Decimal | None
    last_year: Decimal
    with_target: Decimal | None = None  # actual of the accounts and months with a target; None without target

    @property
    def label(self) -> str:
        return METRIC_LABELS[self.metric]

    @property
    def vs_target(self) -> Decimal | None:
        return percent_change(self.with_target, self.target)

    @property
    def vs_last_year(self) -> Decimal | None:
        return percent_change(self.actual, self.last_year)

    @property
    def attainment(self) -> Decimal | None:
        """The actual of the accounts with a target as % of their target."""
        if not self.target or self.with_target is None:
            return None
        return (self.with_target / self.target * 100).quantize(Decimal("0.1"))

    @property
    def coverage(self) -> Decimal | None:
        """The share (%) of the actual that belongs to accounts and months with a target."""
        if self.with_target is None or not self.actual:
            return None
        return (self.with_target / self.actual * 100).quantize(Decimal("0.1"))


def _sum_months(values: dict, months: list[date], metric: str) -> Decimal:
    return sum((values.get(month, {}).get(metric, ZERO) for month in months), ZERO)


def _sum_keyed(values: dict, months: list[date], metric: str) -> Decimal | None:
    found = [values[(metric, month)] for month in months if (metric, month) in values]
    return sum(found, ZERO) if found else None


def period_figures(figures: MonthlyFigures, period: Period, metrics) -> list[Figure]:
    last_year = period.previous_year().months
    result = []
    for metric in metrics:
        target = _sum_keyed(figures.targets, period.months, metric)
        result.append(
            Figure(
                metric=metric,
                actual=_sum_months(figures.totals, period.months, metric),
                target=target,
                last_year=_sum_months(figures.totals, last_year, metric),
                with_target=None if target is None else (_sum_keyed(figures.covered, period.months, metric) or ZERO),
            )
        )
    return result


@dataclass
class PeriodFigures:
    key: str  # mtd, qtd or ytd
    period: Period
    figures: list[Figure]

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.key]


def to_date_figures(figures: MonthlyFigures, as_of: date, metrics) -> list[PeriodFigures]:
    """The month, the quarter to date and the year to date of ``as_of``."""
    periods = (("mtd", month_to_date(as_of)), ("qtd", quarter_to_date(as_of)), ("ytd", year_to_date(as_of)))
    return [PeriodFigures(key, period, period_figures(figures, period, metrics)) for key, period in periods]


@dataclass
class TrendPoint:
    month: date
    this_year: Decimal | None  # None after the as-of month
    last_year: Decimal
    target: Decimal | None
    with_target: Decimal | None = None  # this year's actual of the accounts with a target that month


def trend(figures: MonthlyFigures, fiscal_year: Period, as_of: date, metric: str = REVENUE) -> list[TrendPoint]:
    """The fiscal year month by month: this year (up to the as-of month), last year, the target and this
    year's actual of the accounts with a target."""
    totals = figures.totals
    return [
        TrendPoint(
            month=month,
            this_year=totals.get(month, {}).get(metric, ZERO) if month <= as_of else None,
            last_year=totals.get(add_months(month, -12), {}).get(metric, ZERO),
            target=figures.targets.get((metric, month)),
            with_target=figures.covered.get((metric, month)) if month <= as_of else None,
        )
        for month in fiscal_year.months
    ]


@dataclass
class TargetCoverage:
    """How much of the actual the targets cover, year to date: "targets cover 62 % of revenue (140 of 642
    accounts)"."""

    accounts_with_target: int
    accounts: int
    revenue_pct: Decimal | None  # revenue of the accounts and months with a target, in % of all revenue


def target_coverage(periods: list[PeriodFigures], with_target: int, accounts: int) -> TargetCoverage:
    ytd = next((entry for entry in periods if entry.key == "ytd"), None)
    revenue = next((f for f in ytd.figures if f.metric == REVENUE), None) if ytd else None
    return TargetCoverage(with_target, accounts, revenue.coverage if revenue else None)


def coverage_counts(account_ids: Scope, period: Period) -> tuple[int, int]:
    """(accounts with a revenue target in the period, accounts): one query."""
    has_target = Target.objects.filter(_in(period), account_id=OuterRef("id"), metric__code=REVENUE)
    counts = Account.objects.filter(account_ids.q("id")).aggregate(
        accounts=Count("id"), with_target=Count("id", filter=Q(Exists(has_target)))
    )
    return counts["with_target"], counts["accounts"]


# --- the portfolio dashboard --------------------------------------------------------------------------------------


@dataclass
class Mover:
    account_id: int
    name: str
    code: str
    this_year: Decimal
    last_year: Decimal

    @property
    def change(self) -> Decimal:
        return self.this_year - self.last_year

    @property
    def change_pct(self) -> Decimal | None:
        return percent_change(self.this_year, self.last_year)


@dataclass
class BehindTarget:
    """An account's revenue target over the period against its revenue in the months that have a target."""

    account_id: int
    name: str
    code: str
    actual: Decimal
    target: Decimal

    @property
    def gap(self) -> Decimal:
        return self.actual - self.target

    @property
    def attainment(self) -> Decimal | None:
        return (self.actual / self.target * 100).quantize(Decimal("0.1")) if self.target else None


@dataclass
class Dashboard:
    as_of: date | None
    metrics: tuple[str, ...]
    periods: list[PeriodFigures] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    top_movers: list[Mover] = field(default_factory=list)
    bottom_movers: list[Mover] = field(default_factory=list)
    behind_target: list[BehindTarget] = field(default_factory=list)
    coverage: TargetCoverage | None = None

    @property
    def shows_margin(self) -> bool:
        return GROSS_MARGIN in self.metrics


def portfolio_dashboard(user: User, accounts: QuerySet, as_of: date | None = None) -> Dashboard:
    """Revenue, volume and (if allowed) gross margin of ``accounts`` — already scoped to ``user`` by
    ``dashboard_accounts`` — month, quarter and year to date, with the trend, movers and laggards."""
    metrics = metrics_for(user)
    account_ids = Scope(accounts.values("id"))
    as_of = as_of or latest_month(account_ids)
    if as_of is None:
        return Dashboard(as_of=None, metrics=metrics)
    fiscal_year = year_period(fiscal_year_of(as_of))
    figures = monthly_figures(account_ids, fiscal_year, as_of, metrics)
    periods = to_date_figures(figures, as_of, metrics)
    laggards = movers_and_laggards(account_ids, year_to_date(as_of))
    return Dashboard(
        as_of=as_of,
        metrics=metrics,
        periods=periods,
        trend=trend(figures, fiscal_year, as_of),
        top_movers=laggards.top,
        bottom_movers=laggards.bottom,
        behind_target=laggards.behind,
        coverage=target_coverage(periods, laggards.with_target, account_count(account_ids)),
    )


@dataclass
class Laggards:
    top: list[Mover]
    bottom: list[Mover]
    behind: list[BehindTarget]
    with_target: int  # accounts with a revenue target in the period


def movers_and_laggards(account_ids: Scope, period: Period, *, movers: int = MOVERS, behind: int = BEHIND) -> Laggards:
    """The accounts whose revenue grew and fell the most against the same months last year, and those
    furthest below their revenue target (their revenue in the months with a target against it): four
    queries, ranked here."""
    before = period.previous_year()
    sales = sales_by_account(account_ids, period, before)
    rebates = rebates_by_account(account_ids, period, before)
    revenue = dict(sales)
    for pk, (now_rebate, before_rebate, _with_target) in rebates.items():
        now_net, before_net = revenue.get(pk, (0.0, 0.0))
        revenue[pk] = (now_net - float(now_rebate), before_net - float(before_rebate))
    changes = sorted(((now - then, pk) for pk, (now, then) in revenue.items()), key=lambda item: item[0])
    grew = [pk for change, pk in reversed(changes) if round(change, 2) > 0][:movers]
    fell = [pk for change, pk in changes if round(change, 2) < 0][:movers]
    targets = revenue_targets_by_account(account_ids, period)
    gaps = []
    for pk, (target, net) in targets.items():
        actual = cents(net - rebates.get(pk, (ZERO, ZERO, ZERO))[2])
        gaps.append((actual - target, pk, actual, target))
    gaps.sort()
    lagging = [row for row in gaps if row[0] < 0][:behind]
    names = account_names({*grew, *fell, *(row[1] for row in lagging)})

    def mover(pk: int) -> Mover:
        now, then = revenue[pk]
        return Mover(pk, *names[pk], money(now), money(then))

    return Laggards(
        top=[mover(pk) for pk in grew],
        bottom=[mover(pk) for pk in fell],
        behind=[BehindTarget(pk, *names[pk], actual, target) for _gap, pk, actual, target in lagging],
        with_target=len(targets),
    )


# --- the account Commercial tab -----------------------------------------------------------------------------------


def account_tree(account: Account) -> QuerySet:
    """Ids of the account and all its subsidiaries (a subquery)."""
    return AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")


@dataclass
class MixRow:
    label: str
    revenue: Decimal
    volume: Decimal | None
    share: Decimal | None  # % of the period's revenue
    detail: str = ""


@dataclass
class PriceCheck:
    account_name: str
    sku: str
    product_name: str
    quantity: Decimal
    actual_price: Decimal
    expected_price: Decimal | None
    agreed: bool  # False: no agreement, the list price applies

    @property
    def deviation_pct(self) -> Decimal | None:
        return percent_change(self.actual_price, self.expected_price)

    @property
    def status(self) -> str:
        deviation = self.deviation_pct
        if deviation is None:
            return "No price to compare"
        if abs(deviation) <= PRICE_TOLERANCE_PCT:
            return "As agreed"
        return "Below agreed price" if deviation < 0 else "Above agreed price"

    @property
    def compliant(self) -> bool | None:
        deviation = self.deviation_pct
        return None if deviation is None else abs(deviation) <= PRICE_TOLERANCE_PCT


@dataclass
class Commercial:
    as_of: date | None
    metrics: tuple[str, ...]
    fiscal_year: Period | None = None
    periods: list[PeriodFigures] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    product_mix: list[MixRow] = field(default_factory=list)
    category_mix: list[MixRow] = field(default_factory=list)
    listings: dict[str, int] = field(default_factory=dict)
    listed_not_selling: int = 0
    price_checks: list[PriceCheck] | None = None  # None: pricing terms hidden from this role
    coverage: TargetCoverage | None = None

    @property
    def shows_margin(self) -> bool:
        return GROSS_MARGIN in self.metrics


def account_commercial(user: User, account: Account, as_of: date | None = None) -> Commercial:
    """The Commercial tab of ``account`` (already checked visible) together with its subsidiaries."""
    metrics = metrics_for(user)
    tree = Scope(account_tree(account))
    as_of = as_of or latest_month(tree)
    listings, not_selling = listing_summary(tree, as_of)
    if as_of is None:
        return Commercial(as_of=None, metrics=metrics, listings=listings, listed_not_selling=not_selling)
    fiscal_year = year_period(fiscal_year_of(as_of))
    figures = monthly_figures(tree, fiscal_year, as_of, metrics)
    periods = to_date_figures(figures, as_of, metrics)
    ytd = year_to_date(as_of)
    product_mix, category_mix = sales_mix(tree, ytd)
    return Commercial(
        as_of=as_of,
        metrics=metrics,
        fiscal_year=fiscal_year,
        periods=periods,
        trend=trend(figures, fiscal_year, as_of),
        product_mix=product_mix,
        category_mix=category_mix,
        listings=listings,
        listed_not_selling=not_selling,
        price_checks=price_compliance(tree, month_to_date(as_of)) if can_see_costs(user) else None,
        coverage=target_coverage(periods, *coverage_counts(tree, ytd)),
    )


def sales_mix(tree: Scope, period: Period, limit: int = MIX_PRODUCTS) -> tuple[list[MixRow], list[MixRow]]:
    """The product mix (the best-selling products of the period by invoiced net sales, the rest summed as one
    row) and the category mix, from one read of the product roll-ups grouped by product."""
    rows = sorted(_product_sums(tree, period), key=lambda row: (-row[0], row[2]))
    total = sum((row[0] for row in rows), ZERO)
    mix = [
        MixRow(name, cents(revenue), units(volume), _share(revenue, total), sku)
        for revenue, volume, sku, name, _c in rows[:limit]
    ]
    rest = total - sum((row[0] for row in rows[:limit]), ZERO)
    if rest:
        mix.append(MixRow("Other products", cents(rest), None, _share(rest, total)))
    categories: dict[str, list[Decimal]] = {}
    for revenue, volume, _sku, _name, category in rows:
        sums_ = categories.setdefault(category or "", [ZERO, ZERO])
        sums_[0] += revenue
        sums_[1] += volume
    ranked = sorted(categories.items(), key=lambda item: (-item[1][0], item[0]))
    return mix, [
        MixRow(name or "Uncategorised", cents(revenue), units(volume), _share(revenue, total))
        for name, (revenue, volume) in ranked
    ]


def _product_sums(tree: Scope, period: Period) -> list[tuple[Decimal, Decimal, str, str, str]]:
    """(revenue, volume, SKU, name, category) of each product the scope sold in the period. The roll-up rows
    are summed per product from the covering index on (account, month, ...) first, and only then joined to
    the catalogue: a catalogue lookup per product rather than per roll-up row, which grows with the data."""
    scope, scope_params = tree.sql("account_id")
    rows = sql_rows(
        f"SELECT s.revenue, s.volume, p.sku, p.name, p.category FROM ("  # noqa: S608
        f"SELECT product_id, SUM(net_amount) AS revenue, SUM(quantity) AS volume FROM {SalesMonthly._meta.db_table} "
        f"WHERE month >= %s AND month < %s{scope} GROUP BY product_id) s "
        f"JOIN {Product._meta.db_table} p ON p.id = s.product_id",
        [sql_date(period.start), sql_date(period.end), *scope_params],
    )
    return [(_decimal(revenue), _decimal(volume), sku, name, category) for revenue, volume, sku, name, category in rows]


def _share(part: Decimal, total: Decimal) -> Decimal | None:
    return (part / total * 100).quantize(Decimal("0.1")) if total else None


def listing_summary(tree: Scope, as_of: date | None) -> tuple[dict[str, int], int]:
    """Products per listing status, and how many listed products sold nothing in the last 12 months."""
    listings = Listing.objects.filter(tree.q())
    counts = dict(listings.values("status").annotate(n=Count("id")).order_by().values_list("status", "n"))
    by_status = {label: counts.get(value, 0) for value, label in ListingStatus.choices}
    if as_of is None:
        return by_status, counts.get(ListingStatus.LISTED, 0)
    # The twelve months as a list, not a range: each is then an exact lookup in whichever index the database
    # picks — without statistics SQLite takes the covering (account, month, ...) one and would walk every
    # product of the account's months for each listing.
    last_12_months = [add_months(as_of, -back) for back in range(12)]
    recent_sales = SalesMonthly.objects.filter(
        account_id=OuterRef("account_id"), product_id=OuterRef("product_id"), month__in=last_12_months
    ).filter(quantity__gt=0)
    not_selling = listings.filter(status=ListingStatus.LISTED).exclude(Exists(recent_sales)).count()
    return by_status, not_selling


def price_compliance(tree: Scope, month: Period, limit: int = PRICE_CHECKS) -> list[PriceCheck]:
    """Average net price paid per unit in the month against the price agreed for that account and product
    (the agreement valid on the month's last day; the list price when there is none), for the month's
    biggest (account, product) pairs. Two queries."""
    day = add_months(month.start, 1) - timedelta(days=1)
    rows = list(
        SalesMonthly.objects.filter(tree.q(), month=month.start, quantity__gt=0, net_amount__gt=0)
        .values(
            "account_id",
            "account__name",
            "product_id",
            "product__sku",
            "product__name",
            "product__category",
            "product__list_price",
        )
        .annotate(net=Sum("net_amount"), quantity=Sum("quantity"))
        .order_by("-net", "product__sku")[:limit]
    )
    agreements = _agreements_on(rows, day)
    checks = []
    for row in rows:
        product = Product(
            pk=row["product_id"], category=row["product__category"], list_price=row["product__list_price"]
        )
        agreement = agreements.get((row["account_id"], row["product_id"])) or agreements.get(
            (row["account_id"], row["product__category"] or None)
        )
        checks.append(
            PriceCheck(
                account_name=row["account__name"],
                sku=row["product__sku"],
                product_name=row["product__name"],
                quantity=units(row["quantity"]),
                actual_price=(row["net"] / row["quantity"]).quantize(CENT, ROUND_HALF_UP),
                expected_price=agreed_price(agreement, product),
                agreed=agreement is not None,
            )
        )
    return checks


def _agreements_on(rows: list[dict], day: date) -> dict[tuple, PriceAgreement]:
    """The agreements valid on ``day`` for the (account, product) pairs of ``rows`` — on the product or on its
    category — keyed by (account, product id) or (account, category). Overlaps are refused when saving, so
    each key has at most one."""
    if not rows:
        return {}
    accounts = {row["account_id"] for row in rows}
    products = {row["product_id"] for row in rows}
    categories = {row["product__category"] for row in rows if row["product__category"]}
    agreements = PriceAgreement.objects.filter(account_id__in=accounts, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        Q(product_id__in=products) | Q(product__isnull=True, category__in=categories),
    )
    return {(a.account_id, a.product_id or a.category): a for a in agreements}
