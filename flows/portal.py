"""The portal's intake: the uploads gathered within one window (ipwatch/portal/gather.py), decided as one run."""

from __future__ import annotations

from prefect import flow

from flows.hooks import ON_FAILURE, task
from flows.ingest import report
from ipwatch.portal import gather


@task
def decide(home: str, tickets: list[str]) -> list[dict]:
    """The waiting uploads through the pipeline in one batch; each gets its own receipt. One task, not one a stage
    as the inbox's: an office's several files make a wave each, and Prefect's cost per task run (a few tenths of
    a second) times eight stages a wave made a batch of one office's 50 files slower than judging them alone."""
    return gather.decide(home, tickets)


@flow(name="portal", **ON_FAILURE)
def portal_flow(home: str, tickets: list[str]) -> list[dict]:
    """Decide the portal uploads waiting under `tickets` together, as the inbox's files are."""
    results = decide(home, tickets)
    report(results)
    return results
