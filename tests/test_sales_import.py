"""``kamdesk import sales|costs`` and ``kamdesk rollups rebuild``: real files, the real command, the real
database (SQLite and PostgreSQL)."""

import csv
import importlib
import io
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError

from kamdesk.imports.importing import RowError
from kamdesk.sales import rollups, sales_import
from kamdesk.sales.models import AccountMonthly, AccountQuarterly, CostLine, SalesImport, SalesLine, SalesMonthly
from kamdesk.sales.sales_import import error_report_csv, import_file
from kamdesk.sales.sales_readers import open_rows
from tests.factories import grant
from tests.sales_factories import make_product

pytestmark = pytest.mark.django_db
ProgressBar = importlib.import_module("kamdesk.imports.management.commands.import").ProgressBar

HEADER = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost"
COST_HEADER = "account_code,month,type,reference,amount"


@pytest.fixture
def catalogue(world):
    return make_product(sku="P-1"), make_product(sku="P-2")


def run(kind: str, path: Path, *args: str) -> tuple[dict, int]:
    """``kamdesk import KIND PATH --json ARGS``: the parsed JSON and the exit status."""
    out = io.StringIO()
    try:
        call_command("import", kind, str(path), "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    text = out.getvalue()
    assert text.count("\n") <= 1, "--json prints exactly one JSON object"
    report = json.loads(text)
    assert report["created"] + report["updated"] + report["unchanged"] + report["rejected"] == report["rows"]
    return report, code


def write(tmp_path: Path, text: str, name: str = "sales.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def sales_file(tmp_path: Path, *lines: str, header: str = HEADER, name: str = "sales.csv") -> Path:
    return write(tmp_path, "\n".join([header, *lines]) + "\n", name)


def errors_of(report: dict) -> list[tuple[int | None, str | None, str]]:
    return [(e["line"], e["column"], e["message"]) for e in report["errors"]]


def rollup_rows():
    by_product = sorted(
        SalesMonthly.objects.values_list(
            "account_id", "product_id", "month", "quantity", "gross_amount", "discount", "net_amount", "cost", "lines"
        )
    )
    by_account = sorted(
        AccountMonthly.objects.values_list(
            "account_id", "month", "quantity", "gross_amount", "discount", "net_amount", "cost", "lines"
        )
    )
    by_quarter = sorted(
        AccountQuarterly.objects.values_list(
            "account_id", "quarter", "quantity", "gross_amount", "discount", "net_amount", "cost", "lines"
        )
    )
    return by_product, by_account, by_quarter


def stored_lines():
    return sorted(
        SalesLine.objects.values_list(
            "document", "line", "date", "account__code", "product__sku", "quantity", "gross_amount", "discount",
            "net_amount", "cost",
        )
    )  # fmt: skip


GOOD = (
    "INV-1,1,2025-01-15,B-001,P-1,10,100.00,10.00,90.00,50.00",
    "INV-1,2,2025-01-15,B-001,P-2,5,50.00,,50.00,30.00",  # discount left empty: filled in
    "INV-2,1,2025-02-03,G-001,P-1,1.5,20.00,0,20.00,12.00",
    "CN-1,1,2025-02-20,B-001,P-1,-2,-20.00,-2.00,-18.00,-10.00",  # a credit note line
)


# --- valid files, idempotence, corrections ---------------------------------------------------------------


def test_a_valid_file_creates_lines_and_the_rollups_of_their_months(world, catalogue, tmp_path):
    report, code = run("sales", sales_file(tmp_path, *GOOD))
    assert code == 0
    assert (report["rows"], report["created"], report["rejected"], report["written"]) == (4, 4, 0, True)
    assert report["kind"] == "sales" and report["source"] == "CSV, UTF-8, separated by commas"
    assert report["rollup_months"] == 3  # B-001 in January and February, G-001 in February
    assert ("INV-1", 2, date(2025, 1, 15), "B-001", "P-2", Decimal("5"), Decimal(50), Decimal(0), Decimal(50),
            Decimal(30)) in stored_lines()  # fmt: skip
    january = AccountMonthly.objects.get(account=world.account_b, month=date(2025, 1, 1))
    assert (january.net_amount, january.discount, january.quantity, january.lines) == (
        Decimal("140.00"),
        Decimal("10.00"),
        Decimal(15),
        2,
    )
    february = AccountMonthly.objects.get(account=world.account_b, month=date(2025, 2, 1))
    assert (february.net_amount, february.quantity, february.cost) == (Decimal(-18), Decimal(-2), Decimal(-10))
    assert SalesLine.objects.get(document="INV-1", line=1).source_id == report["import_id"]
    kept = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == kept


def test_importing_the_same_file_again_changes_nothing(world, catalogue, tmp_path):
    path = sales_file(tmp_path, *GOOD)
    run("sales", path)
    lines, kept = stored_lines(), rollup_rows()
    first_source = SalesLine.objects.get(document="INV-1", line=1).source_id

    report, code = run("sales", path)
    assert code == 0
    assert (report["created"], report["updated"], report["unchanged"], report["rollup_months"]) == (0, 0, 4, 0)
    assert stored_lines() == lines and rollup_rows() == kept
    assert SalesLine.objects.get(document="INV-1", line=1).source_id == first_source  # untouched


def test_a_corrected_reexport_replaces_lines_and_moves_their_rollups(world, catalogue, tmp_path):
    run("sales", sales_file(tmp_path, *GOOD))
    corrected = sales_file(
        tmp_path,
        "INV-1,1,2025-03-02,B-001,P-1,10,100.00,10.00,90.00,50.00",  # moved to March
        GOOD[1],
        "INV-2,1,2025-02-03,B-001,P-1,1.5,20.00,0,20.00,12.00",  # moved to another account
        GOOD[3],
        name="corrected.csv",
    )
    report, code = run("sales", corrected)
    assert code == 0
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 2, 2)
    assert SalesLine.objects.count() == 4  # replaced, never duplicated
    january = AccountMonthly.objects.get(account=world.account_b, month=date(2025, 1, 1))
    assert (january.net_amount, january.lines) == (Decimal(50), 1)
    assert AccountMonthly.objects.get(account=world.account_b, month=date(2025, 3, 1)).net_amount == Decimal(90)
    assert AccountMonthly.objects.get(account=world.account_b, month=date(2025, 2, 1)).net_amount == Decimal(2)
    assert not AccountMonthly.objects.filter(account=world.global_account).exists()  # its only line moved away
    assert not SalesMonthly.objects.filter(account=world.global_account).exists()
    kept = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == kept


def test_rollups_rebuild_reproduces_what_imports_updates_and_credit_notes_kept(world, catalogue, tmp_path):
    run("sales", sales_file(tmp_path, *GOOD))
    run(
        "sales",
        sales_file(
            tmp_path,
            "INV-1,1,2024-12-30,G-001-DE,P-2,3,30.00,0,30.00,20.00",
            "CN-2,1,2025-01-31,G-001,P-2,0,-5.00,0,-5.00,0",  # a price correction: credit without goods
            "INV-3,7,2025-01-01,B-001,P-2,2,21.50,1.50,20.00,11.00",
            name="second.csv",
        ),
    )
    kept = rollup_rows()
    assert kept[1]  # there is something to reproduce
    out = io.StringIO()
    call_command("rollups", "rebuild", stdout=out)
    assert rollup_rows() == kept
    by_product, by_account, by_quarter = kept
    assert (
        f"{len(by_product)} rows by account, product and month; {len(by_account)} rows by account and month; "
        f"{len(by_quarter)} rows by account and quarter"
    ) in out.getvalue()


# --- bad input -------------------------------------------------------------------------------------------

OK = "INV-9,1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("INV-9,1,15/01/2025,B-001,P-1,1,10.00,0,10.00,5.00", "date", "“15/01/2025” is not a date in the form"),
        ("INV-9,1,2025-02-30,B-001,P-1,1,10.00,0,10.00,5.00", "date", "“2025-02-30” is not a date"),
        ("INV-9,1,2025-01-15,B-001,P-1,-1,10.00,0,10.00,5.00", "quantity", "The quantity -1 is negative on an invoice"),
        ("INV-9,1,2025-01-15,B-001,P-1,1,-10.00,0,-10.00,-5", "quantity", "A credit note line (negative net amount) "
         "needs a quantity of 0 or less, not 1."),
        ("INV-9,1,2025-01-15,B-001,P-1,-1,10.00,20,-10.00,-5", "gross_amount", "needs a gross amount of 0 or less"),
        ("INV-9,1,2025-01-15,B-001,P-1,-1,-10.00,2,-12.00,-5", "net_amount", "The net amount (-12.00) credits more"),
        ("INV-9,1,2025-01-15,B-001,P-1,1,10.00,-2,12.00,5.00", "net_amount",
         "The net amount (12.00) is more than the gross amount (10.00)."),
        ("INV-9,1,2025-01-15,B-001,P-1,1,10.00,1.00,8.00,5.00", "discount",
         "The discount (1.00) is not gross minus net (2.00)."),
        ("INV-9,1,2025-01-15,B-001,P-1,1,ten,0,10.00,5.00", "gross_amount", "“ten” is not a number."),
        ("INV-9,1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.001", "cost", "“5.001” has more than 2 decimal places."),
        ("INV-9,1,2025-01-15,B-001,P-1,1,1e20,0,10.00,5.00", "gross_amount", "“1e20” is too large."),
        ("INV-9,1,2025-01-15,B-001,P-1,1,10.00,0,10.00,", "cost", "The cost is missing."),
        ("INV-9,1,2025-01-15,NOPE,P-1,1,10.00,0,10.00,5.00", "account_code", "No account has the code “NOPE”."),
        ("INV-9,1,2025-01-15,B-001,NOPE,1,10.00,0,10.00,5.00", "sku", "No product has the SKU “NOPE”."),
        (",1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00", "document", "The document number is missing."),
        ("INV-9,first,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00", "line", "“first” is not a line number"),
        ("INV-9,1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00,USD", "currency",
         "The amounts are in “USD”, not in the reporting currency EUR; convert them to EUR first."),
    ],
)  # fmt: skip
def test_each_bad_row_is_named_by_line_column_and_reason_and_nothing_is_written(
    world, catalogue, tmp_path, settings, line, column, message
):
    settings.REPORTING_CURRENCY = "EUR"
    line = line if line.count(",") == 10 else line + ",EUR"
    path = sales_file(tmp_path, OK.replace("INV-9", "INV-8") + ",EUR", line, header=HEADER + ",currency")
    report, code = run("sales", path)
    assert code == 1
    assert (report["rows"], report["created"], report["rejected"], report["written"]) == (2, 1, 1, False)
    assert [(e[0], e[1]) for e in errors_of(report)] == [(3, column)]
    assert message in errors_of(report)[0][2]
    assert not SalesLine.objects.exists() and not AccountMonthly.objects.exists()


