"""The auditor's side of findings: list them, weigh one against its context, decide, report.

Decisions are appended to audit_log and never changed; the latest one is in force. What makes a finding open
or closed is the `findings` view (sql/views/findings.sql).
"""

from __future__ import annotations

import getpass
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

import ipwatch
from ipwatch import config, files, pages, warehouse
from ipwatch.audit import data_docs
from ipwatch.domain import labels, signoff

DECISIONS = tuple(labels.DECISIONS)
STATUSES = tuple(labels.STATUSES)
UNNAMED = "—"  # what a reader sees where a region or indicator has no name
FILTERS = ("status", "office", "region", "rule", "indicator", "period", "severity")


class OutOfRegion(PermissionError):
    """A finding outside the auditor's region (the region and the regions under it): neither shown nor decided."""


@dataclass(frozen=True)
class Filters:
    """Which findings an auditor looks at or decides on; None is all. Chinese words are taken for status,
    severity (待审核, 警告) as for their codes; an indicator by code or Chinese name; a period as 2025Q3 or 2025."""

    status: str | None = None
    office: str | None = None
    region: str | None = None
    rule: str | None = None
    indicator: str | None = None
    period: str | None = None
    severity: str | None = None

    def params(self) -> dict:
        """The filters as audit_findings.sql's parameters, Chinese words turned into codes and checked."""
        status = self.status and labels.code_of(self.status, labels.STATUSES)
        severity = self.severity and labels.code_of(self.severity, labels.SEVERITIES)
        if status not in (None, *STATUSES):
            raise ValueError(f"状态应为 待审核(open) 或 已结(closed) (status must be open or closed): {self.status!r}")
        if severity not in (None, *labels.SEVERITIES):
            raise ValueError(f"级别应为 错误(error) 或 警告(warning) (severity must be error or warning): "
                             f"{self.severity!r}")
        return {**{name: getattr(self, name) for name in FILTERS}, "status": status, "severity": severity}

    @property
    def any(self) -> bool:
        return any(getattr(self, name) is not None for name in FILTERS)


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


def findings(conn: duckdb.DuckDBPyConnection, filters: Filters | None = None,
             finding_id: int | None = None, scope: str | None = None, first: int | None = None,
             matching: bool = False) -> pl.DataFrame:
    """Findings with their failing row and its one context (audit_findings.sql), open first; narrowed by the
    filters or an id, and to an auditor's region (`scope`: its jurisdiction; None: all); each with its rule,
    severity, status and decision in Chinese, `outcome_name`: the decision, or what stands in for one (待审核, or
    why a finding nobody decided is closed), and the region and indicator as a person reads them (`region_shown`,
    `indicator_shown`): a code no region or indicator has has no name, and the list, `audit show` and the report
    must say so rather than print a null."""
    rows = warehouse.query(conn, "audit_findings", **(filters or Filters()).params(), finding_id=finding_id,
                           scope=scope, first=first).drop("place")
    if not matching:  # how many the filters pick: a page of the queue says so (`queue_page`)
        rows = rows.drop("matching")
    decision_name = pl.col("decision").replace_strict(labels.DECISIONS, default=pl.col("decision"))
    return rows.with_columns(
        rule_name=pl.col("rule").map_elements(labels.rule, return_dtype=pl.String),
        severity_name=pl.col("severity").replace_strict(labels.SEVERITIES, default=pl.col("severity")),
        status_name=pl.col("audit_status").replace_strict(labels.STATUSES, default=pl.col("audit_status")),
        decision_name=decision_name,
        outcome_name=pl.when(pl.col("decision").is_not_null()).then(decision_name)
        .when(pl.col("audit_status") == "open").then(pl.lit(labels.STATUSES["open"]))
        .when(pl.col("superseded")).then(pl.lit(labels.CLOSED_UNDECIDED["superseded"]))
        .otherwise(pl.lit(labels.CLOSED_UNDECIDED["rejected"])),
        region_shown=pl.coalesce("region_name", pl.lit(UNNAMED)),
        indicator_shown=pl.coalesce(
            "indicator_name", "indicator_code",
            pl.when(pl.col("column") == "indicator").then(pl.format("“{}”（无法识别）", "value")), pl.lit(UNNAMED)))


def list_findings(conn: duckdb.DuckDBPyConnection, status: str | None = None,
                  filters: Filters | None = None, scope: str | None = None) -> list[dict]:
    """Every finding (or the open or closed ones, or those the filters pick) with its context, within the
    auditor's region `scope` (None: all)."""
    return findings(conn, filters or Filters(status=status), scope=scope).to_dicts()


