"""Reading sales and cost files row by row, so that a file of any size is read in bounded memory.

The account and contact importers read a whole file at once (kamdesk.imports.readers); sales files run to
millions of lines, so these readers hand out one row at a time from an open binary file:

- CSV: UTF-8 with or without byte-order mark, UTF-16 with byte-order mark, or else Windows-1252 (with a
  warning), decided from the first 64 KiB. The separator ("," ";" tab "|") comes from a first line
  ``sep=X`` or from the header line. Lines are read and decoded one at a time (bytes that are no text are
  reported with their line), so only a buffer's worth of the file is in memory at any time.
- XLSX (and XLS): the first sheet, row by row through python-calamine (the library holds the sheet's
  cells; a sheet has at most 1,048,576 rows).

Cells come back trimmed, with the export's formula guard removed, exactly as the account importer sees them.
A file that cannot be read at all raises ``FileError``; a single malformed CSV line is reported as a
problem of that line and reading goes on.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from python_calamine import CalamineError, CalamineWorkbook

from kamdesk.imports.columns import header_key, unguard
from kamdesk.imports.readers import (
    CANDIDATE_SEPARATORS,
    SAVE_AS_UTF8,
    SEPARATOR_NAMES,
    WORKBOOK_SIGNATURES,
    WORKBOOK_SUFFIXES,
    FileError,
)

SNIFF_BYTES = 64 * 1024  # enough to tell the encoding and to hold the header line


@dataclass(slots=True)
class SourceRow:
    """One non-blank row of the file: its line number, its cells and, for a CSV line that cannot be
    parsed, what is wrong with it (its cells are then empty)."""

    line: int
    cells: list[str]
    problem: str | None = None


@dataclass(frozen=True)
class CsvLayout:
    """Where the data rows of a CSV file start and how they are written, for loading them in bulk
    (kamdesk.sales.sales_bulk) instead of row by row."""

    encoding: str  # a codec that reads the bytes line by line ("utf-8", "utf-8-sig" or "cp1252")
    separator: str
    data_offset: int  # the byte after the header line
    first_data_line: int  # the line number of the first byte after the header line
    columns: int  # cells in the header line, empty ones included


@dataclass
class RowSource:
    """An opened file: the header, and the data rows as a lazy iterator."""

    headers: list[str]
    header_line: int
    rows: Iterator[SourceRow]
    description: str
    decimal_comma: bool = False  # numbers may use "," as the decimal mark (a ";"-separated CSV)
    fixed_columns: bool = False  # a workbook: a short row is not a sign of a cut-short line
    warnings: list[str] = field(default_factory=list)
    total_bytes: int | None = None
    bytes_read: Callable[[], int] = lambda: 0
    csv_layout: CsvLayout | None = None  # set for a CSV file whose rows can be loaded in bulk


UNREADABLE_LINE = 'This line cannot be read: {}. Check the quotes (") on it; the file may be cut short.'


def clean_cells(cells: list[str]) -> list[str] | None:
    """A CSV row's cells as the importers see them: trimmed, the export's formula guard removed; None
    for a blank row."""
    values = [cell.strip() for cell in cells]
    if not any(values):
        return None
    if "'" in "".join(values):  # rare: only then look for the export's formula guard
        values = [unguard(value) for value in values]
    return values


def open_rows(handle: BinaryIO, filename: str, expected_columns: Collection[str]) -> RowSource:
    """The rows of the CSV or workbook file open in ``handle`` (binary, seekable). The handle stays the
    caller's to close; the rows are read from it as they are consumed."""
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    total = _size(handle)
    if head.startswith(WORKBOOK_SIGNATURES):
        return _workbook_rows(handle, total)
    if filename.lower().endswith(WORKBOOK_SUFFIXES):
        raise FileError(
            f"“{filename}” is named like an Excel workbook but is not one (it may be cut short or be another "
            "kind of file). Save it again from Excel as .xlsx, or give a CSV file the ending .csv."
        )
    return _csv_rows(handle, head, total, expected_columns)


def _size(handle: BinaryIO) -> int | None:
    try:
        size = handle.seek(0, io.SEEK_END)
        handle.seek(0)
        return size
    except (OSError, AttributeError):
        return None


def _position(handle: BinaryIO) -> Callable[[], int]:
    def read_so_far() -> int:
        try:
            return handle.tell()
        except (OSError, ValueError):
            return 0

    return read_so_far


# --- CSV -----------------------------------------------------------------------------------------------


def _csv_rows(handle: BinaryIO, head: bytes, total: int | None, expected_columns: Collection[str]) -> RowSource:
    encoding, name, warnings = _encoding(head)
    lines = _lines_of(handle, encoding)
    looked_at: list[str] = []  # lines read to find the separator; the parser gets them first
    separator = None
    for line in lines:
        looked_at.append(line)
        if len(looked_at) == 1 and _declares_separator(line):
            # Excel's "sep=;" first line: keep it as a blank line so that line numbers stay the file's.
            separator, looked_at[0] = line.strip()[4], "\n"
        elif line.strip():
            break
    else:
        raise FileError("The file is empty.")
    separator = separator or _sniff_separator(looked_at[-1], expected_columns)
    reader = csv.reader(itertools.chain(looked_at, lines), delimiter=separator, strict=True)
    header_line, headers = _csv_header(reader)
    layout = None
    if encoding != "utf-16":  # there the text layer reads ahead, so the byte position is not the line's
        layout = CsvLayout(encoding, separator, handle.tell(), reader.line_num + 1, len(headers))
    description = f"CSV, {name}, separated by " + SEPARATOR_NAMES.get(separator, f"“{separator}”")
    return RowSource(
        headers=headers,
        header_line=header_line,
        rows=_csv_data(reader),
        description=description,
        decimal_comma=separator == ";",
        warnings=warnings,
        total_bytes=total,
        bytes_read=_position(handle),
        csv_layout=layout,
    )


