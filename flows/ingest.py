"""Ingest flow: each file is received, validated and decided; accepted values become current."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.hooks import ON_FAILURE, RETRY_WHEN_BUSY
from ipwatch import artifacts, config, files, inbox, ingest, load, notify, reference, validate, warehouse
from ipwatch import catalogue as cat
from ipwatch.ingest import Received
from ipwatch.load import Finding


@task(**RETRY_WHEN_BUSY)
def prepare(home: str | None) -> config.Workspace:
    """Make sure the workspace and warehouse exist and hold the current catalogue."""
    ws = config.workspace(home)
    reference.initialise(ws)
    for folder in (ws.archive, ws.quarantine, ws.bulletins):
        files.sweep(folder)
    return ws


@task(**RETRY_WHEN_BUSY)
def receive(ws: config.Workspace, path: Path, office: str) -> Received:
    """Keep a copy of the file and register it with its rows."""
    with warehouse.connect(ws.warehouse) as conn:
        return ingest.receive(conn, ws, path, office, cat.default())


@task(**RETRY_WHEN_BUSY)
def earlier_findings(ws: config.Workspace, received: Received) -> list[Finding]:
    """What was found the first time these bytes came in."""
    with warehouse.connect(ws.warehouse) as conn:
        return load.findings_of(conn, received.duplicate_of)


@task(**RETRY_WHEN_BUSY)
def check(ws: config.Workspace, received: Received) -> list[Finding]:
    """Run the Great Expectations rules on the submission's rows."""
    if received.unreadable:
        return [received.unreadable]
    with warehouse.connect(ws.warehouse) as conn:
        return validate.run(conn, received.submission_id)


@task(**RETRY_WHEN_BUSY)
def decide(ws: config.Workspace, received: Received, findings: list[Finding]) -> str:
    """Store the findings and the verdict; accepted rows become current; a rejected file goes to quarantine.

    Quarantine first, then the decision: a crash between them leaves the submission undecided, so the rerun
    decides it again and writes the same quarantine files, instead of finding it decided without them.
    """
    if load.verdict(findings) == "rejected":
        ingest.quarantine(ws, received, findings)
    with warehouse.connect(ws.warehouse) as conn:
        return load.decide(conn, received.submission_id, findings)


@task
def clear_inbox(path: Path) -> None:
    """Remove a file from the inbox once its decision is in the warehouse."""
    inbox.clear(path)


@task
def report(results: list[dict]) -> None:
    """Leave the run's summary and findings in Prefect, and tell someone about rejected files."""
    create_markdown_artifact(artifacts.ingest_markdown(results), key="ingest-summary",
                             description="每个报送文件的处理结果 (each file's outcome)")
    create_table_artifact(artifacts.findings_table(results), key="ingest-findings",
                          description="错误与警告，含行、列 (errors and warnings with line and column)")
    rejected = notify.rejected_message(results)
    if rejected:
        notify.send(*rejected)


@flow(name="ingest", **ON_FAILURE)
def ingest_flow(files: list[Path], office: str, home: str | None = None) -> list[dict]:
    """Ingest submitted files, one after the other (DuckDB has one writer)."""
    ws = prepare(home)
    results = []
    for path in map(Path, files):
        received = receive(ws, path, office)
        if received.duplicate_of is not None:
            status, findings = "duplicate", earlier_findings(ws, received)
        else:
            findings = check(ws, received)
            status = decide(ws, received, findings)
        results.append({**ingest.result(received, status, findings), "office": office})
    report(results)
    return results


@flow(name="inbox", **ON_FAILURE)
def inbox_flow(home: str | None = None, settle_seconds: float = 0) -> list[dict]:
    """Ingest every file waiting in inbox/<office>/ as submitted by that office, then take it out of the inbox.

    Files changed in the last `settle_seconds` wait for the next run (the scheduled deployment sets 60: a file
    still being copied in must not be read half-written). A crash between the decision and the removal is safe:
    the rerun finds the same bytes already decided and reports them as a duplicate before removing them.
    """
    ws = prepare(home)
    with inbox.claim(ws) as ours:
        if not ours:
            get_run_logger().warning("另一收件箱任务正在处理，本次跳过 (another inbox run is at work: skipped)")
            return []
        results = []
        for office, files in inbox.pending(ws, settle_seconds).items():
            for path, outcome in zip(files, ingest_flow(files, office=office, home=str(ws.home)), strict=True):
                clear_inbox(path)
                results.append(outcome)
    if results:  # an empty inbox every quarter of an hour is not news
        create_markdown_artifact(artifacts.ingest_markdown(results), key="inbox-summary",
                                 description="本次收件箱处理的全部文件 (every file taken from the inbox)")
    return results
