"""The portfolio dashboard, concentration risk and an account's monthly sales in the REST API.

The same selectors as the pages, so the same numbers: reads start from what the user may see and use the
roll-ups only. Margins, costs and contribution are null for roles that may not see costs. A hidden account
answers 404 exactly like a missing one.

Targets exist for some accounts only, so "vs target" compares like with like: each target with the actual of
the accounts (and months) that have it — ``actual_with_target`` — never with everyone's actual.
``target_coverage`` says how much of the business that is.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kamdesk.access.scope import can_see_costs, visible_accounts
from kamdesk.accounts.models import Account, Tier
from kamdesk.core.api import READ_ERRORS, InvalidFilters, ObjectId, Text, check_filters, current_user, filter_params
from kamdesk.core.errors import NotFound
from kamdesk.sales.concentration import DEFAULT_MONTHS, DEFAULT_TOP, account_loss, concentration, portfolio
from kamdesk.sales.dashboards import (
    account_tree,
    cents,
    dashboard_accounts,
    latest_month,
    parse_month,
    portfolio_dashboard,
    units,
)
from kamdesk.sales.models import AccountMonthly
from kamdesk.sales.periods import add_months, months_between

router = Router(tags=["dashboards"])

Months = Annotated[int, Field(ge=1, le=36, description="Length of the window in months, ending with the latest.")]
MAX_MONTHLY_ROWS = 120


# --- schemas ----------------------------------------------------------------------------------------------------


class FigureOut(Schema):
    metric: str = Field(description="revenue (net sales after rebates), volume or gross_margin")
    label: str
    actual: Decimal = Field(description="The actual of every account.")
    target: Decimal | None = Field(description="The sum of the targets; null when no account has one.")
    actual_with_target: Decimal | None = Field(
        description="The actual of the accounts, and months, that have a target: what the target is compared with."
    )
    last_year: Decimal
    vs_target_pct: Decimal | None = Field(
        description="actual_with_target against the target, in % of the target (like with like)."
    )
    vs_last_year_pct: Decimal | None = Field(description="actual against the same months last year, in %.")


class PeriodFiguresOut(Schema):
    key: str = Field(description="mtd, qtd or ytd")
    label: str
    start: date
    end: date = Field(description="First day after the period (exclusive).")
    figures: list[FigureOut]


class TrendPointOut(Schema):
    month: str = Field(description="YYYY-MM")
    this_year: Decimal | None = Field(description="Null after the as-of month.")
    last_year: Decimal
    target: Decimal | None
    with_target: Decimal | None = Field(
        description="This year's revenue of the accounts with a revenue target that month; null without one."
    )


class MoverOut(Schema):
    account_id: int
    name: str
    code: str
    this_year: Decimal = Field(description="Revenue, year to date.")
    last_year: Decimal = Field(description="Revenue over the same months last year.")
    change: Decimal
    change_pct: Decimal | None


class BehindTargetOut(Schema):
    account_id: int
    name: str
    code: str
    actual: Decimal = Field(description="Revenue year to date of the months that have a revenue target.")
    target: Decimal = Field(description="Revenue target, year to date.")
    gap: Decimal
    attainment_pct: Decimal | None


class TargetCoverageOut(Schema):
    accounts_with_target: int = Field(description="Accounts with a revenue target, year to date.")
    accounts: int = Field(description="Accounts the figures are summed over.")
    revenue_pct: Decimal | None = Field(
        description="Revenue year to date of the accounts and months with a revenue target, in % of all revenue."
    )


class DashboardOut(Schema):
    as_of: str | None = Field(description="YYYY-MM: the month the figures run to; null without sales.")
    currency: str
    costs_hidden: bool
    target_coverage: TargetCoverageOut | None = Field(description="How much of the business the targets cover.")
    periods: list[PeriodFiguresOut]
    trend: list[TrendPointOut]
    top_movers: list[MoverOut]
    bottom_movers: list[MoverOut]
    behind_target: list[BehindTargetOut]


class DashboardQuery(Schema):
    period: Text(7) | None = Field(None, description="The as-of month, YYYY-MM; default: the latest with sales.")
    team: ObjectId | None = Field(None, description="A team id: accounts owned by its members.")
    owner: ObjectId | None = Field(None, description="A user id: the accounts they own.")
    tier: list[Tier] | None = Field(None, description="One or more tiers.")
    channel: list[Text(40)] | None = Field(None, description="One or more channel codes.")
    region: Text(100) | None = None


class ShareOut(Schema):
    top_n: float = Field(description="Share (0..1) of the top N customers.")
    top_fifth: float = Field(description="Share (0..1) of the top 20 % of the customers.")


class RiskOut(Schema):
    account_id: int
    name: str
    code: str
    team: str
    revenue: Decimal = Field(description="Revenue lost over the window.")
    share_of_portfolio: float
    share_of_team: float | None
    gross_margin: Decimal | None
    contribution: Decimal | None
    remaining_hhi: float = Field(description="The portfolio's HHI (0-10,000) without it.")
    hhi_change: float
    remaining_top_share: float = Field(description="The largest customer's share once it is gone.")


class ConcentrationOut(Schema):
    as_of: str | None
    window: dict | None = Field(description='{"from": "YYYY-MM", "to": "YYYY-MM"}')
    months: int
    top: int
    currency: str
    costs_hidden: bool
    customer_count: int = Field(description="Top-level customers with revenue (subsidiaries rolled up).")
    top_fifth_count: int
    revenue: Decimal
    gross_margin: Decimal | None
    revenue_share: ShareOut | None
    margin_share: ShareOut | None
    hhi: float
    normalised_hhi: float
    risks: list[RiskOut] = Field(description="Losing each customer, the largest revenue loss first.")


class ConcentrationQuery(Schema):
    months: Months = DEFAULT_MONTHS
    top: int = Field(DEFAULT_TOP, ge=1, le=100, description="N of the top-N share.")
    limit: int = Field(50, ge=1, le=500, description="How many of the riskiest customers to list.")


class MonthlyOut(Schema):
    month: str = Field(description="YYYY-MM")
    quantity: Decimal
    gross_amount: Decimal
    discount: Decimal
    net_amount: Decimal = Field(description="Invoiced net sales (before rebates).")
    cost: Decimal | None
    gross_margin: Decimal | None = Field(description="Invoiced net sales less cost of goods.")
    lines: int


class MonthlyQuery(Schema):
    from_: Text(7) | None = Field(None, alias="from", description="First month, YYYY-MM.")
    to: Text(7) | None = Field(None, description="Last month, YYYY-MM; default: the latest with sales.")


class LossImpactOut(RiskOut):
    as_of: str | None
    window: dict | None
    months: int
    currency: str
    portfolio_hhi: float = Field(description="The portfolio's HHI today.")
    customer_count: int


# --- helpers ------------------------------------------------------------------------------------------------------


def _month(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return parse_month(value)
    except ValueError as error:
        raise InvalidFilters(str(error), {field: [str(error)]}) from None


def _visible(user, account_id: int) -> Account:
    account = visible_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    return account


def _ym(value: date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


# --- routes -------------------------------------------------------------------------------------------------------


@router.get("/dashboard", response={200: DashboardOut, **READ_ERRORS}, summary="Portfolio dashboard")
def get_dashboard(request: HttpRequest, query: Query[DashboardQuery]):
    """Revenue, volume and gross margin month, quarter and year to date against target and last year, the
    monthly trend, the top and bottom movers and the accounts furthest behind target — over the accounts
    you may see, filtered by team, owner, tier, channel and region. Targets are compared like with like: with
    the actual of the accounts and months that have one (``actual_with_target``)."""
    user = current_user(request)
    as_of = _month(query.period, "period")
    account_filter, accounts = dashboard_accounts(user, filter_params(query))
    check_filters(account_filter)  # an unknown team, owner or channel is a 422, never silently ignored
    dashboard = portfolio_dashboard(user, accounts, as_of)
    return {
        "as_of": _ym(dashboard.as_of),
        "currency": settings.REPORTING_CURRENCY,
        "costs_hidden": not dashboard.shows_margin,
        "target_coverage": (
            {
                "accounts_with_target": dashboard.coverage.accounts_with_target,
                "accounts": dashboard.coverage.accounts,
                "revenue_pct": dashboard.coverage.revenue_pct,
            }
            if dashboard.coverage
            else None
        ),
        "periods": [
            {
                "key": entry.key,
                "label": entry.label,
                "start": entry.period.start,
                "end": entry.period.end,
                "figures": [
                    {
                        "metric": f.metric,
                        "label": f.label,
                        "actual": f.actual,
                        "target": f.target,
                        "actual_with_target": f.with_target,
                        "last_year": f.last_year,
                        "vs_target_pct": f.vs_target,
                        "vs_last_year_pct": f.vs_last_year,
                    }
                    for f in entry.figures
                ],
            }
            for entry in dashboard.periods
        ],
        "trend": [
            {
                "month": _ym(p.month),
                "this_year": p.this_year,
                "last_year": p.last_year,
                "target": p.target,
                "with_target": p.with_target,
            }
            for p in dashboard.trend
        ],
        "top_movers": [_mover(m) for m in dashboard.top_movers],
        "bottom_movers": [_mover(m) for m in dashboard.bottom_movers],
        "behind_target": [
            {
                "account_id": row.account_id,
                "name": row.name,
                "code": row.code,
                "actual": row.actual,
                "target": row.target,
                "gap": row.gap,
                "attainment_pct": row.attainment,
            }
            for row in dashboard.behind_target
        ],
    }


def _mover(mover) -> dict:
    return {
        "account_id": mover.account_id,
        "name": mover.name,
        "code": mover.code,
        "this_year": mover.this_year,
        "last_year": mover.last_year,
        "change": mover.change,
        "change_pct": mover.change_pct,
    }


@router.get("/concentration", response={200: ConcentrationOut, **READ_ERRORS}, summary="Concentration risk")
def get_concentration(request: HttpRequest, query: Query[ConcentrationQuery]):
    """Top-N and top-20 % shares of revenue and gross margin, the Herfindahl-Hirschman index, and what losing
    each customer (a top-level account with its subsidiaries) would cost, over the last ``months`` months."""
    user = current_user(request)
    summary = concentration(portfolio(user, query.months), query.months, query.top, risks=query.limit)
    data = summary.as_dict()
    data.pop("pareto")
    data.update(currency=settings.REPORTING_CURRENCY, costs_hidden=not can_see_costs(user))
    return data


@router.get(
    "/accounts/{account_id}/sales/monthly",
    response={200: list[MonthlyOut], **READ_ERRORS},
    summary="An account's monthly sales",
)
def get_account_monthly_sales(request: HttpRequest, account_id: ObjectId, query: Query[MonthlyQuery]):
    """The account's monthly roll-up with all its subsidiaries, month by month (months without sales are
    left out). Default: the twelve months up to the latest with sales; at most 120 months at once."""
    user = current_user(request)
    account = _visible(user, account_id)
    tree = account_tree(account)
    last = _month(query.to, "to") or latest_month(tree)
    first = _month(query.from_, "from") or (add_months(last, -11) if last else None)
    if last is None or first is None:
        return []
    if first > last:
        raise InvalidFilters("“from” is after “to”.", {"from": ["Must not be after “to”."]})
    if months_between(first, last) >= MAX_MONTHLY_ROWS:
        message = f"Ask for at most {MAX_MONTHLY_ROWS} months at once."
        raise InvalidFilters(message, {"from": [message]})
    rows = (
        AccountMonthly.objects.filter(account_id__in=tree, month__gte=first, month__lte=last)
        .values("month")
        .annotate(
            quantity_sum=Sum("quantity"),
            gross_sum=Sum("gross_amount"),
            discount_sum=Sum("discount"),
            net_sum=Sum("net_amount"),
            cost_sum=Sum("cost"),
            lines_sum=Sum("lines"),
        )
        .order_by("month")
    )
    costs = can_see_costs(user)
    return [
        {
            "month": _ym(row["month"]),
            "quantity": units(row["quantity_sum"]),
            "gross_amount": cents(row["gross_sum"]),
            "discount": cents(row["discount_sum"]),
            "net_amount": cents(row["net_sum"]),
            "cost": cents(row["cost_sum"]) if costs else None,
            "gross_margin": cents(row["net_sum"] - row["cost_sum"]) if costs else None,
            "lines": row["lines_sum"],
        }
        for row in rows
    ]


class LossQuery(Schema):
    months: Months = DEFAULT_MONTHS


@router.get(
    "/accounts/{account_id}/loss-impact",
    response={200: LossImpactOut, **READ_ERRORS},
    summary="What if we lose this account?",
)
def get_loss_impact(request: HttpRequest, account_id: ObjectId, query: Query[LossQuery]):
    """Revenue, gross margin and contribution the account with its subsidiaries brought over the window, its
    share of the portfolio and of its team, and the portfolio's concentration without it."""
    user = current_user(request)
    account = _visible(user, account_id)
    data = account_loss(user, account, query.months).as_dict()
    data.update(months=query.months, currency=settings.REPORTING_CURRENCY)
    return data
