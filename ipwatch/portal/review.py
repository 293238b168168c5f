"""The portal's side of sign-off (逐级审核): a city's or province's reviewer page and the office's own quarters.

Every step goes through `approval.act`, the one state machine (ipwatch/domain/signoff.py): this module only
gathers what a page shows and hands the steps a person chose to it, one region-quarter (one transaction) at a time.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from ipwatch import approval, config, warehouse
from ipwatch.bulletins import publication
from ipwatch.domain import periods
from ipwatch.domain.signoff import ACTION_NAMES, STATE_NAMES, Refused
from ipwatch.portal import views

REVIEW_QUARTERS = 4
REVIEWER_LEVELS = ("province", "prefecture")
# What a reviewer may do from its page; 上报 is the region's own office's, on its own page.
REVIEW_ACTIONS = ("approve", "accept", "return", "unapprove")


def reviews(user: dict | None) -> bool:
    """Whether the user is an office of a city or province: it has a reviewer's page."""
    if not user or user["role"] != "office" or not user["region_code"]:
        return False
    found = views.region_table().filter(pl.col("region_code") == user["region_code"])
    return bool(found.height) and found["level"][0] in REVIEWER_LEVELS


def last_quarters(until: str | None, today: date | None = None) -> list[str]:
    """The quarters the matrix shows, oldest first: REVIEW_QUARTERS of them, ending with `until` (default the
    latest complete one)."""
    last = periods.quarter_argument(until) if until else periods.latest_complete_quarter(today or date.today())
    first = last
    for _ in range(REVIEW_QUARTERS - 1):
        first = periods.previous_quarter(first)
    return periods.quarters(first, last)


def cell(row: dict, office: str) -> dict:
    """One region's quarter as the matrix shows it, and whether it waits for `office` (its next signature)."""
    chain = row["chain"] or []
    waiting = row["state"] in ("submitted", "approved") and row["step"] + 1 < len(chain) \
        and chain[row["step"] + 1] == office
    step = None
    if waiting:
        step = "accept" if row["step"] + 2 == len(chain) else "approve"
    return {**row, "state_name": STATE_NAMES[row["state"]], "waiting": waiting, "step_needed": step}


def deadlines(conn: duckdb.DuckDBPyConnection, office: str, quarters: list[str]) -> dict[str, date]:
    """The day the office signs each quarter by (审核截止, data/validation.yaml's signoff_days for its level)."""
    found = warehouse.query(conn, "office_deadlines", office=office, quarters=quarters)
    return dict(zip(found["quarter"], found["due_date"], strict=True))


def matrix(conn: duckdb.DuckDBPyConnection, office: str, quarters: list[str], today: date | None = None) -> list[dict]:
    """The office's regions (those a plan in force binds, or with values or steps) × the quarters: each region
    with its cells by quarter, a cell waiting for the office past its deadline marked overdue; the office's own
    region first."""
    within = sorted(views.jurisdiction(office))
    due = deadlines(conn, office, quarters)
    today = today or config.local_date(datetime.now().astimezone())
    by_region: dict[str, dict] = {}
    for quarter in quarters:
        for row in approval.status(conn, within, quarter).to_dicts():
            entry = by_region.setdefault(row["region_code"], {"region_code": row["region_code"],
                                                              "region_name": row["region_name"],
                                                              "level": row["level"], "cells": {}})
            shown = cell(row, office)
            shown["overdue"] = shown["waiting"] and quarter in due and today > due[quarter]
            entry["cells"][quarter] = shown
    return sorted(by_region.values(), key=lambda r: (r["region_code"] != office, r["region_code"]))


def detail(conn: duckdb.DuckDBPyConnection, office: str, region: str, quarter: str) -> dict:
    """One region's quarter opened: its state, values against the last quarter, open findings, every step taken
    (overrides among them) and, for a city or province, the regions below it not yet signed by it."""
    quarter = periods.quarter_argument(quarter)
    [row] = approval.status(conn, [region], quarter).to_dicts() or [None]
    state = cell(row, office) if row else None
    return {"quarter": quarter, "quarter_label": periods.quarter_label(quarter), "state": state,
            "values": warehouse.query(conn, "review_values", region_code=region, quarter=quarter,
                                      previous=periods.previous_quarter(quarter)).to_dicts(),
            "findings": warehouse.query(conn, "review_findings", region_code=region, quarter=quarter).to_dicts(),
            "steps": warehouse.query(conn, "approval_history", region_code=region, quarter=quarter).to_dicts(),
            "unsigned": approval.unsigned_below(conn, approval.registry(conn, quarter), region, quarter)}


def overrides(conn: duckdb.DuckDBPyConnection, office: str) -> list[dict]:
    """Steps within the office's regions taken over open findings, newest first."""
    return warehouse.query(conn, "approval_overrides", scope=office).to_dicts()


def chosen(items: list[str], office: str) -> list[tuple[str, str]]:
    """The region-quarters a form picked ("region|quarter"), each within the office's jurisdiction; Forbidden
    for any outside it (nothing is done then), ValueError for a malformed one."""
    picked = []
    for item in items:
        region, _, quarter = item.partition("|")
        if region not in views.jurisdiction(office):
            raise views.Forbidden(region)
        picked.append((region, periods.quarter_argument(quarter)))
    if not picked:
        raise ValueError("请至少选择一个地区季度 (choose at least one region's quarter)")
    return picked


def act_many(conn: duckdb.DuckDBPyConnection, user: dict, action: str, items: list[tuple[str, str]],
             reason: str | None) -> tuple[list[dict], list[dict]]:
    """Each chosen region-quarter's step as the user's office, one transaction each (approval.act): the rows
    logged, and those refused with the one-line reason."""
    done, refused = [], []
    for region, quarter in items:
        try:
            done.append(approval.act(conn, action, region, quarter, user["region_code"], user["user_name"],
                                     role=user["role"], reason=reason))
        except Refused as why:
            refused.append({"region_code": region, "quarter": quarter, "reason": str(why)})
    return done, refused


def office_quarters(conn: duckdb.DuckDBPyConnection, region: str, quarters: list[str]) -> dict[str, dict]:
    """The region's sign-off state for each quarter of its calendar, with what stands before its 上报 (missing
    indicators, open findings) and the last step's reason (a return's reaches the office here)."""
    states = {r["quarter"]: r for r in approval.status(conn, [region], None).to_dicts()}
    begins = publication.signoff_start(conn)  # a quarter before it stands as reported: nothing to submit
    ready_each = approval.readiness_each(conn, region, quarters)
    out = {}
    for quarter in quarters:
        row = states.get(quarter) or {"state": "not_submitted", "action": None, "reason": None}
        ready = ready_each[quarter]
        out[quarter] = {**row, "state_name": STATE_NAMES[row["state"]],
                        "action_name": ACTION_NAMES.get(row["action"] or "", ""),
                        "missing": len(ready["missing"] or []), "open_findings": ready["open_findings"],
                        "before_signoff": quarter < begins and row["state"] == "not_submitted"}
    return out
