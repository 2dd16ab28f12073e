"""Importing sales lines and cost lines: streamed, checked row by row, written set-based and idempotently.

One entry point for the CLI, the web job and the API:

1. **Read** the file's header (sales_readers) and match it; columns may come in any order, unknown
   columns are ignored with a warning.
2. **Check** the rows and **stage** the good ones in a temporary table. A CSV sales file is loaded in
   bulk and checked in SQL first (sales_bulk); its other rows, and every row of a workbook, a cost file or
   an API request, are checked in Python (sales_checks) against account codes and SKUs loaded once and
   staged in batches — PostgreSQL ``COPY``, SQLite ``executemany``. Either way the import holds one batch
   in memory whatever the size of the file.
3. **Check the staged rows together** in SQL: a row repeating an earlier row's key (document and line)
   is rejected; so is a sales line already stored for an account the user may not change.
4. **Count** created / updated / unchanged by comparing the stage with what is stored (one query).
5. **Write** in ONE transaction, one import at a time: sum the lines it creates or changes per roll-up
   row as they will be and as they were, ``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE ... WHERE
   changed``, then add the difference to the monthly roll-ups (rollups.add_changes) — no sales line is
   read again. Without ``partial``, nothing is written when any row is rejected; an exception or a
   killed process never commits, so the stored data stays as it was.

Every run is recorded as a ``SalesImport`` (who, when, file, counts, duration, summary, error report).
The report always satisfies created + updated + unchanged + rejected == rows.
"""

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from kamdesk.imports.columns import guard_csv
from kamdesk.imports.importing import ImportReport, RowError, match_columns
from kamdesk.imports.readers import FileError
from kamdesk.sales import rollups
from kamdesk.sales.import_liveness import this_process
from kamdesk.sales.models import SalesImport
from kamdesk.sales.sales_bulk import BulkLoad, NotBulk
from kamdesk.sales.sales_checks import CHECKERS, Checker
from kamdesk.sales.sales_readers import RowSource, SourceRow, open_rows
from kamdesk.users.models import User

SALES = "sales"
COSTS = "costs"
KINDS = (SALES, COSTS)

BATCH_ROWS = 10_000  # rows checked and staged at a time: what the import holds in memory
ERRORS_LISTED = 1_000  # row errors in the summary (CLI, API, page); the counts cover every row
ERRORS_IN_REPORT = 100_000  # row errors in the downloadable error report
FETCH_ROWS = 2_000

STAGE = "kamdesk_import_stage"
REJECTED = "kamdesk_import_rejected"
ADDED, REMOVED = "kamdesk_import_added", "kamdesk_import_removed"  # roll-up changes (see _collect_changes)
REPEATED, LOCKED = "repeated", "locked"  # why a staged row is rejected

Progress = Callable[[dict], None]


@dataclass
class SalesImportReport(ImportReport):
    """The accounts import's summary object, plus what a sales import adds."""

    import_id: int | None = None
    file: str = ""
    duration_seconds: float = 0.0
    errors_omitted: int = 0  # errors counted but not listed (see ERRORS_LISTED)
    rollup_months: int = 0  # (account, month) roll-ups refreshed

    def as_dict(self) -> dict:
        return super().as_dict() | {
            "import_id": self.import_id,
            "file": self.file,
            "duration_seconds": round(self.duration_seconds, 3),
            "errors_omitted": self.errors_omitted,
            "rollup_months": self.rollup_months,
        }


class _ErrorLog:
    """Row errors as they are found: all of them counted, the first ERRORS_IN_REPORT kept."""

    def __init__(self):
        self.kept: list[RowError] = []
        self.total = 0
        self.rejected_rows = 0

    def reject(self, line: int, problems: Iterable[tuple[str | None, str]]) -> None:
        self.rejected_rows += 1
        for column, message in problems:
            self.total += 1
            if len(self.kept) < ERRORS_IN_REPORT:
                self.kept.append(RowError(line, column, message))


# --- entry points -------------------------------------------------------------------------------------


def import_file(
    kind: str,
    handle,
    filename: str,
    *,
    actor: User | None,
    dry_run: bool = False,
    partial: bool = False,
    record: SalesImport | None = None,
    progress: Progress | None = None,
) -> SalesImportReport:
    """Import the CSV or XLSX file open in ``handle`` (binary, seekable) as ``actor`` (None: the system)."""
    record = record or _new_record(kind, filename, actor)
    opener = _Opener(lambda columns: open_rows(handle, filename, columns), handle)
    return _run(kind, opener, record, actor, dry_run, partial, progress)


