"""Importing accounts, contacts and products from CSV or XLSX files: the one entry point for the CLI and the web.

1. Read the file (readers.read_table) and match its header to the known columns.
2. Validate every row — cell values, references within the file and to what is stored, loops, access —
   and classify it as created, updated, unchanged or rejected. No query per row.
3. Unless this is a dry run, write in ONE transaction through the services, parents first, calling a
   service only for rows that change something. If any row is rejected, nothing is written — unless
   ``partial`` is set, in which case the good rows are written.

The report always satisfies created + updated + unchanged + rejected == rows. When nothing is written
(a dry run, or rejected rows without ``partial``), the counts say what the import would have done and
``written`` is false.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from kamdesk.core.errors import ServiceError
from kamdesk.imports import vcard_reader
from kamdesk.imports.accounts import AccountImporter
from kamdesk.imports.base import CREATED, REJECTED, UNCHANGED, UPDATED, Importer, Row
from kamdesk.imports.columns import ACCOUNTS, COLUMNS, CONTACTS, PRODUCTS, REQUIRED_COLUMNS, header_key
from kamdesk.imports.contacts import ContactImporter
from kamdesk.imports.readers import FileError, Table, read_table
from kamdesk.sales.import_products import ProductImporter
from kamdesk.users.models import User

IMPORTERS: dict[str, type[Importer]] = {
    ACCOUNTS: AccountImporter,
    CONTACTS: ContactImporter,
    PRODUCTS: ProductImporter,
}


@dataclass
class RowError:
    line: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    partial: bool = False
    file_error: bool = False  # the file as a whole could not be read: no row was looked at
    source: str = ""  # what was read, e.g. "CSV, UTF-8, separated by commas"

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [error.as_dict() for error in self.errors],
            "written": self.written,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "kind": self.kind,
            "source": self.source,
            "warnings": self.warnings,
        }

    @classmethod
    def unreadable(cls, kind: str, message: str, line: int | None = None, column: str | None = None) -> "ImportReport":
        """The report of a file that could not be read at all: no rows, one error."""
        return cls(kind=kind, file_error=True, errors=[RowError(line, column, message)])

    def outcome(self, partial_hint: str = "a partial import") -> str:
        """One sentence saying what happened to the stored data; ``partial_hint`` names the way to import
        only the good rows (the CLI says --partial)."""
        good = self.created + self.updated + self.unchanged
        if self.file_error:
            return "The file could not be read; nothing was written."
        if self.dry_run:
            problems = f" {_rows_text(self.rejected)} {_have(self.rejected)} errors." if self.rejected else ""
            return "Preview only: nothing was written." + problems
        if self.written and self.rejected:
            left_out = "was" if self.rejected == 1 else "were"
            return f"Imported the {_rows_text(good)} without errors; {_rows_text(self.rejected)} {left_out} left out."
        if self.written:
            return "Import complete."
        return (
            f"Nothing was written: {_rows_text(self.rejected)} {_have(self.rejected)} errors. Fix them and import "
            f"the file again, or import only the rows without errors ({partial_hint})."
        )

    @property
    def exit_code(self) -> int:
        """0: every row is fine; 1: rows were rejected; 2: the file could not be read."""
        if self.file_error:
            return 2
        return 1 if self.rejected else 0


def _rows_text(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _have(count: int) -> str:
    return "has" if count == 1 else "have"


class _RollBack(Exception):
    """Leaves the import's transaction without keeping anything."""


def run_import(
    kind: str,
    data: bytes,
    filename: str,
    *,
    actor: User | None,
    dry_run: bool = False,
    partial: bool = False,
    account_code: str = "",
) -> ImportReport:
    """Import ``data`` (the bytes of a CSV, XLSX or — for contacts — vCard file called ``filename``) as
    ``actor`` (None: the system). ``account_code`` puts every card of a vCard file in that account. See the
    module docstring for what happens."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    report = ImportReport(kind=kind, dry_run=dry_run, partial=partial)
    try:
        table = _read(kind, data, filename, actor=actor, account_code=account_code)
        positions = _match_header(table, kind, report)
    except FileError as exc:
        failed = ImportReport.unreadable(kind, exc.message, exc.line, exc.column)
        failed.dry_run, failed.partial = dry_run, partial
        return failed
    report.source = table.description
    report.warnings += table.warnings
    rows = _rows(table, positions)
    if not rows:
        report.warnings.append("The file has a header but no data rows; nothing to import.")
    importer = IMPORTERS[kind](actor=actor, decimal_comma=table.decimal_comma)
    ordered = _validate(importer, rows)
    if dry_run or not (partial or all(row.ok for row in rows)):
        report.written = False
    elif any(row.outcome in (CREATED, UPDATED) for row in rows):
        report.written = _write(importer, ordered, partial=partial)
    else:
        report.written = True  # every good row is already as the file says
    _tally(report, rows)
    return report


def _read(kind: str, data: bytes, filename: str, *, actor: User | None, account_code: str) -> Table:
    if not vcard_reader.is_vcard(data, filename):
        return read_table(data, filename, COLUMNS[kind])
    if kind != CONTACTS:
        raise FileError(f"“{filename}” is a vCard file: it can only be imported as contacts, not as {kind}.")
    return vcard_reader.read_vcards(data, actor=actor, account_code=account_code.strip())


# --- header and rows ---------------------------------------------------------------------------------


def _match_header(table: Table, kind: str, report: ImportReport) -> dict[str, int]:
    positions, warning = match_columns(
        table.headers, table.header_line, kind=kind, known=COLUMNS[kind], required=REQUIRED_COLUMNS[kind]
    )
    if warning:
        report.warnings.append(warning)
    return positions


def match_columns(
    headers: list[str], header_line: int, *, kind: str, known: tuple[str, ...], required: tuple[str, ...]
) -> tuple[dict[str, int], str]:
    """``{column: position}`` for the known columns of a header row, and a warning naming the unknown
    columns (ignored) or "". A repeated or missing required column is a FileError naming it."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if key not in known:
            unknown.append(header)
        elif key in positions:
            raise FileError(
                f"The column “{key}” appears twice in the header (columns {positions[key] + 1} and {position + 1}).",
                header_line,
                key,
            )
        else:
            positions[key] = position
    missing = [column for column in required if column not in positions]
    if missing:
        raise FileError(
            f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}. "
            f"The header (line {header_line}) has: {', '.join(h for h in headers if h) or 'nothing'}. "
            f"The {kind} columns are: {', '.join(known)}.",
            header_line,
            ", ".join(missing),
        )
    warning = ""
    if unknown:
        warning = (
            f"Ignored unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"The {kind} columns are: {', '.join(known)}."
        )
    return positions, warning


