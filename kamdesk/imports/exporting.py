"""Exporting accounts, contacts and products as CSV or XLSX, in exactly the columns the import reads, so that an
export imports back unchanged.

The caller passes a queryset it has already scoped to what the user may see (the list pages pass their
filtered list, the CLI what ``--as`` may see). Rows are read with one query per kind — two for accounts,
whose tags come from a second one — whatever their number, and streamed as they are read.

Costs: a products queryset that defers the cost fields (``without_costs``) is exported without their
columns; ``export_queryset`` does so for users who may not see costs.

Formula injection: a text cell that would start a spreadsheet formula (=, +, -, @, tab, CR) gets an
apostrophe in front in CSV; in XLSX it is written as a string cell. See columns.guard_csv/guard_xlsx.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

import xlsxwriter
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from kamdesk.access.scope import actor_accounts, can_see_costs
from kamdesk.accounts.models import Account
from kamdesk.imports.columns import (
    ACCOUNT_COLUMNS,
    ACCOUNTS,
    COLUMNS,
    CONTACT_COLUMNS,
    COST_COLUMNS,
    KINDS,
    PRODUCTS,
    guard_csv,
    guard_xlsx,
)
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.sales.models import Product
from kamdesk.users.models import User

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The model lookup behind each column that is not a field of the same name (tags are added separately).
COLUMN_LOOKUPS = {
    "parent_code": "parent__code",
    "owner_email": "owner__email",
    "channel": "channel__code",
    "account_code": "account__code",
    "reports_to_email": "reports_to__email",
    "active": "is_active",
}
ACCOUNT_FIELDS = [COLUMN_LOOKUPS.get(column, column) for column in ACCOUNT_COLUMNS if column != "tags"]
CONTACT_FIELDS = [COLUMN_LOOKUPS.get(column, column) for column in CONTACT_COLUMNS]

XLSX_EXACT_DIGITS = 15  # a spreadsheet number keeps 15 significant digits; longer amounts stay text


# --- rows --------------------------------------------------------------------------------------------


def table_rows(kind: str, queryset: QuerySet) -> Iterator[list]:
    """The header, then one list of values per record (text, numbers or None), in import column order."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    columns = export_columns(kind, queryset)
    yield list(columns)
    queryset = queryset.prefetch_related(None)  # plain values are read; prefetching has nothing to do
    if kind == ACCOUNTS:
        yield from _account_rows(queryset)
    elif kind == PRODUCTS:
        yield from _product_rows(queryset, columns)
    else:
        yield from _contact_rows(queryset)


def export_columns(kind: str, queryset: QuerySet) -> tuple[str, ...]:
    """The kind's columns, less the cost columns whose fields the queryset defers (see without_costs)."""
    deferred, is_defer = queryset.query.deferred_loading
    hidden = {c for c in COST_COLUMNS.get(kind, ()) if is_defer and COLUMN_LOOKUPS.get(c, c) in deferred}
    return tuple(column for column in COLUMNS[kind] if column not in hidden)


def without_costs(queryset: QuerySet) -> QuerySet:
    """The products queryset marked so that its export leaves out the cost columns."""
    return queryset.defer(*(COLUMN_LOOKUPS.get(c, c) for c in COST_COLUMNS[PRODUCTS]))


def _product_rows(queryset: QuerySet, columns: tuple[str, ...]) -> Iterator[list]:
    fields = [COLUMN_LOOKUPS.get(column, column) for column in columns]
    active = columns.index("active")
    for values in queryset.values_list(*fields).iterator(chunk_size=2000):
        row = list(values)
        row[active] = "yes" if row[active] else "no"  # text, so that a spreadsheet shows what the import reads
        yield row


