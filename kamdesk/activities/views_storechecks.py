"""Store-check pages: an account's store checks with their trend, logging and editing a store check, and its
photos (upload, the protected photo view, removal).

Reads start from the selectors (the user's access scope); writes go through the services. A record the user
may not see answers 404, a change the user may not make answers 403. Photos are never served from a public
URL: the photo view checks access to the account first.
"""

import csv
import io
from collections.abc import Iterable, Iterator

import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.activities import photos, selectors_storechecks, services_storechecks
from kamdesk.activities.forms import ActivityForm, initial_from_activity
from kamdesk.activities.forms_storechecks import PhotoForm, StoreCheckForm, TrendForm, initial_from_store_check
from kamdesk.activities.models import ActivityKind, StoreCheck, StoreCheckPhoto
from kamdesk.activities.views import _require_edit, _run, _visible_activity
from kamdesk.core.errors import ServiceError
from kamdesk.imports import exporting
from kamdesk.sales import charts
from kamdesk.users.models import User

TAB = "activities:account"
# The only types a photo is ever served as; whatever the database holds, nothing else goes out.
SAFE_TYPES = {"image/jpeg", "image/png", "image/webp"}


# --- helpers -----------------------------------------------------------------------------------------------


def _place_errors(activity_form: ActivityForm, store_form: StoreCheckForm, error: ServiceError) -> None:
    """A refusal's messages under the field they name, on whichever of the two forms has it."""
    placed = False
    for field, field_messages in error.field_errors.items():
        form = store_form if field in store_form.fields else activity_form
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        activity_form.add_error(None, error.message)


def _store_check_form_page(request: HttpRequest, account, activity, form, store_form, status: int = 200):
    context = {"form": form, "store_form": store_form, "account": account, "activity": activity}
    return render(request, "activities/activity_form.html", context, status=status)


def _only_store_check_kind(form: ActivityForm) -> None:
    form.fields["kind"].choices = [(ActivityKind.STORE_CHECK.value, ActivityKind.STORE_CHECK.label)]
    form.fields["kind"].initial = ActivityKind.STORE_CHECK


def _save(request: HttpRequest, form: ActivityForm, store_form: StoreCheckForm, service, **arguments):
    """Run the combined write; refusals become form errors (None returned), access problems 403/404."""
    try:
        return _run(
            service,
            actor=request.user,
            activity=form.service_arguments(),
            store_check=store_form.service_arguments(),
            **arguments,
        )
    except ServiceError as exc:
        _place_errors(form, store_form, exc)
        return None


# --- an account's store checks ------------------------------------------------------------------------------

FIGURE_SERIES = (
    ("shelf_share_pct", "Shelf share %", "#1f6feb"),
    ("price_compliance_pct", "Price compliance %", "#2da44e"),
    ("display_compliance_pct", "Display compliance %", "#d29922"),
    ("score", "Score", "#8250df"),
)


def _figures_chart(trend) -> dict:
    """Shelf share, compliance and score by month, 0-100 (Vega-Lite, drawn like the sales charts)."""
    values = [
        {"month": point.month.strftime("%b %Y"), "order": order, "series": label, "value": charts._number(value)}
        for order, point in enumerate(trend)
        for name, label, _colour in FIGURE_SERIES
        if (value := getattr(point, name)) is not None
    ]
    title = "Shelf share, compliance and score by month"
    spec = charts._base(title, f"{title}: averages of the done store checks, 0 to 100.", values)
    spec["mark"] = {"type": "line", "point": True}
    spec["encoding"] = {
        "x": {"field": "month", "type": "ordinal", "sort": {"field": "order"}, "title": None},
        "y": {"field": "value", "type": "quantitative", "title": "%", "scale": {"domain": [0, 100]}},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": [s[1] for s in FIGURE_SERIES], "range": [s[2] for s in FIGURE_SERIES]},
        },
        "tooltip": [
            {"field": "month", "title": "Month"},
            {"field": "series", "title": "Figure"},
            {"field": "value", "title": "Average", "format": ".1f"},
        ],
    }
    return spec


