"""Sign-off before publication (逐级审核): each region's quarter is submitted by its office, approved by each level
above and accepted at the top of its chain (ipwatch/domain/signoff.py says who and in which order), every step a
row of the append-only approval_log.

A step is checked and recorded in one transaction (`warehouse.atomic`): two reviewers acting on one region at once
take ids from the same counter, so one commits and the other runs again, finds the state changed and is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import duckdb
import polars as pl

from ipwatch import warehouse
from ipwatch.domain import periods, signoff
from ipwatch.domain.signoff import Refused, State


def registry(conn: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    """Each region's parent and level on the quarter's last day, and whether a plan in force is of it."""
    return warehouse.query(conn, "approval_chain_parts", quarter=quarter)


def chain(parts: pl.DataFrame, region: str, quarter: str) -> list[str]:
    """The offices that sign off `region`'s `quarter` (`parts` from `registry`)."""
    return chains(parts, quarter)(region)


def chains(parts: pl.DataFrame, quarter: str) -> Callable[[str], list[str]]:
    """`chain` for many regions of one quarter, the registry's maps built once."""
    parents = dict(zip(parts["region_code"], parts["parent_code"], strict=True))
    levels = dict(zip(parts["region_code"], parts["level"], strict=True))
    tops = set(parts.filter(pl.col("plan_region"))["region_code"])

    def of(region: str) -> list[str]:
        if region not in parents:
            raise Refused(f"{periods.quarter_label(quarter)}时不存在行政区划代码 {region} (no such region on that day)")
        return signoff.chain(region, parents, levels, tops)
    return of


def state_of(conn: duckdb.DuckDBPyConnection, region: str, quarter: str) -> State:
    """Where the region's quarter stands now."""
    found = conn.execute(warehouse.sql("approval_of"), {"region_code": region, "quarter": quarter}).fetchone()
    return State(*found) if found else State()


def act(conn: duckdb.DuckDBPyConnection, action: str, region: str, quarter: str, office: str, by: str,
        role: str = "office", reason: str | None = None, at: datetime | None = None) -> dict:
    """Take one step of the sign-off as `office` (user `by`), or Refused with the reason in one line; returns the
    row logged. 上报 and 审核通过 need every required indicator reported; open findings on the quarter's values stop
    them unless `reason` says why they are taken over (recorded as an override). `at`, the moment it is logged at,
    is the demo's alone (ipwatch/ops/demo_events.py): a person's step is logged when it is taken."""
    quarter = periods.quarter_argument(quarter)
    reason = (reason or "").strip() or None
    if action in signoff.NEED_REASON and reason is None:
        raise Refused(f"{signoff.ACTION_NAMES[action]}须说明理由（--reason）(a reason is required)")
    if not (by or "").strip():
        raise Refused("须注明操作人 (who acts must be named)")
    parts = registry(conn, quarter)
    offices = chain(parts, region, quarter)
    level = dict(zip(parts["region_code"], parts["level"], strict=True)).get(office)
    if level is None:
        raise Refused(f"{periods.quarter_label(quarter)}时不存在行政区划代码 {office} (no such office on that day)")

    def work() -> dict:
        (log_id,) = warehouse.take_ids(conn, "approval_log_ids", 1)  # first: concurrent steps conflict here
        after = signoff.step(state_of(conn, region, quarter), offices, action, office)
        ready = readiness(conn, region, quarter)
        overridden = check_ready(action, ready, reason)
        below = unsigned_below(conn, parts, region, quarter) if action in ("approve", "accept") else []
        noted = with_unsigned(action, below, reason)
        row = {"log_id": log_id, "region_code": region, "quarter": quarter, "action": action,
               "office_code": office, "level": level, "acted_by": by.strip(),
               "role": role, "reason": noted, "overridden": overridden, "data_version": ready["data_version"],
               "state": after.state, "step": after.step, "chain": offices, "acted_at": at or datetime.now()}
        conn.execute(warehouse.sql("record_approval"), row)
        return row

    return warehouse.atomic(conn, work)


