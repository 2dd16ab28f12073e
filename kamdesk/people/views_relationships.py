"""The account's Relationships tab: the customer's org chart, its SVG and PNG downloads, and the one write it
offers — who reports to whom — by dragging a person onto their new manager or with the form under the chart.

The chart is laid out on the server and drawn as inline SVG, so it reads without JavaScript and the downloads
are the very same drawing. A hidden account answers 404; a viewer, or someone who may not edit both people,
cannot change a reporting line.
"""

import vl_convert
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from kamdesk.accounts.models import Account
from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.people import services
from kamdesk.people.relationship_map import RelationshipMap, relationship_map, to_svg

TAB = "people:relationship_map"
NOBODY = ""  # the "reports to" choice for the top of the chart
# A PNG is drawn at twice the SVG's size, so it stays sharp on slides and in documents — but never more than
# this many pixels on its longer side: a very wide chart would otherwise take seconds and tens of megabytes.
PNG_SCALE = 2.0
PNG_MAX_SIDE = 6000


def _options(request: HttpRequest, account: Account) -> dict:
    """Subsidiaries are on by default for a global account (one with subsidiaries); people who left are off."""
    params = request.GET if request.method == "GET" else request.POST
    subsidiaries = params.get("subsidiaries")
    include_subsidiaries = account.subsidiary_count > 0 if subsidiaries not in ("0", "1") else subsidiaries == "1"
    return {"include_subsidiaries": include_subsidiaries, "include_left": params.get("left") == "1"}


def _query(options: dict) -> str:
    return f"subsidiaries={int(options['include_subsidiaries'])}&left={int(options['include_left'])}"


class ReportsToForm(forms.Form):
    """The keyboard alternative to dragging: pick a person and their new manager among those on the map whom
    the user may edit (the same choices the drag allows)."""

    contact = forms.TypedChoiceField(label="Person", coerce=int)
    reports_to = forms.TypedChoiceField(label="Reports to", coerce=int, empty_value=None, required=False)

    def __init__(self, *args, rmap: RelationshipMap, **kwargs):
        super().__init__(*args, **kwargs)
        people = _editable_people(rmap)
        self.fields["contact"].choices = [("", "Choose a person"), *people]
        self.fields["reports_to"].choices = [(NOBODY, "Nobody (top of the chart)"), *people]


def _editable_people(rmap: RelationshipMap) -> list[tuple[int, str]]:
    people = sorted((node for node in rmap.nodes if node.editable), key=lambda node: (node.name.lower(), node.id))
    return [(node.id, _label(node)) for node in people]


def _label(node) -> str:
    return " · ".join(part for part in (node.name, node.title) if part) + (" (left)" if node.has_left else "")


def _options_html(choices, selected) -> str:
    """A select's options, written directly: Django's widgets render a template per option, far too slow
    for two selects of 150 people on a page that must answer quickly."""
    selected = str(selected) if selected is not None else ""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == selected else "", label) for value, label in choices),
    )


def _people_rows_html(rmap: RelationshipMap, account: Account, can_change: bool, query: str) -> str:
    """The rows of the "People on the map" table, written directly for the same reason as ``_options_html``:
    a 150-person map rendered through template tags cost a third of the page. Every value is escaped by
    ``format_html``."""
    rows = ((_person_row(node, account, can_change, query),) for node in rmap.nodes)
    return format_html_join("\n", "{}", rows)


def _person_row(node, account: Account, can_change: bool, query: str) -> str:
    left = mark_safe(" <mark>Left</mark>") if node.has_left else ""
    elsewhere = (
        format_html(' <small class="muted">· {}</small>', node.account_name)
        if node.account_name and node.account_id != account.pk
        else ""
    )
    action = ""
    if can_change:
        change = (
            format_html(
                '<a href="?{}&amp;contact={}#reporting-form">Change'
                '<span class="visually-hidden"> {}\'s manager</span></a>',
                query,
                node.id,
                node.name,
            )
            if node.editable
            else ""
        )
        action = format_html("<td>{}</td>", change)
    return format_html(
        '<tr><td style="padding-left: {}ch"><a href="{}">{}</a>{}{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="num">{}</td><td><span class="rm-swatch" style="background: {}" aria-hidden="true"></span> {}</td>'
        "<td>{}</td><td>{}</td>{}</tr>",
        node.depth + 1,
        reverse("people:detail", args=[node.id]),
        node.name,
        left,
        elsewhere,
        node.title or "—",
        node.manager_name or "—",
        node.buying_role_label or "—",
        "—" if node.influence is None else node.influence,
        node.attitude_colour,
        node.attitude_label,
        node.owner_name or "—",
        node.last_contact_text,
        action,
    )


