"""`make bench`, part 3: the national quarter (tests/national.py) on the embedded warehouse (with Prefect's default
task runner, and with `--runner dask`), on a DuckLake (catalog in a PostgreSQL of its own, tests/postgres.py;
Parquet in a folder) with one worker, and on a DuckLake with two workers at once: two `ipwatch ingest --inbox`
processes, each with a workspace of its own and half of the offices, as two prefectures' intakes. Each starts from
the same 20 quarters of history; the figure is the wall time from the start until every file is decided.
`python -m tests.bench_scale --share 4` runs it on a quarter of the counties alone.
Figures go to reports/bench/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ipwatch import config
from ipwatch.domain import catalogue as cat

from . import national
from .bench_national import QUARTER, ipwatch
from .postgres import Cluster

OUT = config.ROOT / "reports" / "bench" / "scale.json"


@contextmanager
def on_lake(catalog: str, data: Path) -> Iterator[None]:
    """Every workspace chosen meanwhile, here and in the commands started, is on this lake."""
    before = {k: os.environ.get(k) for k in ("IPWATCH_WAREHOUSE", "IPWATCH_LAKE_DATA")}
    os.environ.update(IPWATCH_WAREHOUSE=f"{config.LAKE_PREFIX}postgres:{catalog}", IPWATCH_LAKE_DATA=f"{data}/")
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def drop(files: list[national.File], home: Path) -> None:
    """The files in a workspace's inbox, each in its office's folder."""
    for f in files:
        target = home / "inbox" / f.office / f.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f.path, target)


def ingest_at_once(homes: list[Path], runner: str = "default") -> tuple[float, list[dict], int]:
    """`ipwatch ingest --inbox` in every workspace at the same time: the wall time until the last is done, every
    file's outcome, and how many transactions lost to another's and were run again (warehouse.atomic's warning)."""
    said: list = []
    start = time.perf_counter()
    command = ("ingest", "--inbox", "--json", "--runner", runner)
    runs = [threading.Thread(target=lambda home=home: said.append(ipwatch(home, *command)[1])) for home in homes]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    seconds = time.perf_counter() - start
    outcomes = [json.loads(line) for done in said for line in done.stdout.splitlines() if line.startswith("{")]
    return seconds, outcomes, sum(done.stderr.count("transaction lost to a concurrent one") for done in said)


def measure(files: list[national.File], counties: list, workers: int, tmp: Path, catalog: str | None,
            runner: str = "default") -> dict:
    """The quarter's files over `workers` workspaces (offices dealt out in turn) on the warehouse named (None: each
    its embedded file; only one worker then), from the same history, each run on the task runner named."""
    shutil.rmtree(tmp, ignore_errors=True)
    offices = sorted({f.office for f in files})
    share = {office: n % workers for n, office in enumerate(offices)}
    homes = [tmp / f"worker-{n + 1}" for n in range(workers)]
    with on_lake(catalog, tmp / "lake-data") if catalog else nullcontext():
        start = time.perf_counter()
        national.workspace(homes[0], cat.default(), counties, QUARTER)
        history_s = time.perf_counter() - start
        for n, home in enumerate(homes):
            drop([f for f in files if share[f.office] == n], home)
        seconds, results, retried = ingest_at_once(homes, runner)
    decided = {r["file"].rsplit("/", 1)[-1] for r in results if r["status"] in (
        "accepted", "accepted_with_warnings", "rejected")}
    return {"workers": workers, "files": len(files), "decided": len(decided), "ingest_s": round(seconds, 2),
            "history_s": round(history_s, 2), "retried": retried}


def main(share: int = 1) -> dict:
    tmp = Path("/tmp" if Path("/tmp").exists() else ".") / "ipwatch-bench-scale"
    shutil.rmtree(tmp, ignore_errors=True)
    counties = national.counties()[::share]
    files = national.quarter_files(tmp / "files", cat.default(), counties, QUARTER)
    print(f"\nScale-out, the national quarter {QUARTER} on 1/{share} of the counties: {len(files)} files")
    cluster = Cluster.start()
    try:
        figures = {"embedded": measure(files, counties, 1, tmp / "embedded", None)}
        print(f"  embedded DuckDB file, 1 worker: {figures['embedded']['ingest_s']:>7.1f} s", flush=True)
        figures["embedded_dask"] = measure(files, counties, 1, tmp / "embedded-dask", None, runner="dask")
        print(f"  the same, --runner dask ({os.cpu_count()} Dask workers): "
              f"{figures['embedded_dask']['ingest_s']:>7.1f} s", flush=True)
        for workers in (1, 2):
            catalog = cluster.create_database(f"lake{workers}")
            figures[f"lake_{workers}"] = measure(files, counties, workers, tmp / f"lake-{workers}", catalog)
            got = figures[f"lake_{workers}"]
            print(f"  DuckLake on PostgreSQL, {workers} worker{'s' if workers > 1 else ''}: {got['ingest_s']:>7.1f} s "
                  f"({got['retried']} transactions run again after a conflict)", flush=True)
    finally:
        cluster.stop()
    assert all(f["decided"] == f["files"] for f in figures.values()), figures  # every file decided, once a name
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"share": share, "cores": os.cpu_count(), **figures}, indent=1) + "\n", "utf-8")
    print(f"  -> {OUT.relative_to(config.ROOT)}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", type=int, default=1, help="1/SHARE of the counties (default all)")
    main(parser.parse_args().share)
