"""``kamdesk import accounts|contacts|sales|costs FILE [--dry-run] [--partial] [--json] [--as EMAIL]``.

Exit status: 0 when every row is good, 1 when rows were rejected, 2 when the file (or --as) is unusable.
Sales and cost files are streamed (any size) and every run is kept in the import history; with a terminal
on stderr a progress bar shows the rows read. The formats, the JSON summary and the rules are in
docs/import-formats.md.
"""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamdesk.imports.columns import KINDS
from kamdesk.imports.importing import ImportReport, run_import
from kamdesk.imports.management.actor import acting_user

STREAMED_KINDS = ("sales", "costs")


class Command(BaseCommand):
    help = (
        "Import accounts, contacts, sales lines or cost lines from a CSV or XLSX file; every row is checked "
        "before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, *STREAMED_KINDS], help="What the file holds.")
        parser.add_argument("file", metavar="FILE", help="A .csv or .xlsx file (contacts: also a .vcf vCard file).")
        parser.add_argument(
            "--account",
            dest="account_code",
            metavar="CODE",
            default="",
            help="vCard files: put every contact in this account (default: match each card's ORG to an account).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        parser.add_argument(
            "--partial", action="store_true", help="Write the good rows even when other rows are rejected."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object with the counts and every error."
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Import as this user, with exactly their access (default: the system, which may change anything).",
        )

    def handle(self, *args, kind: str, file: str, dry_run: bool, partial: bool, as_email: str | None, **options):
        actor = acting_user(as_email)
        if kind in STREAMED_KINDS:
            report = self._import_streamed(kind, file, actor, dry_run, partial, show_progress=not options["json"])
        else:
            try:
                data = Path(file).read_bytes()
            except OSError as exc:
                report = ImportReport.unreadable(kind, f"Cannot read {file}: {exc.strerror or exc}.")
            else:
                report = run_import(
                    kind,
                    data,
                    Path(file).name,
                    actor=actor,
                    dry_run=dry_run,
                    partial=partial,
                    account_code=options["account_code"],
                )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print_report(report, file)
        if report.exit_code:
            raise CommandError(report.outcome("--partial"), returncode=report.exit_code)

    def _import_streamed(self, kind, file, actor, dry_run, partial, *, show_progress: bool) -> ImportReport:
        from kamdesk.sales.sales_import import import_file

        try:
            handle = Path(file).open("rb")  # noqa: SIM115 - closed below, after the import read it
        except OSError as exc:
            return ImportReport.unreadable(kind, f"Cannot read {file}: {exc.strerror or exc}.")
        bar = ProgressBar(sys.stderr) if show_progress and sys.stderr.isatty() else None
        try:
            return import_file(
                kind,
                handle,
                Path(file).name,
                actor=actor,
                dry_run=dry_run,
                partial=partial,
                progress=bar.update if bar else None,
            )
        finally:
            handle.close()
            if bar:
                bar.close()

    def _print_report(self, report: ImportReport, file: str) -> None:
        source = f" ({report.source})" if report.source else ""
        self.stdout.write(
            f"{file}{source}: {report.rows} rows — {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected."
        )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        for error in report.errors:
            where = ", ".join(part for part in (_line(error.line), error.column) if part)
            self.stdout.write(f"{where}: {error.message}" if where else error.message)
        omitted = getattr(report, "errors_omitted", 0)
        if omitted:
            self.stdout.write(f"… and {omitted} more errors; the import history keeps a report of them.")
        if not report.exit_code:
            self.stdout.write(self.style.SUCCESS(report.outcome("--partial")))


def _line(line: int | None) -> str:
    return f"line {line}" if line is not None else ""


class ProgressBar:
    """A one-line progress bar on a terminal: share of the file read, rows so far, rows per second."""

    WIDTH = 30
    EVERY = 0.2  # seconds between redraws

    def __init__(self, stream):
        self.stream = stream
        self.started = time.monotonic()
        self.drawn_at = 0.0

    def update(self, progress: dict) -> None:
        now = time.monotonic()
        if now - self.drawn_at < self.EVERY and progress["phase"] == "reading":
            return
        self.drawn_at = now
        total, done = progress.get("total_bytes") or 0, progress.get("bytes_read") or 0
        share = min(done / total, 1.0) if total else 0.0
        filled = int(share * self.WIDTH)
        rate = progress["rows"] / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {progress['rows']:,} rows "
            f"({rate:,.0f}/s) {progress['phase']}…   "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.drawn_at:
            self.stream.write("\n")
            self.stream.flush()
