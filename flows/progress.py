"""Progress flow: the progress of every target binding a region at one quarter, from the warehouse."""

from __future__ import annotations

from prefect import flow

from flows.hooks import task
from ipwatch import config
from ipwatch.bulletins import progress


@task
def read_progress(ws: config.Workspace, region: str, period: str) -> list[dict]:
    """The rows of the progress view for one region and quarter."""
    return progress.rows(ws, region=region, period=period)


@flow(name="progress")
def progress_flow(region: str, period: str, home: str | None = None) -> list[dict]:
    """Where each target of `region` stands at `period` (a quarter such as 2025Q3)."""
    return read_progress(config.workspace(home), region, period)
