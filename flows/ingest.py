"""Ingest flows: submitted files through the intake pipeline (ipwatch/intake/pipeline.py), each stage a Prefect task."""

from __future__ import annotations

from pathlib import Path

from prefect import Flow, flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import FlowRunContext
from prefect.utilities.annotations import opaque

from flows.hooks import ON_FAILURE, RETRY_WHEN_BUSY, task
from ipwatch import config, files, warehouse
from ipwatch.intake import inbox, pipeline
from ipwatch.intake.batch import Batch, Incoming
from ipwatch.ops import artifacts, notify
from ipwatch.warehouse import reference

RUNNERS = ("default", "dask")
# One task per stage, named after it: the run's page in Prefect lists receive, read, normalise, stage, validate,
# decide, release for each wave. They hand on the batch and the run's one warehouse connection, in process.
STAGE_TASKS = {stage: task(stage, name=stage.__name__) for stage in pipeline.STAGES}


def as_task(stage: pipeline.Step, *args: object) -> Batch:
    """Run a pipeline stage as its Prefect task. On a Dask runner a stage of the files alone (read, normalise,
    explain) runs as one task per part of the batch, a part per Dask thread, the parts at once. Its arguments
    are opaque to Prefect, which would otherwise walk every field of every file of the batch looking for futures,
    twice a task: seconds a national quarter."""
    pieces = dask_threads() if stage in pipeline.FILE_STAGES else 1
    if pieces <= 1:
        return STAGE_TASKS[stage](*(opaque(arg) for arg in args))
    (batch,) = args
    parts = pipeline.split(batch, pieces)
    # the parts plain: map would take an opaque annotation (a tuple) for an iterable of its own
    futures = STAGE_TASKS[stage].map([piece for _, piece in parts])
    return pipeline.joined(batch, [(positions, future.result())
                                   for (positions, _), future in zip(parts, futures, strict=True)])


def dask_threads() -> int:
    """How many threads the run's Dask cluster has; 0 when the run is not on Dask."""
    context = FlowRunContext.get()
    if context is None or type(context.task_runner).__name__ != "DaskTaskRunner":
        return 0
    return sum(context.task_runner.client.nthreads().values())


def on_runner(chosen: Flow, runner: str) -> Flow:
    """The flow on a task runner: `default` (Prefect's threads, in process) or `dask` (prefect-dask's
    DaskTaskRunner: the cluster at $IPWATCH_DASK_ADDRESS, else a LocalCluster of this machine's cores, one thread
    a worker process, on loopback, no dashboard)."""
    if runner == "default":
        return chosen
    if runner != "dask":
        raise ValueError(f"--runner 应为 {' 或 '.join(RUNNERS)} (runner must be one of {', '.join(RUNNERS)})")
    from prefect_dask import DaskTaskRunner

    address = config.settings().dask_address
    return chosen.with_options(task_runner=DaskTaskRunner(address=address) if address else DaskTaskRunner(
        cluster_kwargs={"threads_per_worker": 1, "host": "127.0.0.1", "dashboard_address": None}))


@task(**RETRY_WHEN_BUSY)
def prepare(home: str | None) -> config.Workspace:
    """Make sure the workspace and warehouse exist and hold the current catalogue."""
    ws = config.workspace(home)
    reference.initialise(ws)
    for folder in (ws.archive, ws.quarantine, ws.bulletins):
        files.sweep(folder)
    return ws


@task
def report(results: list[dict]) -> None:
    """Leave the run's summary and findings in Prefect, and tell someone about rejected files."""
    create_markdown_artifact(artifacts.ingest_markdown(results), key="ingest-summary",
                             description="每个报送文件的处理结果 (each file's outcome)")
    create_table_artifact(artifacts.findings_table(results), key="ingest-findings",
                          description="错误与警告，含行、列 (errors and warnings with line and column)")
    rejected = notify.rejected_message(results)
    if rejected:
        notify.send(*rejected)


@task(**RETRY_WHEN_BUSY)
def process(ws: config.Workspace, incoming: list[Incoming]) -> list[dict]:
    """The files through the pipeline on one warehouse connection, held for the whole run; its stages are the
    tasks within. Only waiting for the warehouse is retried, and that comes before any stage."""
    with warehouse.connect(ws.warehouse) as conn:
        return pipeline.process(conn, ws, incoming, step=as_task)


@flow(name="ingest", **ON_FAILURE)
def ingest_flow(files: list[Path], office: str, home: str | None = None) -> list[dict]:
    """Ingest files submitted by one office."""
    ws = prepare(home)
    results = process(ws, [Incoming(Path(f), office) for f in files])
    report(opaque(results))  # opaque: Prefect would walk every finding of every file looking for futures
    return results


@flow(name="inbox", **ON_FAILURE)
def inbox_flow(home: str | None = None) -> list[dict]:
    """Ingest every file waiting in inbox/<office>/ as submitted by that office; each leaves the inbox once decided.

    A file changed within IPWATCH_INBOX_SETTLE_SECONDS waits for the next run, whoever started this one (a file
    still being copied in must not be read half-written). A crash between the decision and the removal is safe:
    the rerun finds the same bytes already decided and reports them as a duplicate before removing them.
    """
    ws = prepare(home)
    with inbox.claim(ws) as ours:
        if not ours:
            get_run_logger().warning("另一收件箱任务正在处理，本次跳过 (another inbox run is at work: skipped)")
            return []
        waiting = [Incoming(path, office, from_inbox=True)
                   for office, paths in inbox.pending(ws).items() for path in paths]
        arriving = inbox.unsettled(ws)
        if arriving:
            get_run_logger().warning(
                f"{len(arriving)} 个文件仍在写入，留待下次处理 (still changing, left for the next run): "
                + ", ".join(str(path.relative_to(ws.inbox)) for path in arriving))
        results = process(ws, waiting) if waiting else []
        results += [pipeline.refusal(Incoming(path, office, from_inbox=True), reason)
                    for path, office, reason in inbox.refused(ws)]
    if results:  # an empty inbox every quarter of an hour is not news
        report(opaque(results))
        create_markdown_artifact(artifacts.ingest_markdown(results), key="inbox-summary",
                                 description="本次收件箱处理的全部文件 (every file taken from the inbox)")
    return results