def _rows(table: Table, positions: dict[str, int]) -> list[Row]:
    rows = []
    for line, cells in table.rows:
        row = Row(line=line, cells={column: cells[i] if i < len(cells) else "" for column, i in positions.items()})
        if not table.fixed_columns:
            _check_alignment(row, cells, table.headers)
        rows.append(row)
    return rows


def _check_alignment(row: Row, cells: list[str], headers: list[str]) -> None:
    """A CSV line with fewer or more values than the header has columns has its values in the wrong
    columns: a separator is missing or extra, or the file is cut short."""
    width = max(i for i, header in enumerate(headers) if header.strip()) + 1
    if len(cells) < width:
        row.reject(
            None,
            f"This line has {len(cells)} values but the header has {width} columns; a separator may be "
            "missing or the file may be cut short.",
        )
    elif any(cells[width:]):
        row.reject(None, f"This line has values beyond the header's {width} columns; a separator may be extra.")


# --- validate ----------------------------------------------------------------------------------------


def _validate(importer: Importer, rows: list[Row]) -> list[Row]:
    """Classify every row; returns them in the order they must be written (parents first)."""
    importer.preload(rows)
    for row in rows:
        if row.ok:
            importer.parse(row)
    _reject_duplicates(importer, rows)
    importer.resolve(rows)
    for row in rows:
        if row.ok:
            importer.plan(row)
    ordered = sorted(rows, key=lambda row: (row.depth, row.line))
    for row in ordered:
        _reject_if_dependency_failed(importer, row)
    return ordered


def _reject_duplicates(importer: Importer, rows: list[Row]) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        if not row.key:
            continue
        if row.key in first_line:
            row.reject(importer.key_column, f"“{row.key}” already appears on line {first_line[row.key]}.")
        else:
            first_line[row.key] = row.line


def _reject_if_dependency_failed(importer: Importer, row: Row) -> None:
    """A row referring to a row of the file that cannot be imported, and that does not exist yet, cannot be
    imported either (a reference to a stored record stays valid whatever its row says)."""
    dependency = row.depends_on
    if row.ok and dependency is not None and dependency.outcome == REJECTED and not importer.exists(dependency.key):
        row.reject(
            importer.reference_column,
            f"It refers to “{dependency.key}” on line {dependency.line}, which cannot be imported.",
        )


# --- write -------------------------------------------------------------------------------------------


def _write(importer: Importer, ordered: list[Row], *, partial: bool) -> bool:
    """Write the good rows in one transaction; True if it was kept. Without ``partial`` a row refused by
    a service undoes everything."""
    try:
        with transaction.atomic():
            for row in ordered:
                if row.outcome not in (CREATED, UPDATED):
                    continue
                _reject_if_dependency_failed(importer, row)
                if row.ok:
                    _write_row(importer, row)
            if not partial and any(not row.ok for row in ordered):
                raise _RollBack
    except _RollBack:
        return False
    return True


def _write_row(importer: Importer, row: Row) -> None:
    # Each service runs in its own savepoint, so a refused row leaves the others intact.
    try:
        importer.write(row)
    except ServiceError as exc:
        row.reject_for_service(exc, importer.field_columns)
    except IntegrityError as exc:
        row.reject(None, f"The database refused this row: {exc}")


def _tally(report: ImportReport, rows: list[Row]) -> None:
    report.rows = len(rows)
    for row in rows:
        if not row.ok:
            row.outcome = REJECTED
        setattr(report, row.outcome, getattr(report, row.outcome) + 1)
        report.errors += [RowError(row.line, column, message) for column, message in row.errors]
    report.errors.sort(key=lambda error: error.line or 0)


__all__ = ["CREATED", "REJECTED", "UNCHANGED", "UPDATED", "ImportReport", "RowError", "run_import"]