def test_a_row_with_several_problems_lists_each(world, catalogue, tmp_path):
    report, _ = run("sales", sales_file(tmp_path, "INV-9,1,2025-13-01,NOPE,P-1,1,x,0,10.00,5.00"))
    assert {column for _, column, _ in errors_of(report)} == {"date", "account_code", "gross_amount"}
    assert report["rejected"] == 1


def test_a_later_row_repeating_document_and_line_is_rejected(world, catalogue, tmp_path):
    path = sales_file(tmp_path, GOOD[0], GOOD[1], GOOD[0].replace("90.00,50.00", "90.00,51.00"))
    report, code = run("sales", path)
    assert code == 1 and report["written"] is False
    assert errors_of(report) == [
        (4, None, "The same document and line as line 2: each may appear only once in a file (this later row is "
         "rejected).")
    ]  # fmt: skip
    report, code = run("sales", path, "--partial")
    assert code == 1 and report["written"] is True and (report["created"], report["rejected"]) == (2, 1)
    assert SalesLine.objects.get(document="INV-1", line=1).cost == Decimal(50)  # the first row won


def test_a_file_cut_short_mid_line_rejects_its_last_line(world, catalogue, tmp_path):
    path = write(tmp_path, f"{HEADER}\n{GOOD[0]}\n{GOOD[1]}\nINV-3,1,2025-01-1")
    report, code = run("sales", path, "--partial")
    assert code == 1 and report["created"] == 2
    assert errors_of(report) == [
        (4, None, "This line has 3 values but the header has 10 columns; a separator may be missing or the file "
         "may be cut short.")
    ]  # fmt: skip


