"""``kamdesk export`` and the list pages' export: columns, access, formula safety and the round trip."""

import codecs
import contextlib
import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamdesk.accounts.models import Account, Channel
from kamdesk.audit.models import AuditEvent
from kamdesk.imports.columns import ACCOUNT_COLUMNS, CONTACT_COLUMNS
from kamdesk.imports.exporting import export_queryset, tabular_response
from kamdesk.people.models import Contact
from tests.factories import grant, make_account, make_contact

TRICKY_TEXT = ['=HYPERLINK("http://evil")', "+49 89 123", "-minus", "@SUM(A1)", "\tTab", "'=already", "'plain"]


def export(kind: str, *args: str) -> str:
    out = io.StringIO()
    call_command("export", kind, *args, stdout=out)
    return out.getvalue()


def parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def import_json(kind: str, path: Path) -> dict:
    out = io.StringIO()
    with contextlib.suppress(CommandError):  # rows rejected: the JSON says which
        call_command("import", kind, str(path), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def portfolio(world):
    """The world plus accounts and contacts with every column filled, including text that looks like a
    formula, decimal amounts, tags and reporting lines."""
    pharmacy = Channel.objects.get(code="pharmacy")
    rich = make_account(
        owner=world.kam_a,
        parent=world.global_account,
        code="R-1",
        name=TRICKY_TEXT[0],
        legal_name=TRICKY_TEXT[2],
        kind="distributor",
        channel=pharmacy,
        industry=TRICKY_TEXT[3],
        country="AT",
        region=TRICKY_TEXT[5],
        currency="EUR",
        tier="strategic",
        stage="strategic_partner",
        credit_limit=Decimal("1234567.89"),
        payment_terms_days=45,
        website="https://rich.example/path?q=1",
        tags=["Zeta", "alpha", "Priority list"],
    )
    boss = make_contact(rich, email="boss@rich.example", first_name="Ada", last_name=TRICKY_TEXT[6], influence=5)
    make_contact(
        rich,
        email="buyer@rich.example",
        first_name=TRICKY_TEXT[1],
        last_name="Buyer",
        title=TRICKY_TEXT[4],
        department="Purchasing",
        phone="+43 1 234",
        mobile="+43 664 567",
        reports_to=boss,
        buying_role="champion",
        influence=3,
        attitude=-2,
        owner=world.kam_a,
    )
    make_contact(world.account_b, email="b@brightmart.example", last_name="Bright")
    make_contact(world.hidden, email="h@hidden.example", last_name="Hidden")
    return rich


# --- columns and values ------------------------------------------------------------------------------


def test_csv_export_has_exactly_the_import_columns_and_the_stored_values(portfolio):
    rows = parse_csv(export("accounts"))

    assert list(rows[0]) == list(ACCOUNT_COLUMNS)
    assert [row["code"] for row in rows] == list(Account.objects.order_by("code").values_list("code", flat=True))
    rich = next(row for row in rows if row["code"] == "R-1")
    assert rich["parent_code"] == "G-001" and rich["owner_email"] == "kam.a@example.com"
    assert (rich["kind"], rich["channel"], rich["tier"], rich["stage"]) == (
        "distributor",
        "pharmacy",
        "strategic",
        "strategic_partner",
    )
    assert (rich["credit_limit"], rich["payment_terms_days"]) == ("1234567.89", "45")
    assert rich["tags"] == "Priority list; Zeta; alpha"


def test_contacts_export_columns(portfolio):
    rows = parse_csv(export("contacts"))

    assert list(rows[0]) == list(CONTACT_COLUMNS)
    assert list(rows[0])[5:7] == ["phone", "mobile"]
    buyer = next(row for row in rows if row["email"] == "buyer@rich.example")
    assert (buyer["account_code"], buyer["reports_to_email"], buyer["owner_email"]) == (
        "R-1",
        "boss@rich.example",
        "kam.a@example.com",
    )
    assert (buyer["buying_role"], buyer["influence"], buyer["attitude"]) == ("champion", "3", "-2")
    assert (buyer["phone"], buyer["mobile"]) == ("'+43 1 234", "'+43 664 567")  # guarded: "+" starts a formula


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_gives_back_cleared_phone_and_mobile_numbers(portfolio, tmp_path, fmt):
    contacts_file = tmp_path / f"contacts.{fmt}"
    call_command("export", "contacts", "--output", str(contacts_file), stderr=io.StringIO())
    Contact.objects.filter(email="buyer@rich.example").update(phone="", mobile="")

    report = import_json("contacts", contacts_file)

    assert (report["updated"], report["errors"]) == (1, [])
    buyer = Contact.objects.get(email="buyer@rich.example")
    assert (buyer.phone, buyer.mobile) == ("+43 1 234", "+43 664 567")


def test_stdout_has_no_byte_order_mark_but_files_do(portfolio, tmp_path):
    path = tmp_path / "accounts.csv"
    call_command("export", "accounts", "--output", str(path), stderr=io.StringIO())

    assert not export("accounts").startswith("\ufeff")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)


