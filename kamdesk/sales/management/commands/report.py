"""``kamdesk report REPORT ...``: the commercial reports on the command line, with the same figures as the
pages and under the same access (``--as EMAIL``; without it, the system, which sees everything).

Each report is a subcommand: one function adds its arguments, one produces it, and REPORTS registers the
pair. ``kamdesk report pnl --account CODE|--team TEAM|--all --period 2025|2025-Q3|2025-07
[--format table|json|csv|xlsx] [--output FILE] [--as EMAIL]``.
"""

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.core.management.base import BaseCommand, CommandError

from kamdesk.access.scope import actor_accounts
from kamdesk.core.errors import ServiceError
from kamdesk.imports.columns import guard_csv, guard_xlsx
from kamdesk.imports.management.actor import acting_user
from kamdesk.sales.periods import PERIOD_FORMATS, parse_period
from kamdesk.sales.pnl import PnL, account_pnl, portfolio_pnl, team_pnl
from kamdesk.users.management.cli_support import command_error, team_by_name


@dataclass(frozen=True)
class Report:
    help: str
    add_arguments: Callable  # (parser) -> None
    run: Callable  # (command, options) -> None


# --- shared options and output ------------------------------------------------------------------------------


def add_as_argument(parser) -> None:
    parser.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="Report as this user, with exactly their access (default: the system, which sees everything).",
    )


def add_output_arguments(parser, formats: tuple[str, ...]) -> None:
    parser.add_argument("--format", choices=formats, default=formats[0], help=f"One of: {', '.join(formats)}.")
    parser.add_argument("--output", metavar="FILE", help="Write to this file instead of the terminal (xlsx needs it).")


def write_text(command: BaseCommand, text: str, output: str | None) -> None:
    if output:
        _write_file(output, text.encode("utf-8"))
    else:
        command.stdout.write(text, ending="" if text.endswith("\n") else "\n")


def _write_file(output: str, data: bytes) -> None:
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None


