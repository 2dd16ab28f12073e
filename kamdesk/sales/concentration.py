"""Concentration risk: how much of the business a few customers carry, and what losing one would cost.

A "customer" here is a top-level account with all its subsidiaries rolled up into it — more exactly, the
topmost account of its hierarchy that the user may see (a user who sees only a subsidiary gets it as its
own customer, never the hidden group's name). Figures are those of the customer P&L (kamdesk.sales.pnl)
over a window of whole months ending with the latest month with sales:

- revenue: net sales after rebates (invoiced net sales less rebate cost lines);
- gross margin: revenue less the cost of goods;
- contribution: gross margin less trade spend and cost to serve (the cost-to-serve lines, or for an account
  with none in the window its channel's percentage of its invoiced net sales).

Reads: the visible accounts, their hierarchy links and the teams (three small queries), then the roll-ups
and cost lines aggregated per account in SQL (two queries), rolled up per customer and measured with numpy
(kamdesk.analytics). The number of queries never depends on the number of accounts or months.
"""

import itertools
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import Count, FloatField, Q, Sum
from django.db.models.functions import Cast

from kamdesk.access.scope import actor_accounts, can_see_costs
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.analytics import concentration as measure
from kamdesk.sales.dashboards import Scope, latest_month, sales_rows, sql_date, sql_rows, whole_quarters
from kamdesk.sales.models import CostLine, CostType
from kamdesk.sales.periods import QUARTER, Period, add_months, quarter_to_date
from kamdesk.users.models import Team, User

MONTH_CHOICES = (3, 6, 12, 24, 36)
DEFAULT_MONTHS = 12
TOP_CHOICES = (5, 10, 20)
DEFAULT_TOP = 10
TREND_QUARTERS = 12  # three years
RISKS_SHOWN = 20  # rows of the riskiest dependencies on the page
CURVE_POINTS = 400  # at most this many points of the Pareto curve are drawn (the chart is 640 pixels wide)
REPORT_FORMATS = ("table", "json")
CENT = Decimal("0.01")
FLOAT = FloatField()  # sums that go straight into numpy: no Decimal on the way


def money(value: float) -> Decimal:
    """A float sum from numpy back to cents."""
    return Decimal(f"{value:.2f}") + 0


def ratio(value: float, places: int = 4) -> float:
    return round(float(value), places)


def costs_visible(user: User | None) -> bool:
    """The system (None) and the roles allowed to see costs see margins and contribution."""
    return user is None or can_see_costs(user)


# --- who the customers are ------------------------------------------------------------------------------


@dataclass
class Customers:
    """The visible accounts (sorted by id) and the top-level customer each belongs to."""

    account_ids: np.ndarray
    group: np.ndarray  # for each account: its customer's position in group_ids
    group_ids: np.ndarray
    group_names: list[str]
    group_codes: list[str]
    group_team: np.ndarray  # team id of each customer (0: none)
    channel_percent: np.ndarray  # each account's channel cost-to-serve %, 0 when none
    team_names: dict[int, str]
    scope: Scope  # the visible accounts, as a condition for the aggregates

    def positions(self, ids) -> np.ndarray:
        """Positions in ``account_ids`` of the given (visible) account ids."""
        return np.searchsorted(self.account_ids, np.asarray(list(ids), dtype=np.int64))


def customers(user: User | None) -> Customers:
    """Three queries: the visible accounts, their hierarchy links among themselves, and the teams."""
    visible = actor_accounts(user)
    visible_ids = visible.values("id")
    rows = list(
        visible.order_by("id").values_list(
            "id", "name", "code", "owner_id", "owner__team_id", Cast("channel__cost_to_serve__percent", FLOAT)
        )
    )
    # Only the descendant side in SQL: filtering both sides by a subquery makes SQLite try every pair. The
    # links of an account to itself change nothing and are left out.
    scope = Scope(visible_ids, known=[row[0] for row in rows])
    links = AccountClosure.objects.filter(scope.q("descendant_id"), depth__gt=0)
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    tops = _topmost(ids, list(links.values_list("descendant_id", "ancestor_id", "depth")))
    teams = list(Team.objects.values_list("id", "name", "lead_id"))
    led = {lead_id: team_id for team_id, _name, lead_id in teams if lead_id}
    group_ids, group = np.unique(tops, return_inverse=True)
    top_rows = [rows[i] for i in np.searchsorted(ids, group_ids)]
    return Customers(
        account_ids=ids,
        group=group.reshape(-1),
        group_ids=group_ids,
        group_names=[row[1] for row in top_rows],
        group_codes=[row[2] for row in top_rows],
        group_team=np.array([row[4] or led.get(row[3], 0) for row in top_rows], dtype=np.int64),
        channel_percent=np.array([row[5] or 0.0 for row in rows], dtype=float),
        team_names={team_id: name for team_id, name, _lead in teams},
        scope=scope,
    )


