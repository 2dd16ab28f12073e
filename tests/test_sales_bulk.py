"""A CSV sales file checked in bulk (kamdesk.sales.sales_bulk: SQL first, the Python checker for the rest)
gives exactly what checking it row by row gives: the same report, the same errors, the same stored lines
and roll-ups — on SQLite and on PostgreSQL."""

import io
import threading

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamdesk.sales import rollups, sales_bulk
from kamdesk.sales.models import SalesLine
from kamdesk.sales.sales_checks import SalesChecker
from kamdesk.sales.sales_import import import_file
from tests.sales_factories import make_product
from tests.test_sales_import import rollup_rows

pytestmark = pytest.mark.django_db

COLUMNS = ["document", "line", "date", "account_code", "sku", "quantity", "gross_amount", "discount", "net_amount"]
COLUMNS += ["cost", "currency"]
STORED = ("document", "line", "date", "account_id", "product_id", "quantity", "gross_amount", "discount")
STORED += ("net_amount", "cost")
# What an earlier import stored: the file may update it, leave it unchanged or try to move it.
EARLIER = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n" + "\n".join(
    [
        "INV-1,1,2025-01-15,B-001,P-1,2,20.00,0,20.00,8.00",
        "INV-2,1,2025-02-10,G-001,P-2,1,10.00,1.00,9.00,4.00",
        "INV-3,1,2025-03-05,X-001,P-1,1,5.00,0,5.00,2.00",
    ]
)

# Cells a file may hold: plain ones the SQL takes, and every kind the Python checker must decide.
DOCUMENTS = ["INV-1", "INV-2", "INV-3", "INV-4", "CRN-9", " INV-5", "'=X", "'INV-6", "A" * 40, "A" * 41, "", "Ä-1"]
LINES = ["1", "2", "0", "-1", "1.0", "x", "", "999999999", "2147483647", "2147483648", " 3", "0003"]
DATES = ["2025-01-15", "2025-02-28", "2025-02-30", "2024-02-29", "2025-04-31", "2025-13-01", "15.01.2025", ""]
DATES += ["0999-12-31", "2025-1-5", " 2025-01-15", "3000-01-01"]
CODES = ["B-001", "G-001", "G-001-DE", "X-001", "NOPE", " B-001", "b-001", ""]
SKUS = ["P-1", "P-2", "p-1", "NOPE", " P-2", ""]
QUANTITIES = ["1", "2", "-1", "0", "-0", "1.5", "1.2345", "1,5", "1.500", "1,500", "abc", "", "1e3"]
QUANTITIES += ["123456789012345", "1234567890123456", "+2", ".5"]
AMOUNTS = ["10.00", "10", "9.99", "-10.00", "0", "1,234.50", "1.234,50", "10.001", "", "nan", "Infinity", "-0.5"]
AMOUNTS += ["12345678901234.56", "123456789012.34", "1e2", "10.1", "10,1", "0.01", " 10.00"]
CURRENCIES = ["", "EUR", "eur", "USD", " EUR"]


def row_values():
    return st.fixed_dictionaries(
        {
            "document": st.sampled_from(DOCUMENTS),
            "line": st.sampled_from(LINES),
            "date": st.sampled_from(DATES),
            "account_code": st.sampled_from(CODES),
            "sku": st.sampled_from(SKUS),
            "quantity": st.sampled_from(QUANTITIES),
            "gross_amount": st.sampled_from(AMOUNTS),
            "discount": st.sampled_from(AMOUNTS),
            "net_amount": st.sampled_from(AMOUNTS),
            "cost": st.sampled_from(AMOUNTS),
            "currency": st.sampled_from(CURRENCIES),
        }
    )


def valid_row(number: int):
    """A row the SQL takes: most rows of a real file are like this."""
    amount = st.integers(min_value=0, max_value=10**7).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")
    return st.tuples(amount, amount, st.sampled_from(["B-001", "G-001", "G-001-DE"]), st.booleans()).map(
        lambda values: {
            "document": f"INV-{100 + number}",
            "line": "1",
            "date": "2025-03-31",
            "account_code": values[2],
            "sku": "P-1",
            "quantity": "-3" if values[3] else "3",
            "gross_amount": ("-" if values[3] else "") + max(values[0], values[1], key=float),
            "discount": "",
            "net_amount": ("-" if values[3] else "") + min(values[0], values[1], key=float),
            "cost": values[0],
            "currency": "EUR",
        }
    )


