"""The portal's intake: the uploads gathered within one window (ipwatch/portal/gather.py), decided as one run."""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.hooks import ON_FAILURE
from flows.ingest import as_task, report
from ipwatch.portal import gather


@task(cache_policy=NO_CACHE)
def decide(home: str, tickets: list[str]) -> list[dict]:
    """The waiting uploads through the pipeline in one batch, each stage its task; each gets its own receipt."""
    return gather.decide(home, tickets, step=as_task)


@flow(name="portal", **ON_FAILURE)
def portal_flow(home: str, tickets: list[str]) -> list[dict]:
    """Decide the portal uploads waiting under `tickets` together, as the inbox's files are."""
    results = decide(home, tickets)
    report(results)
    return results
