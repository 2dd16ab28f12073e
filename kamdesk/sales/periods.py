"""Reporting periods: a fiscal year, a quarter, a month, or "to date" spans of them.

A period runs from ``start`` (the first day of its first month) up to ``end`` (exclusive: the first day
after it), so it is always a whole number of months. Years and quarters follow the fiscal year, which
starts in settings.FISCAL_YEAR_START_MONTH (1 = January). A fiscal year is named after the calendar year
it starts in: with an April start, "2025" runs from April 2025 to March 2026 and "2025-Q1" is April to
June 2025. Months are always calendar months ("2025-07").
"""

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings

YEAR = "year"
QUARTER = "quarter"
MONTH = "month"
YEAR_TO_DATE = "ytd"
QUARTER_TO_DATE = "qtd"

MIN_YEAR, MAX_YEAR = 1900, 2999
PERIOD_FORMATS = "a year (2025), a quarter (2025-Q3) or a month (2025-07)"
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:[Qq](?P<quarter>\d)|(?P<month>\d{1,2})))?$")


def fiscal_start_month() -> int:
    month = getattr(settings, "FISCAL_YEAR_START_MONTH", 1)
    return month if 1 <= month <= 12 else 1


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    """The first day of ``day``'s calendar quarter (January, April, July or October)."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class Period:
    start: date  # first day of the first month
    end: date  # first day after the period (exclusive)
    kind: str  # year, quarter, month, ytd or qtd: how the label is written

    @property
    def months(self) -> list[date]:
        """The first day of every month in the period, in order."""
        return [add_months(self.start, n) for n in range(months_between(self.start, self.end))]

    @property
    def last_month(self) -> date:
        return add_months(self.end, -1)

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.start)

    @property
    def quarter(self) -> int:
        return months_between(fiscal_year_start(self.fiscal_year), self.start) // 3 + 1

    @property
    def label(self) -> str:
        if self.kind == YEAR:
            return str(self.fiscal_year)
        if self.kind == QUARTER:
            return f"{self.fiscal_year}-Q{self.quarter}"
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == YEAR_TO_DATE:
            return f"{self.fiscal_year} year to date ({self.last_month:%Y-%m})"
        return f"{self.fiscal_year}-Q{self.quarter} quarter to date ({self.last_month:%Y-%m})"

    def previous_year(self) -> "Period":
        """The same span twelve months earlier: what "vs last year" compares with."""
        return Period(add_months(self.start, -12), add_months(self.end, -12), self.kind)

    def __str__(self) -> str:
        return self.label


def fiscal_year_of(day: date) -> int:
    """The fiscal year ``day`` falls in (named after the calendar year it starts in)."""
    return day.year if day.month >= fiscal_start_month() else day.year - 1


def fiscal_year_start(year: int) -> date:
    return date(year, fiscal_start_month(), 1)


def year_period(year: int) -> Period:
    start = fiscal_year_start(year)
    return Period(start, add_months(start, 12), YEAR)


def quarter_period(year: int, quarter: int) -> Period:
    start = add_months(fiscal_year_start(year), (quarter - 1) * 3)
    return Period(start, add_months(start, 3), QUARTER)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(start, add_months(start, 1), MONTH)


def parse_period(text: str) -> Period:
    """ "2025" (fiscal year), "2025-Q3" (fiscal quarter) or "2025-07" (month); ValueError otherwise."""
    cleaned = (text or "").strip()
    match = _PATTERN.match(cleaned)
    if match is None:
        raise ValueError(f"“{cleaned}” is not a period: give {PERIOD_FORMATS}.")
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"The year {year} is out of range ({MIN_YEAR}–{MAX_YEAR}).")
    if match["quarter"] is not None:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise ValueError(f"“{cleaned}”: a quarter is Q1, Q2, Q3 or Q4.")
        return quarter_period(year, quarter)
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"“{cleaned}”: a month is 01 to 12.")
        return month_period(year, month)
    return year_period(year)


def month_to_date(day: date) -> Period:
    """The month of ``day``, whole."""
    return month_period(day.year, day.month)


def quarter_to_date(day: date) -> Period:
    """From the start of ``day``'s fiscal quarter to the end of ``day``'s month."""
    year = fiscal_year_of(day)
    offset = months_between(fiscal_year_start(year), date(day.year, day.month, 1))
    start = add_months(fiscal_year_start(year), offset // 3 * 3)
    return Period(start, add_months(date(day.year, day.month, 1), 1), QUARTER_TO_DATE)


def year_to_date(day: date) -> Period:
    """From the start of ``day``'s fiscal year to the end of ``day``'s month."""
    return Period(fiscal_year_start(fiscal_year_of(day)), add_months(date(day.year, day.month, 1), 1), YEAR_TO_DATE)
