"""Reading CSV and XLSX files, as Excel and ERP systems write them, into rows of text cells.

- CSV: UTF-8 with or without byte-order mark, UTF-16 with byte-order mark (Excel's "Unicode text"), or
  else Windows-1252 (what Excel writes for "CSV (comma delimited)" in Western Europe), with a warning.
  The separator (",", ";", tab or "|") is taken from the header line.
- XLSX (and the older XLS): the first sheet; the first non-empty row is the header.

Every cell comes back as trimmed text, with the formula guard of the export removed (columns.unguard).
Anything that cannot be read raises FileError with a message a person can act on.
"""

import codecs
import csv
import datetime as dt
import io
from collections.abc import Collection
from dataclasses import dataclass, field

from python_calamine import CalamineError, CalamineWorkbook

from kamdesk.imports.columns import header_key, unguard

WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # XLSX (a ZIP archive), XLS (an OLE file)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CANDIDATE_SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
SAVE_AS_UTF8 = "Save it from Excel as “CSV UTF-8 (comma delimited)” and import it again."


class FileError(Exception):
    """The file as a whole cannot be read; nothing is imported."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Table:
    headers: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    description: str
    decimal_comma: bool = False  # numbers in this file may use "," as the decimal mark
    warnings: list[str] = field(default_factory=list)
    # In a workbook a cell cannot slip into the next column, so values beyond the header are notes, not a
    # sign of a missing or extra separator.
    fixed_columns: bool = False


def read_table(data: bytes, filename: str, expected_columns: Collection[str]) -> Table:
    """The header and data rows of a CSV or workbook file; blank rows are skipped."""
    if data.startswith(WORKBOOK_SIGNATURES):
        return _read_workbook(data)
    if filename.lower().endswith(WORKBOOK_SUFFIXES):
        raise FileError(
            f"“{filename}” is named like an Excel workbook but is not one (it may be cut short or be another "
            "kind of file). Save it again from Excel as .xlsx, or give a CSV file the ending .csv."
        )
    return _read_csv(data, expected_columns)


# --- CSV ---------------------------------------------------------------------------------------------


def _read_csv(data: bytes, expected_columns: Collection[str]) -> Table:
    text, encoding, warnings = _decode(data)
    if not text.strip():
        raise FileError("The file is empty.")
    separator, text = _declared_separator(text)
    separator = separator or _sniff_separator(text, expected_columns)
    header, rows = _parse_csv(text, separator)
    description = f"CSV, {encoding}, separated by " + SEPARATOR_NAMES.get(separator, f"“{separator}”")
    return Table(
        headers=header[1],
        header_line=header[0],
        rows=rows,
        description=description,
        decimal_comma=separator == ";",
        warnings=warnings,
    )


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """The text of the file, the name of its encoding and any warning about it."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict_decode(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8"), "UTF-8 with byte-order mark", []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict_decode(data, "utf-16", "UTF-16"), "UTF-16", []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if b"\x00" in data:
            raise FileError(f"The file is not a text file in a known encoding. {SAVE_AS_UTF8}") from None
        text = _windows_1252(data)
        warning = (
            "The file is not UTF-8; it was read as Windows-1252 (Western European), the encoding Excel uses "
            f"for “CSV (comma delimited)”. Check accented letters in the preview. {SAVE_AS_UTF8}"
        )
        return text, "Windows-1252", [warning]
    if "\x00" in text:
        raise FileError(f"The file contains binary data (NUL characters), so it is not a CSV file. {SAVE_AS_UTF8}")
    return text, "UTF-8", []


def _strict_decode(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(f"The file starts like {name} text but has invalid bytes on line {line}.", line) from None


def _windows_1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(
            f"The file is neither UTF-8 nor Windows-1252 text (the first unreadable character is on line {line}). "
            + SAVE_AS_UTF8,
            line,
        ) from None


def _declared_separator(text: str) -> tuple[str | None, str]:
    """Excel honours (and some tools write) a first line "sep=;" naming the separator. Returns it and the
    text with that line blanked out, so that line numbers stay those of the file."""
    first, newline, rest = text.partition("\n")
    declared = first.rstrip("\r")
    if declared.lower().startswith("sep=") and len(declared) == 5:
        return declared[4], newline + rest
    return None, text


def _sniff_separator(text: str, expected_columns: Collection[str]) -> str:
    """The separator that splits the header line into the most known column names (then the most cells)."""
    header_line = next((line for line in text.splitlines() if line.strip()), "")

    def score(separator: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=separator), [])
        return sum(header_key(cell) in expected_columns for cell in cells), len(cells)

    return max(CANDIDATE_SEPARATORS, key=score)


def _parse_csv(text: str, separator: str) -> tuple[tuple[int, list[str]], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    header: tuple[int, list[str]] | None = None
    rows: list[tuple[int, list[str]]] = []
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1  # a quoted cell may span several lines
            values = [unguard(cell.strip()) for cell in cells]
            if not any(values):
                continue
            if header is None:
                header = (line, values)
            else:
                rows.append((line, values))
    except csv.Error as exc:
        raise FileError(
            f'The CSV file is malformed on line {reader.line_num}: {exc}. Check the quotes (") on that line; '
            "the file may also be cut short.",
            reader.line_num,
        ) from None
    if header is None:
        raise FileError("The file is empty.")
    return header, rows


# --- workbooks ---------------------------------------------------------------------------------------


def _read_workbook(data: bytes) -> Table:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileError("The workbook has no sheets.")
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)  # keeps row positions, so line = index + 1
    except CalamineError as exc:
        raise FileError(
            f"The Excel file cannot be read; it may be damaged, cut short or password-protected ({exc}). "
            "Save it again from Excel as .xlsx."
        ) from None
    header: tuple[int, list[str]] | None = None
    rows: list[tuple[int, list[str]]] = []
    for index, raw in enumerate(grid):
        values = [_cell_text(value) for value in raw]
        if not any(values):
            continue
        if header is None:
            header = (index + 1, values)
        else:
            rows.append((index + 1, values))
    if header is None:
        raise FileError(f"The first sheet of the workbook (“{sheet.name}”) is empty.")
    return Table(
        headers=header[1],
        header_line=header[0],
        rows=rows,
        description=f"Excel, sheet “{sheet.name}”",
        fixed_columns=True,
    )


def _cell_text(value) -> str:
    """A workbook cell as the text a person sees: 30.0 is "30", dates in ISO form."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return unguard(str(value).strip())