def test_a_file_cut_short_inside_quotes_and_bad_quotes_are_row_errors(world, catalogue, tmp_path):
    path = write(tmp_path, f'{HEADER}\n"INV-1"x,1\n{GOOD[0]}\n"INV-3,1,2025-01-1')
    report, _ = run("sales", path, "--partial")
    assert report["created"] == 1
    assert [(line, column) for line, column, _ in errors_of(report)] == [(2, None), (4, None)]
    assert all("cannot be read" in message for _, _, message in errors_of(report))


def test_an_empty_file_and_a_file_with_only_a_header(world, catalogue, tmp_path):
    report, code = run("sales", write(tmp_path, ""))
    assert code == 2 and errors_of(report) == [(None, None, "The file is empty.")]
    report, code = run("sales", write(tmp_path, "\n\n  \n", "blank.csv"))
    assert code == 2 and errors_of(report) == [(None, None, "The file is empty.")]
    report, code = run("sales", write(tmp_path, HEADER + "\n", "header.csv"))
    assert code == 0 and report["rows"] == 0
    assert report["warnings"] == ["The file has a header but no data rows; nothing to import."]
    assert SalesImport.objects.filter(status=SalesImport.Status.FAILED).count() == 2  # the history keeps both


def test_bytes_that_are_not_text_far_into_the_file_stop_the_import_with_their_line(world, catalogue, tmp_path):
    lines = [f"INV-{n},1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00" for n in range(2000)]  # past 64 KiB
    path = tmp_path / "broken.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode() + b"INV-\xff,1\n")
    report, code = run("sales", path)
    assert code == 2 and report["rows"] == 0 and not SalesLine.objects.exists()
    assert errors_of(report) == [
        (2002, None, "Line 2002 has bytes that are not valid text. Save it from Excel as “CSV UTF-8 (comma "
         "delimited)” and import it again.")
    ]  # fmt: skip