@st.composite
def sales_files(draw):
    columns = draw(st.sampled_from([COLUMNS, [c for c in COLUMNS if c not in ("discount", "currency")]]))
    columns = draw(st.permutations(columns))
    separator = draw(st.sampled_from([",", ";"]))
    quoted = draw(st.booleans())  # quotes send a PostgreSQL load through Python's parser
    rows = draw(st.lists(st.one_of(row_values(), valid_row(draw(st.integers(0, 50)))), min_size=1, max_size=8))
    lines = [separator.join(columns)]
    for row in rows:
        cells = [row[column] for column in columns]
        if quoted:
            cells = ['"' + cell.replace('"', '""') + '"' for cell in cells]
        elif any(separator in cell for cell in cells):
            continue  # the cell would split; the file writer would have quoted it
        lines.append(separator.join(cells))
    return ("\n".join(lines) + "\n").encode()


def outcome(data: bytes, actor, *, bulk: bool, monkeypatch) -> tuple:
    """What importing ``data`` (partially, so that good rows are written) reports and stores — rolled back."""
    monkeypatch.setattr(SalesChecker, "checks_in_bulk", bulk)
    with transaction.atomic():
        monkeypatch.setattr(SalesChecker, "checks_in_bulk", False)
        import_file("sales", io.BytesIO(EARLIER.encode()), "earlier.csv", actor=None)
        monkeypatch.setattr(SalesChecker, "checks_in_bulk", bulk)
        report = import_file("sales", io.BytesIO(data), "sales.csv", actor=actor, partial=True).as_dict()
        stored = sorted(SalesLine.objects.values_list(*STORED))
        rollups = rollup_rows()
        transaction.set_rollback(True)
    for varying in ("import_id", "duration_seconds"):
        report.pop(varying)
    return report, stored, rollups


@pytest.fixture
def catalogue(world):
    return make_product(sku="P-1"), make_product(sku="P-2")


@pytest.mark.parametrize("as_user", [False, True], ids=["system", "kam"])
def test_bulk_checking_gives_what_row_by_row_checking_gives(world, catalogue, monkeypatch, reporting_currency, as_user):
    actor = world.kam_a if as_user else None

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=sales_files())
    def check(data):
        assert outcome(data, actor, bulk=True, monkeypatch=monkeypatch) == outcome(
            data, actor, bulk=False, monkeypatch=monkeypatch
        )

    check()


@pytest.fixture
def reporting_currency(settings):
    settings.REPORTING_CURRENCY = "EUR"
    return settings


def count_python_checks(monkeypatch) -> list[int]:
    calls = [0]
    original = SalesChecker.check

    def counted(self, cells, errors):
        calls[0] += 1
        return original(self, cells, errors)

    monkeypatch.setattr(SalesChecker, "check", counted)
    return calls


def test_plain_rows_never_reach_the_python_checker(world, catalogue, monkeypatch):
    calls = count_python_checks(monkeypatch)
    lines = [f"INV-{n},1,2025-01-{n + 1:02d},B-001,P-1,2,20.00,,18.00,8.00" for n in range(20)]
    data = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n" + "\n".join(lines)
    report = import_file("sales", io.BytesIO(data.encode()), "sales.csv", actor=None)
    assert (report.created, report.rejected, calls[0]) == (20, 0, 0)
    assert SalesLine.objects.get(document="INV-3").discount == 2  # filled in as gross - net


def test_only_the_rows_the_sql_leaves_are_checked_in_python(world, catalogue, monkeypatch):
    calls = count_python_checks(monkeypatch)
    data = "\n".join(
        [
            "document;line;date;account_code;sku;quantity;gross_amount;discount;net_amount;cost",
            "INV-1;1;2025-01-15;B-001;P-1;2;20,00;0;20,00;8,00",
            "INV-2;1;2025-01-15;B-001;P-1;2;1.020,00;0;1.020,00;8,00",  # thousands separator: Python reads it
            "INV-3;1;2025-01-15;NOPE;P-1;2;20,00;0;20,00;8,00",
        ]
    )
    report = import_file("sales", io.BytesIO(data.encode()), "sales.csv", actor=None, partial=True)
    assert (report.created, report.rejected, calls[0]) == (2, 1, 2)
    assert SalesLine.objects.get(document="INV-2").gross_amount == 1020