def _topmost(ids: np.ndarray, links: list[tuple[int, int, int]]) -> np.ndarray:
    """For each account id, its ancestor furthest up among the (descendant, ancestor, depth) links whose
    ancestor is one of ``ids`` (the visible accounts); itself when it has none."""
    tops = ids.copy()
    pairs = np.array(links, dtype=np.int64).reshape(-1, 3)
    pairs = pairs[np.isin(pairs[:, 0], ids) & np.isin(pairs[:, 1], ids)]
    if not len(pairs):
        return tops
    pairs = pairs[np.lexsort((-pairs[:, 2], pairs[:, 0]))]  # by descendant, the furthest ancestor first
    first = np.concatenate([[True], pairs[1:, 0] != pairs[:-1, 0]])
    tops[np.searchsorted(ids, pairs[first, 0])] = pairs[first, 1]
    return tops


# --- figures per account and per customer ---------------------------------------------------------------------


@dataclass
class Figures:
    revenue: np.ndarray
    gross_margin: np.ndarray | None  # None when costs are hidden
    contribution: np.ndarray | None


def _buckets(periods: list[Period]) -> list[Period]:
    """The consecutive month ranges that every one of ``periods`` is a union of (the boundaries of all of
    them, in order): summing each range once serves the window and every trend quarter."""
    bounds = sorted({day for period in periods for day in (period.start, period.end)})
    return [Period(start, end, "months") for start, end in itertools.pairwise(bounds)]


def _within(buckets: list[Period], period: Period) -> np.ndarray:
    """Which of the buckets lie inside ``period``."""
    return np.array([period.start <= b.start and b.end <= period.end for b in buckets], dtype=bool)


def _array(rows: list[tuple], width: int) -> np.ndarray:
    """Rows of numbers (no nulls) as a float matrix, without a Python object per cell."""
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=float, count=len(rows) * width)
    return flat.reshape(-1, width)


