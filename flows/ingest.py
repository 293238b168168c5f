"""Ingest flow: each file is received, validated and decided; accepted values become current."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from ipwatch import catalogue as cat
from ipwatch import config, inbox, ingest, load, reference, validate, warehouse
from ipwatch.ingest import Received
from ipwatch.load import Finding


@task
def prepare(home: str | None) -> config.Workspace:
    """Make sure the workspace and warehouse exist and hold the current catalogue."""
    ws = config.workspace(home)
    reference.initialise(ws)
    return ws


@task
def receive(ws: config.Workspace, path: Path, office: str) -> Received:
    """Keep a copy of the file and register it with its rows."""
    with warehouse.connect(ws.warehouse) as conn:
        return ingest.receive(conn, ws, path, office, cat.default())


@task
def earlier_findings(ws: config.Workspace, received: Received) -> list[Finding]:
    """What was found the first time these bytes came in."""
    with warehouse.connect(ws.warehouse) as conn:
        return load.findings_of(conn, received.duplicate_of)


@task
def check(ws: config.Workspace, received: Received) -> list[Finding]:
    """Run the Great Expectations rules on the submission's rows."""
    if received.unreadable:
        return [received.unreadable]
    with warehouse.connect(ws.warehouse) as conn:
        return validate.run(conn, received.submission_id)


@task
def decide(ws: config.Workspace, received: Received, findings: list[Finding]) -> str:
    """Store the findings and the verdict; accepted rows become current; a rejected file goes to quarantine."""
    with warehouse.connect(ws.warehouse) as conn:
        status = load.decide(conn, received.submission_id, findings)
    if status == "rejected":
        ingest.quarantine(ws, received, findings)
    return status


@task
def clear_inbox(path: Path) -> None:
    """Remove a file from the inbox once its decision is in the warehouse."""
    inbox.clear(path)


@flow(name="ingest")
def ingest_flow(files: list[Path], office: str, home: str | None = None) -> list[dict]:
    """Ingest submitted files, one after the other (DuckDB has one writer)."""
    ws = prepare(home)
    results = []
    for path in map(Path, files):
        received = receive(ws, path, office)
        if received.duplicate_of is not None:
            results.append(ingest.result(received, "duplicate", earlier_findings(ws, received)))
            continue
        findings = check(ws, received)
        status = decide(ws, received, findings)
        results.append(ingest.result(received, status, findings))
    return results


@flow(name="inbox")
def inbox_flow(home: str | None = None) -> list[dict]:
    """Ingest every file waiting in inbox/<office>/ as submitted by that office, then take it out of the inbox.

    A crash between the decision and the removal is safe: the rerun finds the same bytes already decided
    and reports them as a duplicate before removing them.
    """
    ws = prepare(home)
    results = []
    for office, files in inbox.pending(ws).items():
        for path, outcome in zip(files, ingest_flow(files, office=office, home=str(ws.home)), strict=True):
            clear_inbox(path)
            results.append({**outcome, "office": office})
    return results
