"""Bulletin flow: render the month's progress bulletins from the warehouse."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from ipwatch import bulletin, config, warehouse


@task
def render(ws: config.Workspace, month: str, region: str | None, out_dir: Path) -> list[Path]:
    """Write the HTML bulletins."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return bulletin.render(conn, month, out_dir, region=region)


@flow(name="bulletin")
def bulletin_flow(month: str, region: str | None = None, out_dir: Path | None = None,
                  home: str | None = None) -> list[Path]:
    """Render the bulletins of `month` (YYYY-MM) for every plan, or for the plans of one region."""
    ws = config.workspace(home)
    return render(ws, month, region, out_dir or ws.bulletins)
