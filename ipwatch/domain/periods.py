"""Reporting periods, in one place: quarters ('2025Q3') as offices write them, in order, in Chinese and as an
argument, and bulletin months ('2025-10') with the quarter each reports.

The normal form of a quarter is '2025Q3'; everything else is read (`parse`) or shown (`quarter_label`) here.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ipwatch import config
from ipwatch.domain.cells import text

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^\d{4}Q[1-4]$")
QUARTER_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}
# A quarter in its normal form inside a sentence ('在用 19.19，2026Q2'): no person reads a quarter so.
QUARTER_IN_TEXT = re.compile(r"\b(\d{4})Q([1-4])\b")
# How offices write a quarter, compared lower-cased after NFKC (so ２０２５Ｑ３ too): 2025Q3, 2025-Q3, 2025 q3;
# 2025年第三季度, 2025年第3季度, 2025年3季度.
WRITTEN = (
    re.compile(r"^(\d{4})\s*[-.]?\s*q([1-4])$"),
    re.compile(r"^(\d{4})年?\s*第?([1-4一二三四])季度?$"),
)
NUMBER_OF = {zh: str(q) for q, zh in QUARTER_ZH.items()}


def parse(written: str | None) -> str | None:
    """A quarter as offices write it, in the normal form: '2025年第三季度' -> '2025Q3'; None when it is none."""
    cleaned = text(written).lower()
    for pattern in WRITTEN:
        match = pattern.match(cleaned)
        if match:
            return f"{match[1]}Q{NUMBER_OF.get(match[2], match[2])}"
    return None


def well_formed(quarter: str) -> str:
    """`quarter` itself when it is in the normal form '2025Q3'; ValueError otherwise."""
    if not QUARTER.match(quarter):
        raise ValueError(f"报告期格式应为 YYYYQn，如 2025Q3 (period must look like 2025Q3): {quarter!r}")
    return quarter


def quarter_argument(written: str) -> str:
    """A period given by a user (a command's --period, the portal's ?period=) that must be a quarter within the
    plans' years, in the normal form; ValueError saying what is wrong otherwise."""
    quarter = parse(written)
    if quarter is None:
        raise ValueError(f"报告期应为季度，如 2025Q3 (period must be a quarter such as 2025Q3): {written!r}")
    return within_plans(quarter)


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
    """'2025Q3' -> (2025, 3); ValueError for anything not in the normal form (a file's '2025' is a value the
    clerk typed, and a message naming its quarter must fall back to the text rather than fail)."""
    well_formed(quarter)
    return int(quarter[:4]), int(quarter[5])


def index(quarter: str) -> int:
    """The quarters' order as a number, consecutive quarters one apart: '2025Q3' -> 8102 (the SQL's period_key)."""
    year, q = split(quarter)
    return year * 4 + q - 1


def last_day(quarter: str) -> date:
    """The day a quarter ends, the day its regions are those in force on: '2017Q3' -> 2017-09-30 (the SQL's
    quarter_end)."""
    year, q = split(quarter)
    return date(year, 12, 31) if q == 4 else date(year, 3 * q + 1, 1) - timedelta(days=1)


def last_month(period: str) -> int:
    """The month a quarter ends with: '2025Q3' -> 9; 12 for a period that names no quarter (a file's own text)."""
    quarter = parse(period)
    return 3 * split(quarter)[1] if quarter else 12


def latest_complete_quarter(today: date) -> str:
    """The last quarter that has ended by `today`."""
    return quarter_of_month(f"{today.year}-{today.month:02d}")


def quarter_label(quarter: str) -> str:
    """'2025Q3' -> '2025年第三季度'."""
    year, q = split(quarter)
    return f"{year}年第{QUARTER_ZH[q]}季度"


def in_words(sentence: str) -> str:
    """A sentence for a person with every quarter in the normal form named in words: '在用 19.19，2026Q2' ->
    '在用 19.19，2026年第二季度'."""
    return QUARTER_IN_TEXT.sub(lambda m: f"{m[1]}年第{QUARTER_ZH[int(m[2])]}季度", sentence)


def month_after(quarter: str) -> str:
    """The first month after a quarter ends, whose monthly bulletin reports it: '2025Q3' -> '2025-10'."""
    year, q = split(quarter)
    return f"{year}-{3 * q + 1:02d}" if q < 4 else f"{year + 1}-01"


def previous_quarter(quarter: str) -> str:
    """The quarter before: '2025Q1' -> '2024Q4'."""
    year, q = split(quarter)
    return f"{year}Q{q - 1}" if q > 1 else f"{year - 1}Q4"


def next_quarter(quarter: str) -> str:
    """The quarter after: '2025Q4' -> '2026Q1'."""
    year, q = split(quarter)
    return f"{year}Q{q + 1}" if q < 4 else f"{year + 1}Q1"


def due_day() -> int:
    """The day of the month after a quarter by which its values are due (data/validation.yaml). The warehouse's
    settings keep it (ipwatch init) for sql's due_date, which every due date shown is read from."""
    return int(config.validation_settings()["due_day"])


def signoff_days() -> dict[str, int]:
    """Days after the due day by which each level of reviewing office signs a quarter (data/validation.yaml)."""
    return {level: int(days) for level, days in config.validation_settings()["signoff_days"].items()}


def first_not_yet_due(today: date) -> str:
    """The first quarter whose values are not yet due on `today` (due on `due_day` of the month after it): on
    2026-12-06, 2026Q4 (2026Q3 was due 2026-10-15); on 2027-01-10, still 2026Q4 (due 2027-01-15)."""
    quarter = latest_complete_quarter(today)
    year, month = (int(part) for part in month_after(quarter).split("-"))
    return quarter if today <= date(year, month, due_day()) else next_quarter(quarter)


def due(edition: str, day: date) -> str:
    """The bulletin period due on `day`: the month itself ('monthly') or the last quarter ended ('quarterly')."""
    if edition == "monthly":
        return f"{day.year}-{day.month:02d}"
    if edition == "quarterly":
        return latest_complete_quarter(day)
    raise ValueError(f"通报类型应为 monthly 或 quarterly (edition must be monthly or quarterly): {edition!r}")