def _positions(customers: Customers, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of account ids among the visible accounts, and which of them are there at all (an account
    created since the list was read is left out)."""
    ids = ids.astype(np.int64)
    positions = np.minimum(customers.positions(ids), max(len(customers.account_ids) - 1, 0))
    return positions, customers.account_ids[positions] == ids if len(ids) else np.zeros(0, dtype=bool)


def _matrix(customers: Customers, data: np.ndarray) -> np.ndarray:
    """Rows of (account id, value, value, ...), one per account, as a matrix aligned with the visible
    accounts."""
    matrix = np.zeros((len(customers.account_ids), data.shape[1] - 1))
    positions, known = _positions(customers, data[:, 0])
    matrix[positions[known]] = data[known, 1:]
    return matrix


def _sales_by_bucket(customers: Customers, buckets: list[Period], costed: Period) -> tuple[np.ndarray, np.ndarray]:
    """Invoiced net sales of every visible account in every bucket, and its cost of goods in the buckets of
    ``costed``, as two (accounts x buckets) float matrices: one query, over whole quarters where it can.

    Each database gets the form it runs fastest: SQLite one grouped read per bucket (UNION ALL) — a
    filtered sum per bucket on every row costs it several times more; PostgreSQL one pass with a filtered
    float sum per bucket (numeric sums per bucket would overflow its hash table into batches)."""
    count = len(buckets)
    accounts = len(customers.account_ids)
    if connection.vendor == "postgresql":
        scope, scope_params = customers.scope.sql("account_id")
        rows_sql, rows_params = sales_rows(*whole_quarters(buckets), scope, scope_params)
        inside = np.flatnonzero(_within(buckets, costed))
        sums, params = [], []
        for column, which in (("net_amount", range(count)), ("cost", inside)):
            for index in which:
                sums.append(f"COALESCE(SUM({column}::float8) FILTER (WHERE month >= %s AND month < %s), 0)")
                params += [buckets[index].start, buckets[index].end]
        sql = f"SELECT account_id, {', '.join(sums)} FROM ({rows_sql}) AS sales GROUP BY account_id"  # noqa: S608
        rows = sql_rows(sql, [*params, *rows_params])
        sales = _matrix(customers, _array(rows, 1 + count + len(inside)))
        cost = np.zeros((accounts, count))
        cost[:, inside] = sales[:, count:]
        return sales[:, :count], cost
    # SQLite: the visible accounts once (WITH), then one grouped read per bucket.
    prefix, scope, params = "", "", []
    if not customers.scope.everything:
        scope_sql, scope_params = customers.scope.query.query.sql_with_params()
        prefix, scope, params = (
            f"WITH scope AS ({scope_sql}) ",
            " AND account_id IN (SELECT * FROM scope)",
            list(scope_params),
        )
    branches = []
    for index, bucket in enumerate(buckets):
        rows_sql, rows_params = sales_rows(*whole_quarters([bucket]), scope, [])
        branches.append(f"SELECT %s, account_id, SUM(net_amount), SUM(cost) FROM ({rows_sql}) GROUP BY account_id")  # noqa: S608
        params += [index, *rows_params]
    data = _array(sql_rows(prefix + " UNION ALL ".join(branches), params), 4)
    net, cost = np.zeros((accounts, count)), np.zeros((accounts, count))
    positions, known = _positions(customers, data[:, 1])
    which = data[known, 0].astype(int)
    net[positions[known], which] = data[known, 2]
    cost[positions[known], which] = data[known, 3]
    return net, cost


def _rebates_by_bucket(customers: Customers, buckets: list[Period]) -> np.ndarray:
    """Rebate lines of every visible account in every bucket, (accounts x buckets): one query."""
    table = CostLine._meta.db_table
    scope, scope_params = customers.scope.sql("account_id")
    sums, params = [], []
    for bucket in buckets:
        # Float sums, as for the sales: numeric ones per bucket cost PostgreSQL several times more.
        sums.append("COALESCE(SUM(CAST(amount AS DOUBLE PRECISION)) FILTER (WHERE month >= %s AND month < %s), 0)")
        params += [sql_date(bucket.start), sql_date(bucket.end)]
    sql = (
        f"SELECT account_id, {', '.join(sums)} FROM {table} "  # noqa: S608
        f"WHERE type = %s AND month >= %s AND month < %s{scope} GROUP BY account_id"
    )
    params += [CostType.REBATE, sql_date(buckets[0].start), sql_date(buckets[-1].end), *scope_params]
    return _matrix(customers, _array(sql_rows(sql, params), 1 + len(buckets)))


def _window_costs(
    customers: Customers, window: Period, only: list[int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trade spend, cost to serve and the number of cost-to-serve lines of every visible account (or of the
    visible accounts ``only``) over the window: one query."""
    accounts = customers.scope.q() if only is None else Q(account_id__in=only)
    where = Q(accounts, month__gte=window.start, month__lt=window.end)
    types = (CostType.TRADE_SPEND, CostType.COST_TO_SERVE)
    sums = {kind: Sum("amount", filter=Q(type=kind), default=0, output_field=FLOAT) for kind in types}
    rows = list(
        CostLine.objects.filter(where, type__in=types)
        .values("account_id")
        .annotate(**sums, serve_lines=Count("id", filter=Q(type=CostType.COST_TO_SERVE)))
        .order_by()
        .values_list("account_id", *types, "serve_lines")
    )
    trade, serve, serve_lines = _matrix(customers, _array(rows, 4)).T
    return trade, serve, serve_lines


@dataclass
class Sales:
    """What the visible accounts sold, per bucket of months: the window and the trend quarters are unions of
    buckets."""

    buckets: list[Period]
    net: np.ndarray  # (accounts x buckets) invoiced net sales
    cost: np.ndarray  # cost of goods
    rebates: np.ndarray

    def revenue(self, period: Period) -> np.ndarray:
        """Revenue (net sales after rebates) of every account over ``period`` (a union of buckets)."""
        inside = _within(self.buckets, period)
        return (self.net[:, inside] - self.rebates[:, inside]).sum(axis=1)


def read_sales(customers: Customers, periods: list[Period]) -> Sales:
    """Net sales and rebates of every visible account over every bucket of ``periods``, and the cost of goods
    over the first of them (the window): two queries, whatever the number of periods."""
    buckets = _buckets(periods)
    net, cost = _sales_by_bucket(customers, buckets, periods[0])
    return Sales(buckets, net, cost, _rebates_by_bucket(customers, buckets))


def account_figures(customers: Customers, window: Period, *, with_costs: bool, sales: Sales | None = None) -> Figures:
    """Revenue, gross margin and contribution of every visible account over the window (from ``sales`` when
    given, else read: two queries), plus the window's trade spend and cost to serve (one query)."""
    sales = sales or read_sales(customers, [window])
    revenue = sales.revenue(window)
    if not with_costs:
        return Figures(revenue=revenue, gross_margin=None, contribution=None)
    inside = _within(sales.buckets, window)
    net, cost = sales.net[:, inside].sum(axis=1), sales.cost[:, inside].sum(axis=1)
    trade, serve, serve_lines = _window_costs(customers, window)
    gross_margin = revenue - cost
    # As in the P&L: an account without cost-to-serve lines in the window costs its channel's percentage.
    cost_to_serve = np.where(serve_lines > 0, serve, net * customers.channel_percent / 100)
    return Figures(revenue=revenue, gross_margin=gross_margin, contribution=gross_margin - trade - cost_to_serve)


def _roll_up(customers: Customers, values: np.ndarray | None) -> np.ndarray | None:
    if values is None:
        return None
    return np.bincount(customers.group, weights=values, minlength=len(customers.group_ids))


@dataclass
class Portfolio:
    """Everything one user may see, per account and per customer, over one window."""

    as_of: date | None
    window: Period | None
    customers: Customers
    accounts: Figures
    groups: Figures
    with_costs: bool
    sales: Sales | None = None  # per bucket, when the trend quarters were read along
    quarters: list[Period] = field(default_factory=list)  # the trend quarters read along

    @property
    def active(self) -> np.ndarray:
        """Customers that count: those with revenue in the window."""
        return self.groups.revenue > 0


def trend_quarters(as_of: date, quarters: int = TREND_QUARTERS) -> list[Period]:
    """The last ``quarters`` fiscal quarters up to the as-of month (the last one to date)."""
    last = quarter_to_date(as_of)
    return [
        Period(add_months(last.start, -3 * back), min(add_months(last.start, 3 - 3 * back), last.end), QUARTER)
        for back in range(quarters - 1, -1, -1)
    ]


def portfolio(
    user: User | None, months: int = DEFAULT_MONTHS, as_of: date | None = None, *, quarters: int = 0
) -> Portfolio:
    """The user's customers over the window of ``months`` months up to the as-of month (default: the latest
    with sales); with ``quarters``, the trend quarters are read in the same pass (``hhi_trend_of``)."""
    who = customers(user)
    with_costs = costs_visible(user)
    as_of = as_of or latest_month(who.scope)
    window = None if as_of is None else Period(add_months(as_of, 1 - months), add_months(as_of, 1), "months")
    sales, trend = None, []
    if window is None or not len(who.account_ids):
        count = len(who.account_ids)
        figures = Figures(np.zeros(count), *((np.zeros(count),) * 2 if with_costs else (None, None)))
    else:
        trend = trend_quarters(as_of, quarters) if quarters else []
        sales = read_sales(who, [window, *trend])
        figures = account_figures(who, window, with_costs=with_costs, sales=sales)
    groups = Figures(
        *(_roll_up(who, values) for values in (figures.revenue, figures.gross_margin, figures.contribution))
    )
    return Portfolio(as_of, window, who, figures, groups, with_costs, sales if trend else None, trend)


# --- the measures ------------------------------------------------------------------------------------------------


def as_percent(share: float | None) -> Decimal | None:
    """A 0..1 share as a percentage with one decimal, for people."""
    return None if share is None else Decimal(f"{share * 100:.1f}")


@dataclass
class Share:
    top_n: float
    top_fifth: float

    @property
    def top_n_pct(self) -> Decimal | None:
        return as_percent(self.top_n)

    @property
    def top_fifth_pct(self) -> Decimal | None:
        return as_percent(self.top_fifth)


@dataclass
class Risk:
    """What losing one customer (or one account with its subsidiaries) over the window would cost."""

    account_id: int
    name: str
    code: str
    team: str
    revenue: Decimal
    share_of_portfolio: float
    share_of_team: float | None
    gross_margin: Decimal | None
    contribution: Decimal | None
    remaining_hhi: float
    hhi_change: float
    remaining_top_share: float

    @property
    def share_of_portfolio_pct(self) -> Decimal | None:
        return as_percent(self.share_of_portfolio)

    @property
    def share_of_team_pct(self) -> Decimal | None:
        return as_percent(self.share_of_team)

    @property
    def remaining_top_share_pct(self) -> Decimal | None:
        return as_percent(self.remaining_top_share)


@dataclass
class ParetoRow:
    rank: int
    account_id: int
    name: str
    code: str
    revenue: Decimal
    share: float
    cumulative_share: float
    account_share: float  # share of the customers ranked so far
    gross_margin: Decimal | None

    @property
    def share_pct(self) -> Decimal | None:
        return as_percent(self.share)

    @property
    def cumulative_share_pct(self) -> Decimal | None:
        return as_percent(self.cumulative_share)


@dataclass
class Concentration:
    as_of: date | None
    window: Period | None
    months: int
    top: int
    customer_count: int
    top_fifth_count: int
    revenue: Decimal
    gross_margin: Decimal | None
    revenue_share: Share | None
    margin_share: Share | None
    hhi: float
    normalised_hhi: float
    pareto: list[ParetoRow] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["as_of"] = self.as_of.strftime("%Y-%m") if self.as_of else None
        data["window"] = (
            {"from": self.window.start.strftime("%Y-%m"), "to": self.window.last_month.strftime("%Y-%m")}
            if self.window
            else None
        )
        return json.loads(json.dumps(data, default=str))


def _team_totals(customers: Customers, revenue: np.ndarray) -> np.ndarray:
    """For each customer, the revenue (``revenue``, per customer) of all the customers of its team (0 when it
    has no team)."""
    teams = customers.group_team
    _unique, inverse = np.unique(teams, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=measure.weights(revenue))
    return np.where(teams > 0, totals[inverse.reshape(-1)], 0.0)


def concentration(
    portfolio: Portfolio, months: int, top: int = DEFAULT_TOP, risks: int | None = None, pareto: int | None = None
) -> Concentration:
    """Top-N and top-20 % shares of revenue and gross margin, HHI, the Pareto table (its first ``pareto``
    rows; None: all) and the riskiest dependencies (the first ``risks`` of them; None: all), from the
    rolled-up customers."""
    active = np.flatnonzero(portfolio.active)
    revenue = portfolio.groups.revenue[active]
    margin = None if portfolio.groups.gross_margin is None else portfolio.groups.gross_margin[active]
    result = Concentration(
        as_of=portfolio.as_of,
        window=portfolio.window,
        months=months,
        top=top,
        customer_count=len(active),
        top_fifth_count=measure.top_count(len(active)),
        revenue=money(revenue.sum()),
        gross_margin=None if margin is None else money(margin.sum()),
        revenue_share=None,
        margin_share=None,
        hhi=ratio(measure.hhi(revenue), 1),
        normalised_hhi=ratio(measure.normalised_hhi(revenue)),
    )
    if not len(active):
        return result
    result.revenue_share = Share(ratio(measure.top_n_share(revenue, top)), ratio(measure.top_fraction_share(revenue)))
    if margin is not None:
        result.margin_share = Share(ratio(measure.top_n_share(margin, top)), ratio(measure.top_fraction_share(margin)))
    result.pareto = _pareto(portfolio, active, revenue, margin, pareto)
    result.risks = ranked_risks(portfolio, limit=risks)
    return result


def _pareto(
    portfolio: Portfolio, active: np.ndarray, revenue: np.ndarray, margin, limit: int | None = None
) -> list[ParetoRow]:
    curve = measure.pareto_curve(revenue)
    order = curve.order[:limit]
    who = portfolio.customers
    groups = active[order]
    margins = [None] * len(order) if margin is None else [money(value) for value in margin[order]]
    return [
        ParetoRow(
            rank=rank,
            account_id=group_id,
            name=who.group_names[group],
            code=who.group_codes[group],
            revenue=money(value),
            share=round(share, 4),
            cumulative_share=round(cumulative, 4),
            account_share=round(account_share, 4),
            gross_margin=gross_margin,
        )
        for rank, group, group_id, value, share, cumulative, account_share, gross_margin in zip(
            range(1, len(order) + 1),
            groups.tolist(),
            who.group_ids[groups].tolist(),
            revenue[order].tolist(),
            measure.shares(revenue)[order].tolist(),
            curve.cumulative_share[: len(order)].tolist(),
            curve.account_share[: len(order)].tolist(),
            margins,
            strict=True,
        )
    ]


@dataclass
class CurvePoint:
    name: str
    account_share: float
    cumulative_share: float


def pareto_points(portfolio: Portfolio, limit: int = CURVE_POINTS) -> list[CurvePoint]:
    """The Pareto curve for drawing: every customer when there are at most ``limit``, else the largest ones
    and evenly spaced points along the rest — the same line, with no more points than the chart has pixels
    to draw them on."""
    active = np.flatnonzero(portfolio.active)
    revenue = portfolio.groups.revenue[active]
    curve = measure.pareto_curve(revenue)
    count = len(curve.order)
    keep = np.arange(count)
    if count > limit:
        head = limit // 4
        keep = np.unique(np.concatenate([keep[:head], np.linspace(head, count - 1, limit - head).round().astype(int)]))
    names = portfolio.customers.group_names
    return [
        CurvePoint(names[group], round(share, 4), round(cumulative, 4))
        for group, share, cumulative in zip(
            active[curve.order[keep]].tolist(),
            curve.account_share[keep].tolist(),
            curve.cumulative_share[keep].tolist(),
            strict=True,
        )
    ]


def _optional(values: np.ndarray | None, index: int) -> Decimal | None:
    return None if values is None else money(values[index])


def ranked_risks(portfolio: Portfolio, limit: int | None = None) -> list[Risk]:
    """Losing each customer in turn, the biggest revenue loss first (all scenarios computed at once)."""
    groups, who = portfolio.groups, portfolio.customers
    impact = measure.loss_impact(groups.revenue)
    team_totals = _team_totals(who, groups.revenue)
    ranked = [int(g) for g in np.argsort(-groups.revenue, kind="stable") if groups.revenue[g] > 0][:limit]
    return [
        Risk(
            account_id=int(who.group_ids[g]),
            name=who.group_names[g],
            code=who.group_codes[g],
            team=who.team_names.get(int(who.group_team[g]), ""),
            revenue=money(groups.revenue[g]),
            share_of_portfolio=ratio(impact.share[g]),
            share_of_team=ratio(groups.revenue[g] / team_totals[g]) if team_totals[g] > 0 else None,
            gross_margin=_optional(groups.gross_margin, g),
            contribution=_optional(groups.contribution, g),
            remaining_hhi=ratio(impact.remaining_hhi[g], 1),
            hhi_change=ratio(impact.hhi_change[g], 1),
            remaining_top_share=ratio(impact.remaining_top_share[g]),
        )
        for g in ranked
    ]


@dataclass
class LossBox:
    """ "What if we lose this account?" for one account with its subsidiaries."""

    risk: Risk
    as_of: date | None
    window: Period | None
    hhi: float
    customer_count: int

    def as_dict(self) -> dict:
        data = asdict(self.risk)
        data.update(
            as_of=self.as_of.strftime("%Y-%m") if self.as_of else None,
            window=(
                {"from": self.window.start.strftime("%Y-%m"), "to": self.window.last_month.strftime("%Y-%m")}
                if self.window
                else None
            ),
            portfolio_hhi=self.hhi,
            customer_count=self.customer_count,
        )
        return json.loads(json.dumps(data, default=str))


def account_loss(user: User | None, account: Account, months: int = DEFAULT_MONTHS) -> LossBox:
    """What losing ``account`` (visible to ``user``) and its subsidiaries would cost over the window, and the
    portfolio's concentration without it. Revenue is read for every visible account (the shares and the HHI
    need them all); costs only for the account's subtree."""
    who = customers(user)
    with_costs = costs_visible(user)
    as_of = latest_month(who.scope)
    window = None if as_of is None else Period(add_months(as_of, 1 - months), add_months(as_of, 1), "months")
    subtree = AccountClosure.objects.filter(ancestor_id=account.pk).values_list("descendant_id", flat=True)
    positions, visible = _positions(who, np.array(sorted(subtree), dtype=np.int64))
    positions = positions[visible]  # a visible account's subtree is visible; this only guards the costs read
    count = len(who.account_ids)
    revenue, net, cost = np.zeros(count), np.zeros(count), np.zeros(count)
    if window is not None and count:
        sales = read_sales(who, [window])
        revenue = sales.revenue(window)
        inside = _within(sales.buckets, window)
        net, cost = sales.net[:, inside].sum(axis=1), sales.cost[:, inside].sum(axis=1)
    lost_revenue = float(revenue[positions].sum())
    gross_margin = contribution = None
    if with_costs:
        trade, serve, serve_lines = (
            _window_costs(who, window, who.account_ids[positions].tolist())
            if window is not None
            else (np.zeros(count),) * 3
        )
        margins = revenue - cost
        cost_to_serve = np.where(serve_lines > 0, serve, net * who.channel_percent / 100)
        gross_margin = float(margins[positions].sum())
        contribution = float((margins - trade - cost_to_serve)[positions].sum())
    groups = _roll_up(who, revenue)
    group = int(who.group[who.positions([account.pk])[0]])
    lost = np.zeros(len(who.group_ids))
    lost[group] = lost_revenue
    impact = measure.loss_impact(groups, lost=lost)
    team_totals = _team_totals(who, groups)
    risk = Risk(
        account_id=account.pk,
        name=account.name,
        code=account.code,
        team=who.team_names.get(int(who.group_team[group]), ""),
        revenue=money(lost_revenue),
        share_of_portfolio=ratio(impact.share[group]),
        share_of_team=ratio(max(lost_revenue, 0) / team_totals[group]) if team_totals[group] > 0 else None,
        gross_margin=None if gross_margin is None else money(gross_margin),
        contribution=None if contribution is None else money(contribution),
        remaining_hhi=ratio(impact.remaining_hhi[group], 1),
        hhi_change=ratio(impact.hhi_change[group], 1),
        remaining_top_share=ratio(impact.remaining_top_share[group]),
    )
    return LossBox(
        risk=risk,
        as_of=as_of,
        window=window,
        hhi=ratio(measure.hhi(groups), 1),
        customer_count=int((groups > 0).sum()),
    )


# --- the trend --------------------------------------------------------------------------------------------------


@dataclass
class TrendQuarter:
    label: str
    start: date
    hhi: float
    normalised_hhi: float
    customers: int
    top_fifth_share: float

    @property
    def top_fifth_share_pct(self) -> Decimal | None:
        return as_percent(self.top_fifth_share)


def hhi_trend(
    user: User | None, as_of: date | None = None, quarters: int = TREND_QUARTERS, who: Customers | None = None
) -> list[TrendQuarter]:
    """The HHI of revenue per fiscal quarter, over the last ``quarters`` quarters up to the as-of month (the
    last one to date). Quarters without revenue are left out. Two queries (plus the customers and the
    latest month when not given)."""
    who = who or customers(user)
    as_of = as_of or latest_month(who.scope)
    if as_of is None or not len(who.account_ids):
        return []
    periods = trend_quarters(as_of, quarters)
    return _trend(who, periods, read_sales(who, periods))


def hhi_trend_of(book: Portfolio) -> list[TrendQuarter]:
    """The trend of a portfolio read with ``quarters``: no further query."""
    if book.sales is None or not book.quarters:
        return []
    return _trend(book.customers, book.quarters, book.sales)


def _trend(who: Customers, periods: list[Period], sales: Sales) -> list[TrendQuarter]:
    revenue = np.stack([sales.revenue(period) for period in periods], axis=1)
    by_customer = np.stack([_roll_up(who, revenue[:, q]) for q in range(len(periods))], axis=1)
    hhi, normalised = measure.hhi(by_customer, axis=0), measure.normalised_hhi(by_customer, axis=0)
    rows = []
    for q, period in enumerate(periods):
        column = by_customer[:, q]
        if measure.weights(column).sum() <= 0:
            continue
        rows.append(
            TrendQuarter(
                label=period.label,
                start=period.start,
                hhi=ratio(hhi[q], 1),
                normalised_hhi=ratio(normalised[q]),
                customers=int((column > 0).sum()),
                top_fifth_share=ratio(measure.top_fraction_share(column[column > 0])),
            )
        )
    return rows


# --- the report (kamdesk report concentration) ---------------------------------------------------------------------


def concentration_report(
    actor: User | None, months: int = DEFAULT_MONTHS, fmt: str = "table", top: int = DEFAULT_TOP
) -> str:
    """The concentration figures as text (``table``) or JSON, under ``actor``'s access (None: everything)."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use {' or '.join(REPORT_FORMATS)}.")
    if not 1 <= months <= max(MONTH_CHOICES):
        raise ValueError(f"--months must be between 1 and {max(MONTH_CHOICES)}.")
    summary = concentration(portfolio(actor, months), months, top)
    if fmt == "json":
        return json.dumps(summary.as_dict(), indent=2)
    return _report_table(summary)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _report_table(summary: Concentration) -> str:
    if summary.window is None:
        return "No sales in the accounts you may see."
    window = f"{summary.window.start:%Y-%m} to {summary.window.last_month:%Y-%m}"
    lines = [
        f"Concentration over {summary.months} months ({window}), {summary.customer_count} customers",
        f"Revenue: {summary.revenue}",
        f"HHI: {summary.hhi:.0f} (normalised {summary.normalised_hhi:.3f})",
    ]
    if summary.revenue_share:
        lines.append(
            f"Revenue from the top {summary.top}: {_pct(summary.revenue_share.top_n)}; "
            f"from the top 20 % ({summary.top_fifth_count}): {_pct(summary.revenue_share.top_fifth)}"
        )
    if summary.margin_share:
        lines.append(
            f"Gross margin from the top {summary.top}: {_pct(summary.margin_share.top_n)}; "
            f"from the top 20 %: {_pct(summary.margin_share.top_fifth)}"
        )
    with_costs = summary.gross_margin is not None
    header = ["#", "Code", "Customer", "Revenue", "Share", "Share of team"]
    header += ["Gross margin", "Contribution"] if with_costs else []
    header += ["HHI without"]
    rows = [header]
    for rank, risk in enumerate(summary.risks, start=1):
        row = [str(rank), risk.code, risk.name, str(risk.revenue), _pct(risk.share_of_portfolio)]
        row.append(_pct(risk.share_of_team))
        if with_costs:
            row += [str(risk.gross_margin), str(risk.contribution)]
        row.append(f"{risk.remaining_hhi:.0f}")
        rows.append(row)
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    lines.append("")
    lines.append("What losing each customer would cost:")
    for row in rows:
        lines.append(
            "  ".join(
                cell.ljust(width) if c in (1, 2) else cell.rjust(width)
                for c, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)