def test_missing_columns_are_named_and_columns_may_come_in_any_order_with_extras(world, catalogue, tmp_path):
    report, code = run("sales", write(tmp_path, "document,line,date\nINV-1,1,2025-01-01\n"))
    assert code == 2
    (error,) = report["errors"]
    assert error["message"].startswith(
        "Required columns missing: account_code, sku, quantity, gross_amount, net_amount, cost."
    )
    shuffled = "Cost,net_amount,SKU,Account Code,notes,date,line,document,quantity,gross-amount\n"
    report, code = run("sales", write(tmp_path, shuffled + "5.00,10.00,P-1,B-001,call back,2025-01-15,1,INV-9,1,10\n"))
    assert code == 0 and report["created"] == 1
    assert report["warnings"] == [
        "Ignored unknown column: notes. The sales columns are: document, line, date, account_code, sku, quantity, "
        "gross_amount, discount, net_amount, cost, currency."
    ]
    assert SalesLine.objects.get().discount == Decimal(0)


def test_utf8_bom_semicolons_and_decimal_commas(world, catalogue, tmp_path):
    text = "document;line;date;account_code;sku;quantity;gross_amount;discount;net_amount;cost\n"
    text += "INV-1;1;2025-01-15;B-001;P-1;1,5;1.234,50;234,50;1.000,00;600\n"
    report, code = run("sales", write(tmp_path, "\ufeff" + text))
    assert code == 0, report["errors"]
    assert report["source"] == "CSV, UTF-8 with byte-order mark, separated by semicolons"
    line = SalesLine.objects.get()
    assert (line.quantity, line.gross_amount, line.discount, line.net_amount) == (
        Decimal("1.5"),
        Decimal("1234.50"),
        Decimal("234.50"),
        Decimal("1000.00"),
    )


def test_utf16_with_byte_order_mark_and_tabs(world, catalogue, tmp_path):
    text = HEADER.replace(",", "\t") + "\r\n" + GOOD[0].replace(",", "\t") + "\r\n"
    report, code = run("sales", write(tmp_path, "\ufeff" + text, encoding="utf-16-le"))
    assert code == 0 and report["source"] == "CSV, UTF-16, separated by tabs"
    assert SalesLine.objects.get().net_amount == Decimal(90)


def test_an_excel_separator_line_and_windows_1252(world, catalogue, tmp_path):
    text = f"sep=|\n{HEADER.replace(',', '|')}\n" + GOOD[0].replace(",", "|").replace("INV-1", "INVÄ-1") + "\n"
    report, code = run("sales", write(tmp_path, text, encoding="cp1252"))
    assert code == 0, report["errors"]
    assert "Windows-1252" in report["source"] and "vertical bars" in report["source"]
    assert SalesLine.objects.get().document == "INVÄ-1"