def _declares_separator(line: str) -> bool:
    declared = line.rstrip("\r\n")
    return declared.lower().startswith("sep=") and len(declared) == 5


def _encoding(head: bytes) -> tuple[str, str, list[str]]:
    """The codec to read the file with, its name for people, and any warning — from the file's start."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with byte-order mark", []
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16", []
    try:
        # final=False: the 64 KiB may end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        if b"\x00" in head:
            raise FileError(f"The file is not a text file in a known encoding. {SAVE_AS_UTF8}") from None
        warning = (
            "The file is not UTF-8; it was read as Windows-1252 (Western European), the encoding Excel uses "
            f"for “CSV (comma delimited)”. Check accented letters. {SAVE_AS_UTF8}"
        )
        return "cp1252", "Windows-1252", [warning]
    if b"\x00" in head:
        raise FileError(f"The file contains binary data (NUL characters), so it is not a CSV file. {SAVE_AS_UTF8}")
    return "utf-8", "UTF-8", []


def _lines_of(handle: BinaryIO, encoding: str) -> Iterator[str]:
    """The file's lines as text, decoded one line at a time, so that bytes the encoding cannot read are
    reported with their exact line number."""
    if encoding == "utf-16":  # a newline is two bytes there: let the text layer split the lines
        yield from _utf16_lines(io.TextIOWrapper(handle, encoding=encoding, newline=""))
        return
    decode = codecs.getincrementaldecoder(encoding)().decode
    number = 0
    while raw := handle.readline():
        number += 1
        try:
            yield decode(raw)
        except UnicodeDecodeError:
            raise FileError(f"Line {number} has bytes that are not valid text. {SAVE_AS_UTF8}", number) from None
    try:
        decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileError(f"The file ends in the middle of a character. {SAVE_AS_UTF8}", number) from None


def _utf16_lines(text: io.TextIOWrapper) -> Iterator[str]:
    number = 0
    while True:
        try:
            line = text.readline()
        except UnicodeDecodeError:
            raise FileError(f"The file has bytes that are not valid UTF-16 after line {number}.", number) from None
        if not line:
            return
        number += 1
        yield line


def _sniff_separator(header_text: str, expected_columns: Collection[str]) -> str:
    def score(separator: str) -> tuple[int, int]:
        cells = next(csv.reader([header_text], delimiter=separator), [])
        return sum(header_key(cell) in expected_columns for cell in cells), len(cells)

    return max(CANDIDATE_SEPARATORS, key=score)


def _csv_header(reader) -> tuple[int, list[str]]:
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            values = [unguard(cell.strip()) for cell in cells]
            if any(values):
                return line, values
    except csv.Error as exc:
        raise FileError(
            f'The header line {reader.line_num} is malformed: {exc}. Check the quotes (") on that line.',
            reader.line_num,
        ) from None
    raise FileError("The file is empty.")


def _csv_data(reader) -> Iterator[SourceRow]:
    """Data rows as they are parsed. A quoted cell may span lines: a row's number is its first line."""
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            next_line = reader.line_num + 1
            yield SourceRow(line, [], UNREADABLE_LINE.format(exc))
            continue
        next_line = reader.line_num + 1
        values = clean_cells(cells)
        if values is not None:
            yield SourceRow(line, values)


# --- workbooks -----------------------------------------------------------------------------------------


def _workbook_rows(handle: BinaryIO, total: int | None) -> RowSource:
    try:
        workbook = CalamineWorkbook.from_filelike(handle)
        if not workbook.sheet_names:
            raise FileError("The workbook has no sheets.")
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.iter_rows()  # from the first row of the sheet: line = position + 1
    except CalamineError as exc:
        raise FileError(
            f"The Excel file cannot be read; it may be damaged, cut short or password-protected ({exc}). "
            "Save it again from Excel as .xlsx."
        ) from None
    numbered = ((index + 1, [_cell_text(value) for value in raw]) for index, raw in enumerate(grid))
    for line, values in numbered:
        if any(values):
            header_line, headers = line, values
            break
    else:
        raise FileError(f"The first sheet of the workbook (“{sheet.name}”) is empty.")
    height = max(sheet.total_height, 1)
    counter = {"line": header_line}

    def rows() -> Iterator[SourceRow]:
        for line, values in numbered:
            counter["line"] = line
            if any(values):
                yield SourceRow(line, values)

    def progress() -> int:
        # A workbook is read whole by the library; progress is the share of its rows handed out so far.
        return int((total or 0) * min(counter["line"] / height, 1))

    return RowSource(
        headers=headers,
        header_line=header_line,
        rows=rows(),
        description=f"Excel, sheet “{sheet.name}”",
        fixed_columns=True,
        total_bytes=total,
        bytes_read=progress,
    )


def _cell_text(value) -> str:
    """A workbook cell as the text a person sees: 30.0 is "30", a date cell is its ISO date."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return unguard(str(value).strip())
