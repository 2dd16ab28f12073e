"""The portfolio dashboard, the account Commercial tab and the concentration page, and their charts as SVG.

Views stay thin: parse the request, call the selectors (scoped to what the user may see, reading roll-ups
only), build the chart specs, render. Charts reach the page as JSON (json_script) and are drawn by
vega-embed; the same specs render to SVG on the server at the ``.svg`` routes.
"""

from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kamdesk.accounts.models import Account
from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.sales import charts
from kamdesk.sales.concentration import (
    DEFAULT_MONTHS,
    DEFAULT_TOP,
    MONTH_CHOICES,
    RISKS_SHOWN,
    TOP_CHOICES,
    TREND_QUARTERS,
    account_loss,
    concentration,
    hhi_trend_of,
    pareto_points,
    portfolio,
)
from kamdesk.sales.dashboards import (
    PRICE_TOLERANCE_PCT,
    account_commercial,
    account_tree,
    dashboard_accounts,
    parse_month,
    portfolio_dashboard,
)
from kamdesk.sales.periods import year_to_date
from kamdesk.sales.pnl import pnl_for_accounts

PARETO_ROWS = 50  # customers listed under the Pareto curve; the curve itself shows them all
SVG_TYPE = "image/svg+xml"


def _as_of(request: HttpRequest) -> tuple[date | None, str | None]:
    """The ``?as_of=YYYY-MM`` month, or None (latest month with data), and an error message."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None, None
    try:
        return parse_month(text), None
    except ValueError as error:
        return None, str(error)


def _svg(spec: dict, name: str) -> HttpResponse:
    response = HttpResponse(charts.svg(spec), content_type=SVG_TYPE)
    response["Content-Disposition"] = f'inline; filename="{name}.svg"'
    return response


# --- portfolio dashboard ------------------------------------------------------------------------------------------


def _dashboard_context(request: HttpRequest) -> dict:
    account_filter, accounts = dashboard_accounts(request.user, request.GET)
    for name in ("owner", "team", "channel"):
        # Read once, in one query each (the filter templates use option_list): a template loop over the live
        # choices would count the rows first.
        field = account_filter.form.fields[name]
        field.option_list = [choice for choice in field.choices]  # noqa: C416 (list() counts first)
    as_of, as_of_error = _as_of(request)
    dashboard = portfolio_dashboard(request.user, accounts, as_of)
    currency = settings.REPORTING_CURRENCY
    return {
        "filter_form": account_filter.form,
        "as_of_value": request.GET.get("as_of", ""),
        "as_of_error": as_of_error,
        "dashboard": dashboard,
        "charts": {
            "trend": charts.trend_chart(dashboard.trend, title="Revenue by month", currency=currency)
            if dashboard.as_of
            else None
        },
        "query": request.GET.urlencode(),
    }


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    context = _dashboard_context(request)
    invalid = bool(context["as_of_error"] or context["filter_form"].errors)
    return render(request, "sales/dashboard.html", context, status=400 if invalid else 200)


@login_required
@require_GET
def dashboard_svg_view(request: HttpRequest) -> HttpResponse:
    spec = _dashboard_context(request)["charts"]["trend"]
    if spec is None:
        raise Http404("No sales to chart.")
    return _svg(spec, "dashboard-trend")


# --- account Commercial tab ----------------------------------------------------------------------------------------


def _commercial_context(request: HttpRequest, account: Account) -> dict:
    as_of, as_of_error = _as_of(request)
    commercial = account_commercial(request.user, account, as_of)
    # The account is visible (checked by the caller), so is its subtree: the P&L of the account with its
    # subsidiaries, still within what the user may see.
    pnl = (
        pnl_for_accounts(request.user, account_tree(account), year_to_date(commercial.as_of))
        if commercial.as_of
        else None
    )
    currency = settings.REPORTING_CURRENCY
    chart_specs = {}
    if commercial.as_of:
        chart_specs = {
            "trend": charts.trend_chart(commercial.trend, title="Revenue by month", currency=currency),
            "products": charts.mix_chart(commercial.product_mix, title="Product mix, year to date"),
            "categories": charts.mix_chart(commercial.category_mix, title="Category mix, year to date"),
            "pnl": charts.waterfall_chart(pnl.lines, title=f"P&L {pnl.period.label}", currency=currency),
        }
    return {
        "commercial": commercial,
        "pnl": pnl,
        "loss": account_loss(request.user, account),
        "as_of_value": request.GET.get("as_of", ""),
        "as_of_error": as_of_error,
        "tolerance": PRICE_TOLERANCE_PCT,
        "charts": chart_specs,
    }


@login_required
@require_GET
def commercial_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    context = _account_page(request, account, "sales:commercial", **_commercial_context(request, account))
    return render(request, "sales/commercial.html", context, status=400 if context["as_of_error"] else 200)


@login_required
@require_GET
def chart_svg_view(request: HttpRequest, pk: int, chart: str) -> HttpResponse:
    """One chart of the account's Commercial tab as an SVG image (for reports and downloads)."""
    account = _visible_account(request, pk)
    spec = _commercial_context(request, account)["charts"].get(chart)
    if spec is None:
        raise Http404("No such chart.")
    return _svg(spec, f"{account.code}-{chart}")


# --- concentration ------------------------------------------------------------------------------------------------


class ConcentrationForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=[(m, f"{m} months") for m in MONTH_CHOICES], coerce=int, required=False, label="Window"
    )
    top = forms.TypedChoiceField(choices=[(n, f"Top {n}") for n in TOP_CHOICES], coerce=int, required=False)


def _concentration_context(request: HttpRequest) -> dict:
    form = ConcentrationForm(request.GET or None, initial={"months": DEFAULT_MONTHS, "top": DEFAULT_TOP})
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    months, top = data.get("months") or DEFAULT_MONTHS, data.get("top") or DEFAULT_TOP
    book = portfolio(request.user, months, quarters=TREND_QUARTERS)
    summary = concentration(book, months, top, risks=RISKS_SHOWN, pareto=PARETO_ROWS)
    trend = hhi_trend_of(book)
    return {
        "form": form,
        "valid": valid,
        "summary": summary,
        "pareto_rows": summary.pareto,
        "trend": trend,
        "charts": {
            "pareto": charts.pareto_chart(pareto_points(book)) if summary.pareto else None,
            "hhi": charts.hhi_trend_chart(trend) if trend else None,
        },
    }


@login_required
@require_GET
def concentration_view(request: HttpRequest) -> HttpResponse:
    context = _concentration_context(request)
    return render(request, "sales/concentration.html", context, status=200 if context["valid"] else 400)


@login_required
@require_GET
def concentration_svg_view(request: HttpRequest, chart: str) -> HttpResponse:
    spec = _concentration_context(request)["charts"].get(chart)
    if spec is None:
        raise Http404("No such chart.")
    return _svg(spec, f"concentration-{chart}")
