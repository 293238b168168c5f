"""Bulletin flow: render the monthly or quarterly progress bulletins from the warehouse."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from ipwatch import bulletin, config, pdf, warehouse


@task
def render(ws: config.Workspace, period: str, region: str | None, out_dir: Path) -> list[Path]:
    """Write the HTML bulletins and the index."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return bulletin.render(conn, period, out_dir, region=region)


@task
def print_pdf(html: Path) -> Path:
    """An A4 PDF of a bulletin, printed by headless Chromium with its CJK fonts embedded."""
    return pdf.to_pdf(html, html.with_suffix(".pdf"))


@flow(name="bulletin")
def bulletin_flow(period: str, region: str | None = None, out_dir: Path | None = None,
                  home: str | None = None, as_pdf: bool = False) -> list[Path]:
    """Render the bulletins of a month (YYYY-MM) or a quarter (2025Q3) for every plan, or for one region's plans."""
    ws = config.workspace(home)
    pages = render(ws, period, region, out_dir or ws.bulletins)
    return pages + [print_pdf(page) for page in pages] if as_pdf else pages