def _page(request: HttpRequest, account: Account, form: ReportsToForm | None = None, status: int = 200):
    options = _options(request, account)
    rmap = relationship_map(request.user, account, **options)
    context = _account_page(request, account, TAB, map=rmap, options=options, query=_query(options))
    # to_svg escapes every text it writes.
    context["svg"] = mark_safe(to_svg(rmap))
    context["can_change"] = context["can_edit"] and any(node.editable for node in rmap.nodes)
    context["people_rows"] = _people_rows_html(rmap, account, context["can_change"], context["query"])
    if context["can_change"]:
        if form is None:
            selected = request.GET.get("contact")
            # The manager preselected is the one on the map; someone whose manager is off it starts at "nobody".
            managers = {str(node.id): node.reports_to_id for node in rmap.nodes}
            form = ReportsToForm(rmap=rmap, initial={"contact": selected, "reports_to": managers.get(selected)})
        values = form.data if form.is_bound else form.initial
        # The choices of the map as shown now (a refused change was checked against the whole group).
        people = _editable_people(rmap)
        context["form"] = form
        context["contact_options"] = _options_html([("", "Choose a person"), *people], values.get("contact"))
        nobody = (NOBODY, "Nobody (top of the chart)")
        context["reports_to_options"] = _options_html([nobody, *people], values.get("reports_to"))
        context["hidden_options"] = format_html(
            '<input type="hidden" name="subsidiaries" value="{}"><input type="hidden" name="left" value="{}">',
            int(options["include_subsidiaries"]),
            int(options["include_left"]),
        )
    return render(request, "people/relationship_map.html", context, status=status)


@login_required
@require_GET
def relationship_map_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _visible_account(request, pk))


def _download_name(account: Account, extension: str) -> str:
    # Only letters, digits and dashes reach the header: no quotes, slashes or line breaks from a name.
    stem = slugify(account.code or account.name) or f"account-{account.pk}"
    return f"relationships-{stem}.{extension}"


def _svg(request: HttpRequest, pk: int) -> tuple[Account, RelationshipMap, str]:
    account = _visible_account(request, pk)
    rmap = relationship_map(request.user, account, **_options(request, account))
    return account, rmap, '<?xml version="1.0" encoding="UTF-8"?>\n' + to_svg(rmap)


@login_required
@require_GET
def relationship_map_svg(request: HttpRequest, pk: int) -> HttpResponse:
    account, _rmap, svg = _svg(request, pk)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(account, "svg")}"'
    return response


@login_required
@require_GET
def relationship_map_png(request: HttpRequest, pk: int) -> HttpResponse:
    account, rmap, svg = _svg(request, pk)
    scale = min(PNG_SCALE, PNG_MAX_SIDE / max(rmap.width, rmap.height))
    response = HttpResponse(vl_convert.svg_to_png(svg, scale=scale), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(account, "png")}"'
    return response


# --- changing who reports to whom ---------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refusal(request: HttpRequest, account: Account, form: ReportsToForm, message: str, status: int = 400):
    if _wants_json(request):
        errors = [{"field": name, "message": str(error)} for name, errs in form.errors.items() for error in errs]
        return JsonResponse({"detail": message, "errors": errors}, status=status)
    return _page(request, account, form, status=status)


@login_required
@require_POST
def relationship_reports_to(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a person's manager. Answers JSON to the chart's script (Accept: application/json), else the page."""
    account = _visible_account(request, pk)
    if request.user.is_read_only:
        raise Forbidden("Viewers cannot change reporting lines.")
    options = _options(request, account)
    rmap = relationship_map(request.user, account, include_subsidiaries=True, include_left=True)
    form = ReportsToForm(request.POST, rmap=rmap)
    if not form.is_valid():
        message = "Choose a person and their new manager among the people on the map you can edit."
        return _refusal(request, account, form, message)
    # The choices are the people on the map the user may edit, so anyone else was refused just above.
    contact_id, boss_id = form.cleaned_data["contact"], form.cleaned_data["reports_to"]
    try:
        contact = services.contact_set_reports_to(actor=request.user, contact_id=contact_id, reports_to_id=boss_id)
    except PermissionDenied as exc:
        raise Forbidden(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        for field, errors in exc.field_errors.items():
            for error in errors:
                form.add_error("reports_to" if field == "reports_to" else None, error)
        if not exc.field_errors:
            form.add_error(None, exc.message)
        return _refusal(request, account, form, exc.message)
    manager = contact.reports_to
    message = f"{contact} now reports to {manager}." if manager else f"{contact} is now at the top of the chart."
    if _wants_json(request):
        return JsonResponse({"detail": message, "contact_id": contact.pk, "reports_to_id": contact.reports_to_id})
    messages.success(request, message)
    return redirect(reverse(TAB, args=[account.pk]) + "?" + _query(options))
