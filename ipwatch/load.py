"""Record submissions, their rows and findings, and accept their values: each step one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from ipwatch import warehouse
from ipwatch.finding import Finding, verdict


def previous(conn: duckdb.DuckDBPyConnection, sha256: str, office: str) -> tuple[int, str, int] | None:
    """(submission_id, status, row_count) of an earlier submission of the same bytes by the same office."""
    return conn.execute(warehouse.sql("submission_by_sha"), {"sha256": sha256, "office_code": office}).fetchone()


SUBMISSION_DETAILS = ("kind", "encoding", "sheet", "column_letters", "reporting_unit", "reporter", "phone",
                      "reported_on")


def record_received(conn: duckdb.DuckDBPyConnection, file_name: str, sha256: str, office: str,
                    stored: Path, rows: pl.DataFrame, status: str = "received", details: dict | None = None) -> int:
    """Register a received file, how it was read, and its rows; returns the submission id."""
    details = details or {}
    with warehouse.transaction(conn):
        (submission_id,) = conn.execute(warehouse.sql("record_submission"), {
            "file_name": file_name, "sha256": sha256, "office_code": office, "received_at": datetime.now(),
            "status": status, "row_count": rows.height, "stored_path": str(stored),
            **{key: details.get(key) for key in SUBMISSION_DETAILS},
        }).fetchone()
        warehouse.append_rows(conn, "submission_rows", rows.with_columns(submission_id=pl.lit(submission_id)))
    return submission_id


def decide(conn: duckdb.DuckDBPyConnection, submission_id: int, findings: list[Finding]) -> str:
    """Store findings and the verdict; accepted rows become current. Returns the status.

    Only a submission still `received` is decided: if another run (an overlapping manual ingest of the same
    bytes) decided it first, its verdict stands and is returned, and nothing is written twice.
    """
    status = verdict(findings)
    frame = pl.DataFrame(
        [{"submission_id": submission_id, **f.__dict__} for f in findings],
        schema={"submission_id": pl.Int32, "rule": pl.String, "severity": pl.String, "line": pl.Int32,
                "column": pl.String, "value": pl.String, "message": pl.String},
    )
    with warehouse.transaction(conn):
        (current,) = conn.execute(warehouse.sql("submission_status"), {"submission_id": submission_id}).fetchone()
        if current != "received":
            return current
        conn.execute(warehouse.sql("clear_findings"), {"submission_id": submission_id})
        warehouse.append_rows(conn, "validation_findings", frame)
        if status != "rejected":
            conn.execute(warehouse.sql("accept_submission"), {"submission_id": submission_id})
        conn.execute(warehouse.sql("set_submission_status"), {"status": status, "submission_id": submission_id})
    return status


def findings_of(conn: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
    """The findings recorded for a submission."""
    rows = conn.execute(warehouse.sql("submission_findings"), {"submission_id": submission_id}).fetchall()
    return [Finding(*row) for row in rows]
