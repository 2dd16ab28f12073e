"""Pages of the accounts area: the list, the account 360 page with its tabs, and the forms.

Views stay thin: they parse the request, call a selector (reads, scoped to what the user may see) or a
service (writes, which check access again and record the audit trail), and render. A hidden account
answers 404 like a missing one; an account the user may only read answers 403 to a change.
"""

import copy
from typing import NoReturn

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.access.scope import can_edit_account, can_see_account
from kamdesk.accounts.forms import AccountForm, ChannelForm, HandoverForm, MembershipForm, prepare_filter_form
from kamdesk.accounts.models import Account, AccountMembership, Channel, tier_label
from kamdesk.accounts.selectors import (
    account_breadcrumb,
    account_children,
    account_detail,
    account_list,
    account_team,
)
from kamdesk.accounts.services import channel_save, membership_remove
from kamdesk.activities.models import Activity, StoreCheck, StoreCheckPhoto, Task, TaskComment
from kamdesk.audit.models import AuditEvent
from kamdesk.core import errors
from kamdesk.core.forms import add_service_errors
from kamdesk.imports.exporting import tabular_response
from kamdesk.people.models import CadenceRule, Contact, PlannedTouchpoint
from kamdesk.people.selectors import account_stakeholders
from kamdesk.sales.models import Listing, PriceAgreement

# The tabs of the account page, in order: (label, URL name taking the account's pk). Later areas
# (plans, sales, pipeline, ...) add their own entry here.
ACCOUNT_TABS: list[tuple[str, str]] = [
    ("Overview", "accounts:detail"),
    ("Stakeholders", "accounts:stakeholders"),
    ("Coverage", "people:coverage"),
    ("Relationships", "people:relationship_map"),
    ("Team", "accounts:team"),
    ("Activities", "activities:account"),
    ("Commercial", "sales:commercial"),
    ("Prices & range", "sales:account_prices"),
    ("P&L", "sales:pnl"),
    ("Timeline", "activities:timeline"),
    ("History", "accounts:history"),
]
EXPORT_FORMATS = ("csv", "xlsx")
RESULTS_TARGET = "account-results"  # id of the list's results block that htmx swaps in place
# Every kind of record whose audit events carry the account (by model name): how History names it, and the
# model whose field labels and choices it reads the changes with.
HISTORY_OBJECT_LABELS = {
    "account": "Account",
    "accountmembership": "Team member",
    "contact": "Stakeholder",
    "activity": "Activity",
    "task": "Task",
    "taskcomment": "Task comment",
    "storecheck": "Store check",
    "storecheckphoto": "Store check photo",
    "cadencerule": "Contact cadence rule",
    "plannedtouchpoint": "Planned touchpoint",
    "priceagreement": "Price agreement",
    "listing": "Listing",
}
HISTORY_MODELS = {
    "account": Account,
    "accountmembership": AccountMembership,
    "contact": Contact,
    "activity": Activity,
    "task": Task,
    "taskcomment": TaskComment,
    "storecheck": StoreCheck,
    "storecheckphoto": StoreCheckPhoto,
    "cadencerule": CadenceRule,
    "plannedtouchpoint": PlannedTouchpoint,
    "priceagreement": PriceAgreement,
    "listing": Listing,
}
HISTORY_ACTIONS = {"create": "added", "update": "changed", "delete": "removed", "handover": "handed over"}


# --- helpers -----------------------------------------------------------------------------------------


