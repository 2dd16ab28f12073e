"""Targets per account, metric and month: set as an annual figure phased by month (evenly, or by last
year's seasonality), month by month, or imported from a file — and read back.

Writes check edit access on the account, validate, and record one audit event on the account with every
month's old → new value. A margin target is itself a margin figure: only roles that may see costs set or
read it. Team and portfolio targets are sums over their accounts (``target_totals``).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from kamdesk.access.scope import EDIT, actor_accounts, can_see_costs
from kamdesk.accounts.models import Account
from kamdesk.accounts.services import editable_account
from kamdesk.analytics.phasing import allocate
from kamdesk.audit.services import audit_record
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.imports.base import CREATED, REJECTED, UNCHANGED, UPDATED, CellError, decimal_parser
from kamdesk.imports.columns import header_key
from kamdesk.imports.importing import ImportReport, RowError
from kamdesk.imports.readers import FileError, Table, read_table
from kamdesk.sales.models import AccountMonthly, Metric, Target
from kamdesk.sales.periods import MAX_YEAR, MIN_YEAR, Period, year_period
from kamdesk.users.models import User

EVEN = "even"
SEASONAL = "seasonal"
PHASINGS = {EVEN: "Evenly", SEASONAL: "By last year's seasonality"}

# Metrics that are margin figures: hidden from roles that may not see costs, and allowed to be negative.
COST_METRICS = {"gross_margin"}
CENT = Decimal("0.01")
LIMIT = Decimal("1e16")  # what a DecimalField(max_digits=18, decimal_places=2) holds


def _seasonality_source(metric_code: str):
    """What last year's seasonality of a metric is read from; other metrics follow net sales."""
    return {
        "volume": F("quantity"),
        "gross_margin": F("net_amount") - F("cost"),
    }.get(metric_code, F("net_amount"))


# --- validation -------------------------------------------------------------------------------------------


def metric_choices(user: User | None) -> list[Metric]:
    """The metrics ``user`` may set and read targets for."""
    metrics = list(Metric.objects.order_by("name"))
    if user is not None and not can_see_costs(user):
        metrics = [metric for metric in metrics if metric.code not in COST_METRICS]
    return metrics


def _metric(actor: User | None, code: str) -> Metric:
    metric = Metric.objects.filter(code=(code or "").strip().lower()).first()
    if metric is None:
        known = ", ".join(Metric.objects.order_by("code").values_list("code", flat=True))
        raise ServiceError("Unknown metric.", {"metric": [f"Unknown metric “{code}”. Known metrics: {known}."]})
    if metric.code in COST_METRICS and actor is not None and not can_see_costs(actor):
        raise PermissionDenied("Your role may not see margins, so it cannot set margin targets.")
    return metric


def clean_value(value, metric_code: str) -> Decimal:
    """A target value: a number with at most two decimals, in range; negative only for margins."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"“{value}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{value}” is not a number.")
    if number != number.quantize(CENT, rounding="ROUND_DOWN"):
        raise ValueError("A target has at most two decimals.")
    if abs(number) >= LIMIT:
        raise ValueError("The number is too large.")
    if number < 0 and metric_code not in COST_METRICS:
        raise ValueError("A target cannot be negative.")
    return number.quantize(CENT)


def clean_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValueError(f"“{year}” is not a year.") from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValueError(f"The year must be between {MIN_YEAR} and {MAX_YEAR}.")
    return value


def _checked(check, value, field_name: str, *args):
    try:
        return check(value, *args)
    except ValueError as exc:
        raise ServiceError("Please correct the highlighted fields.", {field_name: [str(exc)]}) from None


def _phasing(phasing: str) -> str:
    if phasing not in PHASINGS:
        raise ServiceError(
            "Unknown phasing.", {"phasing": [f"Unknown phasing “{phasing}”: use {' or '.join(PHASINGS)}."]}
        )
    return phasing


# --- phasing ------------------------------------------------------------------------------------------------


def seasonal_history(account_ids: list[int], metric_code: str, year: int) -> dict[int, np.ndarray]:
    """Each account's figures per month of the fiscal year before ``year`` (one query for all of them)."""
    months = year_period(year - 1).months
    position = {month: n for n, month in enumerate(months)}
    history = {account_id: np.zeros(len(months)) for account_id in account_ids}
    rows = (
        AccountMonthly.objects.filter(account_id__in=account_ids, month__gte=months[0], month__lte=months[-1])
        .annotate(figure=_seasonality_source(metric_code))
        .values_list("account_id", "month", "figure")
    )
    for account_id, month, figure in rows:
        history[account_id][position[month]] = float(figure)
    return history


