"""The auditor's side of findings: list them, weigh one against its context, decide, report.

Decisions are appended to audit_log and never changed; the latest one is in force. What makes a finding open
or closed is the `findings` view (sql/findings.sql).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from ipwatch import config, data_docs, files, warehouse
from ipwatch.bulletin import environment

DECISIONS = ("confirm", "correct-requested", "override")
STATUSES = ("open", "closed")


@contextmanager
def connect(ws: config.Workspace, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """The workspace's warehouse, refused with advice when it does not exist or predates the audit log."""
    if not ws.warehouse.exists():  # a write connection would create an empty one
        raise FileNotFoundError(f"数据仓库不存在，请先运行 ipwatch init 或 ipwatch ingest (no warehouse at "
                                f"{ws.warehouse})")
    with warehouse.connect(ws.warehouse, read_only=read_only) as conn:
        if "audit_log" not in warehouse.tables(conn):
            raise ValueError("数据仓库尚无审核记录，请先运行 ipwatch init (run ipwatch init to add the audit log)")
        yield conn


def findings(conn: duckdb.DuckDBPyConnection, status: str | None = None,
             finding_id: int | None = None) -> pl.DataFrame:
    """Findings with their failing row and its context, open first; narrowed by status or id."""
    if status not in (None, *STATUSES):
        raise ValueError(f"状态应为 open 或 closed (status must be open or closed): {status!r}")
    return warehouse.query(conn, "audit_findings", status=status, finding_id=finding_id)


def list_findings(conn: duckdb.DuckDBPyConnection, status: str | None = None) -> list[dict]:
    """Every finding (or the open or closed ones) with its context."""
    return findings(conn, status).to_dicts()


def show(conn: duckdb.DuckDBPyConnection, finding_id: int) -> dict:
    """One finding with its submission, failing row, last value, peers' median and decision history."""
    rows = findings(conn, finding_id=finding_id).to_dicts()
    if not rows:
        raise ValueError(f"问题编号不存在 (no finding with id {finding_id})")
    history = warehouse.query(conn, "audit_history", finding_id=finding_id).to_dicts()
    return {**rows[0], "history": history}


def decide(conn: duckdb.DuckDBPyConnection, finding_id: int, decision: str, reason: str, by: str) -> dict:
    """Append one decision on a finding to the audit log; returns the row appended and the finding's status."""
    if decision not in DECISIONS:
        raise ValueError(f"审核结论应为 {'、'.join(DECISIONS)} 之一 (decision must be one of "
                         f"{', '.join(DECISIONS)}): {decision!r}")
    if not (reason or "").strip():
        raise ValueError("须写明审核理由 (a reason is required)")
    if not (by or "").strip():
        raise ValueError("须写明审核人 (the auditor's name is required)")
    show(conn, finding_id)
    row = conn.execute(warehouse.sql("audit_record_decision"), {
        "finding_id": finding_id, "decision": decision, "reason": reason.strip(), "decided_by": by.strip(),
        "decided_at": datetime.now()}).pl().row(0, named=True)
    return {**row, "audit_status": show(conn, finding_id)["audit_status"]}


def report_context(conn: duckdb.DuckDBPyConnection) -> dict:
    """What the auditor's report shows: open findings by office and rule, the closed ones, counts per rule,
    failures per rule over the months of validation runs, and each office's timeliness."""
    rows = findings(conn)
    open_rows = rows.filter(pl.col("audit_status") == "open")
    offices = [{"office_code": code, "office_name": name, "rules": by_rule(group)}
               for (code, name), group in open_rows.group_by(["office_code", "office_name"], maintain_order=True)]
    return {"offices": offices, "open_count": open_rows.height,
            "closed": rows.filter(pl.col("audit_status") == "closed").to_dicts(),
            "counts": warehouse.query(conn, "audit_rule_counts").to_dicts(),
            "trend": warehouse.query(conn, "audit_failure_trend").to_dicts(),
            "offices_record": warehouse.query(conn, "office_timeliness").to_dicts()}


def by_rule(rows: pl.DataFrame) -> list[dict]:
    """Findings grouped by rule, each group with the rule's message."""
    return [{"rule": rule, "message": group["message"][0], "findings": group.to_dicts()}
            for (rule,), group in rows.group_by(["rule"], maintain_order=True)]


def validation_batches(conn: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Each submission's latest validation batch."""
    return dict(conn.execute(warehouse.sql("latest_validation_batches")).fetchall())


def report(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write the auditor's HTML report, audit.html, to `out_dir`, with GX's Data Docs of every validation run
    kept in the warehouse's workspace in `out_dir/data_docs/`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "audit.html"
    home = warehouse.folder(conn)
    try:
        docs = data_docs.build(home, out_dir / "data_docs") if home else None
    except Exception:  # noqa: BLE001 - GX's docs are an extra; the auditor's own report must still be written
        logging.getLogger("ipwatch.audit").exception("Data Docs 未能生成 (could not build GX Data Docs)")
        docs = None
    html = environment().get_template("audit.html.j2").render(
        **report_context(conn), data_docs=docs and docs.relative_to(out_dir).as_posix(),
        run_pages=data_docs.run_pages(docs.parent, validation_batches(conn)) if docs else {})
    return files.publish(path, html)