def test_xlsx_needs_an_output_file(world):
    with pytest.raises(CommandError, match="needs --output"):
        call_command("export", "accounts", "--format", "xlsx")


# --- formula injection -------------------------------------------------------------------------------


def test_csv_cells_that_could_run_as_formulas_get_an_apostrophe(portfolio):
    rows = parse_csv(export("accounts"))
    rich = next(row for row in rows if row["code"] == "R-1")

    assert rich["name"] == '\'=HYPERLINK("http://evil")'
    assert rich["legal_name"] == "'-minus"
    assert rich["industry"] == "'@SUM(A1)"
    assert rich["region"] == "''=already"  # doubled, so that the import's one strip gives it back
    contacts = parse_csv(export("contacts"))
    buyer = next(row for row in contacts if row["email"] == "buyer@rich.example")
    assert buyer["first_name"] == "'+49 89 123" and buyer["title"] == "'\tTab" and buyer["phone"] == "'+43 1 234"
    assert buyer["attitude"] == "-2"  # a number, not text: left as it is
    boss = next(row for row in contacts if row["email"] == "boss@rich.example")
    assert boss["last_name"] == "'plain"  # an apostrophe before ordinary text is kept as it is


def test_xlsx_cells_are_strings_never_formulas(portfolio, tmp_path):
    path = tmp_path / "accounts.xlsx"
    call_command("export", "accounts", "--output", str(path), stderr=io.StringIO())

    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    assert header == list(ACCOUNT_COLUMNS)
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "R-1")
    name, credit = row[header.index("name")], row[header.index("credit_limit")]
    assert (name.value, name.data_type) == ('=HYPERLINK("http://evil")', "s")
    assert row[header.index("region")].value == "''=already"
    assert credit.value == pytest.approx(1234567.89) and credit.data_type == "n"


# --- round trip --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(portfolio, tmp_path, fmt):
    events = AuditEvent.objects.count()
    accounts_file, contacts_file = tmp_path / f"accounts.{fmt}", tmp_path / f"contacts.{fmt}"
    call_command("export", "accounts", "--output", str(accounts_file), stderr=io.StringIO())
    call_command("export", "contacts", "--output", str(contacts_file), stderr=io.StringIO())

    accounts = import_json("accounts", accounts_file)
    contacts = import_json("contacts", contacts_file)

    assert accounts["errors"] == [] and contacts["errors"] == []
    assert (accounts["unchanged"], accounts["rows"]) == (Account.objects.count(), Account.objects.count())
    assert (contacts["unchanged"], contacts["rows"]) == (Contact.objects.count(), Contact.objects.count())
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reproduces_the_data_in_an_empty_installation(portfolio, tmp_path, fmt):
    """Export, change every exported value, import the export: each value is put back exactly."""
    accounts_file = tmp_path / f"accounts.{fmt}"
    call_command("export", "accounts", "--output", str(accounts_file), stderr=io.StringIO())
    before = {a.code: (a.name, a.legal_name, a.industry, a.region, a.credit_limit) for a in Account.objects.all()}
    Account.objects.update(name="x", legal_name="", industry="", region="", credit_limit=None)

    report = import_json("accounts", accounts_file)

    assert report["updated"] == len(before) and report["errors"] == []
    after = {a.code: (a.name, a.legal_name, a.industry, a.region, a.credit_limit) for a in Account.objects.all()}
    assert after == before


