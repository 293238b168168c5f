"""A clerk's one corrected file through `ipwatch ingest` on the demo workspace (#30 item 2), beside its two limits.

Each run is a fresh `python -m ipwatch.cli ingest FILE --as 340100` on a fresh copy of one demo workspace, timed
wall to wall as the clerk waits, with no Prefect server up (the command starts its own) and, when asked, with an
`ipwatch serve` up (the run is handed to it). The limits, each a fresh process too: `import great_expectations`
alone, and a bare DuckDB insert of the same rows into the same warehouse. Medians of RUNS; no time limits.
`python -m tests.bench_single [--served]` runs it alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ipwatch import config
from ipwatch.domain import periods
from ipwatch.ops import demo_events, handoff

from .conftest import BIN

RUNS = 3
OFFICE = "340100"
BARE_INSERT = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute("create table bare_insert as select * from read_csv(?, all_varchar = true) limit 0", [sys.argv[2]])
conn.execute("insert into bare_insert select * from read_csv(?, all_varchar = true)", [sys.argv[2]])
conn.close()
"""


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """This environment without Prefect's and ipwatch's settings, on the workspace `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IPWATCH_"))}
    return {**env, "IPWATCH_HOME": str(home), **extra}


def demo_home(folder: Path) -> Path:
    """A demo workspace made by `ipwatch demo`."""
    home = folder / "demo"
    subprocess.run([sys.executable, "-m", "ipwatch.cli", "demo"], env=env_for(home), check=True,
                   stdout=subprocess.DEVNULL)
    return home


def corrected_file(home: Path, folder: Path) -> Path:
    """The office's latest quarter before sign-off began again, one note changed: new bytes, so a new submission
    judged whole. (Later quarters are signed off in the demo, and a signed-off quarter refuses a new file.)"""
    open_quarters = [p for p in (home / "demo" / OFFICE).glob(f"{OFFICE}-*.csv")
                     if periods.QUARTER.match(quarter := p.stem.removeprefix(f"{OFFICE}-"))
                     and quarter < demo_events.SIGNOFF_FROM]
    latest = max(open_quarters, key=lambda p: p.stem)
    lines = latest.read_text("utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\r\n").removesuffix('""') + '"更正"\n'
    path = folder / f"更正-{latest.name}"
    path.write_text("".join(lines), "utf-8")
    return path


def timed(args: list[str], env: dict[str, str]) -> float:
    """Wall seconds of a fresh process, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed ({done.returncode}): {done.stdout[-1000:]}"
                           f"{done.stderr[-1000:]}")
    return elapsed


def fresh_copy(home: Path, folder: Path) -> Path:
    copy = folder / "run"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    return copy


def ingest_s(home: Path, path: Path, folder: Path, served: bool = False) -> float:
    """One ingest of `path` on a fresh copy of the workspace; with `served`, while `ipwatch serve` runs on it."""
    copy = fresh_copy(home, folder)
    command = [sys.executable, "-m", "ipwatch.cli", "ingest", str(path), "--as", OFFICE, "--json"]
    if not served:
        return timed(command, env_for(copy))
    serve = subprocess.Popen([str(BIN / "ipwatch"), "--home", str(copy), "serve", "--port", "0"],
                             env=env_for(copy), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300  # up once it has loaded GX and built its validator
        while not handoff.listening(config.workspace(copy)):
            assert time.monotonic() < deadline and serve.poll() is None, "ipwatch serve did not come up"
            time.sleep(0.5)
        return timed(command, env_for(copy))
    finally:
        serve.terminate()
        try:
            serve.wait(120)
        except subprocess.TimeoutExpired:  # a slow stop is not what is measured here
            serve.kill()
            serve.wait()


def measure(served: bool = False) -> dict:
    """single_file_ingest_s (no server up), import_gx_s and bare_insert_s: medians of RUNS fresh processes;
    with `served`, also single_file_ingest_served_s (an `ipwatch serve` up on the workspace)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = demo_home(folder)
        path = corrected_file(home, folder)
        figures = {
            "single_file_ingest_s": statistics.median(ingest_s(home, path, folder) for _ in range(RUNS)),
            "import_gx_s": statistics.median(
                timed([sys.executable, "-c", "import great_expectations"], env_for(home)) for _ in range(RUNS)),
            "bare_insert_s": statistics.median(
                timed([sys.executable, "-c", BARE_INSERT, str(fresh_copy(home, folder) / "warehouse.duckdb"),
                       str(path)], env_for(home)) for _ in range(RUNS)),
        }
        if served:
            figures["single_file_ingest_served_s"] = statistics.median(
                ingest_s(home, path, folder, served=True) for _ in range(RUNS))
    return {name: round(value, 2) for name, value in figures.items()}


def main(argv: list[str] | None = None) -> dict:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--served", action="store_true", help="also time it with an `ipwatch serve` up")
    figures = measure(options.parse_args(argv).served)
    load = os.getloadavg()[0]
    print(f"one file through ipwatch ingest (demo workspace, median of {RUNS}, load {load:.1f}):")
    print(f"  ipwatch ingest, no server up  {figures['single_file_ingest_s']:6.2f} s")
    if "single_file_ingest_served_s" in figures:
        print(f"  ipwatch ingest, serve up      {figures['single_file_ingest_served_s']:6.2f} s")
    print(f"  limit: import great_expectations  {figures['import_gx_s']:6.2f} s")
    print(f"  limit: bare DuckDB insert         {figures['bare_insert_s']:6.2f} s")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
