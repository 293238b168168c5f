"""Demo flow: plausible submissions for every plan region, ingested as offices would, then the bulletins."""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow

from flows.bulletin import bulletin_flow
from flows.hooks import task
from flows.ingest import prepare, process, report
from ipwatch import audit, config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods
from ipwatch.intake.batch import Incoming
from ipwatch.ops import demo, demo_signoff
from ipwatch.ops.demo_events import Mistake

AUDITOR = "演示审核员"  # the demo's auditor, who has reviewed one finding


@task
def write_submissions(ws: config.Workspace, last_quarter: str,
                      most: int | None) -> tuple[list[Incoming], list[tuple[Mistake, str]]]:
    """Write the offices' quarterly CSV files, each with the moment it arrives, and a flawed draft sent the day
    before the first file; with the mistakes made in them."""
    with warehouse.connect(ws.warehouse) as conn:
        due = demo.due_dates(conn, cat.default(), last_quarter)
    files, made = demo.write_submissions(cat.default(), ws.demo, last_quarter, due, datetime.now(), most)
    return [demo.flawed_draft(files[0]), *files], made


@task
def review(ws: config.Workspace, made: list[tuple[Mistake, str]]) -> list[int]:
    """The auditor's decisions on the county's value of each mistake that has one (a correction asked for)."""
    decided = []
    with warehouse.connect(ws.warehouse) as conn:
        for mistake, county in made:
            if mistake.decision is None:
                continue
            found = audit.findings(conn, audit.Filters(status="open", region=county, indicator=mistake.indicator,
                                                       period=mistake.quarter))
            for finding_id in found["finding_id"].to_list():
                audit.decide(conn, finding_id, mistake.decision, "数值疑似录入错误（两位数字颠倒），请报送单位核实更正",
                             AUDITOR)
                decided.append(finding_id)
    return decided


@task
def sign_off(ws: config.Workspace, last_quarter: str, now: datetime) -> dict:
    """Every region's quarter from the one the demo's offices began with, signed along its chain; one returned."""
    with warehouse.connect(ws.warehouse) as conn:
        due = demo.due_dates(conn, cat.default(), last_quarter)
        return demo_signoff.sign_off(conn, last_quarter, due, returned(last_quarter), now)


@task
def resubmit(ws: config.Workspace, last_quarter: str, at: datetime) -> None:
    """The returned quarter, corrected and accepted, submitted again."""
    with warehouse.connect(ws.warehouse) as conn:
        demo_signoff.resubmit(conn, returned(last_quarter), at)


def returned(last_quarter: str) -> tuple[str, str]:
    """The (region, quarter) its reviewer returns."""
    plan_id, quarter = demo.returned_quarter(cat.default(), last_quarter)
    return cat.default().plans[plan_id].region_code, quarter


@flow(name="demo")
def demo_flow(home: str | None = None, last_quarter: str | None = None, most: int | None = None) -> dict:
    """Generate, ingest, review and report: the whole job on the embedded defaults. Each plan is covered in its own
    years up to `last_quarter` (the last `most` quarters of them when given, for a short run)."""
    ws = prepare(str(config.workspace(home).ensure().home))
    last_quarter = last_quarter or periods.latest_complete_quarter(date.today())
    files, made = write_submissions(ws, last_quarter, most)
    results = process(ws, files)
    report(results)
    decided = review(ws, made)
    now = datetime.now()
    signed = sign_off(ws, last_quarter, now)
    if signed["returned"] is not None:  # the office corrects the returned quarter and submits it again
        _, corrected_at, resubmitted_at = signed["returned"]
        report(process(ws, [demo.corrected_file(cat.default(), ws.demo, last_quarter, corrected_at)]))
        resubmit(ws, last_quarter, resubmitted_at)
    bulletins = [page for month, region in demo.editions(cat.default(), last_quarter)
                 for page in bulletin_flow(month, region=region, home=str(ws.home))]
    return {
        "accepted": sum(r["status"].startswith("accepted") for r in results),
        "rejected": sum(r["status"] == "rejected" for r in results),
        "mistakes": made,
        "decided": decided,
        "signed_off": signed,
        "bulletins": bulletins,
        "index": ws.bulletins / "index.html",
    }