def readiness(conn: duckdb.DuckDBPyConnection, region: str, quarter: str) -> dict:
    """What stands between the region's quarter and a signature: `missing` required indicators, `open_findings`
    on its values, and the `data_version` a step would cover."""
    return readiness_each(conn, region, [quarter])[quarter]


def readiness_each(conn: duckdb.DuckDBPyConnection, region: str, quarters: list[str]) -> dict[str, dict]:
    """`readiness` of each of the region's `quarters`, in one query (an office's calendar asks it of each)."""
    rows = warehouse.query(conn, "approval_readiness", region_code=region, quarters=list(quarters)).to_dicts()
    return {row.pop("quarter"): row for row in rows}


def unsigned_below(conn: duckdb.DuckDBPyConnection, parts: pl.DataFrame, region: str, quarter: str) -> list[dict]:
    """The regions whose chain passes through `region` (its counties, a province's cities and counties) that must
    report the quarter (`status` with the quarter lists them) and that `region` has not signed: not yet at or
    above its level, 未上报 among them."""
    below = parts.filter(pl.col("parent_code").is_not_null())
    under = set(below.filter(pl.col("parent_code") == region)["region_code"])
    if not under:
        return []
    under |= set(below.filter(pl.col("parent_code").is_in(list(under)))["region_code"])  # two levels: a province's
    of = chains(parts, quarter)
    unsigned = []
    for r in status(conn, sorted(under), quarter).to_dicts():
        offices = r["chain"] or of(r["region_code"])
        if region not in offices[1:]:
            continue
        if r["state"] not in ("approved", "accepted") or r["step"] < offices.index(region, 1):
            unsigned.append(r)
    return unsigned


def with_unsigned(action: str, unsigned: list[dict], reason: str | None) -> str | None:
    """The reason a step logs: approving or accepting a region whose regions below it are not all signed by it
    needs a reason, and the log names each one left out with its state (未上报 visible, never silent)."""
    if action not in ("approve", "accept") or not unsigned:
        return reason
    names = "、".join(f"{r['region_name'] or r['region_code']}（{r['region_code']}，{signoff.STATE_NAMES[r['state']]}）"
                     for r in unsigned)
    if reason is None:
        raise Refused(f"下辖{len(unsigned)}个地区本季度尚未经本级审核：{names}；请先逐一审核，或说明理由后"
                      f"{signoff.ACTION_NAMES[action]} ({len(unsigned)} regions below not yet signed: give a reason)")
    return f"{reason}（未经本级审核的下辖地区：{names}）"


def check_ready(action: str, ready: dict, reason: str | None) -> int:
    """The open findings a step takes over (0 when none); Refused when a submission lacks a required indicator, or
    open findings stand and no reason is given."""
    if action not in ("submit", "approve", "accept"):
        return 0
    if action == "submit" and ready["missing"]:
        names = "、".join(ready["missing"][:5]) + ("等" if len(ready["missing"]) > 5 else "")
        raise Refused(f"尚有{len(ready['missing'])}项必报指标未报送（{names}），不能上报 "
                      f"({len(ready['missing'])} required indicators not reported)")
    if ready["open_findings"] and reason is None:
        raise Refused(f"本季度数据有{ready['open_findings']}项待审核问题未结，请先处理，或以 --reason 说明理由后"
                      f"{signoff.ACTION_NAMES[action]} ({ready['open_findings']} open findings: give a reason to "
                      f"override)")
    return ready["open_findings"]


def status(conn: duckdb.DuckDBPyConnection, regions: list[str] | None = None,
           quarter: str | None = None) -> pl.DataFrame:
    """Each region's quarter and its state (approval_status.sql), within `regions` and `quarter` when given."""
    quarter = periods.quarter_argument(quarter) if quarter else None
    return warehouse.query(conn, "approval_status", regions=regions, quarter=quarter)
