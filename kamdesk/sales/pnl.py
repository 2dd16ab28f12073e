"""The customer P&L: gross sales → discounts and rebates → net sales → cost of goods → gross margin → trade
spend → cost to serve → contribution, for a period, with % of net sales, last year and target.

Sources (never the sales lines themselves):

- AccountMonthly: gross sales, invoice net sales (so on-invoice discounts are gross - net) and cost of goods;
- CostLine: rebates (deducted with the discounts, so net sales are after rebates), trade spend and cost to
  serve;
- ChannelCostToServe: for an account with no cost-to-serve lines in the period, its channel's percentage of
  its invoiced net sales;
- Target: "revenue" (compared with net sales) and "gross_margin".

Every line is signed by its effect on contribution: deductions and costs are negative, so the lines of the
waterfall add up, and a positive change against last year or target always means more profit.

Each figure is a set-based aggregate over any number of accounts — an account with its subsidiaries, a
team's accounts, a whole portfolio — in a fixed handful of queries, whatever the number of accounts or
months. Everything starts from the access scope: accounts the user may not see never count.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum

from kamdesk.access.scope import actor_accounts, can_see_costs
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.core.errors import NotFound
from kamdesk.sales.dashboards import Scope
from kamdesk.sales.models import AccountMonthly, CostLine, CostType, Target
from kamdesk.sales.periods import Period
from kamdesk.users.models import Team, User

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal("0")

LINES = [
    ("gross_sales", "Gross sales"),
    ("discounts_rebates", "Discounts and rebates"),
    ("net_sales", "Net sales"),
    ("cost_of_goods", "Cost of goods"),
    ("gross_margin", "Gross margin"),
    ("trade_spend", "Trade spend"),
    ("cost_to_serve", "Cost to serve"),
    ("contribution", "Contribution"),
]
# What a role that may not see costs and margins is shown.
REVENUE_LINES = ("gross_sales", "discounts_rebates", "net_sales")
SUBTOTALS = ("net_sales", "gross_margin", "contribution")
# P&L line -> the metric whose target it is compared with.
TARGET_METRICS = {"net_sales": "revenue", "gross_margin": "gross_margin"}


@dataclass(frozen=True)
class PnLLine:
    key: str
    label: str
    amount: Decimal
    pct_of_net: Decimal | None  # share of net sales, in %; None when there are no net sales
    last_year: Decimal
    vs_last_year_pct: Decimal | None  # change against last year, in % of last year's size
    target: Decimal | None  # only net sales and gross margin have targets
    vs_target_pct: Decimal | None

    @property
    def is_subtotal(self) -> bool:
        return self.key in SUBTOTALS


@dataclass
class PnL:
    period: Period
    lines: list[PnLLine]
    costs_hidden: bool
    currency: str = field(default_factory=lambda: settings.REPORTING_CURRENCY)

    @property
    def previous_period(self) -> Period:
        return self.period.previous_year()

    def line(self, key: str) -> PnLLine | None:
        return next((line for line in self.lines if line.key == key), None)

    def as_dict(self) -> dict:
        """Plain values (amounts and percentages as strings, exact) for JSON answers and exports."""
        return {
            "period": period_dict(self.period),
            "previous_period": period_dict(self.previous_period),
            "currency": self.currency,
            "costs_hidden": self.costs_hidden,
            "lines": [
                {name: _plain(getattr(line, name)) for name in PnLLine.__dataclass_fields__} for line in self.lines
            ],
        }


def period_dict(period: Period) -> dict:
    return {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()}


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


# --- entry points ---------------------------------------------------------------------------------------


def pnl_for_accounts(user: User | None, account_ids: QuerySet, period: Period) -> PnL:
    """The P&L of the accounts in ``account_ids`` (a queryset of account ids) that ``user`` may see
    (None: the system, which sees everything, costs included)."""
    scope = Scope(actor_accounts(user).filter(id__in=account_ids).values("id"))
    costs_hidden = user is not None and not can_see_costs(user)
    current, last_year = period, period.previous_year()
    sales = _sales(scope, current, last_year)
    costs = _cost_lines(scope, current, last_year, costs_hidden)
    channel_costs = ({}, {}) if costs_hidden else _channel_cost_to_serve(scope, current, last_year)
    targets = _targets(scope, current, costs_hidden)
    actual = _figures(sales[0], costs[0], channel_costs[0])
    previous = _figures(sales[1], costs[1], channel_costs[1])
    keys = REVENUE_LINES if costs_hidden else [key for key, _label in LINES]
    return PnL(period=period, lines=_lines(keys, actual, previous, targets), costs_hidden=costs_hidden)


def account_pnl(user: User | None, account_id: int, period: Period) -> PnL:
    """The account together with all its subsidiaries (through the hierarchy)."""
    if not actor_accounts(user).filter(pk=account_id).exists():
        raise NotFound("Account not found.")
    subtree = AccountClosure.objects.filter(ancestor_id=account_id).values("descendant_id")
    return pnl_for_accounts(user, subtree, period)


def team_accounts(team: Team) -> QuerySet:
    """Ids of the accounts owned by the team's members and its lead."""
    owners = Q(owner__team_id=team.pk) | Q(owner_id=team.lead_id) if team.lead_id else Q(owner__team_id=team.pk)
    return Account.objects.filter(owners).values("id")