def queue_page(conn: duckdb.DuckDBPyConnection, filters: Filters, scope: str | None,
               first: int) -> tuple[int, list[dict]]:
    """How many findings the filters pick within `scope`, and the first `first` of them as `list_findings` lists
    them: a national queue holds thousands, and weighing each against its peers is what a page waits for."""
    rows = findings(conn, filters, scope=scope, first=first, matching=True)
    return (rows["matching"][0] if rows.height else 0), rows.drop("matching").to_dicts()


def show(conn: duckdb.DuckDBPyConnection, finding_id: int, scope: str | None = None) -> dict:
    """One finding with its submission, failing row, context and decision history; OutOfRegion when it lies
    outside the auditor's region `scope`."""
    rows = findings(conn, finding_id=finding_id, scope=scope).to_dicts()
    if not rows and scope is not None and not findings(conn, finding_id=finding_id).is_empty():
        raise OutOfRegion(f"问题 {finding_id} 不在您负责审核的地区内 (finding {finding_id} is outside your region)")
    if not rows:
        raise ValueError(f"问题编号不存在 (no finding with id {finding_id})")
    history = warehouse.query(conn, "audit_history", finding_id=finding_id).with_columns(
        decision_name=pl.col("decision").replace_strict(labels.DECISIONS, default=pl.col("decision"))).to_dicts()
    return {**rows[0], "history": history}


def next_open(conn: duckdb.DuckDBPyConnection, finding_id: int, scope: str | None = None) -> int | None:
    """The open finding an auditor (of the region `scope`) meets after `finding_id`: the next by id, else the
    first still open."""
    following = warehouse.query(conn, "next_open_finding", finding_id=finding_id, scope=scope)["finding_id"].to_list()
    return following[0] if following else None


def checked_decision(decision: str, reason: str, by: str) -> str:
    """The decision's code (确认, 更正, 认可 or the codes), refused without a reason or an auditor's name."""
    code = labels.code_of(decision, labels.DECISIONS)
    if code not in DECISIONS:
        choices = "、".join(f"{zh}({code})" for code, zh in labels.DECISIONS.items())
        raise ValueError(f"审核结论应为 {choices} 之一 (decision must be one of {', '.join(DECISIONS)}): "
                         f"{decision!r}")
    if not (reason or "").strip():
        raise ValueError("须写明审核理由 (a reason is required)")
    if not (by or "").strip():
        raise ValueError("须写明审核人 (the auditor's name is required)")
    return code


def decide(conn: duckdb.DuckDBPyConnection, finding_id: int, decision: str, reason: str, by: str,
           scope: str | None = None) -> dict:
    """Append one decision on a finding to the audit log; returns the row appended and the finding's status. An
    auditor of the region `scope` decides only the findings within it (OutOfRegion, nothing appended)."""
    code = checked_decision(decision, reason, by)
    finding = show(conn, finding_id, scope)
    if finding["audit_status"] == "closed" and finding["decision"] is None:
        # closed with nothing to decide: its file was rejected (nothing of it loaded) or its value superseded; a
        # decision recorded there would be read as a judgement on data no one uses (#26, item 9)
        raise ValueError(f"问题 {finding_id} 已结（{finding['outcome_name']}），不能再作审核结论 "
                         f"(finding {finding_id} is closed without a decision: nothing to decide)")
    decided_at = datetime.now()

    def work() -> dict:
        (log_id,) = warehouse.take_ids(conn, "audit_log_ids", 1)
        return conn.execute(warehouse.sql("audit_record_decision"), {
            "log_id": log_id, "finding_id": finding_id, "decision": code, "reason": reason.strip(),
            "decided_by": by.strip(), "decided_at": decided_at}).pl().row(0, named=True)

    row = warehouse.atomic(conn, work)
    return {**row, "audit_status": show(conn, finding_id)["audit_status"]}


def chosen_for_decision(conn: duckdb.DuckDBPyConnection, filters: Filters) -> list[int]:
    """The open findings a decision on many would cover: those the filters pick (at least one filter)."""
    if not filters.any:
        raise ValueError("批量审核须至少给出一个筛选条件 (a decision on many findings needs at least one filter)")
    picked = findings(conn, replace(filters, status=filters.status or "open"))
    return picked.filter(pl.col("audit_status") == "open")["finding_id"].to_list()