def phase(values: list[Decimal], weights: np.ndarray) -> list[list[Decimal]]:
    """Each annual value split over the months by its row of ``weights`` (a row of zeros: evenly); the
    months add up exactly to the annual value."""
    cents = np.array([int(value * 100) for value in values], dtype=np.int64)
    return [[Decimal(int(c)) / 100 for c in row] for row in allocate(cents, weights)]


def phased_months(account_id: int, metric_code: str, year: int, value: Decimal, phasing: str) -> dict[date, Decimal]:
    months = year_period(year).months
    weights = np.zeros((1, len(months)))
    if phasing == SEASONAL:
        weights[0] = seasonal_history([account_id], metric_code, year)[account_id]
    return dict(zip(months, phase([value], weights)[0], strict=True))


# --- writes -------------------------------------------------------------------------------------------------


def target_set_annual(
    *, actor: User | None, account_id: int, metric_code: str, year: int, value, phasing: str = EVEN
) -> list[Target]:
    """Set a fiscal year's targets from an annual figure, phased evenly or by last year's seasonality (evenly
    when the account sold nothing last year). Returns the year's targets for the metric, by month."""
    year = _checked(clean_year, year, "year")
    metric = _metric(actor, metric_code)
    value = _checked(clean_value, value, "value", metric.code)
    phasing = _phasing(phasing)
    with transaction.atomic():
        account = editable_account(actor, account_id)
        months = phased_months(account.pk, metric.code, year, value, phasing)
        _store(actor, account, metric, months)
    return list(Target.objects.filter(account=account, metric=metric, month__in=list(months)).order_by("month"))


def target_set_month(*, actor: User | None, account_id: int, metric_code: str, month: date, value) -> Target | None:
    """Set (or, with value None, remove) one month's target."""
    saved = target_set_months(actor=actor, account_id=account_id, metric_code=metric_code, values={month: value})
    return saved[0] if saved else None


def target_set_months(*, actor: User | None, account_id: int, metric_code: str, values: dict) -> list[Target]:
    """Set several months' targets of one metric at once ({month: value}; None removes that month's)."""
    metric = _metric(actor, metric_code)
    cleaned = {}
    for month, value in values.items():
        if not isinstance(month, date):
            raise ServiceError("Please correct the highlighted fields.", {"month": [f"“{month}” is not a month."]})
        label = f"{month:%Y-%m}"
        cleaned[month.replace(day=1)] = None if value is None else _checked(clean_value, value, label, metric.code)
    with transaction.atomic():
        account = editable_account(actor, account_id)
        _store(actor, account, metric, cleaned)
    months = [month for month, value in cleaned.items() if value is not None]
    return list(Target.objects.filter(account=account, metric=metric, month__in=months).order_by("month"))


