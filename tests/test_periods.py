from contextlib import suppress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipwatch.domain import periods
from ipwatch.intake import explain


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


@pytest.mark.parametrize("raw", ["2025Q3", "2025-Q3", "2025q3", "2025 Q3", "2025年第三季度", "2025年第3季度",
                                 "2025年3季度", "２０２５年第三季度", " 2025Q3 "])
def test_every_way_of_writing_a_quarter(raw):
    assert periods.parse(raw) == "2025Q3"


@pytest.mark.parametrize("raw", ["2025Q5", "Q3-2025", "2025年", "2025-09", "", None])
def test_not_a_quarter(raw):
    assert periods.parse(raw) is None


def test_every_written_quarter_reads_back_from_its_chinese_name():
    quarters = periods.quarters("2024Q1", "2025Q4")
    assert [periods.parse(periods.quarter_label(q)) for q in quarters] == quarters


def test_index_puts_consecutive_quarters_one_apart_across_the_year_end():
    indices = [periods.index(q) for q in periods.quarters("2024Q3", "2025Q2")]
    assert indices == list(range(indices[0], indices[0] + 4)) and periods.index("2025Q3") == 2025 * 4 + 2


@pytest.mark.parametrize(("period", "month"), [("2025Q1", 3), ("2025Q3", 9), ("2025Q4", 12), ("2025年第二季度", 6),
                                               ("不是季度", 12)])
def test_last_month_of_a_quarter(period, month):
    assert periods.last_month(period) == month


@pytest.mark.parametrize("written", ["2025Q3", "2025年第三季度", "2025-q3"])
def test_a_quarter_argument_is_read_as_offices_write_it(written):
    assert periods.quarter_argument(written) == "2025Q3"


@pytest.mark.parametrize(("written", "says"), [("2025Q5", "period must be a quarter"), ("2025-10", "报告期应为季度"),
                                               ("1999Q4", "period before the earliest base year")])
def test_a_bad_quarter_argument_says_why_in_chinese_and_english(written, says):
    with pytest.raises(ValueError, match=says):
        periods.quarter_argument(written)


@pytest.mark.parametrize("quarter", ["2025-Q3", "2025Q5", "25Q3", ""])
def test_well_formed_takes_the_normal_form_only(quarter):
    with pytest.raises(ValueError, match="2025Q3"):
        periods.well_formed(quarter)


@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\d{4}(Q[0-9]?)?\Z"), st.none()))
def test_what_names_a_quarter_refuses_any_other_text_with_a_value_error(written):
    """Every function of a quarter either answers or says ValueError (which a message's text catches to show the
    cell as typed): '2025' once reached the clerk's rejection as an IndexError, and the file's whole explanation
    fell back to 本文件未能处理完毕."""
    for name in ("split", "index", "last_day", "quarter_label", "quarters"):
        function = getattr(periods, name)
        with suppress(ValueError, TypeError):
            function(written, written) if name == "quarters" else function(written)
    assert explain.period_words(written) in (written, periods.quarter_label(written) if written and
                                             periods.QUARTER.match(written) else written)
