"""The communication plan: the account's Coverage tab (score and trend, gaps, cadence per level, the contact
cadence table, planned touchpoints) and the per-KAM compliance overview.

Reads start from the access scope; writes go through the services. A record the user may not see answers
404, a change the user may not make answers 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.access.scope import can_edit_account
from kamdesk.accounts.models import Account
from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.forms import add_service_errors
from kamdesk.people import coverage, services_coverage, touchpoints
from kamdesk.people.forms_coverage import CadenceRulesForm, TouchpointForm, TouchpointHeldForm
from kamdesk.people.models import CadenceRule, Level, PlannedTouchpoint

TAB = "people:coverage"
OVERDUE_PAGE_SIZE = 50


# --- helpers -----------------------------------------------------------------------------------------------


def _run(service, **arguments):
    """Run a write; access problems become 403/404, other refusals are raised as they are."""
    try:
        return service(**arguments)
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _call(form, service, **arguments):
    """Run a write; a refusal becomes form errors (None returned)."""
    try:
        return _run(service, **arguments) or True
    except ServiceError as exc:
        add_service_errors(form, exc)
        return None


def _writable_account(request: HttpRequest, pk: int) -> Account:
    account = _visible_account(request, pk)
    if request.user.is_read_only or not can_edit_account(request.user, account.pk):
        raise Forbidden("You have read-only access to this account.")
    return account


def _touchpoint_of(request: HttpRequest, account: Account, touchpoint_id: int) -> PlannedTouchpoint:
    """A touchpoint of the account or one of its subsidiaries, visible to the user; else 404."""
    try:
        touchpoint = touchpoints.touchpoint_detail(request.user, touchpoint_id)
    except PlannedTouchpoint.DoesNotExist:
        raise Http404("Touchpoint not found.") from None
    if not coverage.scope_ids(account, True).filter(descendant_id=touchpoint.account_id).exists():
        raise Http404("Touchpoint not found.")
    return touchpoint


def _include_subsidiaries(request: HttpRequest) -> bool:
    return request.GET.get("subsidiaries", "1") != "0"


# --- the Coverage tab -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def coverage_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the plan; POST saves the cadence per level (editors only)."""
    account = _visible_account(request, pk)
    can_write = not request.user.is_read_only and can_edit_account(request.user, account.pk)
    rules = dict(CadenceRule.objects.filter(account=account).values_list("level", "cadence_days"))
    rules_form = None
    if request.method == "POST":
        if not can_write:
            raise Forbidden("You have read-only access to this account.")
        rules_form = CadenceRulesForm(request.POST, account=account, rules=rules)
        if rules_form.is_valid() and _call(
            rules_form,
            services_coverage.cadence_rules_replace,
            actor=request.user,
            account_id=account.pk,
            cadences=rules_form.cadences(),
        ):
            messages.success(request, "The cadence per level was saved.")
            return redirect("people:coverage", pk=account.pk)
    elif can_write:
        rules_form = CadenceRulesForm(account=account, rules=rules)
    include = _include_subsidiaries(request)
    result = coverage.account_coverage(account, include_subsidiaries=include)
    context = _account_page(
        request,
        account,
        TAB,
        coverage=result,
        assessment=result.assessment,
        include_subsidiaries=include,
        rule_rows=[(label, rules[level]) for level, label in Level.choices if level in rules],
        rules_form=rules_form,
        can_write=can_write,
        touchpoints=list(touchpoints.account_touchpoints(coverage.scope_ids(account, include))),
        chart=coverage.trend_chart(result.trend) if result.trend else None,
        today=timezone.localdate(),
        grace_days=settings.TOUCHPOINT_GRACE_DAYS,
        key_roles=", ".join(role.label.lower() for role in coverage.KEY_ROLES),
    )
    return render(request, "people/coverage.html", context, status=400 if rules_form and rules_form.errors else 200)


# --- touchpoints ----------------------------------------------------------------------------------------------


