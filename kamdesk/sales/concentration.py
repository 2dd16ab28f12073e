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

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.db.models import Count, FloatField, Q, QuerySet, Sum

from kamdesk.access.scope import actor_accounts, can_see_costs
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.analytics import concentration as measure
from kamdesk.sales.dashboards import latest_month
from kamdesk.sales.models import AccountMonthly, CostLine, CostType
from kamdesk.sales.periods import QUARTER, Period, add_months, quarter_to_date
from kamdesk.users.models import Team, User

MONTH_CHOICES = (3, 6, 12, 24, 36)
DEFAULT_MONTHS = 12
TOP_CHOICES = (5, 10, 20)
DEFAULT_TOP = 10
TREND_QUARTERS = 12  # three years
RISKS_SHOWN = 20  # rows of the riskiest dependencies on the page
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
    scope: QuerySet  # the visible account ids, as a subquery for the aggregates

    def positions(self, ids) -> np.ndarray:
        """Positions in ``account_ids`` of the given (visible) account ids."""
        return np.searchsorted(self.account_ids, np.asarray(list(ids), dtype=np.int64))


def customers(user: User | None) -> Customers:
    """Three queries: the visible accounts, their hierarchy links among themselves, and the teams."""
    visible = actor_accounts(user)
    visible_ids = visible.values("id")
    rows = list(
        visible.order_by("id").values_list(
            "id", "name", "code", "owner_id", "owner__team_id", "channel__cost_to_serve__percent"
        )
    )
    # Only the descendant side in SQL: filtering both sides by a subquery makes SQLite try every pair.
    links = AccountClosure.objects.filter(descendant_id__in=visible_ids)
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
        channel_percent=np.array([float(row[5] or 0) for row in rows], dtype=float),
        team_names={team_id: name for team_id, name, _lead in teams},
        scope=visible_ids,
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


def _by_account(customers: Customers, rows: list[tuple], columns: int) -> np.ndarray:
    """Rows of (account id, value, value, ...) as a matrix aligned with the visible accounts."""
    matrix = np.zeros((len(customers.account_ids), columns))
    if rows:
        data = np.array(rows, dtype=float)
        ids = data[:, 0].astype(np.int64)
        positions = np.minimum(customers.positions(ids), len(customers.account_ids) - 1)
        known = customers.account_ids[positions] == ids  # an account created since the list was read waits
        matrix[positions[known]] = data[known, 1:]
    return matrix


def account_figures(customers: Customers, window: Period, *, with_costs: bool) -> Figures:
    """Revenue, gross margin and contribution of every visible account over the window: two queries."""
    where = Q(account_id__in=customers.scope, month__gte=window.start, month__lt=window.end)
    sales = (
        AccountMonthly.objects.filter(where)
        .values("account_id")
        .annotate(net=Sum("net_amount", output_field=FLOAT), cost=Sum("cost", output_field=FLOAT))
    )
    net, cost = _by_account(customers, list(sales.order_by().values_list("account_id", "net", "cost")), 2).T
    types = (CostType.REBATE, CostType.TRADE_SPEND, CostType.COST_TO_SERVE)
    lines = CostLine.objects.filter(where) if with_costs else CostLine.objects.filter(where, type=CostType.REBATE)
    sums = {kind: Sum("amount", filter=Q(type=kind), default=0, output_field=FLOAT) for kind in types}
    cost_rows = (
        lines.values("account_id")
        .annotate(**sums, serve_lines=Count("id", filter=Q(type=CostType.COST_TO_SERVE)))
        .order_by()
        .values_list("account_id", *types, "serve_lines")
    )
    rebate, trade, serve, serve_lines = _by_account(customers, list(cost_rows), 4).T
    revenue = net - rebate
    if not with_costs:
        return Figures(revenue=revenue, gross_margin=None, contribution=None)
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

    @property
    def active(self) -> np.ndarray:
        """Customers that count: those with revenue in the window."""
        return self.groups.revenue > 0


def portfolio(user: User | None, months: int = DEFAULT_MONTHS, as_of: date | None = None) -> Portfolio:
    who = customers(user)
    with_costs = costs_visible(user)
    as_of = as_of or latest_month(actor_accounts(user).values("id"))
    window = None if as_of is None else Period(add_months(as_of, 1 - months), add_months(as_of, 1), "months")
    if window is None or not len(who.account_ids):
        count = len(who.account_ids)
        figures = Figures(np.zeros(count), *((np.zeros(count),) * 2 if with_costs else (None, None)))
    else:
        figures = account_figures(who, window, with_costs=with_costs)
    groups = Figures(
        *(_roll_up(who, values) for values in (figures.revenue, figures.gross_margin, figures.contribution))
    )
    return Portfolio(as_of, window, who, figures, groups, with_costs)


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


def _team_totals(portfolio: Portfolio) -> np.ndarray:
    """For each customer, the revenue of all the customers of its team (0 when it has no team)."""
    teams = portfolio.customers.group_team
    _unique, inverse = np.unique(teams, return_inverse=True)
    totals = np.bincount(inverse.reshape(-1), weights=measure.weights(portfolio.groups.revenue))
    return np.where(teams > 0, totals[inverse.reshape(-1)], 0.0)


