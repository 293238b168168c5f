"""Reporting periods: quarters ('2025Q3') and bulletin months ('2025-10')."""

from __future__ import annotations

import re
from datetime import date

from ipwatch import config

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}


def quarter_of_month(month: str) -> str:
    """The latest quarter complete before `month` begins: '2025-10' -> '2025Q3', '2025-02' -> '2024Q4'."""
    match = MONTH.match(month)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"月份格式应为 YYYY-MM (month must be YYYY-MM): {month!r}")
    year, done = int(match[1]), int(match[2]) - 1
    return f"{year}Q{done // 3}" if done >= 3 else f"{year - 1}Q4"


def earliest_year() -> int:
    """The first year a period may be in: IPWATCH_EARLIEST_YEAR, else the earliest plan's base year."""
    given = config.settings().earliest_year
    if given is not None:
        return given
    from ipwatch.domain import catalogue

    return catalogue.default().base_year()


def within_plans(quarter: str) -> str:
    """`quarter` itself, once it is known not to come before the earliest year (ValueError otherwise)."""
    first = earliest_year()
    if split(quarter)[0] < first:
        raise ValueError(f"报告期早于最早规划的基期 {first} 年 (period before the earliest base year {first}):"
                         f" {quarter}")
    return quarter


def quarters(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last` inclusive."""
    (y, q), (ly, lq) = split(first), split(last)
    out = []
    while (y, q) <= (ly, lq):
        out.append(f"{y}Q{q}")
        y, q = (y, q + 1) if q < 4 else (y + 1, 1)
    return out


def split(quarter: str) -> tuple[int, int]:
    """'2025Q3' -> (2025, 3)."""
    return int(quarter[:4]), int(quarter[5])


def latest_complete_quarter(today: date) -> str:
    """The last quarter that has ended by `today`."""
    return quarter_of_month(f"{today.year}-{today.month:02d}")


def quarter_label(quarter: str) -> str:
    """'2025Q3' -> '2025年第三季度'."""
    year, q = split(quarter)
    return f"{year}年第{QUARTER_ZH[q]}季度"


def month_after(quarter: str) -> str:
    """The first month after a quarter ends, whose monthly bulletin reports it: '2025Q3' -> '2025-10'."""
    year, q = split(quarter)
    return f"{year}-{3 * q + 1:02d}" if q < 4 else f"{year + 1}-01"


def previous_quarter(quarter: str) -> str:
    """The quarter before: '2025Q1' -> '2024Q4'."""
    year, q = split(quarter)
    return f"{year}Q{q - 1}" if q > 1 else f"{year - 1}Q4"


def due(edition: str, day: date) -> str:
    """The bulletin period due on `day`: the month itself ('monthly') or the last quarter ended ('quarterly')."""
    if edition == "monthly":
        return f"{day.year}-{day.month:02d}"
    if edition == "quarterly":
        return latest_complete_quarter(day)
    raise ValueError(f"简报类型应为 monthly 或 quarterly (edition must be monthly or quarterly): {edition!r}")
