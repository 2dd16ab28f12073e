"""``kamdesk target set|import``: account targets from the shell.

- ``kamdesk target set ACCOUNT_CODE --metric revenue --year 2026 --value 1200000 [--phasing seasonal]``
  sets a fiscal year's monthly targets from an annual figure.
- ``kamdesk target import FILE [--dry-run] [--json]`` reads ``account_code, metric, month (YYYY-MM), value``
  rows, or annual rows with ``year`` instead of ``month`` and a ``phasing`` column; every row is checked
  first and nothing is written unless all are good. Exit status: 0 all good, 1 rows rejected, 2 the file
  (or --as) is unusable.

Without ``--as`` the operator acts as the system; with it, with exactly that user's access.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamdesk.access.scope import actor_accounts
from kamdesk.core.errors import ServiceError
from kamdesk.imports.importing import ImportReport
from kamdesk.imports.management.actor import acting_user
from kamdesk.sales.targets import EVEN, PHASINGS, target_set_annual, targets_import
from kamdesk.users.management.cli_support import command_error


class Command(BaseCommand):
    help = "Set an account's targets from an annual figure, or import targets from a CSV or XLSX file."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        set_ = actions.add_parser("set", help="Set a fiscal year's monthly targets from an annual figure.")
        set_.add_argument("code", metavar="ACCOUNT_CODE")
        set_.add_argument("--metric", required=True, help="revenue, volume, gross_margin, ...")
        set_.add_argument("--year", required=True, help="The fiscal year, e.g. 2026.")
        set_.add_argument("--value", required=True, help="The annual figure, e.g. 1200000.")
        set_.add_argument(
            "--phasing", default=EVEN, choices=list(PHASINGS), help="even (default) or seasonal (last year's shape)."
        )
        _add_as(set_)

        load = actions.add_parser("import", help="Import targets; every row is checked before anything is written.")
        load.add_argument("file", metavar="FILE", help="A .csv or .xlsx file.")
        load.add_argument("--dry-run", action="store_true", help="Check every row and report; write nothing.")
        load.add_argument("--json", action="store_true", help="Print one JSON object with the counts and every error.")
        _add_as(load)

    def handle(self, *args, action: str, **options):
        actor = acting_user(options.get("as_email"))
        if action == "set":
            self.set(actor, options)
        else:
            self.load(actor, options)

    def set(self, actor, options: dict) -> None:
        code = options["code"].strip()
        account = actor_accounts(actor).filter(code=code).first()
        if account is None:
            raise CommandError(f"No account with the code {code!r}.")
        try:
            targets = target_set_annual(
                actor=actor,
                account_id=account.pk,
                metric_code=options["metric"],
                year=options["year"],
                value=options["value"],
                phasing=options["phasing"],
            )
        except ServiceError as exc:
            raise command_error(exc) from exc
        total = sum(target.value for target in targets)
        self.stdout.write(
            f"{options['metric']} targets of {account.code} ({account.name}) for {options['year']}: "
            f"{total:,.2f} over {len(targets)} months, phased {PHASINGS[options['phasing']].lower()}."
        )
        for target in targets:
            self.stdout.write(f"  {target.month:%Y-%m}  {target.value:>18,.2f}")

    def load(self, actor, options: dict) -> None:
        file = options["file"]
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            report = ImportReport.unreadable("targets", f"Cannot read {file}: {exc.strerror or exc}.")
            report.dry_run = options["dry_run"]
        else:
            report = targets_import(actor=actor, data=data, filename=Path(file).name, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            self._print_report(report, file)
        if report.exit_code:
            raise CommandError(_outcome(report), returncode=report.exit_code)

    def _print_report(self, report: ImportReport, file: str) -> None:
        source = f" ({report.source})" if report.source else ""
        self.stdout.write(
            f"{file}{source}: {report.rows} rows — {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.rejected} rejected."
        )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        for error in report.errors:
            where = ", ".join(part for part in (f"line {error.line}" if error.line else "", error.column or "") if part)
            self.stdout.write(f"{where}: {error.message}" if where else error.message)
        if not report.exit_code:
            self.stdout.write(self.style.SUCCESS(_outcome(report)))


def _outcome(report: ImportReport) -> str:
    if report.file_error:
        return "The file could not be read; nothing was written."
    if report.rejected:
        return f"Nothing was written: {report.rejected} row(s) have errors. Fix them and import the file again."
    if report.dry_run:
        return "Preview only: nothing was written."
    return "Import complete."


def _add_as(parser) -> None:
    parser.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="Act as this user, with exactly their access (default: the system, which may change anything).",
    )
