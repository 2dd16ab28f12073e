"""``kamdesk import``: real files, the real command, the real database."""

import codecs
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.audit.models import AuditEvent
from kamdesk.imports.importing import run_import
from kamdesk.people.models import Contact
from tests.factories import grant, make_account, make_contact

DATA = Path(__file__).parent / "data" / "imports"
ACCOUNT_HEADER = "code,name,parent_code,owner_email,tier,channel,credit_limit,tags"


def run(kind: str, path: Path, *args: str) -> tuple[dict, int]:
    """Run ``kamdesk import KIND PATH --json ARGS``; the parsed JSON and the exit status."""
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


def csv_file(tmp_path: Path, text: str, name: str = "file.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx_file(tmp_path: Path, rows: list[list], name: str = "file.xlsx", start_row: int = 0) -> Path:
    path = tmp_path / name
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(start_row + r, c, value)
            else:
                sheet.write_number(start_row + r, c, value)
    workbook.close()
    return path


def errors_by_line(report: dict) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in report["errors"]:
        found.setdefault(error["line"], []).append((error["column"], error["message"]))
    return found


# --- valid files, idempotence, updates ---------------------------------------------------------------


def test_valid_accounts_file_creates_the_hierarchy_with_parents_later_in_the_file(world):
    report, code = run("accounts", DATA / "accounts.csv")

    assert code == 0
    assert (report["rows"], report["created"], report["rejected"], report["written"]) == (4, 4, 0, True)
    group = Account.objects.get(code="NRD")
    germany = Account.objects.get(code="NRD-DE")
    munich = Account.objects.get(code="NRD-DE-MUC")
    assert germany.parent == group and munich.parent == germany
    assert (group.depth, germany.depth, munich.depth) == (0, 1, 2)
    assert set(AccountClosure.objects.filter(descendant=munich).values_list("ancestor__code", "depth")) == {
        ("NRD-DE-MUC", 0),
        ("NRD-DE", 1),
        ("NRD", 2),
    }
    assert germany.owner == world.kam_a and germany.channel.code == "retail-chain"
    assert (germany.tier, germany.stage, germany.country) == ("key", "developing", "DE")
    assert germany.credit_limit == Decimal("250000.00") and germany.payment_terms_days == 30
    assert germany.website == "https://nordwind.example"
    assert sorted(t.name for t in germany.tags.all()) == ["Priority", "Retail"]
    assert group.stage == "strategic_partner" and sorted(t.name for t in group.tags.all()) == ["Global", "Retail"]
    apex = Account.objects.get(code="APX")
    assert (apex.kind, apex.credit_limit, apex.owner) == ("distributor", Decimal("12500.50"), world.kam_b)
    assert (
        AuditEvent.objects.filter(object_type="account", action="create", account__code__startswith="NRD").count() == 3
    )


def test_reimporting_the_same_file_changes_nothing_and_records_no_audit_event(world):
    run("accounts", DATA / "accounts.csv")
    run("contacts", DATA / "contacts.csv")
    events = AuditEvent.objects.count()
    stamps = dict(Account.objects.values_list("code", "updated_at"))

    accounts, accounts_code = run("accounts", DATA / "accounts.csv")
    contacts, contacts_code = run("contacts", DATA / "contacts.csv")

    assert (accounts["unchanged"], accounts["rows"], accounts_code) == (4, 4, 0)
    assert (contacts["unchanged"], contacts["rows"], contacts_code) == (3, 3, 0)
    assert AuditEvent.objects.count() == events
    assert dict(Account.objects.values_list("code", "updated_at")) == stamps


def test_a_changed_row_is_updated_and_only_that_row(world, tmp_path):
    run("accounts", DATA / "accounts.csv")
    text = (DATA / "accounts.csv").read_text().replace("Apex Pharma,Apex Pharma plc", "Apex Pharma Ltd,Apex Pharma plc")
    text = text.replace(",maintain,maintenance,", ",Growth,maintenance,")
    events = AuditEvent.objects.count()

    report, code = run("accounts", csv_file(tmp_path, text))

    assert (report["updated"], report["unchanged"], code) == (1, 3, 0)
    apex = Account.objects.get(code="APX")
    assert (apex.name, apex.tier) == ("Apex Pharma Ltd", "growth")
    event = AuditEvent.objects.get(object_type="account", object_id=apex.pk, action="update")
    assert event.changes == {"name": ["Apex Pharma", "Apex Pharma Ltd"], "tier": ["maintain", "growth"]}
    assert AuditEvent.objects.count() == events + 1


def test_moving_an_account_to_another_parent_goes_through_the_hierarchy(world, tmp_path):
    path = csv_file(tmp_path, f"{ACCOUNT_HEADER}\nG-001-DE,Globex Deutschland,B-001,kam.a@example.com,growth,,,\n")

    report, _ = run("accounts", path)

    assert report["updated"] == 1
    world.subsidiary.refresh_from_db()
    assert world.subsidiary.parent == world.account_b
    assert set(AccountClosure.objects.filter(descendant=world.subsidiary).values_list("ancestor__code", flat=True)) == {
        "G-001-DE",
        "B-001",
    }


def test_valid_contacts_file_with_the_manager_later_in_the_file(world):
    run("accounts", DATA / "accounts.csv")

    report, code = run("contacts", DATA / "contacts.csv")

    assert (report["created"], code) == (3, 0)
    anna = Contact.objects.get(email="anna.berger@nordwind.example")
    marc = Contact.objects.get(email="marc.keller@nordwind.example")
    tom = Contact.objects.get(email="tom.huber@nordwind.example")
    assert anna.reports_to == marc and tom.reports_to == anna
    assert (anna.buying_role, anna.influence, anna.attitude, anna.owner) == ("decision_maker", 4, 1, world.kam_a)
    assert (marc.buying_role, marc.attitude, tom.attitude, tom.owner) == ("economic_buyer", 0, -1, None)
    assert anna.account.code == "NRD-DE" and anna.phone == "+49 89 1234 567"


def test_contact_update_is_detected_by_email_in_any_case(world, tmp_path):
    contact = make_contact(world.account_b, email="jo@brightmart.example", last_name="Jones", title="Buyer")
    header = "EMAIL, Last Name ,title,account_code"

    report, _ = run("contacts", csv_file(tmp_path, f"{header}\nJO@Brightmart.example,Jones,Head buyer,B-001\n"))

    assert (report["updated"], report["rows"]) == (1, 1)
    contact.refresh_from_db()
    assert contact.title == "Head buyer"


def test_the_mobile_column_creates_updates_and_clears_like_phone(world, tmp_path):
    header = "email,last_name,account_code,phone,mobile"
    created, _ = run("contacts", csv_file(tmp_path, f"{header}\nmo@globex.example,Mo,G-001,+49 30 1,+49 170 1\n"))
    assert created["created"] == 1
    contact = Contact.objects.get(email="mo@globex.example")
    assert (contact.phone, contact.mobile) == ("+49 30 1", "+49 170 1")

    updated, _ = run("contacts", csv_file(tmp_path, f"{header}\nmo@globex.example,Mo,G-001,+49 30 1,+49 170 2\n"))
    assert (updated["updated"], updated["unchanged"]) == (1, 0)
    contact.refresh_from_db()
    assert (contact.phone, contact.mobile) == ("+49 30 1", "+49 170 2")

    left_out, _ = run("contacts", csv_file(tmp_path, "email,last_name,account_code\nmo@globex.example,Mo,G-001\n"))
    assert left_out["unchanged"] == 1
    contact.refresh_from_db()
    assert contact.mobile == "+49 170 2"

    cleared, _ = run("contacts", csv_file(tmp_path, f"{header}\nmo@globex.example,Mo,G-001,+49 30 1,\n"))
    assert cleared["updated"] == 1
    contact.refresh_from_db()
    assert (contact.phone, contact.mobile) == ("+49 30 1", "")


def test_the_mobile_column_from_xlsx(world, tmp_path):
    make_contact(world.global_account, email="xl@globex.example", last_name="Xl", mobile="+44 7700 1")
    rows = [
        ["email", "last_name", "account_code", "Mobile"],
        ["xl@globex.example", "Xl", "G-001", "+44 7700 2"],
        ["new@globex.example", "New", "G-001", "+44 7700 3"],
    ]

    report, code = run("contacts", xlsx_file(tmp_path, rows))

    assert (code, report["updated"], report["created"]) == (0, 1, 1)
    assert Contact.objects.get(email="xl@globex.example").mobile == "+44 7700 2"
    assert Contact.objects.get(email="new@globex.example").mobile == "+44 7700 3"


def test_a_mobile_number_too_long_is_a_row_error_naming_the_column(world, tmp_path):
    contact = make_contact(world.global_account, email="long@globex.example", last_name="Long", mobile="+1 555")
    too_long = "+49 " + "1" * 40
    text = (
        "email,last_name,account_code,mobile\n"
        "ok@globex.example,Ok,G-001,+1 2\n"
        f"long@globex.example,Long,G-001,{too_long}\n"
    )

    report, code = run("contacts", csv_file(tmp_path, text))

    assert (code, report["rejected"], report["created"]) == (1, 1, 1)
    assert errors_by_line(report) == {3: [("mobile", "Ensure this value has at most 40 characters (it has 44).")]}
    assert not Contact.objects.filter(email="ok@globex.example").exists()  # all or nothing
    contact.refresh_from_db()
    assert contact.mobile == "+1 555"


# --- nothing written unless asked --------------------------------------------------------------------


def test_dry_run_writes_nothing_but_reports_what_would_happen(world):
    before = (Account.objects.count(), AuditEvent.objects.count())

    report, code = run("accounts", DATA / "accounts.csv", "--dry-run")

    assert (report["created"], report["dry_run"], report["written"], code) == (4, True, False, 0)
    assert (Account.objects.count(), AuditEvent.objects.count()) == before


def test_one_bad_row_means_nothing_is_written_and_good_rows_are_still_classified(world, tmp_path):
    path = csv_file(
        tmp_path,
        f"{ACCOUNT_HEADER}\nN-1,New one,,,key,,,\nB-001,Brightmart renamed,,kam.b@example.com,growth,,,\n"
        "N-2,Bad tier,,,platinum,,,\nG-001,Globex Holding,,kam.a@example.com,growth,,,\n",
    )
    before = (Account.objects.count(), AuditEvent.objects.count())

    report, code = run("accounts", path)

    assert code == 1
    assert (report["rows"], report["created"], report["updated"], report["unchanged"], report["rejected"]) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert report["written"] is False
    assert report["errors"] == [
        {
            "line": 4,
            "column": "tier",
            "message": "Unknown tier “platinum”. Use one of: strategic, key, growth, maintain.",
        }
    ]
    assert (Account.objects.count(), AuditEvent.objects.count()) == before
    assert Account.objects.get(code="B-001").name == "Brightmart"


def test_partial_writes_only_the_good_rows_and_still_exits_non_zero(world, tmp_path):
    path = csv_file(tmp_path, f"{ACCOUNT_HEADER}\nN-1,New one,,,key,,,\nN-2,Bad,,,platinum,,,\nN-3,Child,N-2,,,,,\n")

    report, code = run("accounts", path, "--partial")

    assert code == 1
    assert (report["created"], report["rejected"], report["written"]) == (1, 2, True)
    assert Account.objects.filter(code__startswith="N-").count() == 1
    assert errors_by_line(report)[4] == [("parent_code", "It refers to “N-2” on line 3, which cannot be imported.")]


def test_a_service_refusal_midway_rolls_everything_back(world, tmp_path, monkeypatch):
    # Someone else creates N-2 after the file was checked: the service refuses that row at write time,
    # and N-1, already written, is undone with it.
    from kamdesk.imports.accounts import AccountImporter

    path = csv_file(tmp_path, f"{ACCOUNT_HEADER}\nN-1,First,,,,,,\nN-2,Second,,,,,,\n")
    check_only = AccountImporter.plan

    def plan_then_collide(self, row):
        check_only(self, row)
        if row.key == "N-2":
            make_account(code="N-2", name="Created meanwhile")

    monkeypatch.setattr(AccountImporter, "plan", plan_then_collide)

    report, code = run("accounts", path)

    assert (code, report["written"], report["rejected"], report["created"]) == (1, False, 1, 1)
    assert report["errors"] == [{"line": 3, "column": "code", "message": "Account with this ERP code already exists."}]
    assert not Account.objects.filter(code="N-1").exists()
    assert Account.objects.get(code="N-2").name == "Created meanwhile"


# --- bad files ---------------------------------------------------------------------------------------


def _truncated_xlsx(tmp_path: Path) -> bytes:
    data = xlsx_file(tmp_path, [["code", "name"], ["T-1", "Truncated"]], name="full.xlsx").read_bytes()
    return data[: len(data) // 2]


BAD_FILES = {
    "empty": ("accounts.csv", lambda tmp: b"", "The file is empty."),
    "only blank lines": ("accounts.csv", lambda tmp: b"\r\n\r\n;;;\r\n", "The file is empty."),
    "missing columns": (
        "accounts.csv",
        lambda tmp: b"code,title\nA,B\n",
        "Required column missing: name.",
    ),
    "binary": ("accounts.csv", lambda tmp: "code,name\nA,B\n".encode("utf-16-le"), "not a CSV file"),
    "undecodable": ("accounts.csv", lambda tmp: b"code,name\nA,\x81\x8d\xff\n", "neither UTF-8 nor Windows-1252"),
    "malformed quote": ("accounts.csv", lambda tmp: b'code,name\nA,"B\nC,D\n', "malformed on line"),
    "stray quote": ("accounts.csv", lambda tmp: b'code,name\nA,"B"x\n', "malformed on line 2"),
    "not a workbook": ("accounts.xlsx", lambda tmp: b"code,name\nA,B\n", "named like an Excel workbook"),
    "truncated workbook": ("accounts.xlsx", _truncated_xlsx, "The Excel file cannot be read"),
    "duplicate column": ("accounts.csv", lambda tmp: b"code,name,Name\nA,B,C\n", "appears twice"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_an_unreadable_file_gets_one_clear_error_and_nothing_is_written(world, tmp_path, case):
    name, content, message = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    before = (Account.objects.count(), AuditEvent.objects.count())

    report, code = run("accounts", path)

    assert code == 2
    assert (report["rows"], report["written"], len(report["errors"])) == (0, False, 1)
    assert message in report["errors"][0]["message"]
    assert (Account.objects.count(), AuditEvent.objects.count()) == before


def test_missing_required_columns_are_named_in_one_error(world, tmp_path):
    report, _ = run("contacts", csv_file(tmp_path, "first_name,last_name\nA,B\n"))

    assert report["errors"][0]["column"] == "email, account_code"
    assert report["errors"][0]["line"] == 1
    assert "Required columns missing: email, account_code." in report["errors"][0]["message"]


def test_a_missing_file_is_reported(world, tmp_path):
    report, code = run("accounts", tmp_path / "nope.csv")

    assert code == 2 and "Cannot read" in report["errors"][0]["message"]


def test_a_short_line_of_a_cut_off_file_is_rejected(world, tmp_path):
    report, code = run("accounts", csv_file(tmp_path, "code,name,tier\nA-1,One,key\nA-2,Tw"))

    assert code == 1 and report["written"] is False
    assert errors_by_line(report)[3][0][1].startswith("This line has 2 values but the header has 3 columns")
    assert not Account.objects.filter(code="A-1").exists()


def test_a_line_with_an_extra_separator_is_rejected(world, tmp_path):
    report, _ = run("accounts", csv_file(tmp_path, "code,name\nA-1,Smith, Jones & Co\nA-2,Fine\n"))

    assert errors_by_line(report) == {
        2: [(None, "This line has values beyond the header's 2 columns; a separator may be extra.")]
    }
    assert report["created"] == 1 and report["written"] is False


def test_workbook_cells_beyond_the_header_are_notes_not_errors(world, tmp_path):
    path = xlsx_file(tmp_path, [["code", "name"], ["A-1", "Smith", "a note"]])

    report, code = run("accounts", path)

    assert (code, report["created"]) == (0, 1)


def test_a_new_contact_needs_a_last_name_even_without_the_column(world, tmp_path):
    report, _ = run("contacts", csv_file(tmp_path, "email,first_name,account_code\nann@x.example,Ann,G-001\n"))

    assert report["errors"] == [{"line": 2, "column": "last_name", "message": "A new contact needs a last name."}]


def test_a_header_without_data_rows_imports_nothing_with_a_warning(world, tmp_path):
    report, code = run("accounts", csv_file(tmp_path, "code,name\n"))

    assert (code, report["rows"]) == (0, 0)
    assert report["warnings"] == ["The file has a header but no data rows; nothing to import."]


def test_row_errors_name_line_column_and_reason(world, tmp_path):
    text = (
        "code,name,parent_code,owner_email,kind,channel,country,currency,tier,stage,credit_limit,payment_terms_days,website\n"
        "E-1,Unknown parent,NOPE,,,,,,,,,,\n"
        "E-2,,,,,,,,,,,,\n"
        "E-3,Bad values,,nobody@example.com,shop,Kiosk,Germany,EURO,,gold,lots,-3,not a url\n"
        "E-4,Self,E-4,,,,,,,,,,\n"
        "E-5,First,,,,,,,,,,,\n"
        "E-5,Second,,,,,,,,,,,\n"
        ",No code,,,,,,,,,,,\n"
        "E-6,Negative,,,,,,,,,-5,,\n"
        "E-7,Inactive owner,,kam.b@example.com,,,,,,,,,\n"
    )
    world.kam_b.is_active = False
    world.kam_b.save()

    report, code = run("accounts", csv_file(tmp_path, text))

    assert code == 1 and report["rejected"] == 8 and report["created"] == 1
    lines = errors_by_line(report)
    assert lines[2] == [("parent_code", "No account has the code “NOPE”, in kamdesk or in this file.")]
    assert lines[3] == [("name", "The name is required.")]
    assert {column for column, _ in lines[4]} == {
        "owner_email",
        "kind",
        "channel",
        "country",
        "currency",
        "stage",
        "credit_limit",
        "payment_terms_days",
        "website",
    }
    messages = dict(lines[4])
    assert messages["channel"].startswith("Unknown channel “Kiosk”. Use a channel code or name: diy (DIY), ")
    assert messages["country"] == "“Germany” is not a country code: use the 2-letter ISO code, e.g. DE."
    assert messages["payment_terms_days"] == "-3 is out of range: use a whole number from 0 to 32767."
    assert messages["website"] == "Enter a valid URL."
    assert lines[5] == [("parent_code", "An account cannot be its own parent.")]
    assert lines[7] == [("code", "“E-5” already appears on line 6.")]
    assert lines[8] == [("code", "The code is required: it identifies the account.")]
    assert lines[9] == [("credit_limit", "Ensure this value is greater than or equal to 0.")]
    assert lines[10] == [("owner_email", "The owner kam.b@example.com is not an active user.")]


def test_a_loop_in_the_file_is_rejected_and_named(world, tmp_path):
    path = csv_file(tmp_path, "code,name,parent_code\nL-1,One,L-3\nL-2,Two,L-1\nL-3,Three,L-2\nL-4,Below,L-1\n")

    report, _ = run("accounts", path, "--partial")

    lines = errors_by_line(report)
    assert lines[2] == [("parent_code", "The parents make a loop: L-1 → L-3 → L-2 → L-1.")]
    assert lines[3] == [("parent_code", "The parents make a loop: L-2 → L-1 → L-3 → L-2.")]
    assert lines[5] == [("parent_code", "It refers to “L-1” on line 2, which cannot be imported.")]
    assert not Account.objects.filter(code__startswith="L-").exists()


def test_a_loop_through_stored_accounts_is_rejected(world, tmp_path):
    # Globex Deutschland sits under Globex Holding; hanging the holding under it closes a loop.
    path = csv_file(tmp_path, "code,name,parent_code\nG-001,Globex Holding,G-001-DE\n")

    report, code = run("accounts", path)

    assert code == 1
    assert report["errors"] == [
        {"line": 2, "column": "parent_code", "message": "The parents make a loop: G-001 → G-001-DE → G-001."}
    ]


def test_swapping_parent_and_child_in_one_file_works(world, tmp_path):
    path = csv_file(tmp_path, "code,name,parent_code\nG-001,Globex Holding,G-001-DE\nG-001-DE,Globex Deutschland,\n")

    report, code = run("accounts", path)

    assert (code, report["updated"]) == (0, 2)
    world.global_account.refresh_from_db()
    assert world.global_account.parent == world.subsidiary and world.global_account.depth == 1


def test_contact_errors_loops_and_unknown_references(world, tmp_path):
    boss = make_contact(world.global_account, email="boss@globex.example", last_name="Boss")
    make_contact(world.global_account, email="deputy@globex.example", last_name="Deputy", reports_to=boss)
    text = (
        "email,last_name,account_code,reports_to_email,buying_role,influence,attitude\n"
        "boss@globex.example,Boss,G-001,deputy@globex.example,,,\n"
        "a@x.example,A,G-001,b@x.example,,,\n"
        "b@x.example,B,G-001,a@x.example,,,\n"
        "c@x.example,C,NOPE,,,,\n"
        "d@x.example,D,G-001,ghost@x.example,,,\n"
        "not-an-email,E,G-001,,,,\n"
        "f@x.example,,G-001,,,,\n"
        "g@x.example,G,G-001,,kingmaker,9,hostile\n"
        "G@X.example,G again,G-001,,,,\n"
        "h@x.example,H,,,,,\n"
    )

    report, code = run("contacts", csv_file(tmp_path, text))

    assert code == 1 and report["rejected"] == 10
    lines = errors_by_line(report)
    assert lines[2] == [
        (
            "reports_to_email",
            "The reporting lines make a loop: boss@globex.example → deputy@globex.example → boss@globex.example.",
        )
    ]
    assert lines[3][0][1] == "The reporting lines make a loop: a@x.example → b@x.example → a@x.example."
    assert lines[5] == [("account_code", "No account has the code “NOPE”.")]
    assert lines[6] == [
        ("reports_to_email", "No contact has the e-mail address “ghost@x.example”, in kamdesk or in this file.")
    ]
    assert lines[7][0] == ("email", "“not-an-email” is not a valid e-mail address.")
    assert lines[8] == [("last_name", "The last name is required.")]
    assert {column for column, _ in lines[9]} == {"buying_role", "influence", "attitude"}
    assert lines[10] == [("email", "“g@x.example” already appears on line 9.")]
    assert lines[11] == [("account_code", "The account_code is required: it names the contact's account.")]


# --- the shapes Excel writes -------------------------------------------------------------------------


def test_utf8_bom_semicolons_and_decimal_commas(world, tmp_path):
    text = "code;name;credit_limit;tags\r\nM-1;Müller & Söhne;1.234,50;a, b\r\nM-2;Ørsted;1,5;\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))

    report, code = run("accounts", path)

    assert (code, report["created"]) == (0, 2)
    assert report["source"] == "CSV, UTF-8 with byte-order mark, separated by semicolons"
    first = Account.objects.get(code="M-1")
    assert (first.name, first.credit_limit) == ("Müller & Söhne", Decimal("1234.50"))
    assert sorted(t.name for t in first.tags.all()) == ["a", "b"]
    assert Account.objects.get(code="M-2").credit_limit == Decimal("1.50")


def test_an_excel_separator_line_is_honoured(world, tmp_path):
    report, code = run("accounts", csv_file(tmp_path, "sep=\t\r\ncode\tname\ttier\r\nS-1\tTabbed, Inc.\tgold\r\n"))

    assert code == 1 and report["source"].endswith("separated by tabs")
    assert report["errors"][0]["line"] == 3 and report["errors"][0]["column"] == "tier"


def test_windows_1252_is_read_with_a_warning(world, tmp_path):
    report, code = run("accounts", csv_file(tmp_path, "code;name\r\nW-1;Müller Café\r\n", encoding="cp1252"))

    assert (code, report["created"]) == (0, 1)
    assert "read as Windows-1252" in report["warnings"][0]
    assert Account.objects.get(code="W-1").name == "Müller Café"


def test_utf16_with_byte_order_mark_and_tabs(world, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("code\tname\r\nU-1\tŁódź Retail\r\n".encode("utf-16"))

    report, code = run("accounts", path)

    assert (code, report["created"]) == (0, 1)
    assert Account.objects.get(code="U-1").name == "Łódź Retail"


def test_xlsx_with_numbers_as_numbers_and_the_header_not_on_the_first_row(world, tmp_path):
    rows = [
        ["Code", "NAME", "credit_limit", "payment_terms_days", "parent_code"],
        [1001, "Numeric code child", 2500.75, 30, "1000"],
        [1000, "Numeric code parent", 10, None, None],
    ]
    path = xlsx_file(tmp_path, rows, start_row=2)

    report, code = run("accounts", path)

    assert (code, report["created"]) == (0, 2)
    assert report["source"] == "Excel, sheet “Data”"
    child = Account.objects.get(code="1001")
    assert (child.parent.code, child.credit_limit, child.payment_terms_days) == ("1000", Decimal("2500.75"), 30)
    again, _ = run("accounts", path)
    assert again["unchanged"] == 2


def test_xlsx_row_errors_use_the_sheet_row_numbers(world, tmp_path):
    path = xlsx_file(tmp_path, [["code", "name", "tier"], ["X-9", "Fine", "key"], ["X-10", "Bad", "gold"]], start_row=3)

    report, _ = run("accounts", path)

    assert report["errors"][0]["line"] == 6


def test_shuffled_columns_odd_header_case_and_unknown_columns(world, tmp_path):
    text = "Notes,TIER, Name ,Parent Code,CODE\nignored,key,Shuffled,G-001,S-1\n"

    report, code = run("accounts", csv_file(tmp_path, text))

    assert (code, report["created"]) == (0, 1)
    assert report["warnings"] == [
        "Ignored unknown column: Notes. The accounts columns are: code, name, legal_name, parent_code, owner_email, "
        "kind, channel, industry, country, region, currency, tier, stage, credit_limit, payment_terms_days, "
        "website, tags."
    ]
    account = Account.objects.get(code="S-1")
    assert (account.name, account.tier, account.parent) == ("Shuffled", "key", world.global_account)


def test_columns_left_out_are_not_changed(world, tmp_path):
    world.account_b.tags.create(name="Keep")
    report, _ = run("accounts", csv_file(tmp_path, "code,name\nB-001,Brightmart\n"))

    assert report["unchanged"] == 1
    world.account_b.refresh_from_db()
    assert world.account_b.owner == world.kam_b and [t.name for t in world.account_b.tags.all()] == ["Keep"]


def test_a_guarded_formula_is_read_back_without_its_apostrophe(world, tmp_path):
    text = "code,name,legal_name,industry\nF-1,'=HYPERLINK(\"x\"),'plain,''@twice\n"

    run("accounts", csv_file(tmp_path, text))

    account = Account.objects.get(code="F-1")
    assert (account.name, account.legal_name, account.industry) == ('=HYPERLINK("x")', "'plain", "'@twice")


# --- access: --as ------------------------------------------------------------------------------------


def test_as_a_kam_rows_for_accounts_they_cannot_edit_are_rejected(world, tmp_path):
    text = (
        "code,name,owner_email\n"
        "G-001,Globex Holding renamed,kam.a@example.com\n"  # their own: fine
        "B-001,Brightmart renamed,kam.b@example.com\n"  # a team mate's: not visible to kam_a
        "X-001,Hidden Industries,outsider@example.com\n"  # hidden: same answer
        "K-1,New for me,\n"  # new: owned by the importer
        "K-2,New for someone else,kam.b@example.com\n"
    )

    report, code = run("accounts", csv_file(tmp_path, text), "--as", "KAM.A@example.com", "--partial")

    assert code == 1
    lines = errors_by_line(report)
    assert lines[3] == [("code", "The code “B-001” belongs to an account you cannot see or change.")]
    assert lines[4] == [("code", "The code “X-001” belongs to an account you cannot see or change.")]
    assert lines[6] == [("owner_email", "You can only assign accounts to yourself or the people you lead.")]
    assert Account.objects.get(code="G-001").name == "Globex Holding renamed"
    assert Account.objects.get(code="B-001").name == "Brightmart"
    assert Account.objects.get(code="K-1").owner == world.kam_a
    assert AuditEvent.objects.filter(object_type="account", action="create", actor=world.kam_a).count() == 1


def test_as_a_kam_read_only_access_allows_unchanged_rows_only(world, tmp_path):
    grant(world.account_b, world.kam_a, access="read")

    same, same_code = run("accounts", csv_file(tmp_path, "code,name\nB-001,Brightmart\n"), "--as", "kam.a@example.com")
    changed, changed_code = run(
        "accounts", csv_file(tmp_path, "code,name\nB-001,Renamed\n"), "--as", "kam.a@example.com"
    )

    assert (same["unchanged"], same_code) == (1, 0)
    assert changed_code == 1
    assert changed["errors"] == [
        {"line": 2, "column": "code", "message": "You have read-only access to the account “B-001”."}
    ]


def test_as_a_kam_contacts_only_on_editable_accounts(world, tmp_path):
    make_contact(world.account_b, email="other@brightmart.example", last_name="Other")
    text = (
        "email,last_name,account_code\n"
        "mine@globex.example,Mine,G-001-DE\n"
        "theirs@brightmart.example,Theirs,B-001\n"
        "other@brightmart.example,Changed,B-001\n"
    )

    report, code = run("contacts", csv_file(tmp_path, text), "--as", "kam.a@example.com", "--partial")

    assert code == 1 and report["created"] == 1
    lines = errors_by_line(report)
    assert lines[3] == [("account_code", "No account has the code “B-001”.")]
    assert lines[4] == [
        ("email", "The e-mail “other@brightmart.example” belongs to a contact you cannot see or change.")
    ]
    assert Contact.objects.get(email="other@brightmart.example").last_name == "Other"


def test_as_a_kam_a_parent_they_cannot_see_does_not_exist(world, tmp_path):
    report, _ = run(
        "accounts", csv_file(tmp_path, "code,name,parent_code\nK-9,Mine,X-001\n"), "--as", "kam.a@example.com"
    )

    assert report["errors"] == [
        {"line": 2, "column": "parent_code", "message": "No account has the code “X-001”, in kamdesk or in this file."}
    ]


def test_as_a_team_lead_accounts_can_be_given_to_their_people(world, tmp_path):
    text = "code,name,owner_email\nT-1,For Anna,kam.a@example.com\nT-2,For a stranger,outsider@example.com\n"

    report, _ = run("accounts", csv_file(tmp_path, text), "--as", "lead@example.com", "--partial")

    assert report["created"] == 1 and Account.objects.get(code="T-1").owner == world.kam_a
    assert report["errors"] == [
        {
            "line": 3,
            "column": "owner_email",
            "message": "You can only assign accounts to yourself or the people you lead.",
        }
    ]


def test_as_a_viewer_nothing_can_be_imported(world, tmp_path):
    report, code = run("accounts", csv_file(tmp_path, "code,name\nV-1,Viewer's\n"), "--as", "viewer@example.com")

    assert code == 1 and report["errors"][0]["message"] == "Viewers cannot create accounts."


def test_as_an_unknown_user_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="No active user"):
        call_command("import", "accounts", str(DATA / "accounts.csv"), "--as", "nobody@example.com")


def test_the_human_report_lists_each_error(world, tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"Nothing was written: 1 row has errors\..*--partial"):
        call_command("import", "accounts", str(csv_file(tmp_path, "code,name,tier\nH-1,Human,gold\n")), stdout=out)

    assert "0 created, 0 updated, 0 unchanged, 1 rejected" in out.getvalue()
    assert "line 2, tier: Unknown tier “gold”." in out.getvalue()


# --- the installed command, as a separate process ----------------------------------------------------


@pytest.mark.slow
def test_the_kamdesk_command_exits_non_zero_and_prints_one_json_object(tmp_path):
    kamdesk = Path(sys.prefix) / "bin" / "kamdesk"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "KAMDESK_TESTING": "true"}
    subprocess.run([str(kamdesk), "migrate", "-v0"], env=env, check=True, timeout=300)
    good = csv_file(tmp_path, "code,name,parent_code\nP-2,Child,P-1\nP-1,Parent,\n", name="good.csv")
    bad = csv_file(tmp_path, "code,name,tier\nP-3,Bad,gold\n", name="bad.csv")

    def kamdesk_import(path: Path) -> subprocess.CompletedProcess:
        command = [str(kamdesk), "import", "accounts", str(path), "--json"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    first, second, failed = kamdesk_import(good), kamdesk_import(good), kamdesk_import(bad)

    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 2
    assert (second.returncode, json.loads(second.stdout)["unchanged"]) == (0, 2)
    assert failed.returncode == 1
    summary = json.loads(failed.stdout)
    assert {k: summary[k] for k in ("rows", "created", "updated", "unchanged", "rejected")} == {
        "rows": 1,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert summary["errors"][0] == {"line": 2, "column": "tier", "message": summary["errors"][0]["message"]}
    assert "Nothing was written" in failed.stderr


# --- the invariant, for any file ---------------------------------------------------------------------

CODES = st.sampled_from(["A", "B", "C", "D", "G-001", "X-001", ""])
CELLS = st.sampled_from(["", "key", "gold", "Strategic", "1,5", "x", "-1", "=1", "kam.a@example.com", "nobody@x"])


@st.composite
def account_files(draw) -> str:
    rows = draw(st.lists(st.tuples(CODES, st.text(max_size=5), CODES, CELLS, CELLS, CELLS), max_size=8))
    lines = ["code,name,parent_code,tier,credit_limit,owner_email"]
    for code, name, parent, tier, limit, owner in rows:
        safe_name = name.replace('"', "").replace("\n", " ").replace("\r", " ").replace("\x00", "") or "N"
        lines.append(",".join([code, f'"{safe_name}"', parent, tier, f'"{limit}"', owner]))
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=account_files(), partial=st.booleans())
def test_every_row_is_counted_exactly_once_and_the_preview_is_exact(world, text, partial):
    data = text.encode()
    preview = run_import("accounts", data, "random.csv", actor=None, dry_run=True)
    with transaction.atomic():
        result = run_import("accounts", data, "random.csv", actor=None, partial=partial)
        transaction.set_rollback(True)

    for report in (preview, result):
        assert report.created + report.updated + report.unchanged + report.rejected == report.rows
    assert (preview.created, preview.updated, preview.unchanged, preview.rejected) == (
        result.created,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    assert result.written == (partial or not result.rejected)


def test_stored_accounts_unaffected_by_a_rejected_file(world, tmp_path):
    make_account(code="Z-1", name="Stays")
    run("accounts", csv_file(tmp_path, "code,name,tier\nZ-1,Changed,key\nZ-2,Bad,gold\n"))

    assert Account.objects.get(code="Z-1").name == "Stays"
