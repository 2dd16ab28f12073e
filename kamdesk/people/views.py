"""Stakeholder pages: the contacts list and its export, the contact page, create, edit and delete.

Reads start from the selectors (the user's access scope); writes go through the services. A contact the
user may not see answers 404, a change the user may not make answers 403.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods

from kamdesk.access.scope import EDIT, visible_accounts
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.forms import add_service_errors
from kamdesk.imports.exporting import tabular_response
from kamdesk.people import selectors, services
from kamdesk.people.filters import ORDERING
from kamdesk.people.forms import ContactForm, editable_account_id, initial_from_contact
from kamdesk.people.models import Contact
from kamdesk.users.models import User

# Up to this many visible accounts the list filter offers a select; beyond it, an account id field.
ACCOUNT_SELECT_LIMIT = 300
# The contact page shows the latest changes; older ones stay in the audit trail.
HISTORY_LIMIT = 100
# Safety stop for the reporting chain should imported data ever contain a loop.
MAX_CHAIN_LENGTH = 50
EXPORT_FORMATS = ("csv", "xlsx")
# The filters the list page shows; the FilterSet's others (email, account code) serve the API and links.
LIST_FILTERS = ["q", "account", "include_subsidiaries", "buying_role", "owner", "min_influence", "has_left", "sort"]

SORT_LABELS = {
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "account": "Account (A–Z)",
    "-account": "Account (Z–A)",
    "influence": "Influence (highest first)",
    "-updated": "Recently updated",
    "updated": "Least recently updated",
}
# Sortable columns: each click moves to the next of its (sort key, aria-sort state) pairs.
SORTABLE_COLUMNS = {
    "name": [("name", "ascending"), ("-name", "descending")],
    "account": [("account", "ascending"), ("-account", "descending")],
    "influence": [("influence", "descending")],
}


# --- helpers -----------------------------------------------------------------------------------------


def _visible_contact_or_404(user: User, pk: int) -> Contact:
    try:
        return selectors.contact_detail(user, pk)
    except Contact.DoesNotExist:
        raise Http404("Contact not found.") from None


def _can_edit(user: User, contact: Contact) -> bool:
    return visible_accounts(user, EDIT).filter(pk=contact.account_id).exists()


def _require_edit(user: User, contact: Contact) -> None:
    if not _can_edit(user, contact):
        raise Forbidden("You have read-only access to this contact's account.")


def _call_service(form: ContactForm, service, **arguments) -> Contact | None:
    """Run a write; a refusal becomes form errors (None returned), access problems become 403/404."""
    try:
        return service(**arguments, **form.service_arguments())
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        add_service_errors(form, exc)
        return None


def _wants_fragment(request, target: str) -> bool:
    """An htmx request that swaps only ``target`` (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


# --- list and export ---------------------------------------------------------------------------------


def _dress_filter_form(form: forms.Form, user: User) -> None:
    """Friendlier controls for the list's filters; the FilterSet (shared with the API) stays as it is."""
    accounts = list(visible_accounts(user).order_by("name").values_list("id", "name")[: ACCOUNT_SELECT_LIMIT + 1])
    if len(accounts) <= ACCOUNT_SELECT_LIMIT:
        form.fields["account"].label = "Account"
        form.fields["account"].widget = forms.Select(choices=[("", "Any account"), *accounts])
    else:
        form.fields["account"].widget.attrs.update(min=1, step=1, inputmode="numeric")
    form.fields["include_subsidiaries"].label = "Include subsidiaries"
    # The FilterSet reads "true"/"false" (the API's spelling), so the checkbox sends "true" rather than "on".
    form.fields["include_subsidiaries"].widget = forms.CheckboxInput(attrs={"value": "true"})
    form.fields["buying_role"].widget.attrs.update(size=3)
    form.fields["owner"].empty_label = "Anyone"
    form.fields["min_influence"].widget = forms.Select(
        choices=[("", "Any"), *((n, f"{n} or more") for n in range(1, 6))]
    )
    form.fields["has_left"].label = "Still at the company?"
    form.fields["has_left"].widget = forms.Select(
        choices=[("", "Everyone"), ("false", "Still there"), ("true", "Left the company")]
    )
    form.fields["sort"].label = "Sort by"
    form.fields["sort"].widget = forms.Select(choices=[(key, SORT_LABELS.get(key, key)) for key in ORDERING])


def _sortable_headers(current: str) -> dict[str, dict]:
    headers = {}
    for column, states in SORTABLE_COLUMNS.items():
        keys = [key for key, _state in states]
        if current in keys:
            index = keys.index(current)
            headers[column] = {"sort": keys[(index + 1) % len(keys)], "aria_sort": states[index][1]}
        else:
            headers[column] = {"sort": keys[0], "aria_sort": None}
    return headers


@login_required
@require_GET
def contact_list(request):
    contact_filter, contacts = selectors.contact_list(request.user, request.GET)
    _dress_filter_form(contact_filter.form, request.user)
    page = Paginator(contacts, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    account_ids = {contact.account_id for contact in page}
    # A contact may be listed through a further account; their main account's name stays hidden then.
    visible_account_ids = (
        set(visible_accounts(request.user).filter(id__in=account_ids).values_list("id", flat=True))
        if account_ids
        else set()
    )
    form = contact_filter.form
    form.is_valid()  # validated once already; cleaned_data holds every valid filter even if another is not
    context = {
        "filter": contact_filter,
        "filter_fields": [form[name] for name in LIST_FILTERS],
        # Filters set by a link but not shown are kept as hidden inputs, so changing another filter keeps them.
        "hidden_filters": [
            form[name] for name in form.fields if name not in LIST_FILTERS and form[name].value() not in (None, "")
        ],
        "page": page,
        "visible_account_ids": visible_account_ids,
        "headers": _sortable_headers(form.cleaned_data.get("sort") or "name"),
        "can_create": not request.user.is_read_only,
    }
    fragment = _wants_fragment(request, "contact-results")
    template = "people/contact_list.html#results" if fragment else "people/contact_list.html"
    response = render(request, template, {**context, "fragment": fragment})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def contact_export(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest("Unknown export format; use format=csv or format=xlsx.")
    _filter, contacts = selectors.contact_list(request.user, request.GET)
    return tabular_response(kind="contacts", queryset=contacts, fmt=fmt)


# --- contact page ------------------------------------------------------------------------------------


def _manager_chain(user: User, contact: Contact) -> list[Contact]:
    """The people above ``contact`` in the customer's org chart, direct manager first, in one query.

    The chain stops at the first person the user may not see. A recursive query walks the reports-to
    links in the database (SQLite and PostgreSQL both support it), so a deep chart costs no extra trips.
    """
    if not contact.reports_to_id:
        return []
    quote = connection.ops.quote_name
    table, boss = quote(Contact._meta.db_table), quote(Contact._meta.get_field("reports_to").column)
    # Only the model's own table and column names are formatted in; the values are query parameters.
    chain_ids = f"""
        WITH RECURSIVE chain(id, boss_id, hops) AS (
            SELECT id, {boss}, 1 FROM {table} WHERE id = %s
            UNION ALL
            SELECT c.id, c.{boss}, chain.hops + 1 FROM {table} c JOIN chain ON c.id = chain.boss_id
            WHERE chain.hops < %s
        )
        SELECT id FROM chain
    """  # noqa: S608
    managers = (
        services.visible_contacts(user)
        .filter(id__in=RawSQL(chain_ids, (contact.reports_to_id, MAX_CHAIN_LENGTH)))  # noqa: S611
        .select_related("account")
        .in_bulk()
    )
    chain, next_id = [], contact.reports_to_id
    while next_id in managers and next_id != contact.pk and len(chain) < MAX_CHAIN_LENGTH:
        chain.append(managers[next_id])
        next_id = managers[next_id].reports_to_id
    return chain


def _linked_accounts(user: User, contact: Contact) -> tuple[bool, list]:
    """Whether the user sees the contact's main account, and the further accounts they see (one query)."""
    further = Contact.other_accounts.through.objects.filter(contact_id=contact.pk).values("account_id")
    accounts = list(
        visible_accounts(user)
        .filter(Q(pk=contact.account_id) | Q(pk__in=further))
        .only("id", "name", "code")
        .order_by("name")
    )
    main_visible = any(a.pk == contact.account_id for a in accounts)
    return main_visible, [a for a in accounts if a.pk != contact.account_id]


def _field_label(name: str) -> str:
    try:
        return capfirst(Contact._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _history_rows(events) -> list[dict]:
    """Audit events with readable field names: [{event, changes: [(label, old, new), ...]}, ...]."""
    return [
        {
            "event": event,
            "changes": [
                (_field_label(name), old, new)
                for name, (old, new) in event.changes.items()
                if old not in (None, "") or new not in (None, "")
            ],
        }
        for event in events
    ]


@login_required
@require_GET
def contact_detail(request, pk: int):
    user = request.user
    contact = _visible_contact_or_404(user, pk)
    chain = _manager_chain(user, contact)
    main_account_visible, other_accounts = _linked_accounts(user, contact)
    direct_reports = (
        services.visible_contacts(user)
        .filter(reports_to=contact)
        .select_related("account")
        .order_by("has_left", "last_name", "first_name", "id")
    )
    history = AuditEvent.objects.filter(object_type="contact", object_id=contact.pk).select_related("actor")
    return render(
        request,
        "people/contact_detail.html",
        {
            "contact": contact,
            "manager": chain[0] if chain else None,
            "chain": list(reversed(chain)),
            "direct_reports": list(direct_reports),
            "main_account_visible": main_account_visible,
            "other_accounts": other_accounts,
            "history": _history_rows(history[:HISTORY_LIMIT]),
            "can_edit": _can_edit(user, contact),
        },
    )


# --- create, edit, delete ----------------------------------------------------------------------------


def _render_form(request, form: ContactForm, contact: Contact | None = None):
    # Choosing another account refreshes the reports-to choices to that customer group's people.
    form.fields["account"].widget.attrs.update(
        {"hx-get": request.path, "hx-trigger": "change", "hx-target": "#reports-to-field", "hx-swap": "outerHTML"}
    )
    template = "people/contact_form.html"
    if _wants_fragment(request, "reports-to-field"):
        template += "#reports-to-field"
    return render(request, template, {"form": form, "contact": contact})


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request):
    if request.user.is_read_only:
        raise Forbidden("Viewers cannot add stakeholders.")
    if request.method == "POST":
        form = ContactForm(request.POST, user=request.user)
        if form.is_valid():
            contact = _call_service(form, services.contact_create, actor=request.user)
            if contact is not None:
                messages.success(request, f"{contact} was added.")
                return redirect("people:detail", pk=contact.pk)
    else:
        account_id = editable_account_id(request.user, request.GET.get("account"))
        form = ContactForm(user=request.user, initial={"account": account_id})
    return _render_form(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int):
    contact = _visible_contact_or_404(request.user, pk)
    _require_edit(request.user, contact)
    if request.method == "POST":
        form = ContactForm(request.POST, user=request.user, contact=contact)
        if form.is_valid():
            updated = _call_service(form, services.contact_update, actor=request.user, contact_id=contact.pk)
            if updated is not None:
                messages.success(request, f"{updated} was saved.")
                return redirect("people:detail", pk=updated.pk)
    else:
        initial = initial_from_contact(contact)
        # The account select asks for the reports-to choices of another account without saving anything.
        initial["account"] = editable_account_id(request.user, request.GET.get("account")) or contact.account_id
        form = ContactForm(user=request.user, contact=contact, initial=initial)
    return _render_form(request, form, contact)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int):
    contact = _visible_contact_or_404(request.user, pk)
    _require_edit(request.user, contact)
    if request.method == "POST":
        try:
            services.contact_delete(actor=request.user, contact_id=contact.pk)
        except PermissionDenied as exc:
            raise Forbidden(exc.message) from exc
        except NotFound as exc:
            raise Http404(exc.message) from exc
        messages.success(request, f"{contact} was deleted.")
        return redirect("people:list")
    direct_reports = Contact.objects.filter(reports_to=contact).count()
    return render(request, "people/contact_confirm_delete.html", {"contact": contact, "direct_reports": direct_reports})