def import_rows(
    kind: str,
    rows: Iterable[dict],
    *,
    actor: User | None,
    dry_run: bool = False,
    partial: bool = False,
    label: str = "API request",
) -> SalesImportReport:
    """Import rows given as dicts (column -> value), e.g. from the API; row n of the list is "line" n."""
    record = _new_record(kind, label, actor)
    return _run(kind, _Opener(lambda columns: _dict_rows(rows, columns)), record, actor, dry_run, partial, None)


@dataclass
class _Opener:
    """How to read the rows; a file also gives its handle, for loading it in bulk."""

    rows: Callable[[tuple[str, ...]], RowSource]
    handle: BinaryIO | None = None


def _new_record(kind: str, filename: str, actor: User | None) -> SalesImport:
    return SalesImport.objects.create(kind=kind, user=actor, file_name=filename[:255], status=SalesImport.Status.QUEUED)


def _dict_rows(rows: Iterable[dict], columns: tuple[str, ...]) -> RowSource:
    def cells() -> Iterator[SourceRow]:
        for number, row in enumerate(rows, start=1):
            yield SourceRow(number, [_as_text(row.get(column)) for column in columns])

    return RowSource(headers=list(columns), header_line=0, rows=cells(), description="JSON", fixed_columns=True)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


# --- the run ------------------------------------------------------------------------------------------


def _run(kind, opener, record, actor, dry_run, partial, progress) -> SalesImportReport:
    if kind not in CHECKERS:
        raise ValueError(f"unknown import kind {kind!r}")
    started = time.monotonic()
    record.status, record.started_at = SalesImport.Status.RUNNING, timezone.now()
    record.worker = this_process()
    record.save(update_fields=["status", "started_at", "worker"])
    report = SalesImportReport(kind=kind, dry_run=dry_run, partial=partial, import_id=record.pk, file=record.file_name)
    log = _ErrorLog()
    try:
        try:
            _import(kind, opener, record, actor, dry_run, partial, progress, report, log)
        except FileError as exc:
            # Unreadable from the start (or a byte sequence that is no text half-way): nothing is written.
            report.file_error, report.written = True, False
            report.rows = report.created = report.updated = report.unchanged = 0
            log.kept, log.total, log.rejected_rows = [RowError(exc.line, exc.column, exc.message)], 1, 0
    except BaseException:
        _finish(record, report, log, started, failed=True)
        raise
    _finish(record, report, log, started)
    return report


def _import(kind, opener, record, actor, dry_run, partial, progress, report, log) -> None:
    source = opener.rows(CHECKERS[kind].columns)
    positions = _match_header(source, CHECKERS[kind], report)
    checker = CHECKERS[kind](actor=actor, positions=positions, decimal_comma=source.decimal_comma)
    with _staging(checker) as stage:
        if not _stage_in_bulk(opener.handle, source, checker, stage, report, log, progress, record):
            _stage_rows(source, checker, stage, report, log, progress, record)
        if not report.rows:
            report.warnings.append("The file has a header but no data rows; nothing to import.")
        _report_progress(progress, record, report.rows, source, "checking")
        _check_staged(checker, stage, log)
        _count(checker, stage, report, log)
        if not dry_run and (partial or not log.rejected_rows):
            _report_progress(progress, record, report.rows, source, "writing")
            report.rollup_months = _write(checker, stage, record.pk)
            report.written = True


def _match_header(source: RowSource, checker: type[Checker], report: SalesImportReport) -> dict[str, int]:
    positions, warning = match_columns(
        source.headers, source.header_line, kind=checker.kind, known=checker.columns, required=checker.required
    )
    report.source = source.description
    report.warnings += source.warnings
    if warning:
        report.warnings.append(warning)
    return positions


def _header_width(source: RowSource) -> int:
    """The header's columns up to its last named one."""
    return max((i for i, header in enumerate(source.headers) if header.strip()), default=-1) + 1