def _store(actor: User | None, account: Account, metric: Metric, values: dict[date, Decimal | None]) -> dict:
    """Write the months' values (None: remove), in bulk; audit old → new on the account. Returns the
    changes ({label: [old, new]}); nothing is written or audited when nothing changes."""
    existing = {t.month: t for t in Target.objects.filter(account=account, metric=metric, month__in=list(values))}
    new, changed, removed, changes = [], [], [], {}
    for month, value in sorted(values.items()):
        stored = existing.get(month)
        old = stored.value if stored else None
        if old == value:
            continue
        changes[f"{metric.name} target {month:%Y-%m}"] = [_text(old), _text(value)]
        if stored is None:
            new.append(Target(account=account, metric=metric, month=month, value=value))
        elif value is None:
            removed.append(stored.pk)
        else:
            stored.value = value
            changed.append(stored)
    if not changes:
        return changes
    now = timezone.now()
    for target in changed:
        target.updated_at = now  # bulk_update does not touch auto_now fields by itself
    Target.objects.bulk_create(new)
    if changed:
        Target.objects.bulk_update(changed, ["value", "updated_at"])
    if removed:
        Target.objects.filter(pk__in=removed).delete()
    audit_record(actor=actor, action="update", obj=account, account_id=account.pk, changes=changes)
    return changes


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- reads --------------------------------------------------------------------------------------------------


@dataclass
class MetricTargets:
    metric: Metric
    values: list[Decimal | None]  # one per month of the year, None where no target is set

    @property
    def total(self) -> Decimal | None:
        present = [value for value in self.values if value is not None]
        return sum(present, Decimal("0.00")) if present else None


@dataclass
class TargetYear:
    account: Account
    year: int
    months: list[date]
    metrics: list[MetricTargets] = field(default_factory=list)


def account_targets(user: User | None, account_id: int, year: int) -> TargetYear:
    """The account's own targets for a fiscal year, every metric the user may see (two queries)."""
    account = actor_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise NotFound("Account not found.")
    months = year_period(year).months
    metrics = metric_choices(user)
    stored = {
        (metric_id, month): value
        for metric_id, month, value in Target.objects.filter(
            account_id=account_id, metric__in=metrics, month__gte=months[0], month__lte=months[-1]
        ).values_list("metric_id", "month", "value")
    }
    rows = [MetricTargets(metric, [stored.get((metric.pk, month)) for month in months]) for metric in metrics]
    return TargetYear(account=account, year=year, months=months, metrics=rows)


def target_totals(user: User | None, account_ids: QuerySet, period: Period) -> dict[str, Decimal]:
    """Targets summed over the accounts (a team's, a portfolio's) the user may see, per metric code."""
    scope = actor_accounts(user).filter(id__in=account_ids).values("id")
    targets = Target.objects.filter(account_id__in=scope, month__gte=period.start, month__lt=period.end)
    if user is not None and not can_see_costs(user):
        targets = targets.exclude(metric__code__in=COST_METRICS)
    rows = targets.order_by().values("metric__code").annotate(total=Sum("value"))
    return {row["metric__code"]: row["total"] for row in rows}


# --- import ---------------------------------------------------------------------------------------------------

TARGET_COLUMNS = ("account_code", "metric", "month", "year", "value", "phasing")
REQUIRED_TARGET_COLUMNS = ("account_code", "metric", "value")
KIND = "targets"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2}(?:[T ][\d:.]+)?)?$")


@dataclass(eq=False)
class TargetRow:
    line: int
    cells: dict[str, str]
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    account_id: int | None = None
    metric: Metric | None = None
    months: list[date] = field(default_factory=list)
    value: Decimal | None = None
    phasing: str | None = None  # None: a monthly row
    year: int | None = None
    values: dict[date, Decimal] = field(default_factory=dict)
    outcome: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def reject(self, column: str | None, message: str) -> None:
        self.errors.append((column, message))


