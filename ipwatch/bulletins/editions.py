"""Bulletin editions: the quarter an edition reports, the plans in force then, its 期号 and its issue date.

A monthly edition ('2026-10') reports the last quarter complete before the month; a quarterly one ('2026Q3') that
quarter. Both cover the plans in force in the quarter reported. A plan past its end gets one final evaluation
(终期评估, '2025-final') on its target year's last quarter instead, never a monthly edition as if still running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ipwatch.domain import periods
from ipwatch.domain.periods import MONTH, quarter_label, quarter_of_month, quarters, split

MONTHLY_ISSUE_DAY = 5  # the monthly edition's day, as prefect.yaml schedules it


@dataclass(frozen=True)
class Edition:
    """One edition: its name in file names, the quarter it reports, and its kind (monthly, quarterly, final)."""

    period: str
    quarter: str
    kind: str

    @property
    def label(self) -> str:
        """'2026年10月', '2026年第三季度', '2025年终期评估'."""
        if self.kind == "monthly":
            return f"{self.period[:4]}年{int(self.period[5:])}月"
        if self.kind == "final":
            return f"{self.quarter[:4]}年终期评估"
        return quarter_label(self.quarter)

    @property
    def title(self) -> str:
        """'2026年10月月报', '2026年第三季度季报', '2025年终期评估'."""
        return self.label if self.kind == "final" else self.label + self.name

    @property
    def name(self) -> str:
        """What the edition is called: 月报, 季报, 终期评估."""
        return {"monthly": "月报", "quarterly": "季报", "final": "终期评估"}[self.kind]


def parse(period: str) -> Edition:
    """The edition of a bulletin period: a month '2025-10' or a quarter '2025Q3'."""
    if MONTH.match(period):
        return Edition(period, quarter_of_month(period), "monthly")
    quarter = periods.parse(period)
    if quarter is None:
        raise ValueError(f"通报期应为月份（2025-10）或季度（2025Q3） (period must be YYYY-MM or a quarter): {period!r}")
    return Edition(quarter, quarter, "quarterly")


def final(end_year: int) -> Edition:
    """The final evaluation of a plan ending in `end_year`: its target year's last quarter."""
    return Edition(f"{end_year}-final", f"{end_year}Q4", "final")


def in_force(quarter: str, start: int, end: int) -> bool:
    """True when the quarter lies within a plan's years."""
    return start <= split(quarter)[0] <= end


def covers(edition: Edition, start: int, end: int) -> Edition | None:
    """The edition a plan gets for `edition`: itself while the plan is in force, its final evaluation once the plan
    has ended, nothing before it starts."""
    if in_force(edition.quarter, start, end):
        return edition
    return final(end) if split(edition.quarter)[0] > end else None


def issue_number(edition: Edition, start: int, end: int) -> int | None:
    """期号: the edition's number among the plan's editions of the same kind that year (none for a final one)."""
    if edition.kind == "final":
        return None
    year = int(edition.period[:4])
    if edition.kind == "monthly":
        months = [f"{year}-{m:02d}" for m in range(1, int(edition.period[5:]) + 1)]
        return sum(in_force(quarter_of_month(m), start, end) for m in months)
    return sum(in_force(q, start, end) for q in quarters(f"{year}Q1", edition.quarter))


def issue_date(edition: Edition, due: date, latest: date | None = None) -> date:
    """The day the edition is dated: the 5th of its month, or for a quarter's the day after its data are due
    (`due`, the warehouse's due_date of the quarter), but never before the latest file it draws on arrived
    (`latest`); never the day it happened to be rendered."""
    if edition.kind == "monthly":
        day = date(int(edition.period[:4]), int(edition.period[5:]), MONTHLY_ISSUE_DAY)
    else:
        day = date.fromordinal(due.toordinal() + 1)
    return max(day, latest) if latest is not None else day


def chinese_date(day: date) -> str:
    """'2026年10月5日'."""
    return f"{day.year}年{day.month}月{day.day}日"
