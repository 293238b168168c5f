"""Read the progress view (the computing is in sql/views/progress.sql)."""

from __future__ import annotations

from ipwatch import config, warehouse


def rows(ws: config.Workspace, region: str, period: str) -> list[dict]:
    """Progress of every target binding `region` at quarter `period`."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return warehouse.query(conn, "region_progress", region_code=region, period=period).to_dicts()