def _stage_in_bulk(handle, source, checker, stage, report, log, progress, record) -> bool:
    """Load a CSV file in bulk, stage the rows the SQL accepts and check the rest in Python (sales_bulk).
    False when the file cannot be loaded so; it is then still unread after its header."""
    if handle is None or source.csv_layout is None or not checker.checks_in_bulk:
        return False
    width = _header_width(source)
    bulk = BulkLoad(source.csv_layout, checker.positions, width, lambda cells: _misalignment(cells, width))
    try:
        try:
            bulk.load(handle, lambda rows: _report_progress(progress, record, rows, source, "reading"))
        except NotBulk:
            handle.seek(source.csv_layout.data_offset)  # the row-by-row reader goes on from there
            return False
        report.rows = bulk.rows
        _report_progress(progress, record, report.rows, source, "checking")
        bulk.screen(checker, STAGE)
        _check_leftovers(bulk, checker, stage, report, log)
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                bulk.drop(cursor)
    return True


def _check_leftovers(bulk: BulkLoad, checker, stage, report, log) -> None:
    """The rows the SQL did not accept, through the Python checker as any other file's rows."""
    batch: list[tuple] = []
    for line, problem, cells in bulk.leftovers(checker.columns):
        if problem:
            log.reject(line, [(None, problem)])
            continue
        if cells is None:  # a row of empty cells: not a row
            report.rows -= 1
            continue
        errors: list = []
        values = checker.check(tuple(cells), errors)
        if errors:
            log.reject(line, errors)
        else:
            batch.append((line, *values))
        if len(batch) >= BATCH_ROWS:
            stage.append(batch)
            batch = []
    if batch:
        stage.append(batch)


def _stage_rows(source, checker, stage, report, log, progress, record) -> None:
    """Check every row and stage the good ones, BATCH_ROWS at a time."""
    width = _header_width(source)
    batch: list[tuple] = []
    check = checker.check_row
    for row in source.rows:
        report.rows += 1
        cells = row.cells
        if row.problem:
            log.reject(row.line, [(None, row.problem)])
        elif not source.fixed_columns and len(cells) != width and (problem := _misalignment(cells, width)):
            log.reject(row.line, [(None, problem)])
        else:
            errors: list = []
            values = check(cells, errors)
            if errors:
                log.reject(row.line, errors)
            else:
                batch.append((row.line, *values))
        if len(batch) >= BATCH_ROWS:
            stage.append(batch)
            batch = []
            _report_progress(progress, record, report.rows, source, "reading")
    if batch:
        stage.append(batch)


def _misalignment(cells: list[str], width: int) -> str | None:
    """Why a CSV line with fewer or more values than the header has columns cannot be read — its values
    are in the wrong columns: a separator is missing or extra, or the file is cut short. None when the
    extra values are empty."""
    if len(cells) < width:
        return (
            f"This line has {len(cells)} values but the header has {width} columns; a separator may be "
            "missing or the file may be cut short."
        )
    if any(cell.strip() for cell in cells[width:]):
        return f"This line has values beyond the header's {width} columns; a separator may be extra."
    return None


def _report_progress(progress, record, rows: int, source: RowSource, phase: str) -> None:
    if progress is None:
        return
    progress(
        {
            "import_id": record.pk,
            "phase": phase,
            "rows": rows,
            "bytes_read": source.bytes_read(),
            "total_bytes": source.total_bytes,
        }
    )


# --- staging ------------------------------------------------------------------------------------------


class _Stage:
    """The checked rows of this import in a temporary table of this connection: (file_line, key, values)."""

    def __init__(self, checker: Checker):
        self.checker = checker
        self.columns = ("file_line", *checker.key, *checker.values)
        self.postgres = connection.vendor == "postgresql"

    def create(self) -> None:
        types = {"file_line": "bigint", **self.checker.column_types}
        columns = ", ".join(f"{name} {types[name]} NOT NULL" for name in self.columns)
        if not self.postgres:  # the row id: rows are looked up by line without an index of their own
            columns = columns.replace("file_line bigint NOT NULL", "file_line INTEGER PRIMARY KEY")
        with connection.cursor() as cursor:
            self.drop(cursor)
            if self._may_switch_temp_store():
                # A large stage goes to a temporary file, not to memory (the connection keeps temporary
                # tables in memory otherwise). Changing this setting drops this connection's temp tables.
                cursor.execute("PRAGMA temp_store = FILE")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({columns})")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {REJECTED} (file_line bigint NOT NULL, reason varchar(10) NOT NULL, "
                "first_line bigint NULL)"
            )

    def append(self, rows: list[tuple]) -> None:
        names = ", ".join(self.columns)
        if self.postgres:
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {STAGE} ({names}) VALUES ({marks})", rows)  # noqa: S608

    def drop(self, cursor) -> None:
        for table in (STAGE, REJECTED, ADDED, REMOVED):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if self._may_switch_temp_store():
            cursor.execute("PRAGMA temp_store = MEMORY")

    def _may_switch_temp_store(self) -> bool:
        # SQLite refuses the change inside a transaction (an import called from within one keeps memory).
        return not self.postgres and not connection.in_atomic_block


