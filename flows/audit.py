"""Audit flow: the auditor's report of open and closed findings, with GX's Data Docs beside it."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.artifacts import create_link_artifact

from flows.hooks import ON_FAILURE, RETRY_WHEN_BUSY, task
from ipwatch import audit, config


@task(**RETRY_WHEN_BUSY)
def write_report(ws: config.Workspace, out_dir: Path) -> Path:
    """Write audit.html and data_docs/."""
    with audit.connect(ws) as conn:
        return audit.report(conn, out_dir)


@flow(name="audit-report", **ON_FAILURE)
def audit_report_flow(home: str | None = None, out_dir: Path | None = None) -> Path:
    """Write the auditor's report to <home>/audit/ (or `out_dir`) and link it from the run."""
    ws = config.workspace(home)
    page = write_report(ws, out_dir or ws.audit)
    create_link_artifact(page.as_uri(), link_text="数据审核报告 (audit.html)", key="audit-report")
    return page
