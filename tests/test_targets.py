"""Targets: phasing an annual figure by month (exact to the cent), the services that set them (access,
validation, audit), the targets file import and the ``kamdesk target`` command."""

import io
import json
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from kamdesk.analytics.phasing import allocate, allocate_one, seasonal_weights
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.sales import rollups
from kamdesk.sales.models import Target
from kamdesk.sales.periods import parse_period
from kamdesk.sales.targets import (
    account_targets,
    target_set_annual,
    target_set_month,
    target_totals,
    targets_import,
)
from tests.factories import grant, make_user
from tests.sales_factories import make_product, make_sale

# --- phasing (pure) ------------------------------------------------------------------------------------------

CENTS = st.integers(min_value=-(10**15), max_value=10**15)
WEIGHTS = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e9, allow_nan=False)), min_size=1, max_size=24
)


@given(total=CENTS, weights=WEIGHTS)
def test_phasing_adds_up_exactly_and_never_goes_negative_for_a_positive_total(total, weights):
    parts = allocate_one(total, weights)
    assert parts.dtype == np.int64
    assert len(parts) == len(weights)
    assert int(parts.sum()) == total
    if total >= 0:
        assert (parts >= 0).all()
    else:
        assert (parts <= 0).all()


@given(total=CENTS, parts=st.integers(min_value=1, max_value=24))
def test_even_phasing_differs_by_at_most_a_cent(total, parts):
    split = allocate_one(total, parts=parts)
    assert int(split.sum()) == total
    assert int(split.max()) - int(split.min()) <= 1


@given(
    totals=st.lists(CENTS, min_size=1, max_size=8),
    weights=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=12, max_size=12),
)
def test_many_totals_at_once_each_add_up(totals, weights):
    matrix = np.array([weights] * len(totals))
    result = allocate(np.array(totals), matrix)
    assert result.sum(axis=1).tolist() == totals


def test_phasing_examples():
    assert allocate_one(10000, parts=12).tolist() == [834] * 4 + [833] * 8  # 100.00 over 12 months
    assert allocate_one(100, [3, 1, 0, 0]).tolist() == [75, 25, 0, 0]
    assert allocate_one(100, [0, 0, 0, 0]).tolist() == [25, 25, 25, 25]  # nothing sold: evenly
    assert allocate_one(100, [-5, 0, 0, 1]).tolist() == [0, 0, 0, 100]  # a net credit month gets nothing
    assert seasonal_weights([1.0, -2.0, float("nan"), 3.0]).tolist() == [1.0, 0.0, 0.0, 3.0]
    with pytest.raises(ValueError):
        allocate_one(100)


# --- services --------------------------------------------------------------------------------------------------


def months_of(year: int) -> list[date]:
    return parse_period(str(year)).months


def stored(account, metric="revenue", year=2026) -> list[Decimal]:
    values = dict(
        Target.objects.filter(account=account, metric__code=metric, month__year=year).values_list("month", "value")
    )
    return [values.get(month) for month in months_of(year)]


def test_even_annual_target_sums_exactly(world):
    targets = target_set_annual(
        actor=world.kam_a, account_id=world.subsidiary.pk, metric_code="revenue", year=2026, value="100"
    )
    assert [t.month for t in targets] == months_of(2026)
    assert stored(world.subsidiary) == [Decimal("8.34")] * 4 + [Decimal("8.33")] * 8
    assert sum(stored(world.subsidiary)) == Decimal("100.00")


