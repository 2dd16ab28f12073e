"""``kamdesk report pnl``: the same figures as the page and the API in every format, under the access of
``--as``, with spreadsheet cells that cannot run as formulas."""

import csv
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from kamdesk.accounts.services import account_update
from tests.factories import grant
from tests.test_pnl import EXPECTED_G, build_pnl_dataset

D = Decimal


@pytest.fixture
def pnl_world(world):
    """The hand-computed P&L dataset of test_pnl."""
    return build_pnl_dataset(world)


def report(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_table_for_an_account(pnl_world):
    text = report("pnl", "--account", "G-001", "--period", "2025-Q3")
    assert "Globex Holding (G-001)" in text and "2025-Q3" in text and "last year: 2024-Q3" in text
    contribution = next(line for line in text.splitlines() if line.startswith("Contribution"))
    assert contribution.split()[1:4] == ["465.00", "32.1", "%"]
    net = next(line for line in text.splitlines() if line.startswith("Net sales"))
    assert "1,450.00" in net and "+48.0 %" in net and "1,600.00" in net and "-9.4 %" in net


def test_json_matches_the_api(pnl_world, client):
    body = json.loads(report("pnl", "--account", "G-001", "--period", "2025-Q3", "--format", "json"))
    assert {line["key"]: D(line["amount"]) for line in body["lines"]} == EXPECTED_G
    client.force_login(pnl_world.admin)
    api = client.get(f"/api/v1/pnl?account={pnl_world.global_account.pk}&period=2025-Q3").json()
    assert [{k: line[k] for k in ("key", "amount", "pct_of_net", "target")} for line in body["lines"]] == [
        {k: line[k] for k in ("key", "amount", "pct_of_net", "target")} for line in api["lines"]
    ]
    assert body["period"] == api["period"] and body["costs_hidden"] is False


def test_team_and_all(pnl_world):
    team = json.loads(report("pnl", "--team", "north", "--period", "2025-Q3", "--format", "json"))
    assert team["scope"]["kind"] == "team"
    assert D(next(line for line in team["lines"] if line["key"] == "net_sales")["amount"]) == D("1750.00")
    everything = json.loads(report("pnl", "--all", "--period", "2025-Q3", "--format", "json"))
    assert D(everything["lines"][2]["amount"]) == D("11750.00")  # the system sees every account
    mine = json.loads(report("pnl", "--all", "--period", "2025-Q3", "--format", "json", "--as", "kam.a@example.com"))
    assert {line["key"]: D(line["amount"]) for line in mine["lines"]} == EXPECTED_G


def test_as_a_viewer_hides_costs_and_hidden_accounts(pnl_world):
    grant(pnl_world.global_account, pnl_world.viewer, access="read")
    text = report("pnl", "--account", "G-001", "--period", "2025-Q3", "--as", "viewer@example.com")
    assert "Net sales" in text and "Gross margin" not in text and "Contribution" not in text
    assert "not shown" in text
    with pytest.raises(CommandError, match="No account with the code 'X-001'"):
        report("pnl", "--account", "X-001", "--period", "2025-Q3", "--as", "kam.a@example.com")


def test_csv_is_formula_safe(pnl_world, tmp_path):
    account_update(actor=None, account_id=pnl_world.global_account.pk, name='=HYPERLINK("http://x","y")')
    text = report("pnl", "--account", "G-001", "--period", "2025-07", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["scope", "period", "currency", "line"]
    assert len(rows) == 9
    assert rows[1][0].startswith("'=HYPERLINK")
    assert rows[3][3] == "net_sales" and D(rows[3][5]) == D("1000.00")  # July only: G's invoice
    output = tmp_path / "pnl.csv"
    assert report("pnl", "--account", "G-001", "--period", "2025-07", "--format", "csv", "--output", str(output)) == ""
    assert output.read_text() == text


def test_xlsx_needs_an_output_file_and_keeps_text_as_text(pnl_world, tmp_path):
    account_update(actor=None, account_id=pnl_world.global_account.pk, name="=1+1")
    with pytest.raises(CommandError, match="--output"):
        report("pnl", "--account", "G-001", "--period", "2025-Q3", "--format", "xlsx")
    output = tmp_path / "pnl.xlsx"
    report("pnl", "--account", "G-001", "--period", "2025-Q3", "--format", "xlsx", "--output", str(output))
    sheet = openpyxl.load_workbook(output).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "line"
    assert sheet.cell(row=2, column=1).data_type == "s"  # a string, never a formula
    assert rows[1][0] == "=1+1 (G-001)"
    contribution = next(row for row in rows if row[3] == "contribution")
    assert contribution[5] == 465.0 and contribution[6] == 32.1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pnl", "--account", "G-001", "--period", "2025-Q5"], "Q1, Q2, Q3 or Q4"),
        (["pnl", "--account", "NOPE", "--period", "2025"], "No account"),
        (["pnl", "--team", "Nobody", "--period", "2025"], "No team named"),
        (["pnl", "--all", "--period", "2025", "--as", "ghost@example.com"], "No active user"),
    ],
)
def test_bad_arguments_are_clear_errors(pnl_world, args, message):
    with pytest.raises(CommandError, match=message):
        report(*args)


def test_scope_and_period_are_required(pnl_world):
    with pytest.raises(CommandError):
        report("pnl", "--period", "2025")
    with pytest.raises(CommandError):
        report("pnl", "--all", "--account", "G-001", "--period", "2025")
    with pytest.raises(CommandError):
        report("pnl", "--all")