def targets_import(*, actor: User | None, data: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Import targets from CSV or XLSX: rows with ``account_code, metric, month (YYYY-MM), value``, or annual
    rows with ``year`` instead of ``month`` and an optional ``phasing`` (even or seasonal). Every row is
    checked first; if any is rejected nothing is written. Importing the same file again changes nothing."""
    report = ImportReport(kind=KIND, dry_run=dry_run)
    try:
        table = read_table(data, filename, TARGET_COLUMNS)
        positions = _header_positions(table, report)
    except FileError as exc:
        failed = ImportReport.unreadable(KIND, exc.message, exc.line, exc.column)
        failed.dry_run = dry_run
        return failed
    report.source = table.description
    report.warnings += table.warnings
    rows = [
        TargetRow(line, {column: cells[i] if i < len(cells) else "" for column, i in positions.items()})
        for line, cells in table.rows
    ]
    if not rows:
        report.warnings.append("The file has a header but no data rows; nothing to import.")
    _validate_rows(actor, rows, decimal_comma=table.decimal_comma)
    if all(row.ok for row in rows) and not dry_run:
        report.written = _write_rows(actor, rows)
    _tally(report, rows)
    return report


class _RollBack(Exception):
    """Leaves the import's transaction without keeping anything."""


def _write_rows(actor: User | None, rows: list[TargetRow]) -> bool:
    """Write every changed row through the service, in one transaction: all or nothing."""
    try:
        with transaction.atomic():
            for row in rows:
                if row.outcome not in (CREATED, UPDATED):
                    continue
                try:
                    target_set_months(
                        actor=actor, account_id=row.account_id, metric_code=row.metric.code, values=row.values
                    )
                except ServiceError as exc:  # e.g. access changed since the rows were checked
                    row.reject(None, exc.message)
            if any(not row.ok for row in rows):
                raise _RollBack
    except _RollBack:
        return False
    return True


def _header_positions(table: Table, report: ImportReport) -> dict[str, int]:
    positions: dict[str, int] = {}
    unknown = []
    for position, header in enumerate(table.headers):
        key = header_key(header)
        if not key:
            continue
        if key not in TARGET_COLUMNS:
            unknown.append(header)
        elif key in positions:
            raise FileError(f"The column “{key}” appears twice in the header.", table.header_line, key)
        else:
            positions[key] = position
    missing = [column for column in REQUIRED_TARGET_COLUMNS if column not in positions]
    if "month" not in positions and "year" not in positions:
        missing.append("month or year")
    if missing:
        raise FileError(
            f"Required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}. "
            f"The target columns are: {', '.join(TARGET_COLUMNS)}.",
            table.header_line,
            ", ".join(missing),
        )
    if unknown:
        report.warnings.append(f"Ignored unknown columns: {', '.join(unknown)}.")
    return positions


def _validate_rows(actor: User | None, rows: list[TargetRow], *, decimal_comma: bool) -> None:
    """Type and check every row, phase the annual ones, and classify each against what is stored — in a
    few queries for the whole file."""
    codes = {row.cells.get("account_code", "").strip() for row in rows}
    accounts = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    visible = set(actor_accounts(actor).filter(code__in=codes).values_list("id", flat=True))
    editable = set(actor_accounts(actor, EDIT).filter(code__in=codes).values_list("id", flat=True))
    metrics = {metric.code: metric for metric in Metric.objects.all()}
    parse_amount = decimal_parser(decimal_comma)
    for row in rows:
        _parse_row(actor, row, accounts, visible, editable, metrics, parse_amount)
    _phase_rows([row for row in rows if row.ok])
    _reject_overlaps(rows)
    _classify([row for row in rows if row.ok])


def _parse_row(actor, row: TargetRow, accounts, visible, editable, metrics, parse_amount) -> None:
    code = row.cells.get("account_code", "").strip()
    account_id = accounts.get(code)
    if not code:
        row.reject("account_code", "The account code is missing.")
    elif account_id is None or account_id not in visible:
        row.reject("account_code", f"No account with the code “{code}”.")
    elif account_id not in editable:
        row.reject("account_code", f"You have read-only access to the account “{code}”.")
    row.account_id = account_id
    metric_code = row.cells.get("metric", "").strip().lower()
    row.metric = metrics.get(metric_code)
    if row.metric is None:
        row.reject("metric", f"Unknown metric “{metric_code}”. Known metrics: {', '.join(sorted(metrics))}.")
    elif metric_code in COST_METRICS and actor is not None and not can_see_costs(actor):
        row.reject("metric", "Your role may not see margins, so it cannot set margin targets.")
    _parse_when(row)
    try:
        amount = parse_amount(row.cells.get("value", "").strip())
        if amount is None:
            raise CellError("The value is missing.")
        row.value = clean_value(amount, metric_code)
    except ValueError as exc:  # CellError is a ValueError
        row.reject("value", str(exc))


def _parse_when(row: TargetRow) -> None:
    month_text, year_text = row.cells.get("month", "").strip(), row.cells.get("year", "").strip()
    phasing = row.cells.get("phasing", "").strip().lower()
    if month_text and year_text:
        row.reject("month", "Give either a month (one month's target) or a year (an annual target), not both.")
    elif month_text:
        match = _MONTH.match(month_text)
        if match is None or not 1 <= int(match[2]) <= 12 or not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
            row.reject("month", f"“{month_text}” is not a month: write it as YYYY-MM, e.g. 2026-01.")
        else:
            row.months = [date(int(match[1]), int(match[2]), 1)]
        if phasing:
            row.reject("phasing", "Phasing applies to annual rows (with a year); leave it empty for a month.")
    elif year_text:
        try:
            row.year = clean_year(year_text)
            row.months = year_period(row.year).months
        except ValueError as exc:
            row.reject("year", str(exc))
        row.phasing = phasing or EVEN
        if row.phasing not in PHASINGS:
            row.reject("phasing", f"Unknown phasing “{phasing}”: use {' or '.join(PHASINGS)}.")
    else:
        row.reject("month", "Give a month (YYYY-MM) or a year.")


def _phase_rows(rows: list[TargetRow]) -> None:
    """Monthly rows keep their value; annual rows are phased together (one history query per metric and
    year with seasonal rows)."""
    annual = [row for row in rows if row.phasing is not None]
    for row in rows:
        if row.phasing is None:
            row.values = {row.months[0]: row.value}
    if not annual:
        return
    weights = np.zeros((len(annual), 12))
    seasonal_groups: dict[tuple[str, int], list[int]] = {}
    for index, row in enumerate(annual):
        if row.phasing == SEASONAL:
            seasonal_groups.setdefault((row.metric.code, row.year), []).append(index)
    for (metric_code, year), indexes in seasonal_groups.items():
        history = seasonal_history([annual[i].account_id for i in indexes], metric_code, year)
        for i in indexes:
            weights[i] = history[annual[i].account_id]
    for row, months in zip(annual, phase([row.value for row in annual], weights), strict=True):
        row.values = dict(zip(row.months, months, strict=True))


def _reject_overlaps(rows: list[TargetRow]) -> None:
    """Two rows setting the same account, metric and month contradict each other (or repeat)."""
    first_line: dict[tuple, int] = {}
    for row in rows:
        if not row.ok:
            continue
        keys = [(row.account_id, row.metric.pk, month) for month in row.months]
        clash = next((first_line[key] for key in keys if key in first_line), None)
        if clash is not None:
            row.reject(None, f"Line {clash} already sets this account's {row.metric.code} target for these months.")
            continue
        first_line.update(dict.fromkeys(keys, row.line))


def _classify(rows: list[TargetRow]) -> None:
    """created: none of the row's months had a target; unchanged: all are as the file says."""
    if not rows:
        return
    months = [month for row in rows for month in row.months]
    stored = {
        (account_id, metric_id, month): value
        for account_id, metric_id, month, value in Target.objects.filter(
            account_id__in={row.account_id for row in rows},
            metric_id__in={row.metric.pk for row in rows},
            month__gte=min(months),
            month__lte=max(months),
        ).values_list("account_id", "metric_id", "month", "value")
    }
    for row in rows:
        before = [stored.get((row.account_id, row.metric.pk, month)) for month in row.values]
        if all(value is None for value in before):
            row.outcome = CREATED
        elif before == list(row.values.values()):
            row.outcome = UNCHANGED
        else:
            row.outcome = UPDATED


def _tally(report: ImportReport, rows: list[TargetRow]) -> None:
    report.rows = len(rows)
    for row in rows:
        outcome = REJECTED if not row.ok else row.outcome
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.errors += [RowError(row.line, column, message) for column, message in row.errors]
