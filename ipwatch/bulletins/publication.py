"""What an edition may show and what it was made from: publication follows sign-off (逐级审核, #29).

A bulletin shows a region's values of a quarter from the one sign-off began with (table signoff_begins) only once
the region's quarter has been accepted (审定) at the top of its chain; the quarters before stand as reported. An
internal preview (`approved_only=False`, `ipwatch bulletin --include-unapproved`) shows every value and is marked
内部预览稿 on every page.

Each plan's page of an edition pins, when first made, the newest submission, audit decision and sign-off step it saw
(table edition_pins). Made again, it reads the warehouse as of that pin, through temporary tables that stand in for
the ones it reads: the same bytes whatever arrived after, a return and a correction of its quarter included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from ipwatch import config, warehouse
from ipwatch.domain import periods

# The tables a bulletin reads that grow as submissions arrive, each with the mark it is read up to
# (sql/tables/edition_pins.sql); the catalogue and the registry do not change with the data.
BY_SUBMISSION = ("submissions", "observation_versions", "submission_rows", "validation_findings")

STATE_NAMES = {"accepted": "已审定", "in_review": "待审核", "returned": "已退回", "not_submitted": "未上报"}


@dataclass(frozen=True)
class Pin:
    """What an edition is made from: the warehouse up to these marks, sign-off from `signoff_from`."""

    submission_mark: int
    audit_mark: int
    approval_mark: int
    signoff_from: str
    made_at: datetime  # the day it was made is the day its deadlines are judged on (未到期 or 逾期)
    approved_only: bool = True

    @property
    def reading(self) -> tuple:
        """What the warehouse reads as under this pin: pages made from one reading share it."""
        return self.submission_mark, self.audit_mark, self.approval_mark, self.signoff_from, self.approved_only


def signoff_start(conn: duckdb.DuckDBPyConnection) -> str:
    """The first quarter published only once signed off (a warehouse made before version 6 and not yet opened by
    init has none: every quarter then stands as reported)."""
    found = conn.execute(warehouse.sql("signoff_start")).fetchone()
    return found[0] if found else "9999Q4"


def begin_signoff(conn: duckdb.DuckDBPyConnection, quarter: str, by: str) -> None:
    """From `quarter` on, values are published only once signed off (`ipwatch approval begin`)."""
    conn.execute(warehouse.sql("begin_signoff"), {"quarter": periods.quarter_argument(quarter), "set_by": by,
                                                  "set_at": datetime.now(), "only_first": False})


def now(conn: duckdb.DuckDBPyConnection, approved_only: bool = True) -> Pin:
    """The pin of an edition made now."""
    marks = warehouse.query(conn, "warehouse_marks").row(0, named=True)
    return Pin(**marks, signoff_from=signoff_start(conn), made_at=datetime.now(), approved_only=approved_only)


def pin(conn: duckdb.DuckDBPyConnection, period: str, plan_id: str, reissue: bool = False) -> Pin:
    """The pin of a plan's page of an edition: the one it was first made from, else (or with `reissue`) now's,
    recorded."""
    if not reissue:
        found = warehouse.query(conn, "edition_pin", period=period, plan_id=plan_id)
        if found.height:
            return Pin(**found.row(0, named=True))
    made = now(conn)
    marks = {k: v for k, v in made.__dict__.items() if k != "approved_only"}
    conn.execute(warehouse.sql("record_edition_pin"), {"period": period, "plan_id": plan_id, **marks})
    return made


def pinned(conn: duckdb.DuckDBPyConnection, period: str, plan_id: str) -> Pin:
    """The pin a page would be made from without recording one (a read-only connection): its own, else now's."""
    found = warehouse.query(conn, "edition_pin", period=period, plan_id=plan_id)
    return Pin(**found.row(0, named=True)) if found.height else now(conn)


def preview(pin_: Pin) -> Pin:
    """The same marks, every value shown (内部预览稿)."""
    return replace(pin_, approved_only=False)


@contextmanager
def as_of(conn: duckdb.DuckDBPyConnection, pin_: Pin) -> Iterator[None]:
    """Within the block this connection reads the warehouse as it stood at the pin, and of the quarters under
    sign-off only the values accepted by then (unless a preview): temporary tables of the same names stand in for
    the tables that grew since, and for the values in force."""
    latest = now(conn)
    cuts = []
    if pin_.submission_mark < latest.submission_mark:
        cuts += [(table, "submission_id <= $mark", pin_.submission_mark) for table in BY_SUBMISSION]
    if pin_.audit_mark < latest.audit_mark:
        cuts.append(("audit_log", "log_id <= $mark", pin_.audit_mark))
    if pin_.approval_mark < latest.approval_mark:
        cuts.append(("approval_log", "log_id <= $mark", pin_.approval_mark))
    made = []
    fresh = pin_.submission_mark == latest.submission_mark
    # nothing under sign-off: the values in force are what the edition shows (no copy: a national warehouse is big)
    filtered = pin_.approved_only and warehouse.query(conn, "signoff_in_force",
                                                      signoff_from=pin_.signoff_from)["in_force"][0]
    try:
        for table, rows, mark in cuts:
            conn.execute(f"create temp table {table} as select * from {table} where {rows}", {"mark": mark})
            made.append(table)
        if filtered or not fresh:
            conn.execute("create temp table current_observations as " + warehouse.sql("published_observations"),
                         {"fresh": fresh, "submission_mark": pin_.submission_mark,
                          "signoff_from": pin_.signoff_from, "approved_only": filtered})
            made.append("current_observations")
        if filtered:  # nor a total or a ratio derived for a region whose quarter is not accepted
            conn.execute("create temp table region_values as " + warehouse.sql("published_region_values"),
                         {"signoff_from": pin_.signoff_from})
            made.append("region_values")
        yield
    finally:
        for table in reversed(made):
            conn.execute(f"drop table if exists temp.main.{table}")


def signoff(conn: duckdb.DuckDBPyConnection, pin_: Pin, quarter: str, region_codes: list[str]) -> dict | None:
    """Where the edition's regions stand in the quarter's sign-off (read within `as_of`): each region's state, the
    counts by 已审定 / 待审核 / 已退回 / 未上报, and those whose values of the quarter are not in the edition. None for
    a quarter reported before sign-off began."""
    if quarter < pin_.signoff_from:
        return None
    rows = warehouse.query(conn, "approval_status", quarter=quarter, regions=region_codes).to_dicts()
    for row in rows:
        row["group"] = {"submitted": "in_review", "approved": "in_review"}.get(row["state"], row["state"])
        row["state_name"] = STATE_NAMES[row["group"]]
    counts = {group: sum(r["group"] == group for r in rows) for group in STATE_NAMES}
    left_out = [r for r in rows if r["group"] != "accepted"] if pin_.approved_only else []
    reviews = warehouse.query(conn, "signoff_timeliness", quarter=quarter, regions=region_codes,
                              today=config.local_date(pin_.made_at.astimezone())).to_dicts()
    return {"regions": rows, "counts": counts, "left_out": left_out, "reviews": reviews,
            "withheld": {r["region_code"]: r["state_name"] for r in left_out},
            "text": "、".join(f"{name}{counts[group]}个" for group, name in STATE_NAMES.items() if counts[group]),
            "preview": not pin_.approved_only}