def write_table_file(
    command: BaseCommand, fmt: str, header: list[str], rows: list[list], output: str | None, *, sheet: str
) -> None:
    """Rows as CSV (text cells guarded against running as formulas) or as an XLSX workbook (needs --output)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[_csv_cell(value) for value in row] for row in rows])
        write_text(command, buffer.getvalue(), output)
        return
    if not output:
        raise CommandError("An XLSX workbook cannot go to the terminal: give --output FILE.xlsx.")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = workbook.add_worksheet(sheet)
    bold = workbook.add_format({"bold": True})
    for col, name in enumerate(header):
        worksheet.write_string(0, col, name, bold)
    for row_number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            _xlsx_cell(worksheet, row_number, col, value)
    worksheet.set_column(0, len(header) - 1, 16)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    _write_file(output, buffer.getvalue())


def _csv_cell(value) -> str:
    if value is None:
        return ""
    return guard_csv(value) if isinstance(value, str) else str(value)


def _xlsx_cell(worksheet, row: int, col: int, value) -> None:
    if value is None:
        return
    if isinstance(value, str):
        worksheet.write_string(row, col, guard_xlsx(value))  # a string cell never runs as a formula
    elif isinstance(value, Decimal | int | float):
        worksheet.write_number(row, col, float(value))
    else:
        worksheet.write_string(row, col, str(value))


# --- pnl ---------------------------------------------------------------------------------------------------------

PNL_LINE_FIELDS = ["key", "label", "amount", "pct_of_net", "last_year", "vs_last_year_pct", "target", "vs_target_pct"]
PNL_COLUMNS = ["scope", "period", "currency", "line", *PNL_LINE_FIELDS[1:]]


def add_pnl_arguments(parser) -> None:
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--account", metavar="CODE", help="An account (ERP code), with all its subsidiaries.")
    scope.add_argument("--team", metavar="TEAM", help="A team (by name): the accounts its members own.")
    scope.add_argument("--all", action="store_true", help="Every account (the --as user may see).")
    parser.add_argument("--period", required=True, help=f"{PERIOD_FORMATS[0].upper()}{PERIOD_FORMATS[1:]}.")
    add_output_arguments(parser, ("table", "json", "csv", "xlsx"))
    add_as_argument(parser)


def run_pnl(command: BaseCommand, options: dict) -> None:
    user = acting_user(options.get("as_email"))
    try:
        period = parse_period(options["period"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        if options.get("account"):
            code = options["account"].strip()
            account = actor_accounts(user).filter(code=code).first()
            if account is None:
                raise CommandError(f"No account with the code {code!r}.")
            scope = {"kind": "account", "id": account.pk, "name": f"{account.name} ({account.code})"}
            pnl = account_pnl(user, account.pk, period)
        elif options.get("team"):
            team = team_by_name(options["team"])
            scope = {"kind": "team", "id": team.pk, "name": f"Team {team.name}"}
            pnl = team_pnl(user, team.pk, period)
        else:
            scope = {"kind": "all", "id": None, "name": "All accounts" if user is None else "All accounts you can see"}
            pnl = portfolio_pnl(user, period)
    except ServiceError as exc:
        raise command_error(exc) from exc
    fmt, output = options["format"], options.get("output")
    if fmt == "json":
        write_text(command, json.dumps({"scope": scope, **pnl.as_dict()}, ensure_ascii=False, indent=2), output)
    elif fmt == "table":
        write_text(command, pnl_table(pnl, scope["name"]), output)
    else:
        write_table_file(command, fmt, PNL_COLUMNS, pnl_rows(pnl, scope["name"]), output, sheet="P&L")


def pnl_rows(pnl: PnL, scope_name: str) -> list[list]:
    return [
        [scope_name, pnl.period.label, pnl.currency, *(getattr(line, name) for name in PNL_LINE_FIELDS)]
        for line in pnl.lines
    ]


def pnl_table(pnl: PnL, scope_name: str) -> str:
    """The P&L as aligned text for the terminal."""
    heading = (
        f"P&L · {scope_name} · {pnl.period.label} ({pnl.period.start:%Y-%m} to {pnl.period.last_month:%Y-%m}) · "
        f"{pnl.currency} · last year: {pnl.previous_period.label}"
    )
    header = ["Line", "Amount", "% of net", "Last year", "vs last year", "Target", "vs target"]
    rows = [
        [
            line.label,
            _amount(line.amount),
            _pct(line.pct_of_net),
            _amount(line.last_year),
            _pct(line.vs_last_year_pct, signed=True),
            _amount(line.target),
            _pct(line.vs_target_pct, signed=True),
        ]
        for line in pnl.lines
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [heading, ""]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    if pnl.costs_hidden:
        lines += ["", "Costs and margins are not shown for this user's role."]
    return "\n".join(lines) + "\n"


def _amount(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _pct(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f} %" if signed else f"{value:.1f} %"


# --- the command ------------------------------------------------------------------------------------------------

REPORTS: dict[str, Report] = {
    "pnl": Report(
        help="The customer P&L of an account (with its subsidiaries), a team or all accounts for a period.",
        add_arguments=add_pnl_arguments,
        run=run_pnl,
    ),
}


# --- concentration -------------------------------------------------------------------------------------------


def add_concentration_arguments(parser) -> None:
    parser.add_argument("--months", type=int, default=12, help="Length of the window in months (default 12).")
    add_output_arguments(parser, ("table", "json"))
    add_as_argument(parser)


def run_concentration(command: BaseCommand, options: dict) -> None:
    from kamdesk.sales.concentration import concentration_report

    user = acting_user(options.get("as_email"))
    try:
        text = concentration_report(user, options["months"], options["format"])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    write_text(command, text, options.get("output"))


REPORTS["concentration"] = Report(
    help="Top-N and top-20 % shares, HHI and what losing each customer would cost, over the last months.",
    add_arguments=add_concentration_arguments,
    run=run_concentration,
)


class Command(BaseCommand):
    help = "Commercial reports: the same figures as the pages, under the same access."

    def add_arguments(self, parser):
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        for name, report in REPORTS.items():
            report.add_arguments(reports.add_parser(name, help=report.help, description=report.help))

    def handle(self, *args, report: str, **options):
        REPORTS[report].run(self, options)
