"""The account's P&L tab: the customer P&L of the account with its subsidiaries for a chosen period (year
to date unless another is asked for), and — for people who may change the account — the targets editor
(an annual figure per metric, phased by month).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kamdesk.access.scope import can_edit_account
from kamdesk.accounts.models import Account
from kamdesk.accounts.views import _account_page, _refuse, _visible_account
from kamdesk.core import errors
from kamdesk.core.forms import add_service_errors
from kamdesk.sales.periods import (
    MAX_YEAR,
    MIN_YEAR,
    PERIOD_FORMATS,
    Period,
    fiscal_year_of,
    month_to_date,
    parse_period,
    quarter_to_date,
    year_period,
    year_to_date,
)
from kamdesk.sales.pnl import account_pnl
from kamdesk.sales.targets import PHASINGS, account_targets, metric_choices, target_set_annual

TAB = "sales:pnl"


class TargetForm(forms.Form):
    """An annual target for one metric, phased by month."""

    metric = forms.ChoiceField()
    year = forms.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, label="Fiscal year")
    value = forms.DecimalField(max_digits=18, decimal_places=2, label="Annual value")
    phasing = forms.ChoiceField(choices=list(PHASINGS.items()), initial="even")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(metric.code, metric.name) for metric in metric_choices(user)]


# --- the P&L tab ----------------------------------------------------------------------------------------


@login_required
@require_GET
def account_pnl_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    period, period_error = _chosen_period(request.GET.get("period", ""))
    form = None
    if can_edit_account(request.user, account.pk):
        form = TargetForm(user=request.user, initial={"year": period.fiscal_year, "metric": "revenue"})
    return _render(request, account, period, form, period_error=period_error)


@login_required
@require_POST
def account_targets_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save an annual target from the editor on the P&L tab; back to the tab for that year."""
    account = _visible_account(request, pk)
    if not can_edit_account(request.user, account.pk):
        raise PermissionDenied("You have read-only access to this account.")
    form = TargetForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = target_set_annual(
                actor=request.user,
                account_id=account.pk,
                metric_code=data["metric"],
                year=data["year"],
                value=data["value"],
                phasing=data["phasing"],
            )
        except (errors.NotFound, errors.PermissionDenied) as error:
            _refuse(error)
        except errors.ServiceError as error:
            add_service_errors(form, error)
        else:
            metric = dict(form.fields["metric"].choices)[data["metric"]]
            how = PHASINGS[data["phasing"]].lower()
            messages.success(request, f"{metric} target for {data['year']} set: {len(saved)} months, phased {how}.")
            return redirect(f"{reverse(TAB, args=[account.pk])}?period={data['year']}")
    year = form.cleaned_data.get("year") if form.is_bound and "year" in form.cleaned_data else None
    period = year_period(year) if year else year_to_date(timezone.localdate())
    return _render(request, account, period, form, status=400)


# --- helpers ---------------------------------------------------------------------------------------------


def _to_date_periods(today) -> dict:
    """The "to date" choices the page offers by name (the command line and API take explicit periods)."""
    return {"mtd": month_to_date(today), "qtd": quarter_to_date(today), "ytd": year_to_date(today)}


def _chosen_period(text: str) -> tuple[Period, str]:
    """The period asked for, or year to date (with the reason) when none or a bad one was given."""
    named = _to_date_periods(timezone.localdate())
    text = text.strip()
    if not text or text.lower() in named:
        return named[text.lower() or "ytd"], ""
    try:
        return parse_period(text), ""
    except ValueError as exc:
        return named["ytd"], f"{exc} Showing {named['ytd'].label} instead."


def _quick_periods(today) -> list[dict]:
    last_year = fiscal_year_of(today) - 1
    names = {"mtd": "Month to date", "qtd": "Quarter to date", "ytd": "Year to date"}
    choices = [{"label": names[key], "param": key, "period": period} for key, period in _to_date_periods(today).items()]
    choices.append({"label": f"Fiscal year {last_year}", "param": str(last_year), "period": year_period(last_year)})
    return choices


def _render(
    request: HttpRequest, account: Account, period: Period, form, *, period_error: str = "", status: int = 200
) -> HttpResponse:
    pnl = account_pnl(request.user, account.pk, period)
    context = _account_page(
        request,
        account,
        TAB,
        pnl=pnl,
        period=period,
        period_text=request.GET.get("period", ""),
        period_error=period_error,
        period_formats=PERIOD_FORMATS,
        quick_periods=_quick_periods(timezone.localdate()),
        target_form=form,
    )
    if form is not None:
        year = period.fiscal_year
        context["targets"] = account_targets(request.user, account.pk, year)
    return render(request, "sales/pnl.html", context, status=400 if period_error else status)