def _paginate(request: HttpRequest, items) -> Page:
    return Paginator(items, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def _visible_account(request: HttpRequest, pk: int) -> Account:
    try:
        return account_detail(request.user, pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None


def _editable_account(request: HttpRequest, pk: int) -> Account:
    """The account, if the user may change it: 404 when hidden, 403 when read-only."""
    account = _visible_account(request, pk)
    if not can_edit_account(request.user, account.pk):
        raise PermissionDenied("You have read-only access to this account.")
    return account


def _refuse(error: errors.ServiceError) -> NoReturn:
    """Turn a service's access refusal into the matching HTTP answer."""
    if isinstance(error, errors.NotFound):
        raise Http404(error.message) from error
    raise PermissionDenied(error.message) from error


def _back(request: HttpRequest, account: Account) -> HttpResponse:
    """Back to the page a team form was sent from (only ever a page of this site), else the Team tab."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("accounts:team", pk=account.pk)


def _account_page(request: HttpRequest, account: Account, tab: str, **extra) -> dict:
    """What every tab of the account page shows: breadcrumb, title, actions and the tab bar."""
    return {
        "account": account,
        "breadcrumb": account_breadcrumb(account),
        "tabs": [
            {"label": label, "url": reverse(name, args=[account.pk]), "current": name == tab}
            for label, name in ACCOUNT_TABS
        ],
        "can_edit": can_edit_account(request.user, account.pk),
        **extra,
    }


# --- list and export ---------------------------------------------------------------------------------


@login_required
@require_GET
def account_list_view(request: HttpRequest) -> HttpResponse:
    account_filter, accounts = account_list(request.user, request.GET)
    # A filter change, sort or page link from the page itself only needs the results block again.
    results_only = bool(
        request.htmx and request.htmx.target == RESULTS_TARGET and not request.htmx.history_restore_request
    )
    context = {
        "filter_form": None if results_only else prepare_filter_form(account_filter, request.user),
        "page": _paginate(request, accounts),
        "current_sort": account_filter.form.cleaned_data.get("sort") or "name",
        "query": _query_without(request, "page"),
        "can_create": not request.user.is_read_only,
        "results_target": RESULTS_TARGET,
    }
    template = "accounts/account_list.html" + ("#results" if results_only else "")
    response = render(request, template, context)
    # The same URL answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
def account_export_view(request: HttpRequest, fmt: str | None = None) -> HttpResponse:
    """Every account matching the list's filters (not only one page), as CSV or XLSX."""
    fmt = (fmt or request.GET.get("format") or "csv").lower()
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest(f"Unknown export format {fmt!r}: use csv or xlsx.", content_type="text/plain")
    params = request.GET.copy()
    for name in ("format", "page"):
        params.pop(name, None)
    _, accounts = account_list(request.user, params)
    return tabular_response(kind="accounts", queryset=accounts, fmt=fmt)


# --- account page and its tabs -----------------------------------------------------------------------


@login_required
@require_GET
def account_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    context = _account_page(
        request,
        account,
        "accounts:detail",
        children=account_children(request.user, account),
        members=account_team(account),
        stakeholders=account_stakeholders(account.pk),
    )
    if context["can_edit"]:
        context["member_form"] = MembershipForm(actor=request.user, account=account)
    return render(request, "accounts/account_detail.html", context)


@login_required
@require_GET
def account_stakeholders_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    context = _account_page(request, account, "accounts:stakeholders", stakeholders=account_stakeholders(account.pk))
    return render(request, "accounts/account_stakeholders.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_team_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The account team; people who may edit the account add members or change their role here."""
    account = _visible_account(request, pk)
    form = None
    if request.method == "POST":
        if not can_edit_account(request.user, account.pk):
            raise PermissionDenied("You have read-only access to this account.")
        form = MembershipForm(request.POST, actor=request.user, account=account)
        membership = None
        if form.is_valid():
            try:
                membership = form.save()
            except errors.ServiceError as error:
                _refuse(error)
        if membership is not None:
            messages.success(request, f"{membership.user} is on the account team as {membership.get_role_display()}.")
            return _back(request, account)
    context = _account_page(request, account, "accounts:team", members=account_team(account))
    if context["can_edit"] and form is None:
        form = MembershipForm(actor=request.user, account=account)
    context["member_form"] = form
    return render(request, "accounts/account_team.html", context)


@login_required
@require_POST
def membership_remove_view(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    account = _visible_account(request, pk)
    try:
        membership_remove(actor=request.user, account_id=account.pk, membership_id=membership_id)
    except errors.NotFound:
        messages.error(request, "That person is no longer on the account team.")
    except errors.ServiceError as error:
        _refuse(error)
    else:
        messages.success(request, "Removed from the account team.")
    return _back(request, account)


@login_required
@require_GET
def account_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    events = AuditEvent.objects.filter(account_id=account.pk).select_related("actor").order_by("-at", "-id")
    page = _paginate(request, events)
    context = _account_page(
        request,
        account,
        "accounts:history",
        page=page,
        entries=[_history_entry(event) for event in page],
    )
    return render(request, "accounts/account_history.html", context)


def _history_entry(event: AuditEvent) -> dict:
    model = HISTORY_MODELS.get(event.object_type)
    changes = [
        {"field": _field_label(model, field), "old": _shown(model, field, old), "new": _shown(model, field, new)}
        for field, (old, new) in _change_pairs(event.changes)
        if not (_is_blank(old) and _is_blank(new))
    ]
    return {
        "event": event,
        "summary": f"{HISTORY_OBJECT_LABELS.get(event.object_type, event.object_type)} "
        f"{HISTORY_ACTIONS.get(event.action, event.action)}",
        "show_object": event.object_type != "account",
        "changes": changes,
    }


def _change_pairs(changes) -> list[tuple[str, list]]:
    """``{field: [old, new]}`` pairs; anything else an older entry may hold is skipped, not fatal."""
    if not isinstance(changes, dict):
        return []
    return [(field, values) for field, values in changes.items() if isinstance(values, list) and len(values) == 2]


def _is_blank(value) -> bool:
    return value is None or value == ""


def _field_label(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return capfirst(name.replace("_", " "))


def _shown(model, name: str, value) -> str:
    """A stored audit value as a person reads it: choice labels, Yes/No, a dash for nothing."""
    if _is_blank(value):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model is Account and name == "tier":
        return tier_label(value)
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except (AttributeError, FieldDoesNotExist):
        choices = {}
    return str(choices.get(value, value))


# --- create, edit, handover --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_read_only:
        raise PermissionDenied("Viewers cannot create accounts.")
    form = AccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account = form.save()
        except errors.ServiceError as error:
            _refuse(error)
        if account is not None:
            messages.success(request, f"Account {account.name} created.")
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/account_form.html", {"form": form, "account": None})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable_account(request, pk)
    # The form writes posted values onto its instance while validating; the page heading keeps the
    # stored name, so the form gets its own copy.
    form = AccountForm(request.POST or None, instance=copy.copy(account), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = form.save()
        except errors.ServiceError as error:
            _refuse(error)
        if saved is not None:
            messages.success(request, "Changes saved.")
            return redirect("accounts:detail", pk=saved.pk)
    context = {"form": form, "account": account, "breadcrumb": account_breadcrumb(account)}
    return render(request, "accounts/account_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_handover_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable_account(request, pk)
    form = HandoverForm(request.POST or None, user=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            moved = form.save()
        except errors.ServiceError as error:
            _refuse(error)
        if moved is not None:
            messages.success(request, _handover_message(account, moved, form.cleaned_data["new_owner"]))
            # The previous owner may no longer see the account after giving it away.
            if can_see_account(request.user, account.pk):
                return redirect("accounts:detail", pk=account.pk)
            return redirect("accounts:list")
    context = {"form": form, "account": account, "breadcrumb": account_breadcrumb(account)}
    return render(request, "accounts/account_handover.html", context)


def _handover_message(account: Account, moved: list[Account], new_owner) -> str:
    subsidiaries = len(moved) - 1
    if subsidiaries == 0:
        return f"{account.name} handed over to {new_owner}."
    noun = "subsidiary" if subsidiaries == 1 else "subsidiaries"
    return f"{account.name} and {subsidiaries} {noun} handed over to {new_owner}."


# --- channels ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def channel_list_view(request: HttpRequest) -> HttpResponse:
    """The editable list of trade channels: admins add and rename; everyone else may only look."""
    if not request.user.is_admin:
        raise PermissionDenied("Only admins can change the list of channels.")
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = channel_save(
                actor=request.user, channel_id=_int_or_none(request.POST.get("channel_id")), **form.cleaned_data
            )
        except errors.NotFound as error:
            _refuse(error)
        except errors.ServiceError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Channel “{channel.name}” saved.")
            return redirect("accounts:channels")
    counts = dict(Account.objects.values_list("channel_id").annotate(n=Count("id")).values_list("channel_id", "n"))
    channels = [(channel, counts.get(channel.pk, 0)) for channel in Channel.objects.order_by("name")]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/channel_list.html", {"channels": channels, "form": form}, status=status)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