def _account_rows(queryset: QuerySet) -> Iterator[list]:
    tags: dict[int, list[str]] = {}
    through = Account.tags.through.objects.filter(account_id__in=queryset.order_by().values("id"))
    for account_id, name in through.values_list("account_id", "tag__name"):
        tags.setdefault(account_id, []).append(name)
    for pk, *values in queryset.values_list("id", *ACCOUNT_FIELDS).iterator(chunk_size=2000):
        # Sorted here, not by the database, so that the order does not depend on its collation.
        yield [*values, "; ".join(sorted(tags.get(pk, [])))]


def _contact_rows(queryset: QuerySet) -> Iterator[list]:
    yield from (list(values) for values in queryset.values_list(*CONTACT_FIELDS).iterator(chunk_size=2000))


def export_queryset(kind: str, actor: User | None) -> QuerySet:
    """Everything ``actor`` may see (None: the operator, who sees everything), in a stable order."""
    if kind == ACCOUNTS:
        return actor_accounts(actor).order_by("code")
    if kind == PRODUCTS:
        products = Product.objects.order_by("sku")
        return products if actor is None or can_see_costs(actor) else without_costs(products)
    contacts = Contact.objects.all() if actor is None else visible_contacts(actor)
    return contacts.order_by("email", "id")


# --- CSV ---------------------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return guard_csv(value)
    return str(value)


class _Echo:
    """A file-like object that hands back what is written, for streaming csv.writer's output."""

    def write(self, value: str) -> str:
        return value


def csv_lines(kind: str, queryset: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for values in table_rows(kind, queryset):
        yield writer.writerow([_csv_cell(value) for value in values])


# --- XLSX --------------------------------------------------------------------------------------------


def write_xlsx(kind: str, queryset: QuerySet, stream: IO[bytes]) -> None:
    workbook = xlsxwriter.Workbook(stream, {"constant_memory": True})
    sheet = workbook.add_worksheet(kind.capitalize())
    bold = workbook.add_format({"bold": True})
    rows = table_rows(kind, queryset)
    header = next(rows)
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, bold)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(header) - 1, 18)
    count = 0
    for count, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            _write_cell(sheet, count, col, value)
    sheet.autofilter(0, 0, count, len(header) - 1)
    workbook.close()


def _write_cell(sheet, row: int, col: int, value) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, guard_xlsx(value))  # a string cell never runs as a formula
    elif isinstance(value, Decimal):
        if len(value.as_tuple().digits) > XLSX_EXACT_DIGITS:
            sheet.write_string(row, col, str(value))
        else:
            sheet.write_number(row, col, float(value))
    else:
        sheet.write_number(row, col, value)


# --- entry points ------------------------------------------------------------------------------------


def export_table(*, kind: str, queryset: QuerySet, fmt: str, stream: IO) -> None:
    """Write the export to ``stream``: a text stream for CSV, a binary one for XLSX (the CLI)."""
    if fmt == "csv":
        for line in csv_lines(kind, queryset):
            stream.write(line)
    elif fmt == "xlsx":
        write_xlsx(kind, queryset, stream)
    else:
        raise ValueError(f"unknown export format {fmt!r}")


def export_filename(kind: str, fmt: str) -> str:
    return f"kamdesk-{kind}-{timezone.localdate().isoformat()}.{fmt}"


def tabular_response(*, kind: str, queryset: QuerySet, fmt: str) -> HttpResponse:
    """An attachment with ``queryset`` (already scoped to the user) as CSV (streamed, with a byte-order
    mark so that Excel reads it as UTF-8) or XLSX."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    disposition = f'attachment; filename="{export_filename(kind, fmt)}"'
    if fmt == "csv":
        response = StreamingHttpResponse(_with_bom(csv_lines(kind, queryset)), content_type=CONTENT_TYPES["csv"])
    else:
        buffer = io.BytesIO()
        write_xlsx(kind, queryset, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = disposition
    return response


def _with_bom(lines: Iterable[str]) -> Iterator[str]:
    yield codecs.BOM_UTF8.decode("utf-8")
    yield from lines