class _staging:
    """``with _staging(checker) as stage``: the stage exists inside the block and is dropped after it."""

    def __init__(self, checker: Checker):
        self.stage = _Stage(checker)

    def __enter__(self) -> _Stage:
        self.stage.create()
        return self.stage

    def __exit__(self, *exc_info) -> None:
        if connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                self.stage.drop(cursor)


# --- set-based checks and counts ----------------------------------------------------------------------


def _key_match(left: str, right: str, key: tuple[str, ...]) -> str:
    return " AND ".join(f"{left}.{column} = {right}.{column}" for column in key)


def _changed(checker: Checker, stored: str, staged: str) -> str:
    return " OR ".join(f"{stored}.{column} <> {staged}.{column}" for column in checker.values)


def _check_staged(checker: Checker, stage: _Stage, log: _ErrorLog) -> None:
    """Reject, among the staged rows, those that repeat an earlier row's key, and sales lines stored for an
    account the actor may not change (a re-export must not move them); then drop them from the stage."""
    key = ", ".join(checker.key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {REJECTED} (file_line, reason, first_line) "  # noqa: S608
            f"SELECT s.file_line, '{REPEATED}', d.first_line FROM {STAGE} s "
            f"JOIN (SELECT {key}, MIN(file_line) AS first_line FROM {STAGE} GROUP BY {key} HAVING COUNT(*) > 1) d "
            f"ON {_key_match('s', 'd', checker.key)} WHERE s.file_line > d.first_line"
        )
        if checker.records_source and checker.editable is not None:
            _reject_moves_from_other_accounts(checker, cursor)
        cursor.execute(f"SELECT file_line, reason, first_line FROM {REJECTED} ORDER BY file_line")  # noqa: S608
        while found := cursor.fetchmany(FETCH_ROWS):
            for line, reason, first_line in found:
                log.reject(line, [_rejection(reason, first_line, checker)])
        cursor.execute(f"DELETE FROM {STAGE} WHERE file_line IN (SELECT file_line FROM {REJECTED})")  # noqa: S608


def _reject_moves_from_other_accounts(checker: Checker, cursor) -> None:
    """A staged line whose stored twin belongs to an account the actor may not change: rejected, without
    saying which account or what is stored."""
    table = checker.target._meta.db_table
    cursor.execute(
        f"SELECT s.file_line, t.account_id FROM {STAGE} s JOIN {table} t "  # noqa: S608
        f"ON {_key_match('s', 't', checker.key)} WHERE t.account_id <> s.account_id "
        f"AND s.file_line NOT IN (SELECT file_line FROM {REJECTED})"
    )
    refused: list[tuple[int, str]] = []
    while found := cursor.fetchmany(FETCH_ROWS):
        refused += [(line, LOCKED) for line, account_id in found if not checker.may_edit(account_id)]
    if refused:
        cursor.executemany(f"INSERT INTO {REJECTED} (file_line, reason) VALUES (%s, %s)", refused)  # noqa: S608


def _rejection(reason: str, first_line: int | None, checker: Checker) -> tuple[str | None, str]:
    if reason == LOCKED:
        return "document", "This document line is already stored for an account you may not change."
    return (
        None,
        f"The same {checker.key_description} as line {first_line}: each may appear only once in a file "
        "(this later row is rejected).",
    )


def _count(checker: Checker, stage: _Stage, report: SalesImportReport, log: _ErrorLog) -> None:
    """created / updated / unchanged of the staged rows, from one comparison with what is stored."""
    table = checker.target._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(t.id), "  # noqa: S608
            f"COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND ({_changed(checker, 't', 's')}) THEN 1 ELSE 0 END), 0) "
            f"FROM {STAGE} s LEFT JOIN {table} t ON {_key_match('s', 't', checker.key)}"
        )
        staged, stored, changed = cursor.fetchone()
    report.created, report.updated, report.unchanged = staged - stored, changed, stored - changed
    report.rejected = log.rejected_rows


