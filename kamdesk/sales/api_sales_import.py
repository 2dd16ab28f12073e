"""Sales lines in bulk and the import history in the REST API.

``POST /sales/lines`` imports up to MAX_LINES lines per request through the same checks and writes as
``kamdesk import sales`` and answers the same summary object; in its errors, ``line`` is the position of
the line in ``lines`` (1 for the first). Lines for accounts the caller may not change are row errors, and
an account the caller cannot see reads like one that does not exist.
"""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StringConstraints

from kamdesk.core.api import (
    READ_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    FieldErrorOut,
    InputSchema,
    ObjectId,
    Paginated,
    ValidationErrorOut,
    current_user,
    require_writer,
)
from kamdesk.core.errors import NotFound
from kamdesk.sales.sales_import import SALES, import_rows
from kamdesk.sales.views_sales_import import visible_imports

router = Router(tags=["sales_import"])

MAX_LINES = 10_000
# A cell as JSON gives it: text or a number; the import checks it exactly like a file's cell.
Cell = Annotated[str, StringConstraints(max_length=200)] | int | float | None


class SalesLineIn(InputSchema):
    document: Cell = Field(..., description="Invoice or credit note number.")
    line: Cell = Field(..., description="Line number within the document (0 or more).")
    date: Cell = Field(..., description="YYYY-MM-DD.")
    account_code: Cell = Field(..., description="The account's ERP code.")
    sku: Cell = Field(...)
    quantity: Cell = Field(..., description="Up to 3 decimals; 0 or less on a credit note line.")
    gross_amount: Cell = Field(...)
    discount: Cell = Field(None, description="gross_amount − net_amount; filled in when left out.")
    net_amount: Cell = Field(..., description="Negative on a credit note line.")
    cost: Cell = Field(...)
    currency: Cell = Field(None, description="If given, the reporting currency.")


class SalesLinesIn(InputSchema):
    lines: list[SalesLineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    partial: bool = Field(False, description="Write the good lines even when other lines are rejected.")
    dry_run: bool = Field(False, description="Check every line and answer the counts; write nothing.")


class RowErrorOut(Schema):
    line: int | None = Field(description="Position of the line in `lines` (1 for the first).")
    column: str | None
    message: str


class ImportSummaryOut(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowErrorOut]
    written: bool
    dry_run: bool
    partial: bool
    kind: str
    source: str
    warnings: list[str]
    import_id: int | None
    file: str
    duration_seconds: float
    errors_omitted: int
    rollup_months: int


class RejectedOut(Schema):
    detail: str
    errors: list[FieldErrorOut]
    summary: ImportSummaryOut | None = Field(None, description="The import's summary when lines were rejected.")


class SalesImportOut(Schema):
    id: int
    kind: str
    file_name: str
    user_email: str | None = Field(description="Who ran it; null for the system (the operator's command line).")
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    rows_read: int
    rows_written: int
    rows_rejected: int

    @staticmethod
    def resolve_user_email(obj) -> str | None:
        return obj.user.email if obj.user_id else None


class SalesImportDetailOut(SalesImportOut):
    summary: dict = Field(description="The summary object of the import (as answered by POST /sales/lines).")


@router.post(
    "/sales/lines",
    response={200: ImportSummaryOut, **WRITE_ERRORS, 422: RejectedOut},
    summary="Import sales lines in bulk",
)
def import_sales_lines(request: HttpRequest, payload: SalesLinesIn):
    """Create or replace up to 10,000 sales lines, matched by (document, line): an identical line is
    unchanged, a changed one replaced. Without `partial`, nothing is written when any line is rejected
    (422 with the summary); the monthly roll-ups follow every write."""
    user = current_user(request)
    require_writer(user)
    lines = [line.model_dump() for line in payload.lines]
    report = import_rows(SALES, lines, actor=user, dry_run=payload.dry_run, partial=payload.partial)
    summary = report.as_dict()
    if report.rejected and not report.written and not report.dry_run:
        errors = [{"field": _field(error.line, error.column), "message": error.message} for error in report.errors]
        return Status(422, {"detail": report.outcome("partial: true"), "errors": errors, "summary": summary})
    return Status(200, summary)


def _field(line: int | None, column: str | None) -> str | None:
    """Where a row error points, in the request's terms: lines.<index from 0>.<field>."""
    if line is None:
        return column
    return f"lines.{line - 1}.{column}" if column else f"lines.{line - 1}"


@router.get(
    "/sales/imports",
    response={200: list[SalesImportOut], **UNAUTHORIZED, 422: ValidationErrorOut},
    summary="List sales imports",
)
@paginate(Paginated)
def list_sales_imports(request: HttpRequest):
    """Your imports, newest first (an admin sees every import)."""
    return visible_imports(current_user(request)).order_by("-created_at", "-id")


@router.get("/sales/imports/{import_id}", response={200: SalesImportDetailOut, **READ_ERRORS}, summary="Get an import")
def get_sales_import(request: HttpRequest, import_id: ObjectId):
    found = visible_imports(current_user(request)).filter(pk=import_id).first()
    if found is None:
        raise NotFound("Import not found.")
    return found
