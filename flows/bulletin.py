"""Bulletin flow: render the monthly or quarterly progress bulletins from the warehouse."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.runtime import flow_run

from flows.hooks import ON_FAILURE, RETRY_WHEN_BUSY, task
from ipwatch import config, warehouse
from ipwatch.bulletins import bulletin, charts, pdf, publication
from ipwatch.domain import periods
from ipwatch.ops import artifacts


@task(**RETRY_WHEN_BUSY)
def pin(ws: config.Workspace, period: str, region: str | None, reissue: bool) -> dict[str, publication.Pin]:
    """What each page is made from: the pin it was first made from, else the warehouse now, recorded (a short
    write; the pages are then rendered reading only)."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:  # a missing or old warehouse: one line, no file made
        warehouse.require_current(conn)
    with warehouse.connect(ws.warehouse) as conn:
        return warehouse.atomic(conn, lambda: bulletin.pin_pages(conn, period, region, reissue))


@task(**RETRY_WHEN_BUSY)
def render(ws: config.Workspace, period: str, region: str | None, out_dir: Path, force: bool,
           as_pdf: bool, include_unapproved: bool, pins: dict[str, publication.Pin] | None) -> list[Path]:
    """Write the HTML bulletins (with their A4 PDFs, printed by headless Chromium with the CJK fonts embedded) and
    the index, each page and PDF checked first (none published when one is inconsistent)."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return bulletin.render(conn, period, out_dir, region=region, force=force, as_pdf=as_pdf,
                               include_unapproved=include_unapproved, pins=pins)


@flow(name="bulletin", **ON_FAILURE)
def bulletin_flow(period: str | None = None, region: str | None = None, out_dir: Path | None = None,
                  home: str | None = None, as_pdf: bool = False, edition: str = "monthly",
                  force: bool = False, include_unapproved: bool = False, reissue: bool = False) -> list[Path]:
    """Render the bulletins of a month (YYYY-MM) or a quarter (2025Q3) for every plan, or for one region's plans.

    Without a period, the `edition` that falls due on the day the run was scheduled for (in config.TIMEZONE):
    a run late by hours or days still renders the month it was meant for.
    """
    ws = config.workspace(home)
    charts.require_font()  # before any work: a machine without the charts' font, or a browser for --pdf, fails
    if as_pdf:             # at once, not after the HTML is written
        pdf.require_chromium()
    period = period or periods.due(edition, config.local_date(flow_run.scheduled_start_time))
    # the index's link is an absolute file URI; a preview never lands where the published editions are
    out_dir = Path(out_dir).resolve() if out_dir else ws.bulletins / "preview" if include_unapproved else ws.bulletins
    pins = None if include_unapproved else pin(ws, period, region, reissue)
    written = render(ws, period, region, out_dir, force, as_pdf, include_unapproved, pins)
    pages = [path for path in written if path.suffix == ".html"]
    create_markdown_artifact(artifacts.bulletin_markdown(period, pages), key="bulletin-pages")
    create_link_artifact((out_dir / "index.html").as_uri(), link_text=f"{period} 进展通报目录 (index.html)",
                         key="bulletin")
    return written
