"""What the portal's pages show and do, as plain functions over the warehouse (ipwatch/portal/web.py only routes).

A submission through the portal goes the one way every submission goes: `pipeline.process`, as the CLI and the
inbox flow call it. The upload is stored under its content hash; the office's own name for the file is metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache, wraps
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TypeVar

import duckdb
import polars as pl

from ipwatch import config, files, warehouse
from ipwatch.domain import labels, periods, regions
from ipwatch.intake import archive, pipeline
from ipwatch.intake.reading import Limits
from ipwatch.warehouse import load

CALENDAR_QUARTERS = 8
LONG_PATIENCE = 2.0  # seconds a batch of uploads lets pages go first
PATIENCE = (0.2, 0.5, 1.0, 2.0, 4.0)  # pauses before a request runs again when the warehouse's memory ran out
CHUNK = 1 << 20
T = TypeVar("T")
log = logging.getLogger(__name__)


class Turns:
    """One writer at a time in this process: a request that changes the warehouse (a short turn) or a batch of
    uploads (a long one); the pipeline's transactions must not interleave with another writer's. Requests that
    only read take no turn (see `reading`). A short turn goes before a long one that has waited less than
    LONG_PATIENCE, so a clerk's or an auditor's decision stays quick while uploads queue; past that the long one
    goes next, or a stream of decisions would keep the batch from ever starting."""

    def __init__(self) -> None:
        self.changed, self.busy, self.short_waiting, self.long_due = threading.Condition(), False, 0, 0

    @contextmanager
    def turn(self, short: bool = True) -> Iterator[None]:
        with self.changed:
            if short:
                self.short_waiting += 1
                try:
                    self.changed.wait_for(lambda: not self.busy and self.long_due == 0)
                finally:
                    self.short_waiting -= 1
            elif not self.changed.wait_for(lambda: not self.busy and self.short_waiting == 0, LONG_PATIENCE):
                self.long_due += 1
                try:
                    self.changed.wait_for(lambda: not self.busy)
                finally:
                    self.long_due -= 1
            self.busy = True
        try:
            yield
        finally:
            with self.changed:
                self.busy = False
                self.changed.notify_all()


TURNS = Turns()


class Forbidden(PermissionError):
    """The user may not see or do this (answered 403, with nothing of the data)."""


class TooLarge(ValueError):
    """An upload over the size limit (answered 413)."""


@contextmanager
def connect(ws: config.Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for one request that writes, briefly: this process's turn, then the file lock every ipwatch
    takes."""
    with TURNS.turn(), warehouse.connect(ws.warehouse) as conn:
        yield conn


def patiently(work: Callable[[], T]) -> Callable[[], T]:
    """`work` again, after a growing pause, when the warehouse's memory ran out: a page reads beside a batch of
    uploads, and the two share DuckDB's one memory limit (IPWATCH_DUCKDB_MEMORY), which a national batch's rules
    fill for moments. Its transaction ended with the failure, so it is run again whole; past PATIENCE it fails."""
    @wraps(work)
    def again() -> T:
        for pause in PATIENCE:
            try:
                return work()
            except duckdb.OutOfMemoryException:
                log.warning("数据仓库内存暂满，%.1f 秒后重试 (the warehouse's memory is full: trying again)", pause)
                time.sleep(pause)
        return work()
    return again