def decide_many(conn: duckdb.DuckDBPyConnection, filters: Filters, decision: str, reason: str, by: str) -> list[int]:
    """Append the same decision on every open finding the filters pick, one log row each, in one transaction;
    returns their ids."""
    code = checked_decision(decision, reason, by)
    ids = chosen_for_decision(conn, filters)
    decided_at = datetime.now()

    def work() -> None:
        conn.execute(warehouse.sql("audit_record_decisions"), {
            "log_ids": warehouse.take_ids(conn, "audit_log_ids", len(ids)), "finding_ids": ids, "decision": code,
            "reason": reason.strip(), "decided_by": by.strip(), "decided_at": decided_at})

    warehouse.atomic(conn, work)
    return ids


def report_context(conn: duckdb.DuckDBPyConnection, filters: Filters | None = None, scope: str | None = None,
                   by: str | None = None) -> dict:
    """What the auditor's report shows: open findings by office and rule, the closed ones, counts per rule,
    failures per rule over the months of validation runs, and each office's timeliness; the findings narrowed
    by the filters, and everything to an auditor's region `scope` (None: all); `by` the person who asked for it
    (None: the user running this process)."""
    filters = filters or Filters()
    rows = findings(conn, filters, scope=scope)
    open_rows = rows.filter(pl.col("audit_status") == "open")
    offices = [{"office_code": code, "office_name": name, "count": group.height, "rules": by_rule(group)}
               for (code, name), group in open_rows.group_by(["office_code", "office_name"], maintain_order=True)]
    counts = warehouse.query(conn, "audit_rule_counts", scope=scope).with_columns(
        rule_name=pl.col("rule").map_elements(labels.rule, return_dtype=pl.String))
    trend = warehouse.query(conn, "audit_failure_trend", scope=scope).with_columns(
        rule_name=pl.col("rule").map_elements(labels.rule, return_dtype=pl.String))
    return {"offices": offices, "open_count": open_rows.height,
            "closed": rows.filter(pl.col("audit_status") == "closed").to_dicts(),
            "counts": counts.to_dicts(), "trend": trend.to_dicts(),
            "offices_record": warehouse.query(conn, "office_timeliness", scope=scope).to_dicts(),
            "overrides": warehouse.query(conn, "approval_overrides", scope=scope).to_dicts(),
            "filters": {name: value for name, value in vars(filters).items() if value is not None},
            "labels": {"severities": labels.SEVERITIES, "decisions": labels.DECISIONS,
                       "steps": signoff.ACTION_NAMES}, "stamp": stamp(conn, by)}


def stamp(conn: duckdb.DuckDBPyConnection, by: str | None = None) -> dict:
    """When, from which data and by whom a report was made: a printed report outlives the warehouse it was read
    from, and an auditor comparing two must tell which is newer and whether the data changed between them."""
    # the machine's clock, as received_at and decided_at are stored: the stamp's two times compare at a glance
    return {"generated_at": datetime.now(), "version": warehouse.data_version(conn),
            "produced_by": producer(by)}


def producer(by: str | None = None) -> str:
    """ipwatch's version, who asked for the report and the host that made it, as `ipwatch 0.1.0 · user@host`:
    `by` (a portal user: the server's own account, the same for every auditor, would name no one), else the
    user running this process."""
    return f"ipwatch {ipwatch.__version__} · {by or process_user()}@{socket.gethostname()}"


def process_user() -> str:
    """The operating system's user running this process."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container's uid with no passwd entry and no LOGNAME
        return "未知用户"


def by_rule(rows: pl.DataFrame) -> list[dict]:
    """Findings grouped by rule, each group with the rule's Chinese name and message."""
    return [{"rule": rule, "rule_name": labels.rule(rule), "message": group["message"][0],
             "findings": group.to_dicts()}
            for (rule,), group in rows.group_by(["rule"], maintain_order=True)]


def validation_batches(conn: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Each submission's latest validation batch."""
    return dict(conn.execute(warehouse.sql("latest_validation_batches")).fetchall())


def report(conn: duckdb.DuckDBPyConnection, out_dir: Path, filters: Filters | None = None) -> Path:
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
    html = report_html(conn, filters, docs_link=docs and docs.relative_to(out_dir).as_posix(),
                       run_pages=data_docs.run_pages(docs.parent, validation_batches(conn)) if docs else {})
    return files.publish(path, html)


def report_html(conn: duckdb.DuckDBPyConnection, filters: Filters | None = None, docs_link: str | None = None,
                run_pages: dict | None = None, scope: str | None = None, by: str | None = None) -> str:
    """The auditor's report as HTML (the file `report` writes; the portal serves it, to an auditor of a region
    `scope` with that region's findings only, stamped with the portal user `by` who asked)."""
    return pages.environment().get_template("audit.html.j2").render(
        **report_context(conn, filters, scope, by), data_docs=docs_link, run_pages=run_pages or {})