def team_pnl(user: User | None, team_id: int, period: Period) -> PnL:
    """The accounts owned by the team's members (and its lead) that the user may see."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound("Team not found.")
    return pnl_for_accounts(user, team_accounts(team), period)


def portfolio_pnl(user: User | None, period: Period) -> PnL:
    """Every account the user may see."""
    return pnl_for_accounts(user, Account.objects.values("id"), period)


# --- the aggregates -----------------------------------------------------------------------------------


def _in(period: Period, prefix: str = "") -> Q:
    return Q(**{f"{prefix}month__gte": period.start, f"{prefix}month__lt": period.end})


def _sales(scope: Scope, current: Period, last_year: Period) -> tuple[dict, dict]:
    """Gross, net and cost of goods of both periods, in one query."""
    sums = {}
    for name, period in (("cur", current), ("ly", last_year)):
        for column in ("gross_amount", "net_amount", "cost"):
            sums[f"{name}_{column}"] = Sum(column, filter=_in(period))
    rows = AccountMonthly.objects.filter(scope.q()).filter(_in(current) | _in(last_year)).aggregate(**sums)
    return tuple(
        {column: rows[f"{name}_{column}"] or ZERO for column in ("gross_amount", "net_amount", "cost")}
        for name in ("cur", "ly")
    )


def _cost_lines(scope: Scope, current: Period, last_year: Period, costs_hidden: bool) -> tuple[dict, dict]:
    """Cost-line totals per type for both periods, in one query; only rebates when costs are hidden."""
    lines = CostLine.objects.filter(scope.q()).filter(_in(current) | _in(last_year))
    if costs_hidden:
        lines = lines.filter(type=CostType.REBATE)
    rows = (
        lines.order_by()
        .values("type")
        .annotate(cur=Sum("amount", filter=_in(current)), ly=Sum("amount", filter=_in(last_year)))
    )
    totals: tuple[dict, dict] = ({}, {})
    for row in rows:
        totals[0][row["type"]] = row["cur"] or ZERO
        totals[1][row["type"]] = row["ly"] or ZERO
    return totals


def _without_cost_to_serve_lines(scope: Scope, period: Period) -> Q:
    # A NOT IN list read once per period: a NOT EXISTS probe per roll-up row costs far more on a portfolio.
    lines = CostLine.objects.filter(
        scope.q(), type=CostType.COST_TO_SERVE, month__gte=period.start, month__lt=period.end
    )
    return ~Q(account_id__in=lines.values("account_id"))


def _channel_cost_to_serve(scope: Scope, current: Period, last_year: Period) -> tuple[dict, dict]:
    """Net sales per channel percentage of the accounts with no cost-to-serve lines in each period (one
    query; the rows are the few configured percentages)."""
    rows = (
        AccountMonthly.objects.filter(scope.q(), account__channel__cost_to_serve__isnull=False)
        .filter(_in(current) | _in(last_year))
        .order_by()
        .values(percent=F("account__channel__cost_to_serve__percent"))
        .annotate(
            cur=Sum("net_amount", filter=_in(current) & _without_cost_to_serve_lines(scope, current)),
            ly=Sum("net_amount", filter=_in(last_year) & _without_cost_to_serve_lines(scope, last_year)),
        )
    )
    totals: tuple[dict, dict] = ({}, {})
    for row in rows:
        for which, name in ((0, "cur"), (1, "ly")):
            if row[name]:
                totals[which][row["percent"]] = totals[which].get(row["percent"], ZERO) + row[name]
    return totals


def _targets(scope: Scope, period: Period, costs_hidden: bool) -> dict[str, Decimal]:
    metrics = ["revenue"] if costs_hidden else list(TARGET_METRICS.values())
    rows = (
        Target.objects.filter(scope.q(), metric__code__in=metrics, month__gte=period.start)
        .filter(month__lt=period.end)
        .order_by()
        .values("metric__code")
        .annotate(total=Sum("value"))
    )
    return {row["metric__code"]: row["total"] for row in rows}


# --- from aggregates to lines -------------------------------------------------------------------------


def _figures(sales: dict, costs: dict, channel_net_sales: dict) -> dict[str, Decimal]:
    """The P&L figures of one period, each signed by its effect on contribution."""
    gross = sales["gross_amount"]
    deductions = gross - sales["net_amount"] + costs.get(CostType.REBATE, ZERO)
    cost_to_serve = costs.get(CostType.COST_TO_SERVE, ZERO) + sum(
        ((net * percent / 100).quantize(CENT, ROUND_HALF_UP) for percent, net in channel_net_sales.items()), ZERO
    )
    figures = {"gross_sales": gross, "discounts_rebates": -deductions, "net_sales": gross - deductions}
    figures["cost_of_goods"] = -sales["cost"]
    figures["gross_margin"] = figures["net_sales"] + figures["cost_of_goods"]
    figures["trade_spend"] = -costs.get(CostType.TRADE_SPEND, ZERO)
    figures["cost_to_serve"] = -cost_to_serve
    figures["contribution"] = figures["gross_margin"] + figures["trade_spend"] + figures["cost_to_serve"]
    return {key: value.quantize(CENT) + ZERO for key, value in figures.items()}  # + 0 turns -0.00 into 0.00


def _lines(keys, actual: dict, previous: dict, targets: dict) -> list[PnLLine]:
    labels = dict(LINES)
    net = actual["net_sales"]
    lines = []
    for key in keys:
        target = targets.get(TARGET_METRICS.get(key, ""))
        lines.append(
            PnLLine(
                key=key,
                label=labels[key],
                amount=actual[key],
                pct_of_net=percent(actual[key], net),
                last_year=previous[key],
                vs_last_year_pct=change(actual[key], previous[key]),
                target=target,
                vs_target_pct=change(actual[key], target),
            )
        )
    return lines


def percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """``part`` as a % of ``whole``, to one decimal; None when ``whole`` is zero or missing."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(TENTH, ROUND_HALF_UP) + ZERO


def change(actual: Decimal, reference: Decimal | None) -> Decimal | None:
    """How far ``actual`` is above (+) or below (-) ``reference``, in % of the reference's size."""
    if not reference:
        return None
    return percent(actual - reference, abs(reference))
