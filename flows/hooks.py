"""What the flows share: retrying when the warehouse is busy, and telling someone when a run fails."""

from __future__ import annotations

from functools import partial
from typing import Any

import prefect
from prefect.cache_policies import NO_CACHE

from ipwatch import warehouse
from ipwatch.ops import notify

# Every task of a flow: none is answered from a cache (each writes the warehouse or files, or reads what changes),
# and Prefect's default policy would hash every input to make a key nobody uses: the inbox's report task
# JSON-dumped the whole run's findings, 420 MB for a hostile inbox's 100,000.
task = partial(prefect.task, cache_policy=NO_CACHE)

# Only waiting for the warehouse is worth another try; a rejected file is an outcome, and a bug stays a bug.
RETRY_WHEN_BUSY: dict[str, Any] = {"retries": 2, "retry_delay_seconds": 60}


def warehouse_busy(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's retry condition: the task failed only because another process held the warehouse."""
    try:
        state.result()
    except warehouse.WarehouseBusy:
        return True
    except Exception:  # noqa: BLE001 - any other failure is final
        return False
    return False


RETRY_WHEN_BUSY["retry_condition_fn"] = warehouse_busy


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """on_failure / on_crashed hook: a run that did not finish is news for whoever runs ipwatch."""
    if flow_run.parent_task_run_id is not None:
        return  # a subflow's failure fails its parent too, whose hook tells it once
    first = (state.message or "").strip().splitlines()[:1]  # the traceback stays in the run's log in Prefect
    notify.send(f"ipwatch：运行失败 {flow.name} / {flow_run.name} (run failed)", f"{state.name}: {''.join(first)}")


ON_FAILURE: dict[str, Any] = {"on_failure": [notify_failure], "on_crashed": [notify_failure]}
