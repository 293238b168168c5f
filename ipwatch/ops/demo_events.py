"""What happens to the demo's files on their way in, as in a real reporting year: when each would have arrived
(most before the quarter's due date, some days late, one quarter never), a handful of mistakes offices really
make, each caught by an existing rule, one corrected by the office after review; and when each quarter was signed
off (逐级审核), from the quarter the demo's offices began with: 上报 the day after the file, 审定 some days after the
due date (a few past the deadline), and one quarter returned by its reviewer, corrected and submitted again.

This is the one place the demo sets time. A file's moment of arrival is `Incoming.arrived_at`, and a sign-off
step's `approval.act(at=...)`, which only the demo sets: the CLI, the inbox and the portal leave them empty, and a
file is stamped with the moment it was received (ipwatch/warehouse/load.py), a step with the moment it is taken,
so a real upload or step is never misdated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import polars as pl

# 江津区 (a county-level office) never sent its second quarter of 2025: the calendar shows it missing.
MISSED = frozenset({("500116", "2025Q2")})
LATE_SHARE = 0.2  # about one file in five arrives after its due date
CORRECTION_DAYS = 9  # an office's corrected file arrives this long after its first, once reviewed
# The demo's offices signed off every quarter from this one on (ipwatch approval begin); before it, as reported.
SIGNOFF_FROM = "2025Q1"


@dataclass(frozen=True)
class Returned:
    """The plan region's latest quarter, which its reviewer returns: one figure sent wrong by `factor`, found by the
    reviewer against another source (no rule could), corrected by the office and submitted again; the reviewer has
    not yet signed it again."""

    plan_id: str
    indicator: str
    factor: float
    reason: str


RETURNED = Returned("jiangjin-2024", "patent_transfers_licenses", 1.1,
                    "专利转让、许可数量与市知识产权局备案数不一致，请核实后重新报送")


@dataclass(frozen=True)
class Mistake:
    """A mistake an office makes in one quarter's file, the indicator it hits and the rule that catches it."""

    kind: str  # unit | transposed | ytd_falls | copied
    plan_id: str
    quarter: str
    indicator: str
    rule: str
    corrected: bool = False  # the office sends the quarter again, put right, after review
    decision: str | None = None  # the auditor's decision on its finding (更正: a correction requested)


MISTAKES = (
    # a county's 万元 figure typed into the 亿元 row: within the bounds, ten thousand times its peers' change
    Mistake("unit", "hefei-2022", "2022Q1", "ip_pledge_financing_amount", "change_outlier", corrected=True),
    # two digits swapped in a county's patent attorneys; the auditor asks for a correction, not yet come
    Mistake("transposed", "hefei-2022", "2025Q4", "patent_attorneys", "change_outlier", decision="更正"),
    # a county's fourth quarter alone where the year to date belongs: below its third quarter's
    Mistake("ytd_falls", "shandong-2015", "2015Q4", "invention_patent_applications", "ytd_not_falling"),
    # a county that sent its third quarter's figures again for the fourth: its flows stand still
    Mistake("copied", "liaoning-2017", "2020Q4", "patent_applications", "change_outlier"),
)
# The last quarter of each plan for all but the corrected one: a wrong value is the base the next quarter's change
# is judged from, so a mistake left standing mid-series would make the next, right, value look wrong too.


def arrival(due: date, r: random.Random, now: datetime) -> datetime:
    """When an office's file of a quarter arrives: within the twelve days before its due date, or (one in five)
    two to twenty-four days after, in office hours; never after `now`."""
    late = r.random() < LATE_SHARE
    day = due + timedelta(days=r.randint(2, 24)) if late else due - timedelta(days=r.randint(0, 12))
    return min(datetime.combine(day, time(r.randint(8, 17), r.randint(0, 59))), now)


def correction_arrival(first: datetime, now: datetime) -> datetime:
    """When a corrected file arrives: some days after the one it corrects, once reviewed; never after `now`."""
    return min(first + timedelta(days=CORRECTION_DAYS, hours=3), now)


