"""The import page: upload a file, see the preview (a dry run: every row checked, nothing written), then
confirm to import it. The checks, messages and writes are exactly those of ``kamdesk import``; the
import runs as the signed-in user, with their access."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from kamdesk.imports import staging
from kamdesk.imports.columns import COLUMNS, REQUIRED_COLUMNS
from kamdesk.imports.forms import ConfirmForm, UploadForm
from kamdesk.imports.importing import ImportReport, run_import

MAX_ERRORS_SHOWN = 500  # a page listing more is no help; the counts still cover every row


def _check_may_import(request: HttpRequest) -> None:
    if request.user.is_read_only:
        raise PermissionDenied("Viewers cannot import data.")


def _report_context(report: ImportReport, filename: str) -> dict:
    return {
        "report": report,
        "filename": filename,
        "errors": report.errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(report.errors) - MAX_ERRORS_SHOWN),
        "good_rows": report.created + report.updated + report.unchanged,
        "outcome": report.outcome("tick “Import only the rows without errors”"),
    }


def _columns_help() -> list[dict]:
    return [
        {"kind": kind, "columns": [(c, c in REQUIRED_COLUMNS[kind]) for c in columns]}
        for kind, columns in COLUMNS.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest) -> HttpResponse:
    _check_may_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns_help": _columns_help()}
    if request.method == "POST" and form.is_valid():
        upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
        account_code = form.cleaned_data["account_code"]
        data = upload.read()
        report = run_import(kind, data, upload.name, actor=request.user, dry_run=True, account_code=account_code)
        context |= _report_context(report, upload.name)
        if not report.file_error and report.rows:
            token = staging.stage(request, data=data, kind=kind, filename=upload.name, account_code=account_code)
            context["confirm_form"] = ConfirmForm(initial={"token": token})
            return render(request, "imports/preview.html", context)
    return render(request, "imports/upload.html", context)


@login_required
@require_POST
def confirm_view(request: HttpRequest) -> HttpResponse:
    _check_may_import(request)
    form = ConfirmForm(request.POST)
    found = staging.pending(request, form.cleaned_data["token"]) if form.is_valid() else None
    if found is None:
        messages.error(request, "This upload has expired or has already been imported. Please upload the file again.")
        return redirect("imports:upload")
    entry, data = found
    report = run_import(
        entry["kind"],
        data,
        entry["filename"],
        actor=request.user,
        partial=form.cleaned_data["partial"],
        account_code=entry.get("account_code", ""),
    )
    context = _report_context(report, entry["filename"]) | {"kind": entry["kind"]}
    if report.written:
        staging.discard(request)
    else:
        # Nothing was written: the same file can be confirmed again, e.g. as a partial import.
        context["confirm_form"] = ConfirmForm(initial={"token": entry["token"], "partial": True})
    return render(request, "imports/result.html", context)
