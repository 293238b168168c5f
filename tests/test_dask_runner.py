"""`--runner dask`: the stages of the files alone run on a real Dask LocalCluster (prefect-dask's DaskTaskRunner),
a part of the batch per Dask thread, and decide every file as Prefect's default runner does."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.ingest import inbox_flow, on_runner
from ipwatch import config, warehouse

from .conftest import write_csv

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def stage_task_names(flow_run_id) -> list[str]:
    """The names of the task runs of a flow run, as Prefect recorded them."""
    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            return sorted(r.name.rsplit("-", 1)[0] for r in runs)
    return asyncio.run(read())


# four offices' files: one wave of four (an office's files go in waves, its k-th file with every other office's)
SENT = {"340100": ["340102,2025Q3,pct_applications,1,件,", "340103,2025Q3,pct_applications,2,件,"],
        "441500": ["441521,2025Q3,pct_applications,3,件,"],
        "210000": ["210102,2025Q3,no_such_indicator,1,件,"],
        "370000": ["370102,2025Q3,pct_applications,4,件,"]}


def test_the_dask_runner_reads_the_files_in_parts_and_decides_them_as_the_default(tmp_path):
    decided, names = {}, {}
    for runner in ("default", "dask"):
        home = tmp_path / runner
        for office, rows in SENT.items():
            (home / "inbox" / office).mkdir(parents=True)
            write_csv(home / "inbox" / office / f"{office}.csv", rows)
        state = on_runner(inbox_flow, runner)(home=str(home), return_state=True)
        decided[runner] = [(Path(r["file"]).name, r["status"], r["rows"], [e["rule"] for e in r["errors"]])
                           for r in state.result()]
        names[runner] = stage_task_names(state.state_details.flow_run_id)
        with warehouse.connect(config.workspace(home).warehouse, read_only=True) as conn:
            versions = conn.sql("select * exclude (received_at) from observations_all order by all")
            decided[runner].append(versions.fetchall())
    assert decided["dask"] == decided["default"]
    assert {name: errors for name, _, _, errors in decided["dask"][:4]} == {
        "340100.csv": [], "441500.csv": [], "210000.csv": ["indicator_known"], "370000.csv": []}
    # the default runs each stage once; Dask's LocalCluster has a worker of one thread per core: a part each
    assert [names["default"].count(stage) for stage in ("read", "normalise", "explain")] == [1, 1, 1]
    parts = min(len(SENT), os.cpu_count() or 1)
    assert [names["dask"].count(stage) for stage in ("read", "normalise", "explain")] == [parts] * 3
