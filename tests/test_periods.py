"""Reporting periods: years, quarters and months as text, the fiscal year, and "to date" spans."""

from datetime import date

import pytest

from kamdesk.sales.periods import month_to_date, parse_period, quarter_to_date, year_to_date


def test_a_year_is_twelve_months():
    period = parse_period("2025")
    assert (period.start, period.end, period.label) == (date(2025, 1, 1), date(2026, 1, 1), "2025")
    assert period.months == [date(2025, m, 1) for m in range(1, 13)]


def test_a_quarter_and_a_month():
    quarter = parse_period("2025-Q3")
    assert (quarter.start, quarter.end, quarter.label) == (date(2025, 7, 1), date(2025, 10, 1), "2025-Q3")
    assert quarter.months == [date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1)]
    month = parse_period(" 2025-07 ")
    assert (month.start, month.end, month.label, month.months) == (
        date(2025, 7, 1),
        date(2025, 8, 1),
        "2025-07",
        [date(2025, 7, 1)],
    )
    assert parse_period("2025-q4").label == "2025-Q4"
    assert parse_period("2025-12").end == date(2026, 1, 1)


def test_previous_year_is_the_same_span_a_year_earlier():
    assert parse_period("2025-Q1").previous_year() == parse_period("2024-Q1")
    assert parse_period("2025-02").previous_year().label == "2024-02"
    ytd = year_to_date(date(2025, 5, 17)).previous_year()
    assert (ytd.start, ytd.end) == (date(2024, 1, 1), date(2024, 6, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a period"),
        ("25", "is not a period"),
        ("2025-Q5", "Q1, Q2, Q3 or Q4"),
        ("2025-Q0", "Q1, Q2, Q3 or Q4"),
        ("2025-13", "01 to 12"),
        ("2025-00", "01 to 12"),
        ("2025-07-01", "is not a period"),
        ("July 2025", "is not a period"),
        ("0999", "out of range"),
        ("2025/07", "is not a period"),
    ],
)
def test_bad_periods_say_what_is_accepted(text, message):
    with pytest.raises(ValueError, match=message) as error:
        parse_period(text)
    if "is not a period" in message:
        assert "2025-Q3" in str(error.value)  # the message shows the accepted forms


def test_none_is_refused_with_a_message():
    with pytest.raises(ValueError, match="is not a period"):
        parse_period(None)


def test_to_date_periods_end_with_the_days_month():
    day = date(2025, 8, 14)
    assert (month_to_date(day).start, month_to_date(day).end) == (date(2025, 8, 1), date(2025, 9, 1))
    qtd = quarter_to_date(day)
    assert (qtd.start, qtd.end) == (date(2025, 7, 1), date(2025, 9, 1))
    assert qtd.label == "2025-Q3 quarter to date (2025-08)"
    ytd = year_to_date(day)
    assert (ytd.start, ytd.end, len(ytd.months)) == (date(2025, 1, 1), date(2025, 9, 1), 8)
    assert ytd.label == "2025 year to date (2025-08)"
    assert year_to_date(date(2025, 1, 1)).months == [date(2025, 1, 1)]


def test_the_fiscal_year_start_moves_years_and_quarters(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    year = parse_period("2025")
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 4, 1))
    q1, q4 = parse_period("2025-Q1"), parse_period("2025-Q4")
    assert (q1.start, q1.end) == (date(2025, 4, 1), date(2025, 7, 1))
    assert (q4.start, q4.end, q4.label) == (date(2026, 1, 1), date(2026, 4, 1), "2025-Q4")
    assert parse_period("2025-02").start == date(2025, 2, 1)  # months stay calendar months
    ytd = year_to_date(date(2026, 2, 10))
    assert (ytd.start, ytd.end, ytd.label) == (date(2025, 4, 1), date(2026, 3, 1), "2025 year to date (2026-02)")
    qtd = quarter_to_date(date(2025, 5, 3))
    assert (qtd.start, qtd.end) == (date(2025, 4, 1), date(2025, 6, 1))
    assert qtd.label.startswith("2025-Q1")
