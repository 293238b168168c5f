"""`make bench`, part 2: a national quarter (every county-level region, one file each) through ipwatch, beside the
naive peer a user would write and the limit of plain DuckDB, measured in one run on this machine.

A: `ipwatch ingest --inbox` (the real flows, start-up included) and the `progress` view of the new quarter,
   at 1/4, 1/2 and all of the counties;
B: per file, pandas (openpyxl for xlsx), a GX validation on pandas, an insert into DuckDB: on a random sample of
   SAMPLE files, scaled to all;
C: the fastest readers into one table, normalised once, and the same rule queries as plain DuckDB SQL, once;
then the bulletins of the month after the quarter. Figures go to reports/bench/latest.json.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods
from ipwatch.intake import normalise, reading, validate

from . import national

QUARTER = "2026Q3"
SAMPLE = 100
BIN = Path(sys.executable).parent
OUT = config.ROOT / "reports" / "bench" / "latest.json"


PEAKS: dict[str, float] = {}  # each ipwatch command run: the peak resident size of its largest process, MB


def vm_hwm_mb(pid: int) -> float | None:
    """A live process's peak resident size so far (VmHWM); ru_maxrss would carry over this big process's size
    into the children it forks."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    # a process that has ended but not been waited for (a zombie) has no VmHWM line
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")), None)


def tree(pid: int) -> list[int]:
    """A process and every process under it (Prefect's server, a runner's workers), each measured on its own."""
    import psutil

    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return [pid]


def ipwatch(home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Seconds taken by an ipwatch command, start-up included, and what it printed."""
    start = time.perf_counter()
    # every file is copied in whole before the run: none is still arriving, and the files written last (the
    # quarter's files are made just before) must not wait for the next run as a file still being copied would
    env = {**os.environ, "IPWATCH_INBOX_SETTLE_SECONDS": "0"}
    with subprocess.Popen([str(BIN / "ipwatch"), "--home", str(home), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as run:
        said: dict[str, str] = {}  # both pipes drained as the command runs, so neither fills and blocks it
        readers = [threading.Thread(target=lambda name=name, pipe=pipe: said.update({name: pipe.read()}))
                   for name, pipe in (("out", run.stdout), ("err", run.stderr))]
        for reader in readers:
            reader.start()
        peaks: dict[int, float] = {}
        while run.poll() is None:
            for pid in tree(run.pid):
                peaks[pid] = max(peaks.get(pid, 0.0), vm_hwm_mb(pid) or 0.0)
            time.sleep(0.05)
        for reader in readers:
            reader.join()
        out, err = said["out"], said["err"]
    seconds = time.perf_counter() - start
    PEAKS[f"{' '.join(args)} ({home.name})"] = max(peaks.values(), default=0.0)
    if run.returncode not in (0, 1):
        raise RuntimeError(f"ipwatch {' '.join(args)} failed: {err[-2000:]}")
    return seconds, subprocess.CompletedProcess(run.args, run.returncode, out, err)


def run_a(base: Path, files: list[national.File], home: Path) -> dict:
    """A: the files dropped in a copy of the base workspace's inbox, ingested, then progress of the quarter."""
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home, ignore=shutil.ignore_patterns("inbox"))
    for f in files:
        target = home / "inbox" / f.office / f.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f.path, target)
    seconds, done = ipwatch(home, "ingest", "--inbox", "--json")
    start = time.perf_counter()
    with warehouse.connect(config.workspace(home).warehouse, read_only=True) as conn:
        rows = conn.execute("select count(*) from progress where period = ?", [QUARTER]).fetchone()[0]
    progress_s = time.perf_counter() - start
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {"files": len(files), "ingest_s": seconds, "progress_s": progress_s, "progress_rows": rows,
            "results": {Path(r["file"]).name: r for r in results}}


def run_b(files: list[national.File], catalogue: cat.Catalogue, tmp: Path) -> float:
    """B: the naive peer on a sample; seconds for all files, scaled from the sample."""
    import duckdb
    import pandas as pd

    from .bench import pandas_validation

    sample = random.Random(11).sample(files, min(SAMPLE, len(files)))
    probe = pl.DataFrame({"indicator_code": list(catalogue.indicators)})
    check = pandas_validation(probe, catalogue)
    conn = duckdb.connect(str(tmp / "naive.duckdb"))
    conn.execute("create table rows (region_code varchar, period varchar, indicator_code varchar, value double)")
    start = time.perf_counter()
    for f in sample:
        if f.kind == "xlsx-form":
            frame = pd.read_excel(f.path, engine="openpyxl", header=11).rename(
                columns={"指标代码": "indicator_code", "本期数值": "value"})
            frame["region_code"], frame["period"] = f.office, QUARTER
        elif f.kind == "xlsx-long":
            frame = pd.read_excel(f.path, engine="openpyxl").rename(columns={
                "行政区划代码": "region_code", "报告期": "period", "指标代码": "indicator_code", "数值": "value"})
        else:
            frame = pd.read_csv(f.path, encoding="gb18030" if f.kind == "csv-gb18030" else "utf-8", dtype=str)
            frame = frame.rename(columns={"行政区划代码": "region_code", "报告期": "period",
                                          "指标名称": "indicator_code", "数值": "value"})
        frame = frame[["region_code", "period", "indicator_code", "value"]].astype({"region_code": str})
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        check(frame)
        conn.execute("insert into rows select * from frame")
    return (time.perf_counter() - start) * len(files) / len(sample)