def _out_of_stock_chart(trend) -> dict:
    """Checks per month (bars) and out-of-stock products per check (line), each on its own axis."""
    values = [
        {
            "month": point.month.strftime("%b %Y"),
            "order": order,
            "checks": point.checks,
            "missing": charts._number(point.out_of_stock_per_check),
        }
        for order, point in enumerate(trend)
    ]
    title = "Store checks and out-of-stock products by month"
    spec = charts._base(title, f"{title}: how many done checks, and how many products each found missing.", values)
    x = {"field": "month", "type": "ordinal", "sort": {"field": "order"}, "title": None}
    tooltip = [
        {"field": "month", "title": "Month"},
        {"field": "checks", "title": "Checks"},
        {"field": "missing", "title": "Out of stock per check", "format": ".1f"},
    ]
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": "#8b949e", "opacity": 0.6},
            "encoding": {
                "x": x,
                "y": {"field": "checks", "type": "quantitative", "title": "Checks", "axis": {"tickMinStep": 1}},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "line", "point": True, "color": "#cf222e"},
            "encoding": {
                "x": x,
                "y": {"field": "missing", "type": "quantitative", "title": "Out of stock per check"},
                "tooltip": tooltip,
            },
        },
    ]
    spec["resolve"] = {"scale": {"y": "independent"}}
    return spec


def store_check_charts(trend) -> dict:
    return {"figures": _figures_chart(trend), "out_of_stock": _out_of_stock_chart(trend)}


