"""Sales and cost imports on the web: upload a file, follow the background import, browse the history and
download the report of the rejected rows.

The import itself is the one of ``kamdesk import sales|costs`` (kamdesk.sales.sales_import), run as the
signed-in user with their access. A user sees their own imports; admins see everyone's.
"""

import secrets

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kamdesk.imports.forms import FileUploadForm
from kamdesk.imports.staging import staging_storage
from kamdesk.sales.import_liveness import fail_abandoned
from kamdesk.sales.models import SalesImport
from kamdesk.sales.sales_checks import CostChecker, SalesChecker
from kamdesk.sales.sales_import import COSTS, SALES
from kamdesk.sales.tasks import PARTIAL, PROGRESS, STORED_FILE, start_sales_import
from kamdesk.users.models import User

KIND_CHOICES = [
    (SALES, "Sales lines (invoices and credit notes)"),
    (COSTS, "Cost lines (trade spend, rebates, cost to serve)"),
]
MAX_ERRORS_SHOWN = 500
RUNNING = (SalesImport.Status.QUEUED, SalesImport.Status.RUNNING)


class SalesUploadForm(FileUploadForm):
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.RadioSelect, initial=SALES, label="The file holds")
    partial = forms.BooleanField(required=False, label="Import the rows without errors even if other rows are rejected")
    field_order = ["kind", "file", "partial"]


# --- reads ----------------------------------------------------------------------------------------------


def visible_imports(user: User) -> QuerySet:
    """The imports a user may look at: their own; an admin every import. Imports whose process is gone are
    marked failed first, so that none reads "running" for ever."""
    fail_abandoned()
    imports = SalesImport.objects.select_related("user")
    return imports if user.is_admin else imports.filter(user=user)


def _visible_import(request: HttpRequest, pk: int) -> SalesImport:
    found = visible_imports(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such import.")
    return found


def _check_may_import(user: User) -> None:
    if user.is_read_only:
        raise PermissionDenied("Viewers cannot import data.")


def _columns_help() -> list[dict]:
    return [
        {"kind": checker.kind, "columns": [(c, c in checker.required) for c in checker.columns]}
        for checker in (SalesChecker, CostChecker)
    ]


def _detail_context(sales_import: SalesImport) -> dict:
    summary = sales_import.summary or {}
    errors = summary.get("errors") or []
    return {
        "sales_import": sales_import,
        "summary": summary,
        "running": sales_import.status in RUNNING,
        "progress": summary.get(PROGRESS) or {},
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN) + (summary.get("errors_omitted") or 0),
    }


# --- pages ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sales_import_view(request: HttpRequest) -> HttpResponse:
    _check_may_import(request.user)
    form = SalesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        sales_import = _record_upload(request.user, form.cleaned_data)
        start_sales_import(sales_import)
        return redirect("sales:import_detail", pk=sales_import.pk)
    return render(request, "sales/import_upload.html", {"form": form, "columns_help": _columns_help()})


def _record_upload(user: User, data: dict) -> SalesImport:
    """Store the file where the job can read it, and record the queued import."""
    upload = data["file"]
    name = staging_storage().save(f"{secrets.token_urlsafe(24)}.sales-import", upload)
    return SalesImport.objects.create(
        kind=data["kind"],
        user=user,
        file_name=upload.name[:255],
        status=SalesImport.Status.QUEUED,
        summary={STORED_FILE: name, PARTIAL: data["partial"]},
    )


@login_required
@require_GET
def sales_import_list_view(request: HttpRequest) -> HttpResponse:
    imports = visible_imports(request.user).order_by("-created_at", "-id")
    page = Paginator(imports, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/import_list.html",
        {"page": page, "may_import": not request.user.is_read_only, "show_user": request.user.is_admin},
    )


@login_required
@require_GET
def sales_import_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    sales_import = _visible_import(request, pk)
    return render(request, "sales/import_detail.html", _detail_context(sales_import))


@login_required
@require_GET
def sales_import_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The small fragment the detail page polls every second while the import runs; once it has
    finished, the page reloads to show the result."""
    sales_import = _visible_import(request, pk)
    response = render(request, "sales/import_progress.html", _detail_context(sales_import))
    if sales_import.status not in RUNNING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def sales_import_errors_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as CSV (line, column, message); every cell is guarded against spreadsheet formulas
    when the report is written."""
    sales_import = _visible_import(request, pk)
    if not sales_import.error_report:
        raise Http404("This import rejected no rows.")
    response = HttpResponse(sales_import.error_report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{sales_import.pk}-errors.csv"'
    return response