def read_fast(f: national.File) -> reading.RawTable:
    """The fastest well-kept reader for the file's format, as text cells."""
    if f.kind.startswith("csv"):
        data = f.path.read_bytes()
        text = data.decode("gb18030") if f.kind == "csv-gb18030" else data.decode("utf-8")
        frame = pl.read_csv(text.encode("utf-8"), infer_schema=False)
        columns = {name: f"{reading.header_word(name)}_raw" for name in frame.columns if reading.header_word(name)}
        frame = frame.rename(columns).with_columns(line=pl.int_range(2, frame.height + 2, dtype=pl.Int32))
        return reading.RawTable(pl.concat([reading.table([]), frame], how="diagonal_relaxed"), f.kind)
    return reading.read_table(f.path, reading.Limits())


def run_c(base: Path, files: list[national.File], catalogue: cat.Catalogue, tmp: Path) -> float:
    """C: every file read into one table, normalised once, the suite's queries run once as plain SQL."""
    home = tmp / "limit"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home, ignore=shutil.ignore_patterns("inbox"))
    start = time.perf_counter()
    raws = [read_fast(f) for f in files]
    rows = pl.concat([normalise.rows(raw, catalogue).with_columns(submission_id=pl.lit(n, pl.Int32))
                      for n, raw in enumerate(raws)])
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        warehouse.append_rows(conn, "submission_rows", rows)
        batch_id = validate.stage_batch(conn, list(range(len(files))))
        for rule in validate.rules():
            conn.execute(validate.batch_query(rule.query), {"batch_id": batch_id}).fetchall()
    return time.perf_counter() - start


def main() -> dict:
    catalogue = cat.default()
    tmp = Path("/tmp" if Path("/tmp").exists() else ".") / "ipwatch-bench-national"
    shutil.rmtree(tmp, ignore_errors=True)
    counties = national.counties()
    start = time.perf_counter()
    base = national.workspace(tmp / "base", catalogue, counties, QUARTER).home
    # set up as an office's is, once, before its quarters: Prefect's database is made here, not in the timed runs
    init_s, _ = ipwatch(base, "init")
    files = national.quarter_files(tmp / "files", catalogue, counties, QUARTER)
    print(f"\nNational quarter {QUARTER}: {len(files)} county files "
          f"({', '.join(f'{k} {sum(f.kind == k for f in files)}' for k in national.WRITERS)}), "
          f"{national.HISTORY_QUARTERS} quarters of history; made in {time.perf_counter() - start:.0f} s "
          f"(ipwatch init {init_s:.1f} s)")

    runs = {}
    for share in (4, 2, 1):
        chosen = files[::share]
        runs[share] = run_a(base, chosen, tmp / f"a{share}")
        print(f"  A  ipwatch on 1/{share}: {runs[share]['files']:>5} files {runs[share]['ingest_s']:>7.1f} s "
              f"(+ progress {runs[share]['progress_s']:.1f} s)", flush=True)
    full = runs[1]
    a_s = full["ingest_s"] + full["progress_s"]
    rows = sum(r["rows"] for r in full["results"].values())
    outcomes = [(f, full["results"][f.path.name]) for f in files]
    injected = [(f, r) for f, r in outcomes if f.fault]
    found = sum(national.found(f, r) for f, r in injected)
    clean_rejected = sum(r["status"] == "rejected" for f, r in outcomes if not f.fault)
    clean_flagged = sum(bool(r["warnings"]) for f, r in outcomes if not f.fault)

    b_s = run_b(files, catalogue, tmp)
    print(f"  B  measured: {b_s:.1f} s", flush=True)
    c_s = run_c(base, files, catalogue, tmp)
    print(f"  C  measured: {c_s:.1f} s", flush=True)
    bulletins_s, _ = ipwatch(tmp / "a1", "bulletin", "--period", periods.month_after(QUARTER))
    figures = {
        "files": len(files), "rows": rows, "ingest_validate_s": round(a_s, 2),
        "progress_s": round(full["progress_s"], 2),
        "bulletins_s": round(bulletins_s, 2), "naive_gx_s": round(b_s, 2), "raw_sql_s": round(c_s, 2),
        "peak_mb": round(max(PEAKS.values())),
        "peak_mb_by_command": {command: round(mb) for command, mb in PEAKS.items()},
        "faults_found": found, "faults_injected": len(injected),
        "clean_files_rejected": clean_rejected, "clean_files_with_warnings": clean_flagged,
        "a_quarter_s": round(runs[4]["ingest_s"], 2), "a_half_s": round(runs[2]["ingest_s"], 2),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
    print(f"  A  ipwatch, all:            {a_s:>7.1f} s  ({rows:,} rows; goal < 30 s)")
    print(f"  B  naive pandas + GX:       {b_s:>7.1f} s  (from a sample of {SAMPLE} files, scaled; "
          f"A is {b_s / a_s:.1f}x faster, goal >= 10x)")
    print(f"  C  fastest readers + SQL:   {c_s:>7.1f} s  (A is {a_s / c_s:.1f}x C, goal <= 5x)")
    print(f"  bulletins of {periods.month_after(QUARTER)}:       {bulletins_s:>7.1f} s  (goal < 60 s)")
    print(f"  doubling the counties: 1/4 -> 1/2 x{runs[2]['ingest_s'] / runs[4]['ingest_s']:.2f}, "
          f"1/2 -> all x{runs[1]['ingest_s'] / runs[2]['ingest_s']:.2f} (goal <= 2)")
    print(f"  faults found {found} / {len(injected)} injected; clean files rejected {clean_rejected}, "
          f"with warnings {clean_flagged}; peak memory of an ipwatch command {figures['peak_mb']} MB "
          f"(goal < 1,200)")
    for command, mb in PEAKS.items():
        print(f"  peak of ipwatch {command}: {mb:,.0f} MB (its largest process; goal < 1,200)")
    print(f"  -> {OUT.relative_to(config.ROOT)}")
    return figures


if __name__ == "__main__":
    main()