@login_required
@require_GET
def store_checks(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    data = request.GET.copy()
    data.setdefault("months", str(selectors_storechecks.DEFAULT_MONTHS))  # so the select shows what is shown
    trend_form = TrendForm(data)
    valid = trend_form.is_valid()
    options = trend_form.cleaned_data if valid else {"months": selectors_storechecks.DEFAULT_MONTHS}
    months = options["months"]
    include = bool(options.get("include_subsidiaries")) and account.subsidiary_count > 0
    trend = selectors_storechecks.store_check_trend(account, include_subsidiaries=include, months=months)
    checks = Paginator(
        selectors_storechecks.account_store_checks(account, include_subsidiaries=include), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = _account_page(
        request,
        account,
        TAB,
        trend_form=trend_form,
        trend=trend,
        has_trend=any(month.checks for month in trend),
        charts=store_check_charts(trend),
        checks=checks,
        months=months,
        include_subsidiaries=include,
    )
    context["can_write"] = context["can_edit"] and not request.user.is_read_only
    return render(request, "activities/store_checks.html", context, status=200 if valid else 400)


EXPORT_HEADER = [
    "date",
    "account_code",
    "account",
    "store",
    "store_number",
    "address",
    "city",
    "status",
    "out_of_stock_skus",
    "shelf_share_pct",
    "price_compliance_pct",
    "display_compliance_pct",
    "score",
    "score_computed",
    "photos",
    "activity_id",
]


def _export_rows(checks) -> Iterator[list]:
    yield EXPORT_HEADER
    for check in checks.iterator(chunk_size=2000):
        activity = check.activity
        yield [
            timezone.localtime(activity.starts_at).date().isoformat(),
            activity.account.code,
            activity.account.name,
            check.store_name,
            check.store_number,
            check.store_address,
            check.store_city,
            activity.status,
            " ".join(product.sku for product in check.out_of_stock_products.all()),
            check.shelf_share_pct,
            check.price_compliance_pct,
            check.display_compliance_pct,
            check.score,
            "yes" if check.score is not None and not check.score_entered else "no",
            check.photo_count,
            activity.pk,
        ]


def _csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(exporting._Echo())
    lines = (writer.writerow([exporting._csv_cell(value) for value in values]) for values in rows)
    response = StreamingHttpResponse(exporting._with_bom(lines), content_type=exporting.CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_response(rows: Iterable[list], filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = workbook.add_worksheet("Store checks")
    rows = iter(rows)
    for col, name in enumerate(next(rows)):
        sheet.write_string(0, col, name, workbook.add_format({"bold": True}))
    for row, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            exporting._write_cell(sheet, row, col, value)  # text as string cells: never a formula
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=exporting.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
@require_GET
def store_checks_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Every store check of the account (with its subsidiaries' when asked), as CSV or XLSX; text that
    would start a spreadsheet formula is defused as in every export."""
    account = _visible_account(request, pk)
    if fmt not in exporting.FORMATS:
        raise Http404("Choose csv or xlsx.")
    include = request.GET.get("include_subsidiaries") in ("true", "on", "1") and account.subsidiary_count > 0
    checks = selectors_storechecks.account_store_checks(account, include_subsidiaries=include)
    filename = f"kamdesk-store-checks-{account.pk}-{timezone.localdate().isoformat()}"
    rows = _export_rows(checks)
    return _csv_response(rows, filename) if fmt == "csv" else _xlsx_response(rows, filename)


# --- logging and editing a store check ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def store_check_create(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    _require_edit(request.user, account.pk)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user, account=account)
        store_form = StoreCheckForm(request.POST)
        _only_store_check_kind(form)
        if form.is_valid() & store_form.is_valid():
            saved = _save(request, form, store_form, services_storechecks.store_check_create, account=account)
            if saved is not None:
                messages.success(request, f"“{saved[0].subject}” was logged.")
                return redirect("activities:detail", pk=saved[0].pk)
        return _store_check_form_page(request, account, None, form, store_form, status=422)
    form = ActivityForm(
        user=request.user,
        account=account,
        initial={"our_participants": [request.user], "kind": ActivityKind.STORE_CHECK, "subject": "Store check"},
    )
    _only_store_check_kind(form)
    return _store_check_form_page(request, account, None, form, StoreCheckForm())


@login_required
@require_http_methods(["GET", "POST"])
def store_check_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    _require_edit(request.user, activity.account_id)
    account = activity.account
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user, account=account, activity=activity)
        store_form = StoreCheckForm(request.POST)
        _only_store_check_kind(form)
        if form.is_valid() & store_form.is_valid():
            saved = _save(request, form, store_form, services_storechecks.store_check_update, activity_id=activity.pk)
            if saved is not None:
                messages.success(request, f"“{saved[0].subject}” was saved.")
                return redirect("activities:detail", pk=activity.pk)
        return _store_check_form_page(request, account, activity, form, store_form, status=422)
    store_check = StoreCheck.objects.filter(activity=activity).first()
    form = ActivityForm(user=request.user, account=account, activity=activity, initial=initial_from_activity(activity))
    _only_store_check_kind(form)
    store_form = StoreCheckForm(initial=initial_from_store_check(store_check))
    return _store_check_form_page(request, account, activity, form, store_form)


# --- photos -------------------------------------------------------------------------------------------------


def _photos_anchor(activity_id: int) -> str:
    return reverse("activities:detail", args=[activity_id]) + "#photos"


@login_required
@require_POST
def photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request.user, pk)
    _require_edit(request.user, activity.account_id)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [str(message) for errors in form.errors.values() for message in errors]
        messages.error(request, "The photo was not added: " + " ".join(problems))
        return redirect(_photos_anchor(activity.pk))
    try:
        _run(
            services_storechecks.photo_add,
            actor=request.user,
            activity_id=activity.pk,
            upload=form.cleaned_data["file"],
            caption=form.cleaned_data["caption"],
        )
    except ServiceError as exc:
        messages.error(request, f"The photo was not added: {exc.message}")
    else:
        messages.success(request, "The photo was added.")
    return redirect(_photos_anchor(activity.pk))


def photo_response(photo: StoreCheckPhoto) -> FileResponse:
    """The stored picture, streamed inline as the image type it was checked to be — and nothing else."""
    content_type = photo.content_type if photo.content_type in SAFE_TYPES else "application/octet-stream"
    try:
        handle = photos.open_photo(photo.file)
    except FileNotFoundError:
        raise Http404("The photo's file is missing.") from None
    extension = photos.EXTENSIONS.get(content_type, "bin")
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="store-check-photo-{photo.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the picture may not run anything or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _visible_photo(user: User, pk: int, photo_id: int) -> StoreCheckPhoto:
    try:
        return selectors_storechecks.visible_photo(user, pk, photo_id)
    except StoreCheckPhoto.DoesNotExist:
        raise Http404("Photo not found.") from None


@login_required
@require_GET
def photo_view(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    return photo_response(_visible_photo(request.user, pk, photo_id))


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    photo = _visible_photo(request.user, pk, photo_id)
    if request.user.is_read_only:
        raise Forbidden("Your role (viewer) has read-only access.")
    try:
        _run(services_storechecks.photo_remove, actor=request.user, activity_id=pk, photo_id=photo.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The photo was removed.")
    return redirect(_photos_anchor(pk))