@pytest.mark.parametrize(
    "body, lines",
    [
        ('INV-1,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n"INV\n2",1,2025-01-15,B-001,P-1,1,1,0,1,1\nINV-3,x', [5]),
        ("INV-1,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n\nINV-3,x\n", [4]),
        ("INV-1,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\r\nINV-3,x\r\n", [3]),
        ("INV-1,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n\\.\nINV-3,x\n", [3, 4]),
    ],
    ids=["quoted-newline", "blank-line", "crlf", "end-of-data-mark"],
)
def test_rows_are_named_by_their_line_in_the_file_however_it_is_written(world, catalogue, body, lines):
    header = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n"
    report = import_file("sales", io.BytesIO((header + body).encode()), "s.csv", actor=None, partial=True)
    assert sorted({error.line for error in report.errors}) == lines
    assert SalesLine.objects.filter(document="INV-1").exists()


def test_a_file_that_cannot_be_loaded_in_bulk_is_read_row_by_row(world, catalogue, monkeypatch):
    """Bytes that are no UTF-8 after the part the encoding is told from: the bulk load gives up and the
    row-by-row reader names the line."""
    data = b"document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n"
    data += b"".join(b"INV-%d,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n" % n for n in range(2000))
    data += b"INV-X,1,2025-01-15,B-001,P-\xff,1,1,0,1,1\n"
    report = import_file("sales", io.BytesIO(data), "sales.csv", actor=None)
    assert report.file_error and report.errors[0].line == 2002
    assert not SalesLine.objects.exists()


def test_postgresql_reads_a_file_without_quotes_from_its_bytes(world, catalogue, monkeypatch):
    loads = []
    original = sales_bulk.BulkLoad._load_parsed
    monkeypatch.setattr(
        sales_bulk.BulkLoad, "_load_parsed", lambda self, *args: loads.append("parsed") or original(self, *args)
    )
    header = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n"
    plain = header + "INV-1,1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n"
    import_file("sales", io.BytesIO(plain.encode()), "a.csv", actor=None)
    quoted = header + '"INV-2",1,2025-01-15,B-001,P-1,1,1.00,0,1.00,1.00\n'
    import_file("sales", io.BytesIO(quoted.encode()), "b.csv", actor=None)
    assert loads == (["parsed"] if connection.vendor == "postgresql" else ["parsed", "parsed"])
    assert SalesLine.objects.count() == 2


def test_rollups_kept_by_imports_are_what_a_rebuild_computes(world, catalogue, reporting_currency):
    """Imports add and subtract their changes to the roll-ups (moves, corrections, credit notes included);
    a rebuild from the lines must find exactly the same."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(files=st.lists(sales_files(), min_size=1, max_size=3))
    def check(files):
        with transaction.atomic():
            for data in files:
                import_file("sales", io.BytesIO(data), "sales.csv", actor=None, partial=True)
            kept = rollup_rows()
            rollups.rebuild()
            assert rollup_rows() == kept
            transaction.set_rollback(True)

    check()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite writers queue on the database file's lock; the in-memory test database has no such wait",
)
# serialized_rollback like every transactional test here: a plain flush re-creates the content types, which
# the next test's restore would then insert a second time.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_imports_running_at_the_same_time_keep_the_rollups_right(world, catalogue):
    """Each import changes the roll-ups by what it read of the stored lines; the write lock makes sure no
    other import changed those lines in between."""
    header = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost\n"
    first = header + "".join(f"INV-{n},1,2025-01-{n % 28 + 1:02d},B-001,P-1,1,10.00,0,10.00,5.00\n" for n in range(300))
    second = header + "".join(f"INV-{n},1,2025-02-{n % 28 + 1:02d},G-001,P-2,2,30.00,,25.00,9.00\n" for n in range(300))
    failures = []

    def run(data: str) -> None:
        try:
            for _ in range(3):
                import_file("sales", io.BytesIO(data.encode()), "sales.csv", actor=None)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(data,)) for data in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert SalesLine.objects.count() == 300
    kept = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == kept