def mistaken(mistake: Mistake, frame: pl.DataFrame, before: pl.DataFrame, own_region: str) -> tuple[pl.DataFrame, str]:
    """The office's file with the mistake made in one county's rows, and that county. `before` is the same
    office's file of the quarter before, as it should have been."""
    counties = frame.filter((pl.col("region_code") != own_region) & (pl.col("indicator_code") == mistake.indicator))
    region, value = MAKERS[mistake.kind](counties, before.filter(pl.col("indicator_code") == mistake.indicator))
    if mistake.kind == "copied":  # every row of the county as the quarter before, dated this quarter
        copied = before.filter(pl.col("region_code") == region).with_columns(period=pl.lit(mistake.quarter))
        return pl.concat([frame.filter(pl.col("region_code") != region), copied]), region
    hit = (pl.col("region_code") == region) & (pl.col("indicator_code") == mistake.indicator)
    unit = pl.when(hit).then(pl.lit("亿元")).otherwise(pl.col("unit")) if mistake.kind == "unit" else pl.col("unit")
    return frame.with_columns(value=pl.when(hit).then(pl.lit(value)).otherwise(pl.col("value")), unit=unit), region


def unit_mistake(counties: pl.DataFrame, _: pl.DataFrame) -> tuple[str, float]:
    """The county with the smallest amount, its 万元 figure kept under 亿元 (a small one stays within bounds)."""
    row = counties.sort("value", "region_code").row(0, named=True)
    return row["region_code"], row["value"]


def transposed(counties: pl.DataFrame, _: pl.DataFrame) -> tuple[str, float]:
    """The first county whose first two digits, swapped, make its figure at least half again as large."""
    for row in counties.sort("region_code").iter_rows(named=True):
        digits = str(int(row["value"]))
        swapped = digits[1] + digits[0] + digits[2:] if len(digits) >= 2 else digits
        if int(swapped) >= 1.5 * int(digits):
            return row["region_code"], float(swapped)
    raise ValueError("no county's figure changes enough with two digits swapped")


def quarter_alone(counties: pl.DataFrame, before: pl.DataFrame) -> tuple[str, float]:
    """The first county of some size, its quarter alone (this year-to-date less the last) as if it were the
    year's."""
    last = dict(before.select("region_code", "value").iter_rows())
    for row in counties.sort("region_code").iter_rows(named=True):
        if row["value"] >= 60 and row["region_code"] in last:
            return row["region_code"], row["value"] - last[row["region_code"]]
    raise ValueError("no county reports enough to show its quarter alone")


def copied_county(counties: pl.DataFrame, before: pl.DataFrame) -> tuple[str, float]:
    """The first county of some size that reported the quarter before too."""
    last = dict(before.select("region_code", "value").iter_rows())
    for row in counties.sort("region_code").iter_rows(named=True):
        if row["value"] >= 100 and row["region_code"] in last:
            return row["region_code"], last[row["region_code"]]
    raise ValueError("no county reports enough to be seen standing still")


MAKERS = {"unit": unit_mistake, "transposed": transposed, "ytd_falls": quarter_alone, "copied": copied_county}


def signing(due: date, arrived: datetime, r: random.Random, now: datetime) -> tuple[datetime, datetime]:
    """When a quarter is submitted (上报: the office's next working morning after its file) and when its reviewer
    signs it: two to sixteen days after the due date (a city's deadline is ten days: about one in three late);
    never after `now`."""
    submitted = datetime.combine(arrived.date() + timedelta(days=1), time(9, r.randint(0, 59)))
    signed = datetime.combine(max(due, submitted.date()) + timedelta(days=r.randint(2, 16)),
                              time(r.randint(9, 17), r.randint(0, 59)))
    return min(submitted, now), min(max(signed, submitted + timedelta(hours=1)), now)


def returning(due: date, submitted: datetime, now: datetime) -> tuple[datetime, datetime, datetime]:
    """The returned quarter: returned five days after the due date, its corrected file arriving two days later
    and submitted again within the hour; never after `now`."""
    returned = max(datetime.combine(due + timedelta(days=5), time(10, 30)), submitted + timedelta(hours=2))
    corrected = returned + timedelta(days=2, hours=4)
    return min(returned, now), min(corrected, now), min(corrected + timedelta(minutes=40), now)