# --- writing ------------------------------------------------------------------------------------------


def _write(checker: Checker, stage: _Stage, import_id: int) -> int:
    """Upsert the stage and bring the roll-ups in line, in one transaction. Returns how many
    (account, month) roll-ups changed."""
    table = checker.target._meta.db_table
    columns = [*checker.key, *checker.values]
    selected = list(columns)
    if checker.records_source:
        columns.append("source_id")
        selected.append("%s")
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in checker.key)
    changed = " OR ".join(f"{table}.{column} <> excluded.{column}" for column in checker.values)
    with transaction.atomic(), connection.cursor() as cursor:
        rollups.lock(cursor)
        if checker.refreshes_rollups:
            _collect_changes(checker, cursor)  # before the upsert overwrites what the lines were
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(selected)} FROM {STAGE} WHERE 1 = 1 "  # "WHERE" keeps SQLite's parser unambiguous
            f"ON CONFLICT ({', '.join(checker.key)}) DO UPDATE SET {updates} WHERE {changed}",
            [import_id] if checker.records_source else [],
        )
        if not checker.refreshes_rollups:
            return 0
        return rollups.add_changes(cursor, ADDED, REMOVED)


def _collect_changes(checker: Checker, cursor) -> None:
    """The roll-up rows' sums of the lines this import creates or changes, as they will be (ADDED) and as
    they were (REMOVED)."""
    table = checker.target._meta.db_table
    changed = _changed(checker, "t", "s")
    match = _key_match("s", "t", checker.key)
    for name, side, where in (
        (ADDED, "s", f"LEFT JOIN {table} t ON {match} WHERE t.id IS NULL OR {changed}"),
        (REMOVED, "t", f"JOIN {table} t ON {match} WHERE {changed}"),
    ):
        month = _month_of(f"{side}.date")
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} AS SELECT {side}.account_id AS account_id, "  # noqa: S608
            f"{side}.product_id AS product_id, {month} AS month, {rollups.summed_amounts('COUNT(*)', of=f'{side}.')} "
            f"FROM {STAGE} s {where} GROUP BY {side}.account_id, {side}.product_id, {month}"
        )


def _month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"substr({column}, 1, 8) || '01'"


# --- the record ---------------------------------------------------------------------------------------


def _finish(record: SalesImport, report: SalesImportReport, log: _ErrorLog, started: float, failed=False) -> None:
    """Store how the import went. A failure (an exception) leaves the counts of what was read."""
    log.kept.sort(key=lambda error: error.line or 0)
    report.rejected = log.rejected_rows if not report.file_error else 0
    report.errors = log.kept[:ERRORS_LISTED]
    report.errors_omitted = log.total - len(report.errors)
    report.duration_seconds = time.monotonic() - started
    if failed:
        report.written = False
    summary = report.as_dict()
    summary["outcome"] = _outcome(report, failed)
    record.status = SalesImport.Status.FAILED if failed or _failed(report) else SalesImport.Status.DONE
    record.finished_at = timezone.now()
    record.rows_read = report.rows
    record.rows_written = report.created + report.updated if report.written else 0
    record.rows_rejected = report.rejected
    # Messages quote the cells they refuse, NUL characters included; PostgreSQL text cannot hold those.
    record.summary = json.loads(json.dumps(summary).replace("\\u0000", "\\ufffd"))
    record.error_report = error_report_csv(log.kept, log.total).replace("\x00", "\ufffd")
    if connection.needs_rollback:
        return  # inside a broken transaction nothing can be saved; the caller's rollback decides
    record.save()


def _failed(report: SalesImportReport) -> bool:
    return report.file_error or (not report.written and not report.dry_run and report.rows > 0)


def _outcome(report: SalesImportReport, failed: bool) -> str:
    if failed:
        return "The import stopped with an error; nothing was written and the stored data is unchanged."
    return report.outcome("a partial import")


def error_report_csv(errors: list[RowError], total: int) -> str:
    """The rejected rows as CSV (line, column, message), every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "column", "message"])
    for error in errors:
        writer.writerow(
            [error.line if error.line is not None else "", guard_csv(error.column or ""), guard_csv(error.message)]
        )
    if total > len(errors):
        more = f"… and {total - len(errors)} more errors (the report keeps the first {len(errors)})."
        writer.writerow(["", "", more])
    return out.getvalue() if errors else ""