def test_seasonal_target_follows_last_years_net_sales(world):
    product = make_product()
    make_sale(world.subsidiary, product, date(2025, 1, 10), net="300.00", cost="100.00")
    make_sale(world.subsidiary, product, date(2025, 2, 10), net="150.00", cost="100.00", document="CN-1")
    make_sale(world.subsidiary, product, date(2025, 2, 11), net="-50.00", cost="0", document="CN-2")
    make_sale(world.subsidiary, product, date(2024, 12, 1), net="999.00")  # another year: ignored
    rollups.rebuild()
    target_set_annual(
        actor=world.kam_a,
        account_id=world.subsidiary.pk,
        metric_code="revenue",
        year=2026,
        value="1000.01",
        phasing="seasonal",
    )
    values = stored(world.subsidiary)
    assert values[:2] == [Decimal("750.01"), Decimal("250.00")]
    assert values[2:] == [Decimal("0.00")] * 10  # every month of the year gets a target, if only zero
    assert sum(v for v in values if v is not None) == Decimal("1000.01")
    # Margin seasonality: Jan 200, Feb 0 (150 - 100 - 50): everything in January.
    target_set_annual(
        actor=world.kam_a,
        account_id=world.subsidiary.pk,
        metric_code="gross_margin",
        year=2026,
        value="120",
        phasing="seasonal",
    )
    assert stored(world.subsidiary, "gross_margin")[:2] == [Decimal("120.00"), Decimal("0.00")]


def test_seasonal_without_last_years_sales_is_even(world):
    target_set_annual(
        actor=None, account_id=world.account_b.pk, metric_code="volume", year=2026, value="1200", phasing="seasonal"
    )
    assert stored(world.account_b, "volume") == [Decimal("100.00")] * 12


def test_changes_are_audited_old_to_new_on_the_account(world):
    target_set_annual(actor=world.kam_a, account_id=world.subsidiary.pk, metric_code="revenue", year=2026, value="12")
    target_set_month(
        actor=world.kam_a, account_id=world.subsidiary.pk, metric_code="revenue", month=date(2026, 3, 5), value="5"
    )
    events = list(AuditEvent.objects.filter(account_id=world.subsidiary.pk, object_type="account").order_by("id"))
    first, second = events[-2], events[-1]
    assert first.actor == world.kam_a
    assert first.changes["Revenue (net sales) target 2026-01"] == [None, "1.00"]
    assert len(first.changes) == 12
    assert second.changes == {"Revenue (net sales) target 2026-03": ["1.00", "5.00"]}
    # Setting the same again changes nothing and records nothing.
    count = AuditEvent.objects.count()
    target_set_annual(actor=world.kam_a, account_id=world.subsidiary.pk, metric_code="revenue", year=2026, value="16")
    assert AuditEvent.objects.count() == count + 1
    target_set_month(
        actor=world.kam_a, account_id=world.subsidiary.pk, metric_code="revenue", month=date(2026, 3, 1), value=None
    )
    assert stored(world.subsidiary)[2] is None


def test_setting_targets_needs_edit_access(world):
    grant(world.subsidiary, world.kam_b, access="read")
    kwargs = {"account_id": world.subsidiary.pk, "metric_code": "revenue", "year": 2026, "value": "1"}
    with pytest.raises(NotFound):
        target_set_annual(actor=world.outsider, **kwargs)
    with pytest.raises(PermissionDenied):
        target_set_annual(actor=world.kam_b, **kwargs)
    grant(world.subsidiary, world.viewer, access="edit")
    with pytest.raises(PermissionDenied):
        target_set_annual(actor=world.viewer, **kwargs)
    assert not Target.objects.exists()
    target_set_annual(actor=world.lead, **kwargs)  # the owner's team lead may
    assert Target.objects.count() == 12


