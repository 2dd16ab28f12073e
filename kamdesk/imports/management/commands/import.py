"""``kamdesk import accounts|contacts FILE [--dry-run] [--partial] [--json] [--as EMAIL]``.

Exit status: 0 when every row is good, 1 when rows were rejected, 2 when the file (or --as) is unusable.
The formats, the JSON summary and the rules are in docs/import-formats.md.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamdesk.imports.columns import KINDS
from kamdesk.imports.importing import ImportReport, run_import
from kamdesk.imports.management.actor import acting_user


class Command(BaseCommand):
    help = "Import accounts or contacts from a CSV or XLSX file; every row is checked before anything is written."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="What the file holds.")
        parser.add_argument("file", metavar="FILE", help="A .csv or .xlsx file.")
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
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            report = ImportReport.unreadable(kind, f"Cannot read {file}: {exc.strerror or exc}.")
        else:
            report = run_import(kind, data, Path(file).name, actor=actor, dry_run=dry_run, partial=partial)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print_report(report, file)
        if report.exit_code:
            raise CommandError(report.outcome("--partial"), returncode=report.exit_code)

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
        if not report.exit_code:
            self.stdout.write(self.style.SUCCESS(report.outcome("--partial")))


def _line(line: int | None) -> str:
    return f"line {line}" if line is not None else ""
