"""Ingest flow: each file is received, validated and decided; accepted values become current."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from ipwatch import catalogue as cat
from ipwatch import config, ingest, load, reference, validate, warehouse


@task
def prepare(home: str | None) -> config.Workspace:
    """Make sure the workspace and warehouse exist and hold the current catalogue."""
    ws = config.workspace(home)
    reference.initialise(ws)
    return ws


@task
def ingest_file(ws: config.Workspace, path: Path, office: str) -> dict:
    """receive -> validate -> decide -> (quarantine) for one file."""
    catalogue = cat.default()
    with warehouse.connect(ws.warehouse) as conn:
        received = ingest.receive(conn, ws, path, office, catalogue)
        if received.duplicate_of is not None:
            return ingest.result(received, "duplicate", [])
        findings = [received.unreadable] if received.unreadable else validate.run(conn, received.submission_id)
        status = load.decide(conn, received.submission_id, findings)
    if status == "rejected":
        ingest.quarantine(ws, received, findings)
    return ingest.result(received, status, findings)


@flow(name="ingest")
def ingest_flow(files: list[Path], office: str, home: str | None = None) -> list[dict]:
    """Ingest submitted files, one after the other (DuckDB has one writer)."""
    ws = prepare(home)
    return [ingest_file(ws, Path(f), office) for f in files]
