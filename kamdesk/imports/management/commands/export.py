"""``kamdesk export accounts|contacts [--format csv|xlsx] [--as EMAIL] [--output FILE]``.

Writes the columns the import reads, so the file imports back unchanged. Without ``--as`` everything is
exported (the operator); with it, only what that user may see. CSV goes to stdout unless --output is
given; XLSX needs --output.
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kamdesk.imports.columns import KINDS
from kamdesk.imports.exporting import FORMATS, export_queryset, export_table
from kamdesk.imports.management.actor import acting_user


class Command(BaseCommand):
    help = "Export accounts or contacts as CSV or XLSX, in the import's columns."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS, help="What to export.")
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            help="csv (default) or xlsx; taken from --output's ending when omitted.",
        )
        parser.add_argument("--as", dest="as_email", metavar="EMAIL", help="Export only what this user may see.")
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")

    def handle(self, *args, kind: str, fmt: str | None, as_email: str | None, output: str | None, **options):
        fmt = fmt or ("xlsx" if output and output.lower().endswith(".xlsx") else "csv")
        if fmt == "xlsx" and not output:
            raise CommandError("An XLSX export needs --output FILE.", returncode=2)
        queryset = export_queryset(kind, acting_user(as_email))
        if output is None:
            try:
                export_table(kind=kind, queryset=queryset, fmt="csv", stream=_Unbuffered(self.stdout))
            except BrokenPipeError:
                # The reader went away (e.g. `kamdesk export accounts | head`): stop quietly.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        try:
            if fmt == "csv":
                # utf-8-sig: the byte-order mark makes Excel read the file as UTF-8.
                with Path(output).open("w", encoding="utf-8-sig", newline="") as stream:
                    export_table(kind=kind, queryset=queryset, fmt=fmt, stream=stream)
            else:
                with Path(output).open("wb") as stream:
                    export_table(kind=kind, queryset=queryset, fmt=fmt, stream=stream)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.", returncode=2) from exc
        self.stderr.write(f"Wrote {output}.")


class _Unbuffered:
    """Writes to the command's stdout without the newline it adds to every write."""

    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")
