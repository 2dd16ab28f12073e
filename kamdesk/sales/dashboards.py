"""Reads behind the portfolio dashboard and the account Commercial tab.

Everything starts from ``visible_accounts(user)`` and reads the monthly roll-ups (AccountMonthly,
SalesMonthly) and targets, aggregated in SQL: a page costs a fixed number of queries whatever the number of
accounts, months or sales lines. Money stays Decimal.

Figures: revenue is net sales, volume the quantity sold, gross margin net sales less the cost of goods.
Periods follow the fiscal year (kamdesk.sales.periods): the month, the quarter and the year to date, each
compared with its target and with the same months a year earlier.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import django_filters as filters
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum

from kamdesk.access.scope import can_see_costs, visible_accounts
from kamdesk.accounts.models import Account, AccountClosure, Channel, Tier
from kamdesk.core.forms import active_users
from kamdesk.sales.models import (
    AccountMonthly,
    CostLine,
    CostType,
    Listing,
    ListingStatus,
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


# --- roll-up reads (one query each, whatever the data size) ----------------------------------------------------


def latest_month(account_ids: QuerySet) -> date | None:
    """The latest month with sales among these accounts."""
    return AccountMonthly.objects.filter(account_id__in=account_ids).aggregate(latest=Max("month"))["latest"]


def monthly_totals(account_ids: QuerySet, start: date, end: date) -> dict[date, dict[str, Decimal]]:
    """Revenue, volume and gross margin per month in [start, end), summed over the accounts.

    Revenue is net sales after rebates, as in the customer P&L: invoiced net sales less the rebate lines.
    """
    sales = (
        AccountMonthly.objects.filter(account_id__in=account_ids, month__gte=start, month__lt=end)
        .values("month")
        .annotate(net=Sum("net_amount"), volume=Sum("quantity"), cost=Sum("cost"))
        .order_by()
    )
    rebates = dict(
        CostLine.objects.filter(account_id__in=account_ids, type=CostType.REBATE, month__gte=start, month__lt=end)
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("month", "total")
    )
    totals = {}
    for row in sales:
        revenue = cents(row["net"] - rebates.pop(row["month"], ZERO))
        totals[row["month"]] = {
            REVENUE: revenue,
            VOLUME: units(row["volume"]),
            GROSS_MARGIN: cents(revenue - row["cost"]),
        }
    for month, rebate in rebates.items():  # rebates booked in a month without sales
        totals[month] = {REVENUE: cents(-rebate), VOLUME: units(ZERO), GROSS_MARGIN: cents(-rebate)}
    return totals


def monthly_targets(account_ids: QuerySet, start: date, end: date, metrics) -> dict[tuple[str, date], Decimal]:
    """Target per (metric code, month) in [start, end), summed over the accounts."""
    rows = (
        Target.objects.filter(account_id__in=account_ids, metric__code__in=metrics, month__gte=start, month__lt=end)
        .values("metric__code", "month")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {(row["metric__code"], row["month"]): cents(row["total"]) for row in rows}


def _in(period: Period) -> Q:
    return Q(month__gte=period.start, month__lt=period.end)


def revenue_by_account(account_ids: QuerySet, periods: dict[str, Period]) -> dict[int, dict[str, Decimal]]:
    """Revenue (net sales after rebates) per account for each named period: two grouped queries."""
    where = Q()
    for period in periods.values():
        where |= _in(period)
    net = {name: Sum("net_amount", filter=_in(period)) for name, period in periods.items()}
    sales = (
        AccountMonthly.objects.filter(where, account_id__in=account_ids).values("account_id").annotate(**net).order_by()
    )
    rebate = {name: Sum("amount", filter=_in(period)) for name, period in periods.items()}
    rebates = (
        CostLine.objects.filter(where, account_id__in=account_ids, type=CostType.REBATE)
        .values("account_id")
        .annotate(**rebate)
        .order_by()
    )
    result: dict[int, dict[str, Decimal]] = {}
    for row in sales:
        result[row["account_id"]] = {name: cents(row[name]) for name in periods}
    for row in rebates:
        figures = result.setdefault(row["account_id"], {name: cents(ZERO) for name in periods})
        for name in periods:
            figures[name] = cents(figures[name] - (row[name] or ZERO))
    return result


def revenue_targets_by_account(account_ids: QuerySet, period: Period) -> dict[int, Decimal]:
    rows = (
        Target.objects.filter(_in(period), account_id__in=account_ids, metric__code=REVENUE)
        .values("account_id")
        .annotate(total=Sum("value"))
        .order_by()
        .values_list("account_id", "total")
    )
    return {pk: cents(total) for pk, total in rows}


def account_names(ids) -> dict[int, tuple[str, str]]:
    return {pk: (name, code) for pk, name, code in Account.objects.filter(id__in=ids).values_list("id", "name", "code")}


# --- figures ----------------------------------------------------------------------------------------------------


def percent_change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Change in % of ``before``; None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return ((now - before) / abs(before) * 100).quantize(Decimal("0.1"))


@dataclass
class Figure:
    """One metric over one period: actual, target and the same period a year earlier."""

    metric: str
    actual: Decimal
    target: Decimal | None
    last_year: Decimal

    @property
    def label(self) -> str:
        return METRIC_LABELS[self.metric]

    @property
    def vs_target(self) -> Decimal | None:
        return percent_change(self.actual, self.target)

    @property
    def vs_last_year(self) -> Decimal | None:
        return percent_change(self.actual, self.last_year)

    @property
    def attainment(self) -> Decimal | None:
        """Actual as % of target."""
        if not self.target:
            return None
        return (self.actual / self.target * 100).quantize(Decimal("0.1"))


def _sum_months(values: dict, months: list[date], metric: str) -> Decimal:
    return sum((values.get(month, {}).get(metric, ZERO) for month in months), ZERO)


def _sum_targets(targets: dict, months: list[date], metric: str) -> Decimal | None:
    found = [targets[(metric, month)] for month in months if (metric, month) in targets]
    return sum(found, ZERO) if found else None


def period_figures(totals: dict, targets: dict, period: Period, metrics) -> list[Figure]:
    last_year = period.previous_year().months
    return [
        Figure(
            metric=metric,
            actual=_sum_months(totals, period.months, metric),
            target=_sum_targets(targets, period.months, metric),
            last_year=_sum_months(totals, last_year, metric),
        )
        for metric in metrics
    ]


@dataclass
class PeriodFigures:
    key: str  # mtd, qtd or ytd
    period: Period
    figures: list[Figure]

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self.key]


def to_date_figures(totals: dict, targets: dict, as_of: date, metrics) -> list[PeriodFigures]:
    """The month, the quarter to date and the year to date of ``as_of``."""
    periods = (("mtd", month_to_date(as_of)), ("qtd", quarter_to_date(as_of)), ("ytd", year_to_date(as_of)))
    return [PeriodFigures(key, period, period_figures(totals, targets, period, metrics)) for key, period in periods]


@dataclass
class TrendPoint:
    month: date
    this_year: Decimal | None  # None after the as-of month
    last_year: Decimal
    target: Decimal | None


def trend(totals: dict, targets: dict, fiscal_year: Period, as_of: date, metric: str = REVENUE) -> list[TrendPoint]:
    """The fiscal year month by month: this year (up to the as-of month), last year and the target."""
    return [
        TrendPoint(
            month=month,
            this_year=totals.get(month, {}).get(metric, ZERO) if month <= as_of else None,
            last_year=totals.get(add_months(month, -12), {}).get(metric, ZERO),
            target=targets.get((metric, month)),
        )
        for month in fiscal_year.months
    ]


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

    @property
    def shows_margin(self) -> bool:
        return GROSS_MARGIN in self.metrics


def portfolio_dashboard(user: User, accounts: QuerySet, as_of: date | None = None) -> Dashboard:
    """Revenue, volume and (if allowed) gross margin of ``accounts`` — already scoped to ``user`` by
    ``dashboard_accounts`` — month, quarter and year to date, with the trend, movers and laggards."""
    metrics = metrics_for(user)
    account_ids = accounts.values("id")
    as_of = as_of or latest_month(account_ids)
    if as_of is None:
        return Dashboard(as_of=None, metrics=metrics)
    fiscal_year = year_period(fiscal_year_of(as_of))
    totals = monthly_totals(account_ids, add_months(fiscal_year.start, -12), fiscal_year.end)
    targets = monthly_targets(account_ids, fiscal_year.start, fiscal_year.end, metrics)
    ytd = year_to_date(as_of)
    top, bottom, behind = movers_and_laggards(account_ids, ytd)
    return Dashboard(
        as_of=as_of,
        metrics=metrics,
        periods=to_date_figures(totals, targets, as_of, metrics),
        trend=trend(totals, targets, fiscal_year, as_of),
        top_movers=top,
        bottom_movers=bottom,
        behind_target=behind,
    )


def movers_and_laggards(account_ids: QuerySet, period: Period, *, movers: int = MOVERS, behind: int = BEHIND):
    """The accounts whose revenue grew and fell the most against the same months last year, and those
    furthest below their revenue target: four grouped queries, ranked here."""
    revenue = revenue_by_account(account_ids, {"now": period, "before": period.previous_year()})
    targets = revenue_targets_by_account(account_ids, period)
    changes = sorted(
        ((figures["now"] - figures["before"], pk) for pk, figures in revenue.items()),
        key=lambda item: item[0],
    )
    grew = [pk for change, pk in reversed(changes) if change > 0][:movers]
    fell = [pk for change, pk in changes if change < 0][:movers]
    gaps = sorted((revenue.get(pk, {}).get("now", ZERO) - target, pk) for pk, target in targets.items())
    lagging = [pk for gap, pk in gaps if gap < 0][:behind]
    names = account_names({*grew, *fell, *lagging})

    def mover(pk: int) -> Mover:
        return Mover(pk, *names[pk], revenue[pk]["now"], revenue[pk]["before"])

    return (
        [mover(pk) for pk in grew],
        [mover(pk) for pk in fell],
        [BehindTarget(pk, *names[pk], revenue.get(pk, {}).get("now", ZERO), targets[pk]) for pk in lagging],
    )


# --- the account Commercial tab -----------------------------------------------------------------------------------


def account_tree(account: Account) -> QuerySet:
    """Ids of the account and all its subsidiaries (a subquery, never loaded)."""
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

    @property
    def shows_margin(self) -> bool:
        return GROSS_MARGIN in self.metrics


def account_commercial(user: User, account: Account, as_of: date | None = None) -> Commercial:
    """The Commercial tab of ``account`` (already checked visible) together with its subsidiaries."""
    metrics = metrics_for(user)
    tree = account_tree(account)
    as_of = as_of or latest_month(tree)
    listings, not_selling = listing_summary(tree, as_of)
    if as_of is None:
        return Commercial(as_of=None, metrics=metrics, listings=listings, listed_not_selling=not_selling)
    fiscal_year = year_period(fiscal_year_of(as_of))
    totals = monthly_totals(tree, add_months(fiscal_year.start, -12), fiscal_year.end)
    targets = monthly_targets(tree, fiscal_year.start, fiscal_year.end, metrics)
    ytd = year_to_date(as_of)
    return Commercial(
        as_of=as_of,
        metrics=metrics,
        fiscal_year=fiscal_year,
        periods=to_date_figures(totals, targets, as_of, metrics),
        trend=trend(totals, targets, fiscal_year, as_of),
        product_mix=product_mix(tree, ytd),
        category_mix=category_mix(tree, ytd),
        listings=listings,
        listed_not_selling=not_selling,
        price_checks=price_compliance(tree, month_to_date(as_of)) if can_see_costs(user) else None,
    )


def product_mix(tree: QuerySet, period: Period, limit: int = MIX_PRODUCTS) -> list[MixRow]:
    """The best-selling products of the period by invoiced net sales, the rest summed as one row."""
    sales = SalesMonthly.objects.filter(_in(period), account_id__in=tree)
    total = sales.aggregate(total=Sum("net_amount"))["total"] or ZERO
    rows = list(
        sales.values("product_id", "product__sku", "product__name", "product__category")
        .annotate(revenue=Sum("net_amount"), volume=Sum("quantity"))
        .order_by("-revenue", "product__sku")[:limit]
    )
    mix = [
        MixRow(
            row["product__name"],
            cents(row["revenue"]),
            units(row["volume"]),
            _share(row["revenue"], total),
            row["product__sku"],
        )
        for row in rows
    ]
    rest = total - sum((row.revenue for row in mix), ZERO)
    if rest:
        mix.append(MixRow("Other products", rest, None, _share(rest, total)))
    return mix


def category_mix(tree: QuerySet, period: Period) -> list[MixRow]:
    sales = SalesMonthly.objects.filter(_in(period), account_id__in=tree)
    rows = list(
        sales.values(category=F("product__category"))
        .annotate(revenue=Sum("net_amount"), volume=Sum("quantity"))
        .order_by("-revenue", "category")
    )
    total = sum((row["revenue"] for row in rows), ZERO)
    return [
        MixRow(
            row["category"] or "Uncategorised",
            cents(row["revenue"]),
            units(row["volume"]),
            _share(row["revenue"], total),
        )
        for row in rows
    ]


def _share(part: Decimal, total: Decimal) -> Decimal | None:
    return (part / total * 100).quantize(Decimal("0.1")) if total else None


def listing_summary(tree: QuerySet, as_of: date | None) -> tuple[dict[str, int], int]:
    """Products per listing status, and how many listed products sold nothing in the last 12 months."""
    listings = Listing.objects.filter(account_id__in=tree)
    counts = dict(listings.values("status").annotate(n=Count("id")).order_by().values_list("status", "n"))
    by_status = {label: counts.get(value, 0) for value, label in ListingStatus.choices}
    if as_of is None:
        return by_status, counts.get(ListingStatus.LISTED, 0)
    recent_sales = SalesMonthly.objects.filter(
        account_id=OuterRef("account_id"), product_id=OuterRef("product_id"), month__gt=add_months(as_of, -12)
    ).filter(quantity__gt=0)
    not_selling = listings.filter(status=ListingStatus.LISTED).exclude(Exists(recent_sales)).count()
    return by_status, not_selling


def price_compliance(tree: QuerySet, month: Period, limit: int = PRICE_CHECKS) -> list[PriceCheck]:
    """Average net price paid per unit in the month against the price agreed for that account and product
    (the agreement valid on the month's last day; the list price when there is none), for the month's
    biggest (account, product) pairs. Two queries."""
    day = add_months(month.start, 1) - timedelta(days=1)
    rows = list(
        SalesMonthly.objects.filter(account_id__in=tree, month=month.start, quantity__gt=0, net_amount__gt=0)
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
    agreements = _agreements_on(tree, day)
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


def _agreements_on(tree: QuerySet, day: date) -> dict[tuple, PriceAgreement]:
    """The agreements of the accounts valid on ``day``, keyed by (account, product id) or (account,
    category). Overlaps are refused when saving, so each key has at most one."""
    agreements = PriceAgreement.objects.filter(account_id__in=tree, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    return {(a.account_id, a.product_id or a.category): a for a in agreements}
