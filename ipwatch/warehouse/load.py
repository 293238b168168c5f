"""Record submissions, their rows and findings, and accept their values: a whole batch at a time, each step one
transaction, so the warehouse never holds half a submission or half a decision."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from ipwatch import warehouse
from ipwatch.domain import rules
from ipwatch.domain.finding import Finding, verdict

SUBMISSION_DETAILS = ("kind", "encoding", "sheet", "column_letters", "reporting_unit", "reporter", "phone",
                      "reported_on", "unit_head", "statistics_head")
SUBMISSIONS_SCHEMA = {"submission_id": pl.Int32, "received_at": pl.Datetime("us"), "row_count": pl.Int32,
                      **{k: pl.String for k in ("file_name", "sha256", "office_code", "stored_path", "status",
                                                *SUBMISSION_DETAILS)}}
FINDINGS_SCHEMA = {"submission_id": pl.Int32, "rule": pl.String, "severity": pl.String, "line": pl.Int32,
                   "column": pl.String, "value": pl.String, "message": pl.String, "indicator_code": pl.String,
                   "fix": pl.String, "cell": pl.String}

# A batch's findings are stored this many at a time: a frame of two hostile files' 800,000 (and DuckDB's copy of
# it) held at once was the largest moment of their run.
FINDINGS_AT_ONCE = 20_000


def previous(conn: duckdb.DuckDBPyConnection, files: list[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """(sha256, office) -> (submission_id, status, kind) of the latest earlier submission of the same bytes by the
    same office, for those that have one (a file rejected only for the moment it was sent, rules.of_the_moment,
    does not count: sent again, it is judged anew)."""
    keys = pl.DataFrame(files, schema={"sha256": pl.String, "office_code": pl.String}, orient="row")
    momentary = pl.DataFrame({"rule": rules.of_the_moment()}, schema={"rule": pl.String})
    found = warehouse.query_over(conn, "submissions_by_sha", keys=keys, momentary=momentary)
    return {(sha, office): (sid, status, kind) for sha, office, sid, status, kind in found.iter_rows()}


def register(conn: duckdb.DuckDBPyConnection, files: list[dict], rows: list[pl.DataFrame]) -> list[int]:
    """Register received files (file_name, sha256, office_code, stored_path, status and SUBMISSION_DETAILS) with
    their rows, in one transaction; returns their submission ids, in order. Each is received now, unless it
    says otherwise (`received_at`: only the demo's files, ipwatch/ops/demo_events.py)."""
    if not files:
        return []
    now = datetime.now()

    def work() -> list[int]:
        ids = warehouse.take_ids(conn, "submission_ids", len(files))
        submissions = pl.DataFrame([{
            "submission_id": sid, "received_at": f.get("received_at") or now, "row_count": part.height,
            **{k: f.get(k) for k in ("file_name", "sha256", "office_code", "stored_path", "status",
                                     *SUBMISSION_DETAILS)},
        } for sid, f, part in zip(ids, files, rows, strict=True)], schema=SUBMISSIONS_SCHEMA)
        warehouse.append_rows(conn, "submissions", submissions)
        parts = [part.with_columns(submission_id=pl.lit(sid, pl.Int32)) for sid, part in zip(ids, rows, strict=True)]
        warehouse.append_rows(conn, "submission_rows", pl.concat(parts, how="diagonal_relaxed"))
        return ids

    return warehouse.atomic(conn, work)


def decide(conn: duckdb.DuckDBPyConnection, findings: dict[int, list[Finding]]) -> dict[int, str]:
    """Store each submission's findings and verdict; accepted rows become current. Returns each status.

    Only a submission still `received` is decided: if another run (an overlapping manual ingest of the same
    bytes) decided it first, its verdict stands and is returned, and nothing is written twice.
    """
    if not findings:
        return {}
    return warehouse.atomic(conn, lambda: record_decisions(conn, findings))


def record_decisions(conn: duckdb.DuckDBPyConnection, findings: dict[int, list[Finding]]) -> dict[int, str]:
    """What `decide` does inside its transaction (run again whole when it lost to a concurrent one)."""
    verdicts = pl.DataFrame([(sid, verdict(found)) for sid, found in findings.items()],
                            schema={"submission_id": pl.Int32, "status": pl.String}, orient="row")
    # Every decision takes a number, so two at once on a lake conflict and one is decided again after the other:
    # each reads the values in force (current_observations) before replacing them.
    warehouse.take_ids(conn, "decisions", 1)
    current = dict(warehouse.query_over(conn, "submission_statuses", verdicts=verdicts).iter_rows())
    open_ids = [sid for sid in findings if current[sid] == "received"]
    todo = verdicts.filter(pl.col("submission_id").is_in(open_ids))
    # What the rule found, and what the office was told of it (ipwatch/intake/explain.py): a resend gets the same.
    found = [(sid, f) for sid in open_ids for f in findings[sid]]
    ids = warehouse.take_ids(conn, "finding_ids", len(found))
    warehouse.query_over(conn, "clear_findings", verdicts=todo)
    for start in range(0, len(found), FINDINGS_AT_ONCE):
        part = pl.DataFrame([{"submission_id": sid, **stored(f)} for sid, f in found[start:start + FINDINGS_AT_ONCE]],
                            schema=FINDINGS_SCHEMA)
        warehouse.append_rows(conn, "validation_findings", part.insert_column(
            0, pl.Series("finding_id", ids[start:start + part.height], pl.Int32)))
    # A blank row becomes a version only where it erases nothing (accepted_rows.sql): what the office left blank
    # keeps the value in force.
    accepted = warehouse.query_over(conn, "accepted_rows", verdicts=todo)
    warehouse.query_over(conn, "accept_submissions", accepted=accepted)
    decided = warehouse.query_over(conn, "decided_values", accepted=accepted)
    warehouse.query_over(conn, "update_current_observations", decided=decided)
    warehouse.query_over(conn, "set_submission_statuses", verdicts=todo)
    statuses = dict(todo.iter_rows())
    return {sid: statuses.get(sid, current[sid]) for sid in findings}


def kept(conn: duckdb.DuckDBPyConnection, submission_ids: list[int]) -> dict[int, list[dict]]:
    """Each accepted submission's blank rows that left the value in force as it was (line, region_code, period,
    indicator_code), for its receipt; a submission with none is left out."""
    ids = pl.DataFrame({"submission_id": submission_ids}, schema={"submission_id": pl.Int32})
    found: dict[int, list[dict]] = {}
    for row in warehouse.query_over(conn, "kept_values", ids=ids).iter_rows(named=True):
        found.setdefault(row.pop("submission_id"), []).append(row)
    return found


def stored(finding: Finding) -> dict:
    """The fields of a finding the warehouse keeps (the indicator's code under its SQL name)."""
    fields = {k: getattr(finding, k, None) for k in FINDINGS_SCHEMA if k != "submission_id"}
    return {**fields, "indicator_code": finding.indicator}


def findings_of(conn: duckdb.DuckDBPyConnection, submission_id: int) -> list[Finding]:
    """The findings recorded for a submission."""
    rows = conn.execute(warehouse.sql("submission_findings"), {"submission_id": submission_id}).fetchall()
    return [Finding(*row) for row in rows]