def test_margin_targets_only_for_roles_that_see_costs(world):
    member = make_user("team_member")
    grant(world.subsidiary, member, access="edit")
    with pytest.raises(PermissionDenied, match="margins"):
        target_set_annual(
            actor=member, account_id=world.subsidiary.pk, metric_code="gross_margin", year=2026, value="5"
        )
    target_set_annual(actor=member, account_id=world.subsidiary.pk, metric_code="revenue", year=2026, value="5")
    shown = account_targets(member, world.subsidiary.pk, 2026)
    assert [row.metric.code for row in shown.metrics] == ["revenue", "volume"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"metric_code": "profit"}, "metric", "Unknown metric"),
        ({"value": "-5"}, "value", "cannot be negative"),
        ({"value": "1.234"}, "value", "two decimals"),
        ({"value": "abc"}, "value", "not a number"),
        ({"value": "NaN"}, "value", "not a number"),
        ({"value": "1e20"}, "value", "too large"),
        ({"year": "20x6"}, "year", "not a year"),
        ({"year": 99999}, "year", "between"),
        ({"phasing": "weekly"}, "phasing", "Unknown phasing"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(world, changes, field, message):
    kwargs = {"account_id": world.subsidiary.pk, "metric_code": "revenue", "year": 2026, "value": "1"} | changes
    with pytest.raises(ServiceError) as error:
        target_set_annual(actor=world.kam_a, **kwargs)
    assert message in " ".join(error.value.field_errors[field])
    assert not Target.objects.exists()


def test_a_margin_target_may_be_negative(world):
    target_set_annual(actor=None, account_id=world.subsidiary.pk, metric_code="gross_margin", year=2026, value="-12")
    assert sum(stored(world.subsidiary, "gross_margin")) == Decimal("-12.00")


def test_team_and_portfolio_targets_are_sums(world):
    for account, value in ((world.global_account, "1200"), (world.subsidiary, "120"), (world.account_b, "12")):
        target_set_annual(actor=None, account_id=account.pk, metric_code="revenue", year=2026, value=value)
    target_set_annual(actor=None, account_id=world.hidden.pk, metric_code="revenue", year=2026, value="1000000")
    q1 = parse_period("2026-Q1")
    from kamdesk.accounts.models import Account
    from kamdesk.sales.pnl import team_accounts

    assert target_totals(world.lead, team_accounts(world.team), q1) == {"revenue": Decimal("333.00")}
    assert target_totals(world.kam_a, Account.objects.values("id"), q1) == {"revenue": Decimal("330.00")}
    assert target_totals(None, Account.objects.values("id"), parse_period("2026"))["revenue"] == Decimal("1001332.00")


# --- import ---------------------------------------------------------------------------------------------------


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


GOOD_FILE = csv_bytes(
    "account_code,metric,month,year,value,phasing",
    "G-001-DE,revenue,2026-01,,100.50,",
    "G-001-DE,revenue,2026-02,,200,",
    "B-001,volume,,2026,1200,even",
    "G-001,revenue,,2026,1000,seasonal",
)


def test_import_creates_then_is_idempotent_then_updates(world):
    report = targets_import(actor=None, data=GOOD_FILE, filename="targets.csv")
    summary = report.as_dict()
    assert {k: summary[k] for k in ("rows", "created", "updated", "unchanged", "rejected", "errors")} == {
        "rows": 4,
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
    }
    assert summary["written"] is True
    assert stored(world.subsidiary)[:2] == [Decimal("100.50"), Decimal("200.00")]
    assert stored(world.account_b, "volume") == [Decimal("100.00")] * 12
    assert sum(stored(world.global_account)) == Decimal("1000.00")  # no sales last year: even
    again = targets_import(actor=None, data=GOOD_FILE, filename="targets.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = GOOD_FILE.replace(b"100.50", b"101")
    third = targets_import(actor=None, data=changed, filename="targets.csv")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)
    assert stored(world.subsidiary)[0] == Decimal("101.00")


def test_import_rejects_bad_rows_and_writes_nothing(world):
    data = csv_bytes(
        "account_code,metric,month,year,value,phasing",
        "G-001-DE,revenue,2026-01,,100,",  # fine
        "NOPE,revenue,2026-01,,100,",  # unknown account
        "G-001-DE,profit,2026-01,,100,",  # unknown metric
        "G-001-DE,revenue,2026-13,,100,",  # bad month
        "G-001-DE,revenue,2026-02,,-1,",  # negative
        "G-001-DE,revenue,,2026,100,",  # overlaps line 2 (January)
        "G-001-DE,revenue,2026-03,2026,100,",  # both month and year
        "B-001,volume,,2026,10,weekly",  # bad phasing
        "B-001,volume,2026-04,,10,seasonal",  # phasing on a month
        "B-001,volume,,,10,",  # neither
        "B-001,volume,2026-05,,,",  # no value
    )
    report = targets_import(actor=None, data=data, filename="targets.csv")
    assert (report.rows, report.rejected, report.written) == (11, 10, False)
    by_line = {(error.line, error.column) for error in report.errors}
    assert {(3, "account_code"), (4, "metric"), (5, "month"), (6, "value"), (7, None), (8, "month")} <= by_line
    assert {(9, "phasing"), (10, "phasing"), (11, "month"), (12, "value")} <= by_line
    assert not Target.objects.exists()


def test_import_as_a_user_respects_access(world):
    grant(world.account_b, world.kam_a, access="read")
    data = csv_bytes(
        "account_code,metric,month,value",
        "G-001-DE,revenue,2026-01,1",
        "X-001,revenue,2026-01,1",
        "B-001,revenue,2026-01,1",
    )
    report = targets_import(actor=world.kam_a, data=data, filename="t.csv")
    messages = {error.line: error.message for error in report.errors}
    assert messages[3] == "No account with the code “X-001”."  # hidden: as if missing
    assert "read-only" in messages[4]
    assert not Target.objects.exists()


def test_import_dry_run_and_unreadable_files(world):
    report = targets_import(actor=None, data=GOOD_FILE, filename="t.csv", dry_run=True)
    assert (report.created, report.written, report.dry_run) == (4, False, True)
    assert not Target.objects.exists()
    empty = targets_import(actor=None, data=b"", filename="t.csv")
    assert empty.file_error and empty.exit_code == 2
    missing = targets_import(actor=None, data=csv_bytes("account_code,value", "G-001,1"), filename="t.csv")
    assert "metric" in missing.errors[0].message and "month or year" in missing.errors[0].message


def test_import_reads_xlsx_with_real_dates(world, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Account code", "Metric", "Month", "Value"])
    sheet.append(["G-001-DE", "Revenue", date(2026, 4, 1), 42.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = targets_import(actor=None, data=buffer.getvalue(), filename="t.xlsx")
    assert (report.created, report.rejected) == (1, 0), report.as_dict()
    assert stored(world.subsidiary)[3] == Decimal("42.50")


# --- the command ------------------------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("target", *args, stdout=out)
    return out.getvalue()


def test_target_set_command(world):
    output = run("set", "G-001-DE", "--metric", "revenue", "--year", "2026", "--value", "1200000")
    assert "1,200,000.00 over 12 months" in output and "2026-12" in output
    assert stored(world.subsidiary) == [Decimal("100000.00")] * 12
    with pytest.raises(CommandError, match="No account"):
        run("set", "X-001", "--metric", "revenue", "--year", "2026", "--value", "1", "--as", "kam.a@example.com")
    grant(world.subsidiary, world.viewer, access="read")
    with pytest.raises(CommandError, match="read-only"):
        run("set", "G-001-DE", "--metric", "revenue", "--year", "2026", "--value", "1", "--as", "viewer@example.com")
    with pytest.raises(CommandError, match="not a number"):
        run("set", "G-001-DE", "--metric", "revenue", "--year", "2026", "--value", "lots")


def test_target_import_command_json_and_exit_codes(world, tmp_path):
    good = tmp_path / "targets.csv"
    good.write_bytes(GOOD_FILE)
    summary = json.loads(run("import", str(good), "--json"))
    assert (summary["rows"], summary["created"], summary["rejected"]) == (4, 4, 0)
    assert "Import complete" in run("import", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("account_code,metric,month,value", "NOPE,revenue,2026-01,1"))
    with pytest.raises(CommandError) as error:
        run("import", str(bad))
    assert error.value.returncode == 1
    with pytest.raises(CommandError) as error:
        run("import", str(tmp_path / "missing.csv"), "--json")
    assert error.value.returncode == 2