def concentration(portfolio: Portfolio, months: int, top: int = DEFAULT_TOP, risks: int | None = None) -> Concentration:
    """Top-N and top-20 % shares of revenue and gross margin, HHI, the Pareto table and the riskiest
    dependencies (the first ``risks`` of them; None: all), from the rolled-up customers."""
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
    result.pareto = _pareto(portfolio, active, revenue, margin)
    result.risks = ranked_risks(portfolio, limit=risks)
    return result


def _pareto(portfolio: Portfolio, active: np.ndarray, revenue: np.ndarray, margin) -> list[ParetoRow]:
    curve = measure.pareto_curve(revenue)
    shares = measure.shares(revenue)
    who = portfolio.customers
    rows = []
    for rank, (position, cumulative, account_share) in enumerate(
        zip(curve.order, curve.cumulative_share, curve.account_share, strict=True), start=1
    ):
        group = active[position]
        rows.append(
            ParetoRow(
                rank=rank,
                account_id=int(who.group_ids[group]),
                name=who.group_names[group],
                code=who.group_codes[group],
                revenue=money(revenue[position]),
                share=ratio(shares[position]),
                cumulative_share=ratio(cumulative),
                account_share=ratio(account_share),
                gross_margin=None if margin is None else money(margin[position]),
            )
        )
    return rows


def _optional(values: np.ndarray | None, index: int) -> Decimal | None:
    return None if values is None else money(values[index])


def ranked_risks(portfolio: Portfolio, limit: int | None = None) -> list[Risk]:
    """Losing each customer in turn, the biggest revenue loss first (all scenarios computed at once)."""
    groups, who = portfolio.groups, portfolio.customers
    impact = measure.loss_impact(groups.revenue)
    team_totals = _team_totals(portfolio)
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
    portfolio's concentration without it. One more query than the portfolio: the account's subtree."""
    book = portfolio(user, months)
    who, groups = book.customers, book.groups
    subtree = AccountClosure.objects.filter(ancestor_id=account.pk).values_list("descendant_id", flat=True)
    positions = who.positions(sorted(subtree))
    own = who.positions([account.pk])[0]
    group = int(who.group[own])
    accounts = book.accounts
    lost = Figures(
        *(
            None if values is None else float(values[positions].sum())
            for values in (accounts.revenue, accounts.gross_margin, accounts.contribution)
        )
    )
    lost_revenue = np.zeros(len(who.group_ids))
    lost_revenue[group] = lost.revenue
    impact = measure.loss_impact(groups.revenue, lost=lost_revenue)
    team_totals = _team_totals(book)
    risk = Risk(
        account_id=account.pk,
        name=account.name,
        code=account.code,
        team=who.team_names.get(int(who.group_team[group]), ""),
        revenue=money(lost.revenue),
        share_of_portfolio=ratio(impact.share[group]),
        share_of_team=ratio(max(lost.revenue, 0) / team_totals[group]) if team_totals[group] > 0 else None,
        gross_margin=None if lost.gross_margin is None else money(lost.gross_margin),
        contribution=None if lost.contribution is None else money(lost.contribution),
        remaining_hhi=ratio(impact.remaining_hhi[group], 1),
        hhi_change=ratio(impact.hhi_change[group], 1),
        remaining_top_share=ratio(impact.remaining_top_share[group]),
    )
    return LossBox(
        risk=risk,
        as_of=book.as_of,
        window=book.window,
        hhi=ratio(measure.hhi(groups.revenue), 1),
        customer_count=int(book.active.sum()),
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
    as_of = as_of or latest_month(actor_accounts(user).values("id"))
    if as_of is None or not len(who.account_ids):
        return []
    last = quarter_to_date(as_of)
    periods = [
        Period(add_months(last.start, -3 * back), min(add_months(last.start, 3 - 3 * back), last.end), QUARTER)
        for back in range(quarters - 1, -1, -1)
    ]
    revenue = _quarterly_revenue(who, periods)
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


def _quarterly_revenue(who: Customers, periods: list[Period]) -> np.ndarray:
    """Revenue (net sales after rebates) per visible account and quarter: two grouped queries."""
    where = Q(account_id__in=who.scope, month__gte=periods[0].start, month__lt=periods[-1].end)
    names = [f"q{n}" for n in range(len(periods))]

    def sums(column: str) -> dict:
        return {
            name: Sum(column, filter=Q(month__gte=p.start, month__lt=p.end), default=0, output_field=FLOAT)
            for name, p in zip(names, periods, strict=True)
        }

    sales = AccountMonthly.objects.filter(where).values("account_id").annotate(**sums("net_amount")).order_by()
    rebates = (
        CostLine.objects.filter(where, type=CostType.REBATE).values("account_id").annotate(**sums("amount")).order_by()
    )
    net = _by_account(who, list(sales.values_list("account_id", *names)), len(periods))
    rebate = _by_account(who, list(rebates.values_list("account_id", *names)), len(periods))
    return net - rebate


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
