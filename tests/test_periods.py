import pytest

from ipwatch.domain import periods


@pytest.mark.parametrize(("month", "quarter"), [
    ("2025-10", "2025Q3"), ("2025-12", "2025Q3"), ("2025-04", "2025Q1"), ("2025-03", "2024Q4"),
    ("2025-01", "2024Q4"),
])
def test_month_reports_last_quarter_complete_before_it(month, quarter):
    assert periods.quarter_of_month(month) == quarter


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "202510", "2025-00"])
def test_bad_month_is_refused(month):
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.quarter_of_month(month)


def test_quarters_span_year_end():
    assert periods.quarters("2024Q3", "2025Q2") == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]


def test_month_after_quarter():
    assert periods.month_after("2025Q3") == "2025-10"
    assert periods.month_after("2025Q4") == "2026-01"


def test_quarter_label_is_chinese():
    assert periods.quarter_label("2025Q3") == "2025年第三季度"


@pytest.mark.parametrize(("edition", "day", "period"), [
    ("monthly", "2026-11-05", "2026-11"), ("monthly", "2026-01-05", "2026-01"),
    ("quarterly", "2026-01-16", "2025Q4"), ("quarterly", "2026-10-16", "2026Q3")])
def test_a_scheduled_day_names_the_bulletin_due(edition, day, period):
    from datetime import date

    assert periods.due(edition, date.fromisoformat(day)) == period