def test_a_kam_export_imports_back_unchanged_as_that_kam(portfolio, world, tmp_path):
    grant(portfolio, world.kam_b, access="read")  # R-1 is visible to kam_b; its parent G-001 is not
    accounts_file, contacts_file = tmp_path / "mine.csv", tmp_path / "mine-contacts.csv"
    for kind, path in (("accounts", accounts_file), ("contacts", contacts_file)):
        call_command("export", kind, "--as", "kam.b@example.com", "--output", str(path), stderr=io.StringIO())

    reports = {}
    for kind, path in (("accounts", accounts_file), ("contacts", contacts_file)):
        out = io.StringIO()
        call_command("import", kind, str(path), "--json", "--as", "kam.b@example.com", stdout=out)
        reports[kind] = json.loads(out.getvalue())

    assert reports["accounts"]["rows"] == reports["accounts"]["unchanged"] == 2  # B-001 and R-1
    assert reports["contacts"]["rows"] == reports["contacts"]["unchanged"] == 3


# --- access ------------------------------------------------------------------------------------------


def test_export_as_a_user_contains_only_what_they_see(portfolio):
    accounts = {row["code"] for row in parse_csv(export("accounts", "--as", "kam.a@example.com"))}
    contacts = {row["email"] for row in parse_csv(export("contacts", "--as", "kam.a@example.com"))}
    everything = {row["code"] for row in parse_csv(export("accounts"))}

    assert accounts == {"G-001", "G-001-DE", "R-1"}
    assert contacts == {"boss@rich.example", "buyer@rich.example"}
    assert {"X-001", "B-001"} <= everything


def test_export_as_a_team_lead_covers_their_people(portfolio):
    codes = {row["code"] for row in parse_csv(export("accounts", "--as", "lead@example.com"))}

    assert codes == {"G-001", "G-001-DE", "R-1", "B-001"}  # kam_a reports to the lead, kam_b is in the team


# --- the list pages' response ------------------------------------------------------------------------


def test_tabular_response_streams_csv_as_an_attachment(portfolio):
    response = tabular_response(kind="accounts", queryset=export_queryset("accounts", None), fmt="csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kamdesk-accounts-') and disposition.endswith('.csv"')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff" + ",".join(ACCOUNT_COLUMNS))


def test_tabular_response_xlsx(portfolio, world):
    response = tabular_response(kind="contacts", queryset=export_queryset("contacts", world.kam_a), fmt="xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3  # header and kam_a's two contacts
    header = [cell.value for cell in sheet[1]]
    assert header == list(CONTACT_COLUMNS) and "mobile" in header
    buyer = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "buyer@rich.example")
    assert buyer[header.index("mobile")] == "+43 664 567"


def test_tabular_response_rejects_an_unknown_format(world):
    with pytest.raises(ValueError, match="unknown export format"):
        tabular_response(kind="accounts", queryset=Account.objects.all(), fmt="pdf")


def test_the_accounts_list_export_uses_this_module(login, portfolio):
    response = login(portfolio.owner).get("/accounts/export.csv")

    assert response.status_code == 200
    codes = {row["code"] for row in parse_csv(b"".join(response.streaming_content).decode())}
    assert codes == {"G-001", "G-001-DE", "R-1"}


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_the_number_of_rows(world, kind, fmt):
    def queries() -> int:
        queryset = export_queryset(kind, world.lead)
        with CaptureQueriesContext(connection) as captured:
            response = tabular_response(kind=kind, queryset=queryset, fmt=fmt)
            if fmt == "csv":
                b"".join(response.streaming_content)
        return len(captured)

    few = queries()
    for n in range(12):
        account = make_account(owner=world.kam_a, parent=world.global_account, tags=[f"t{n}", "shared"])
        make_contact(account, reports_to=None, owner=world.kam_b)
    many = queries()

    assert few == many <= 3  # people_under's lookups are cached per user; then one or two reads
