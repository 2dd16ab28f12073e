"""The customer P&L and account targets in the REST API.

``GET /pnl`` answers the same figures as the P&L page and ``kamdesk report pnl``; costs and margins are
left out for roles that may not see them. ``/accounts/{account_id}/targets`` reads and sets an account's
monthly targets (annual figures are phased by month). A hidden account answers 404 like a missing one.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.services import editable_account
from kamdesk.core.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    InvalidFilters,
    ObjectId,
    Text,
    current_user,
    require_writer,
)
from kamdesk.core.errors import NotFound, ServiceError
from kamdesk.sales.periods import MAX_YEAR, MIN_YEAR, fiscal_year_of, parse_period, year_to_date
from kamdesk.sales.pnl import PnL, account_pnl, portfolio_pnl, team_pnl
from kamdesk.sales.targets import PHASINGS, TargetYear, account_targets, target_set_annual, target_set_months
from kamdesk.users.models import Team

router = Router(tags=["pnl"])

Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
Amount = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]


# --- schemas ------------------------------------------------------------------------------------------------


class PeriodOut(Schema):
    label: str
    start: date = Field(description="First day of the period.")
    end: date = Field(description="First day after the period (exclusive).")


class PnLLineOut(Schema):
    key: str = Field(description="gross_sales, discounts_rebates, net_sales, cost_of_goods, gross_margin, ...")
    label: str
    amount: Decimal = Field(description="Signed by its effect on contribution: deductions and costs are negative.")
    pct_of_net: Decimal | None = Field(description="Share of net sales in %; null without net sales.")
    last_year: Decimal
    vs_last_year_pct: Decimal | None = Field(description="Change against last year in % of last year's size.")
    target: Decimal | None = Field(description="Only net sales (revenue target) and gross margin have one.")
    vs_target_pct: Decimal | None


class PnLScopeOut(Schema):
    kind: Literal["account", "team", "all"]
    id: int | None
    name: str


class PnLOut(Schema):
    scope: PnLScopeOut
    period: PeriodOut
    previous_period: PeriodOut
    currency: str
    costs_hidden: bool = Field(description="True when your role may not see costs: only the revenue lines are given.")
    lines: list[PnLLineOut]


class PnLQuery(Schema):
    account: ObjectId | None = Field(None, description="An account id: the account with all its subsidiaries.")
    team: ObjectId | None = Field(None, description="A team id: the accounts its members own.")
    all: bool = Field(False, description="Every account you may see.")
    period: Text(20) | None = Field(None, description="2025 (fiscal year), 2025-Q3 or 2025-07; default: year to date.")


class TargetMonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    value: Decimal | None


class MetricTargetsOut(Schema):
    metric: str
    name: str
    unit: str
    total: Decimal | None
    months: list[TargetMonthOut]


class TargetsOut(Schema):
    account_id: int
    year: int = Field(description="The fiscal year.")
    metrics: list[MetricTargetsOut]


class TargetsQuery(Schema):
    year: Year | None = Field(None, description="The fiscal year; default: the current one.")


class TargetsIn(InputSchema):
    metric: Text(40, min_length=1) = Field(description="revenue, volume, gross_margin, ...")
    year: Year | None = Field(None, description="With `annual`: the fiscal year to set.")
    annual: Amount | None = Field(None, description="An annual figure, phased by month.")
    phasing: Literal[tuple(PHASINGS)] = Field("even", description="even, or seasonal (last year's monthly shape).")
    months: dict[Text(7), Amount | None] | None = Field(
        None, description='Monthly values instead of an annual figure: {"2026-01": "100000.00", ...}; null removes.'
    )


# --- P&L ------------------------------------------------------------------------------------------------------


@router.get("/pnl", response={200: PnLOut, **READ_ERRORS}, summary="Customer P&L")
def get_pnl(request: HttpRequest, query: Query[PnLQuery]):
    """The P&L of one account with its subsidiaries, of a team's accounts, or of all your accounts, for a
    period, with % of net sales, last year and target."""
    user = current_user(request)
    chosen = [name for name in ("account", "team") if getattr(query, name) is not None] + (["all"] if query.all else [])
    if len(chosen) != 1:
        message = "Give exactly one of account=ID, team=ID or all=true."
        raise InvalidFilters(message, {name: [message] for name in chosen or ["account"]})
    period = _period(query.period)
    if query.account is not None:
        account = visible_accounts(user).filter(pk=query.account).first()
        if account is None:
            raise NotFound("Account not found.")
        return _pnl_out(account_pnl(user, account.pk, period), "account", account.pk, account.name)
    if query.team is not None:
        team = Team.objects.filter(pk=query.team).first()
        if team is None:
            raise NotFound("Team not found.")
        return _pnl_out(team_pnl(user, team.pk, period), "team", team.pk, team.name)
    return _pnl_out(portfolio_pnl(user, period), "all", None, "All accounts you can see")


def _period(text: str | None):
    if not text:
        return year_to_date(timezone.localdate())
    try:
        return parse_period(text)
    except ValueError as exc:
        raise InvalidFilters(str(exc), {"period": [str(exc)]}) from None


def _pnl_out(pnl: PnL, kind: str, scope_id: int | None, name: str) -> dict:
    data = pnl.as_dict()
    data["scope"] = {"kind": kind, "id": scope_id, "name": name}
    data["lines"] = pnl.lines
    return data


# --- targets ------------------------------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/targets", response={200: TargetsOut, **READ_ERRORS}, summary="Get an account's targets"
)
def get_targets(request: HttpRequest, account_id: ObjectId, query: Query[TargetsQuery]):
    """The account's own monthly targets for a fiscal year, per metric (margin targets only for roles that
    may see costs)."""
    user = current_user(request)
    year = query.year or fiscal_year_of(timezone.localdate())
    return _targets_out(account_targets(user, account_id, year))


@router.put(
    "/accounts/{account_id}/targets", response={200: TargetsOut, **WRITE_ERRORS}, summary="Set an account's targets"
)
def set_targets(request: HttpRequest, account_id: ObjectId, payload: TargetsIn):
    """Either `year` + `annual` (+ `phasing`): the year's months are set from the annual figure; or `months`:
    each month given is set (null removes it). Answers the targets of the year concerned."""
    user = current_user(request)
    if not visible_accounts(user).filter(pk=account_id).exists():
        raise NotFound("Account not found.")  # before anything else, as for a missing account
    require_writer(user)
    annual = payload.year is not None or payload.annual is not None
    if annual == (payload.months is not None):
        message = "Send either year and annual (with phasing), or months."
        raise ServiceError(message, {"months" if payload.months is not None else "annual": [message]})
    with transaction.atomic():
        editable_account(user, account_id)  # 403 for read-only access, before looking at the values
        year = _annual(user, account_id, payload) if annual else _monthly(user, account_id, payload)
    return _targets_out(account_targets(user, account_id, year))


def _annual(user, account_id: int, payload: TargetsIn) -> int:
    missing = [name for name in ("year", "annual") if getattr(payload, name) is None]
    if missing:
        raise ServiceError("An annual target needs a year and a value.", {name: ["Required."] for name in missing})
    target_set_annual(
        actor=user,
        account_id=account_id,
        metric_code=payload.metric,
        year=payload.year,
        value=payload.annual,
        phasing=payload.phasing,
    )
    return payload.year


def _monthly(user, account_id: int, payload: TargetsIn) -> int:
    if not payload.months:
        raise ServiceError("Give at least one month.", {"months": ["Give at least one month."]})
    values, errors = {}, {}
    for text, value in payload.months.items():
        try:
            values[_month(text)] = value
        except ValueError as exc:
            errors[f"months.{text}"] = [str(exc)]
    if errors:
        raise ServiceError("Some months are not valid.", errors)
    target_set_months(actor=user, account_id=account_id, metric_code=payload.metric, values=values)
    return fiscal_year_of(min(values))


def _month(text: str) -> date:
    try:
        period = parse_period(text)
    except ValueError:
        period = None
    if period is None or period.kind != "month":
        raise ValueError(f"“{text}” is not a month: write it as YYYY-MM.")
    return period.start


def _targets_out(targets: TargetYear) -> dict:
    return {
        "account_id": targets.account.pk,
        "year": targets.year,
        "metrics": [
            {
                "metric": row.metric.code,
                "name": row.metric.name,
                "unit": row.metric.unit,
                "total": row.total,
                "months": [
                    {"month": f"{month:%Y-%m}", "value": value}
                    for month, value in zip(targets.months, row.values, strict=True)
                ],
            }
            for row in targets.metrics
        ],
    }