def test_xlsx_with_dates_and_numbers_as_cells(world, catalogue, tmp_path):
    path = tmp_path / "sales.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Lines")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(1, 0, HEADER.split(","))  # the header on the second row
    sheet.write_row(2, 0, ["INV-1", 1])
    sheet.write_datetime(2, 2, __import__("datetime").datetime(2025, 1, 15), day)
    sheet.write_row(2, 3, ["B-001", "P-1", 3, 30.5, 0.5, 30, 20.25])
    sheet.write_row(3, 0, ["INV-1", 2, "2025-01-16", "B-001", "P-1", 1, 10, 0, 11, 5])  # net > gross
    workbook.close()
    report, code = run("sales", path, "--partial")
    assert code == 1 and report["source"] == "Excel, sheet “Lines”"
    assert errors_of(report) == [(4, "net_amount", "The net amount (11.00) is more than the gross amount (10.00).")]
    line = SalesLine.objects.get()
    assert (line.date, line.quantity, line.gross_amount, line.cost) == (
        date(2025, 1, 15),
        Decimal(3),
        Decimal("30.50"),
        Decimal("20.25"),
    )


# --- partial, dry run, interruption ---------------------------------------------------------------------


def test_partial_writes_the_good_rows_and_still_exits_non_zero(world, catalogue, tmp_path):
    report, code = run("sales", sales_file(tmp_path, GOOD[0], "INV-9,1,2025-01-15,NOPE,P-1,1,1,0,1,1"), "--partial")
    assert code == 1 and report["written"] is True and (report["created"], report["rejected"]) == (1, 1)
    assert SalesLine.objects.count() == 1 and AccountMonthly.objects.count() == 1
    record = SalesImport.objects.get(pk=report["import_id"])
    assert (record.rows_read, record.rows_written, record.rows_rejected) == (2, 1, 1)


def test_dry_run_writes_nothing_but_counts_what_would_happen(world, catalogue, tmp_path):
    run("sales", sales_file(tmp_path, GOOD[0]))
    lines, kept = stored_lines(), rollup_rows()
    changed = GOOD[0].replace("50.00", "55.00")
    report, code = run("sales", sales_file(tmp_path, changed, GOOD[1], name="next.csv"), "--dry-run")
    assert code == 0
    assert (report["created"], report["updated"], report["written"], report["dry_run"]) == (1, 1, False, True)
    assert stored_lines() == lines and rollup_rows() == kept
    assert SalesImport.objects.get(pk=report["import_id"]).rows_written == 0


def test_an_import_interrupted_while_writing_leaves_the_previous_data_and_rollups(
    world, catalogue, tmp_path, monkeypatch
):
    run("sales", sales_file(tmp_path, *GOOD))
    lines, kept = stored_lines(), rollup_rows()

    def crash(*args):
        raise RuntimeError("the machine went down")

    monkeypatch.setattr(rollups, "add_changes", crash)  # after the upsert, inside the transaction
    corrected = sales_file(
        tmp_path, GOOD[0].replace("2025-01-15", "2025-04-01"), "INV-7,1,2025-01-02,B-001,P-1,1,1,0,1,1"
    )
    with pytest.raises(RuntimeError):
        import_file("sales", corrected.open("rb"), "corrected.csv", actor=None)
    assert stored_lines() == lines and rollup_rows() == kept
    record = SalesImport.objects.order_by("-id").first()
    assert record.status == SalesImport.Status.FAILED and record.rows_written == 0
    assert "nothing was written" in record.summary["outcome"]


# --- streaming ------------------------------------------------------------------------------------------


