"""Editions: the plans an edition covers, its 期号 and its issue date, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from ipwatch.bulletins import editions


@pytest.mark.parametrize(("period", "start", "end", "covered"), [
    ("2026-10", 2024, 2026, "2026-10"),      # Jiangjin in force: the edition itself
    ("2026-10", 2021, 2025, "2025-final"),   # Hefei ended in 2025: its final evaluation
    ("2023-07", 2024, 2026, None),           # Jiangjin not yet begun: nothing
    ("2016-01", 2015, 2015, "2016-01"),      # 2016-01 reports 2015Q4, the last quarter of Shandong's plan
    ("2016-04", 2015, 2015, "2015-final"),   # 2016Q1 is past it
    ("2015Q4", 2015, 2015, "2015Q4"),
])
def test_an_edition_covers_plans_in_force_and_ended_plans_once(period, start, end, covered):
    edition = editions.covers(editions.parse(period), start, end)
    assert (edition.period if edition else None) == covered


@pytest.mark.parametrize(("period", "start", "end", "number"), [
    # Jiangjin (from 2024): January to March 2024 report 2023Q4, before it; April to October are its 1st to 7th.
    ("2024-10", 2024, 2026, 7),
    ("2025-10", 2024, 2026, 10),             # a whole year in force: the month
    ("2024Q3", 2024, 2026, 3),
    ("2021-05", 2021, 2025, 2),              # Hefei: 2021-04 and 2021-05 report 2021Q1; January to March 2020Q4
])
def test_issue_numbers_count_the_plan_s_editions_of_the_year(period, start, end, number):
    assert editions.issue_number(editions.parse(period), start, end) == number


def test_issue_dates_are_the_schedule_s_not_the_rendering_day():
    assert editions.issue_date(editions.parse("2026-10"), date(2026, 10, 15)) == date(2026, 10, 5)
    assert editions.issue_date(editions.parse("2026Q3"), date(2026, 10, 15)) == date(2026, 10, 16)
    assert editions.chinese_date(date(2026, 10, 5)) == "2026年10月5日"


@pytest.mark.parametrize(("edition", "title"), [
    (editions.parse("2026-10"), "2026年10月月报"),
    (editions.parse("2026Q3"), "2026年第三季度季报"),
    (editions.final(2025), "2025年终期评估"),
])
def test_editions_are_named_in_chinese(edition, title):
    assert edition.title == title