def _touchpoint_form_page(request, account, form, touchpoint=None) -> HttpResponse:
    return render(
        request, "people/coverage_touchpoint_form.html", {"account": account, "form": form, "touchpoint": touchpoint}
    )


@login_required
@require_http_methods(["GET", "POST"])
def touchpoint_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _writable_account(request, pk)
    if request.method == "POST":
        form = TouchpointForm(request.POST, user=request.user, account=account)
        if form.is_valid():
            arguments = form.service_arguments()
            if _call(form, touchpoints.touchpoint_create, actor=request.user, account=account, **arguments):
                messages.success(request, f"“{arguments['title']}” was planned.")
                return redirect("people:coverage", pk=account.pk)
    else:
        form = TouchpointForm(user=request.user, account=account, initial={"our_people": [request.user.pk]})
    return _touchpoint_form_page(request, account, form)


@login_required
@require_http_methods(["GET", "POST"])
def touchpoint_edit(request: HttpRequest, pk: int, touchpoint_id: int) -> HttpResponse:
    account = _visible_account(request, pk)
    touchpoint = _touchpoint_of(request, account, touchpoint_id)
    _writable_account(request, touchpoint.account_id)
    owner = touchpoint.account
    if request.method == "POST":
        form = TouchpointForm(request.POST, user=request.user, account=owner, touchpoint=touchpoint)
        if form.is_valid() and _call(
            form,
            touchpoints.touchpoint_update,
            actor=request.user,
            touchpoint_id=touchpoint.pk,
            **form.service_arguments(),
        ):
            messages.success(request, f"“{form.cleaned_data['title']}” was saved.")
            return redirect("people:coverage", pk=account.pk)
    else:
        form = TouchpointForm(user=request.user, account=owner, touchpoint=touchpoint)
    return _touchpoint_form_page(request, account, form, touchpoint)


@login_required
@require_http_methods(["GET", "POST"])
def touchpoint_held(request: HttpRequest, pk: int, touchpoint_id: int) -> HttpResponse:
    account = _visible_account(request, pk)
    touchpoint = _touchpoint_of(request, account, touchpoint_id)
    _writable_account(request, touchpoint.account_id)
    form = TouchpointHeldForm(request.POST or None, user=request.user, account=touchpoint.account)
    if request.method == "POST" and form.is_valid():
        done = _call(
            form,
            touchpoints.touchpoint_mark_held,
            actor=request.user,
            touchpoint_id=touchpoint.pk,
            activity=form.cleaned_data["activity"],
            held_on=form.cleaned_data["held_on"],
        )
        if done:
            messages.success(request, f"“{touchpoint.title}” was marked held.")
            return redirect("people:coverage", pk=account.pk)
    return render(
        request, "people/coverage_held_form.html", {"account": account, "form": form, "touchpoint": touchpoint}
    )


@login_required
@require_POST
def touchpoint_cancel(request: HttpRequest, pk: int, touchpoint_id: int) -> HttpResponse:
    account = _visible_account(request, pk)
    touchpoint = _touchpoint_of(request, account, touchpoint_id)
    _writable_account(request, touchpoint.account_id)
    _run(
        touchpoints.touchpoint_cancel,
        actor=request.user,
        touchpoint_id=touchpoint.pk,
        reason=request.POST.get("reason", "")[:500],
    )
    messages.success(request, f"“{touchpoint.title}” was cancelled.")
    return redirect("people:coverage", pk=account.pk)


# --- across the portfolio ------------------------------------------------------------------------------------


@login_required
@require_GET
def coverage_overview(request: HttpRequest) -> HttpResponse:
    """Cadence compliance per KAM the user may see a row for, and the overdue contacts of their portfolio."""
    today = timezone.localdate()
    overdue = Paginator(coverage.overdue_contacts(request.user, today), OVERDUE_PAGE_SIZE)
    context = {
        "kams": coverage.kam_compliance(request.user, today),
        "overdue": overdue.get_page(request.GET.get("page")),
        "grace_days": settings.TOUCHPOINT_GRACE_DAYS,
    }
    return render(request, "people/coverage_overview.html", context)