def test_the_reader_hands_out_rows_lazily_without_reading_the_whole_file(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        for n in range(200_000):
            writer.writerow([f"INV-{n}", 1, "2025-01-01", "B-001", "P-1", 1, "10.00", "0", "10.00", "5.00"])
    size = path.stat().st_size
    with path.open("rb") as handle:
        source = open_rows(handle, "big.csv", HEADER.split(","))
        first = [next(source.rows) for _ in range(10)]
        assert [row.line for row in first] == list(range(2, 12))
        assert source.bytes_read() < size / 20  # only a buffer's worth has been read
        assert source.total_bytes == size


def test_rows_are_checked_and_staged_in_bounded_batches(world, catalogue, tmp_path, monkeypatch):
    monkeypatch.setattr(sales_import, "BATCH_ROWS", 3)
    batches: list[int] = []
    original = sales_import._Stage.append
    monkeypatch.setattr(
        sales_import._Stage, "append", lambda self, rows: batches.append(len(rows)) or original(self, rows)
    )
    # Spaces around the quantity: rows the SQL leaves to the Python checker, a batch at a time.
    lines = [f"INV-{n},1,2025-01-{n + 1:02d},B-001,P-1, 1 ,10.00,0,10.00,5.00" for n in range(8)]
    report, code = run("sales", sales_file(tmp_path, *lines))
    assert code == 0 and report["created"] == 8
    assert batches == [3, 3, 2]


# --- access ---------------------------------------------------------------------------------------------


def test_as_a_user_hidden_accounts_read_like_unknown_ones_and_read_only_ones_are_refused(world, catalogue, tmp_path):
    grant(world.account_b, world.kam_a)  # read access only
    path = sales_file(
        tmp_path,
        "INV-1,1,2025-01-15,G-001,P-1,1,10.00,0,10.00,5.00",
        "INV-2,1,2025-01-15,X-001,P-1,1,10.00,0,10.00,5.00",
        "INV-3,1,2025-01-15,B-001,P-1,1,10.00,0,10.00,5.00",
    )
    report, code = run("sales", path, "--as", "kam.a@example.com", "--partial")
    assert code == 1 and report["created"] == 1
    assert errors_of(report) == [
        (3, "account_code", "No account has the code “X-001”."),
        (4, "account_code", "You may not change the data of account “B-001” (read-only access)."),
    ]
    assert SalesImport.objects.get(pk=report["import_id"]).user == world.kam_a


def test_a_line_stored_for_an_account_the_user_may_not_change_is_not_moved(world, catalogue, tmp_path):
    run("sales", sales_file(tmp_path, "INV-5,1,2025-01-15,X-001,P-1,1,10.00,0,10.00,5.00"))
    takeover = sales_file(tmp_path, "INV-5,1,2025-01-15,G-001,P-1,1,10.00,0,10.00,5.00", name="takeover.csv")
    report, code = run("sales", takeover, "--as", "kam.a@example.com", "--partial")
    assert code == 1 and report["rejected"] == 1
    assert errors_of(report) == [
        (2, "document", "This document line is already stored for an account you may not change.")
    ]
    assert SalesLine.objects.get(document="INV-5").account == world.hidden
    assert "X-001" not in json.dumps(report) and "Hidden" not in json.dumps(report)


def test_viewers_cannot_import_from_the_command_line_either(world, catalogue, tmp_path):
    report, code = run("sales", sales_file(tmp_path, GOOD[0]), "--as", "viewer@example.com")
    assert code == 1 and errors_of(report) == [(2, "account_code", "No account has the code “B-001”.")]


# --- history and error report ---------------------------------------------------------------------------


def test_every_run_is_recorded_with_its_counts_and_error_report(world, catalogue, tmp_path):
    report, _ = run("sales", sales_file(tmp_path, GOOD[0], "INV-9,1,2025-01-15,NOPE,P-1,1,1,0,1,1"), "--partial")
    record = SalesImport.objects.get(pk=report["import_id"])
    assert (record.kind, record.file_name, record.status, record.user) == ("sales", "sales.csv", "done", None)
    assert (record.rows_read, record.rows_written, record.rows_rejected) == (2, 1, 1)
    assert record.started_at <= record.finished_at and record.duration_seconds >= 0
    assert record.summary["created"] == 1 and record.summary["errors"] == report["errors"]
    assert list(csv.reader(io.StringIO(record.error_report))) == [
        ["line", "column", "message"],
        ["3", "account_code", "No account has the code “NOPE”."],
    ]


def test_the_error_report_is_formula_safe_and_says_how_many_it_leaves_out():
    errors = [RowError(2, "sku", '=HYPERLINK("http://evil")'), RowError(3, None, "@SUM(A1)")]
    rows = list(csv.reader(io.StringIO(error_report_csv(errors, total=5))))
    assert rows[1] == ["2", "sku", '\'=HYPERLINK("http://evil")']
    assert rows[2] == ["3", "", "'@SUM(A1)"]
    assert rows[3][2] == "… and 3 more errors (the report keeps the first 2)."


def test_the_listed_errors_are_capped_and_the_rest_counted(world, catalogue, tmp_path, monkeypatch):
    monkeypatch.setattr(sales_import, "ERRORS_LISTED", 2)
    lines = [f"INV-{n},1,2025-01-15,NOPE,P-1,1,1,0,1,1" for n in range(5)]
    report, _ = run("sales", sales_file(tmp_path, *lines))
    assert len(report["errors"]) == 2 and report["errors_omitted"] == 3 and report["rejected"] == 5
    assert SalesImport.objects.get(pk=report["import_id"]).error_report.count("\n") == 6  # header + 5 rows


def test_the_progress_bar_shows_share_rows_and_phase():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.update({"phase": "writing", "rows": 1500, "bytes_read": 50, "total_bytes": 100})
    bar.close()
    assert " 50% 1,500 rows" in stream.getvalue() and "writing" in stream.getvalue()


def test_the_cli_prints_a_readable_report(world, catalogue, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import", "sales", str(sales_file(tmp_path, GOOD[0], "INV-9,x,2025-01-15,B-001,P-1,1,1,0,1,1")), stdout=out
        )
    assert failed.value.returncode == 1
    text = out.getvalue()
    assert "2 rows — 1 created, 0 updated, 0 unchanged, 1 rejected." in text
    assert "line 3, line: “x” is not a line number (0 or more)." in text


# --- cost lines -----------------------------------------------------------------------------------------


def test_cost_lines_are_idempotent_by_account_month_type_and_reference(world, tmp_path):
    path = write(
        tmp_path,
        f"{COST_HEADER}\nB-001,2025-01,trade_spend,Promo 12,1500.00\nB-001,2025-01,Rebates,,300\n"
        "G-001,2025-02-01,cost_to_serve,,80.5\n",
        "costs.csv",
    )
    report, code = run("costs", path)
    assert code == 0 and report["created"] == 3
    assert CostLine.objects.get(account=world.account_b, type="rebate").month == date(2025, 1, 1)
    report, _ = run("costs", path)
    assert (report["created"], report["unchanged"]) == (0, 3)
    changed = write(tmp_path, f"{COST_HEADER}\nB-001,2025-01,trade_spend,Promo 12,1750.00\n", "changed.csv")
    report, _ = run("costs", changed)
    assert report["updated"] == 1
    assert CostLine.objects.get(reference="Promo 12").amount == Decimal(1750) and CostLine.objects.count() == 3


def test_bad_cost_lines(world, tmp_path):
    path = write(
        tmp_path,
        f"{COST_HEADER}\nB-001,01/2025,trade_spend,,1\nB-001,2025-01,bribes,,1\nNOPE,2025-01,rebate,,x\n"
        "B-001,2025-01,rebate,,1\nB-001,2025-01,rebate,,2\n",
        "costs.csv",
    )
    report, code = run("costs", path)
    assert code == 1 and not CostLine.objects.exists()
    assert [(line, column) for line, column, _ in errors_of(report)] == [
        (2, "month"),
        (3, "type"),
        (4, "account_code"),
        (4, "amount"),
        (6, None),
    ]
    assert errors_of(report)[0][2] == "“01/2025” is not a month in the form YYYY-MM (e.g. 2025-03)."
    assert "Unknown cost type “bribes”" in errors_of(report)[1][2]
    assert "account, month, type and reference as line 5" in errors_of(report)[4][2]


# --- the command's other kinds keep working ------------------------------------------------------------


def test_accounts_are_still_imported_by_the_same_command(world, tmp_path):
    report, code = run("accounts", write(tmp_path, "code,name\nN-1,Newco\n", "accounts.csv"))
    assert code == 0 and report["created"] == 1 and "import_id" not in report


def test_a_missing_file_is_reported(world, tmp_path):
    report, code = run("sales", tmp_path / "nowhere.csv")
    assert code == 2 and report["errors"][0]["message"].startswith("Cannot read")
    assert not os.path.exists(tmp_path / "nowhere.csv")
