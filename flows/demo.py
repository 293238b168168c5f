"""Demo flow: plausible submissions for every plan region, ingested as offices would, then the bulletins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task

from flows.bulletin import bulletin_flow
from flows.ingest import prepare, process, report
from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods
from ipwatch.intake.batch import Incoming
from ipwatch.ops import demo


@task
def write_submissions(ws: config.Workspace, last_quarter: str, most: int | None) -> list[tuple[Path, str]]:
    """Write the offices' quarterly CSV files, with one flawed draft sent before its corrected file."""
    files = demo.write_submissions(cat.default(), ws.demo, last_quarter, most)
    first_path, office = files[0]
    return [(demo.flawed_copy(first_path), office), *files]


@flow(name="demo")
def demo_flow(home: str | None = None, last_quarter: str | None = None, most: int | None = None) -> dict:
    """Generate, ingest and report: the whole job on the embedded defaults. Each plan is covered in its own
    years up to `last_quarter` (the last `most` quarters of them when given, for a short run)."""
    ws = prepare(str(config.workspace(home).ensure().home))
    last_quarter = last_quarter or periods.latest_complete_quarter(date.today())
    files = write_submissions(ws, last_quarter, most)
    results = process(ws, [Incoming(path, office) for path, office in files])
    report(results)
    bulletins = [page for month, region in demo.editions(cat.default(), last_quarter)
                 for page in bulletin_flow(month, region=region, home=str(ws.home))]
    return {
        "accepted": sum(r["status"].startswith("accepted") for r in results),
        "rejected": sum(r["status"] == "rejected" for r in results),
        "bulletins": bulletins,
        "index": ws.bulletins / "index.html",
    }