@contextmanager
def reading(ws: config.Workspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse for one request that only reads: no turn, so pages are answered while a batch of uploads
    is decided and beside one another (DuckDB keeps each transaction's snapshot: a page sees whole submissions
    only); in a read-only transaction, so a page that tried to write would fail rather than race a writer."""
    with warehouse.connect(ws.warehouse) as conn:
        conn.execute("begin transaction read only")
        try:
            yield conn
        finally:
            conn.execute("rollback")


@cache
def region_table() -> pl.DataFrame:
    """The region list, read once: it does not change while the portal runs, and reading it for every page cost a
    page under load as much as its queries."""
    return regions.load()


@cache
def region_names() -> dict[str, str]:
    return dict(region_table().select("region_code", "name").iter_rows())


@cache
def jurisdiction(region_code: str) -> frozenset[str]:
    """An office's region and every region under it."""
    return regions.jurisdiction(region_table(), region_code)


def allowed(user: dict, region_code: str) -> None:
    """Refuse unless the user is an office whose jurisdiction holds the region."""
    if user["role"] != "office" or region_code not in jurisdiction(user["region_code"]):
        raise Forbidden(region_code)


@cache
def plan_regions(region_code: str) -> tuple[dict, ...]:
    """The office's region and the regions under it that some plan asks to report (for its region list)."""
    from ipwatch.domain import catalogue as cat
    from ipwatch.domain import obligations

    table = region_table()
    bound = obligations.regions_bound(cat.default(), table) | {region_code}
    asked = table.filter(pl.col("region_code").is_in(list(jurisdiction(region_code) & bound)))
    return tuple(asked.sort("region_code").to_dicts())


def full_name(conn: duckdb.DuckDBPyConnection, region_code: str | None) -> str | None:
    """A region's name as the warehouse gives it (sql/tables/region_names.sql: a county with its city's), read once
    for every region (the region list does not change while the portal runs)."""
    if not _full_names:
        _full_names.update(conn.execute(warehouse.sql("region_full_names")).fetchall())
    return _full_names.get(region_code)


_full_names: dict[str, str] = {}


def region_name(region_code: str) -> str:
    """A region's name, or its code when unknown."""
    return region_names().get(region_code, region_code)


def calendar(conn: duckdb.DuckDBPyConnection, region_code: str, today: date | None = None,
             last: str | None = None) -> list[dict]:
    """The region's last quarters (up to `last`, default the latest complete one), newest first: due date, when
    its values first arrived, and where it stands."""
    today = today or date.today()
    first = last = periods.quarter_argument(last) if last else periods.latest_complete_quarter(today)
    for _ in range(CALENDAR_QUARTERS - 1):
        first = periods.previous_quarter(first)
    rows = warehouse.query(conn, "reporting_calendar", region_code=region_code,
                           quarters=periods.quarters(first, last)).to_dicts()
    return [{**r, "state": state(r, today), "label": periods.quarter_label(r["period"])} for r in rows]


def due_day(calendar: list[dict]) -> int:
    """The day of the month after a quarter by which its values are due, as the calendar's due dates (the
    warehouse's due_date, from its settings) have it."""
    return calendar[0]["due_date"].day


def state(row: dict, today: date) -> str:
    """Where a quarter stands for the office: correction (an auditor asked for one that has not arrived), on_time,
    late, due (not yet past its due date) or overdue."""
    if row["corrections_requested"]:
        return "correction"
    if row["timeliness"]:
        return row["timeliness"]
    return "due" if today <= row["due_date"] else "overdue"


def submissions(conn: duckdb.DuckDBPyConnection, region_code: str) -> list[dict]:
    """The submissions of the office and the offices under it, newest first, with their findings' audit state."""
    return warehouse.query(conn, "office_submissions", offices=sorted(jurisdiction(region_code))).to_dicts()


def decisions(conn: duckdb.DuckDBPyConnection, region_code: str, submission_id: int | None = None) -> list[dict]:
    """The auditors' decisions in force on the data of the office of `region_code` (its files and its regions'
    values; or on one of its files), each with the indicator, region and quarter it is about, the auditor's words
    and what the office is to do next."""
    if submission_id is not None and not warehouse.query(conn, "submission_decided",
                                                         submission_id=submission_id)["decided"][0]:
        return []  # a new upload's receipt: none yet, and asking office_decisions costs every finding's state
    rows = warehouse.query(conn, "office_decisions", offices=sorted(jurisdiction(region_code)),
                           submission_id=submission_id, finding_ids=None).to_dicts()
    return [{**r, "decision_name": labels.DECISIONS.get(r["decision"], r["decision"]),
             "rule_name": labels.rule(r["rule"]),
             "next_step": labels.next_step(r["decision"], r["awaiting_correction"])} for r in rows]


def client_name(name: str | None) -> str:
    """The sender's file name as metadata: its last part only, without control characters, at most 200 chars."""
    last = PurePosixPath((name or "").replace("\\", "/")).name
    clean = re.sub(r"[\x00-\x1f\x7f]", "", last).strip()
    return clean[:200] or "upload"


def limit_bytes() -> int:
    """The largest file accepted: IPWATCH_MAX_FILE_MB, as intake enforces it."""
    return Limits().max_bytes


def store(ws: config.Workspace, upload: BinaryIO, name: str | None = None) -> Path:
    """The uploaded bytes under <home>/uploads/<name> (default their sha256), streamed and counted (over the
    limit: TooLarge)."""
    folder = ws.uploads
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".upload.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.read(CHUNK):
                size += len(chunk)
                if size > limit_bytes():
                    raise TooLarge(size)
                digest.update(chunk)
                out.write(chunk)
        stored = folder / (name or digest.hexdigest())
        os.replace(partial, stored)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return stored


def submit(ws: config.Workspace, upload: BinaryIO, name: str | None, office: str, user_name: str,
           client: str) -> dict:
    """An uploaded file through the intake pipeline as `office`'s submission, logged as the user's upload in the
    same turn at the warehouse; its outcome (the receipt)."""
    from ipwatch.portal import users

    name = client_name(name)
    with TURNS.turn(short=False):
        stored = store(ws, upload)
        try:
            with warehouse.connect(ws.warehouse) as conn:
                (result,) = pipeline.process(conn, ws, [pipeline.Incoming(stored, office, name=name)])
                users.record(conn, user_name, "upload", result["status"],
                             f"#{result['submission_id']} {office} {name}", client)
        finally:
            stored.unlink(missing_ok=True)  # its bytes are in archive/ under the same hash
    return kept_receipt(ws, result, name)


def kept_receipt(ws: config.Workspace, result: dict, name: str, durable: bool = True) -> dict:
    """A file's outcome as its office sees it, kept under its submission id for its history."""
    result = {**result, "file_name": name}
    if result["submission_id"] is not None:
        files.publish(ws.receipts / f"{result['submission_id']}.json", json.dumps(result, ensure_ascii=False),
                      durable)
    return result


def receipt(ws: config.Workspace, conn: duckdb.DuckDBPyConnection, region_code: str, submission_id: int) -> dict:
    """A submission's receipt, when the office of `region_code` may read it: as the portal showed it, else the
    rejection report kept beside a quarantined file, else what the warehouse recorded (findings without fixes)."""
    rows = warehouse.query(conn, "portal_submission", submission_id=submission_id).to_dicts()
    if not rows or rows[0]["office_code"] not in jurisdiction(region_code):
        raise Forbidden(str(submission_id))
    row = rows[0]
    # the quarantine is listed only for a receipt not kept: a national quarter's rejections make it long
    kept = chain([ws.receipts / f"{submission_id}.json"], ws.quarantine.glob(f"{submission_id}-*.errors.json"))
    for path in kept:
        if path.is_file():
            return {**json.loads(path.read_text("utf-8")), "file_name": row["file_name"]}
    found = [vars(f) | {"cell": None, "column_name": None, "indicator_name": None, "faults": f.faults}
             for f in load.findings_of(conn, submission_id)]
    return {"submission_id": submission_id, "file_name": row["file_name"], "status": row["status"],
            "rows": row["row_count"], "errors": [f for f in found if f["severity"] == "error"],
            "warnings": [f for f in found if f["severity"] == "warning"],
            "kept": archive.kept_items(load.kept(conn, [submission_id]).get(submission_id, []))}


def bulletins(ws: config.Workspace, conn: duckdb.DuckDBPyConnection, region_code: str) -> list[dict]:
    """The bulletins of the plans of the office's region and those under it, newest first."""
    from ipwatch.bulletins import bulletin

    if not ws.bulletins.exists():
        return []
    codes = jurisdiction(region_code)
    return [e for e in bulletin.index_entries(conn, ws.bulletins) if e["region_code"] in codes]


def bulletin_file(ws: config.Workspace, conn: duckdb.DuckDBPyConnection, region_code: str, name: str) -> Path:
    """A bulletin page, its annex or one of its county pages, when the office may read it; else Forbidden."""
    parts = PurePosixPath(name).parts
    listed = {Path(e["file"]).stem for e in bulletins(ws, conn, region_code)}
    own_page = len(parts) == 2 and parts[1].removesuffix(".html") in jurisdiction(region_code)
    top = parts[0].removesuffix(".html").removesuffix(".xlsx") if parts else ""
    if not parts or ".." in parts or top not in listed or (len(parts) == 2 and not own_page) or len(parts) > 2:
        raise Forbidden(name)
    path = ws.bulletins.joinpath(*parts)
    if path.suffix not in (".html", ".xlsx") or not path.is_file():
        raise Forbidden(name)
    return path
