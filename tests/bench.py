"""`make bench`: what validation costs, as ratios against baselines measured in the same run.

1. Great Expectations in DuckDB against the same rules run as plain DuckDB SQL, for growing submissions.
2. One quarter of every county of a province (Liaoning, 101 regions): GX pushed down to DuckDB on the office's
   one file, against GX on pandas validating each county's rows as a file of its own.
3. Building GX's Data Docs of every run above (what `ipwatch audit report` adds), per run, against one validation.
4. A national quarter, every county's file, through ipwatch against the naive peer and plain DuckDB
   (tests/bench_national.py).
5. Faults injected into the demo's history (a unit slip, a dropped digit, a YTD reset, a swap, a whole-year value):
   faults found / injected, and open findings on the clean demo as a share of its values (tests/bench_faults.py).
6. `ipwatch plan draft` on the five seeds against their hand-made plans: recall, precision, every proposal cited,
   the indicator and kind right, with the catalogue as shipped and with the indicators' names alone
   (tests/bench_plans.py; `python -m tests.bench_plans` runs it alone, in seconds).
7. A clerk's one corrected file through `ipwatch ingest` on the demo workspace, beside `import great_expectations`
   and a bare DuckDB insert of the same rows (tests/bench_single.py; `python -m tests.bench_single` runs it alone).
8. Deadline day: 50 and 200 offices uploading at once to a real `ipwatch web` on the demo workspace, 1,000 within
   a minute, and the whole national quarter through the portal (checked against the inbox path), against the
   one-at-a-time path on 50, with pages timed during the load (tests/bench_deadline.py, which writes
   reports/bench/deadline.json; `python -m tests.bench_deadline` runs it alone).
The ratios are the numbers to watch: the absolute times depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from ipwatch import config, warehouse
from ipwatch.audit import data_docs
from ipwatch.domain import catalogue as cat
from ipwatch.domain import regions
from ipwatch.intake import validate
from ipwatch.ops import demo
from ipwatch.warehouse import reference

from . import bench_deadline, bench_faults, bench_national, bench_plans, bench_scale, bench_single
from .conftest import through

SIZES = (100, 1_000, 10_000)
REPEATS = 7


def submission(path: Path, rows: int) -> Path:
    """A clean long CSV of `rows` observations for Hefei's counties over many quarters."""
    counties = ["340102", "340103", "340104", "340111", "340121", "340122", "340123", "340124", "340181"]
    indicators = ["pct_applications", "patent_attorneys", "ip_pledge_financing_amount", "high_tech_enterprises"]
    lines = ["region_code,period,indicator_code,value,unit,note"]
    n = 0
    for year in range(1900, 2026):
        for q in range(1, 5):
            for county in counties:
                for indicator in indicators:
                    if n == rows:
                        path.write_text("\n".join(lines) + "\n", "utf-8")
                        return path
                    lines.append(f"{county},{year}Q{q},{indicator},{n % 500 + 1},,")
                    n += 1
    raise ValueError("too many rows asked for")


def plain_sql(conn, submission_id: int) -> int:
    """The same rule queries over the same staged batch, run directly by DuckDB: the baseline."""
    batch_id = validate.stage_batch(conn, [submission_id])
    return sum(len(conn.execute(validate.batch_query(rule.query), {"batch_id": batch_id}).fetchall())
               for rule in validate.rules())


def median_ms(fn, repeats: int = REPEATS) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    # the growing submissions span many years back: let the period rule accept them (read when the warehouse is made)
    os.environ.setdefault("IPWATCH_EARLIEST_YEAR", "1900")
    with tempfile.TemporaryDirectory() as tmp:
        ws = config.workspace(Path(tmp) / "home")
        reference.initialise(ws)
        print(f"{'rows':>7} {'GX in DuckDB ms':>16} {'plain SQL ms':>13} {'ratio':>6}")
        per_run = {}
        with warehouse.connect(ws.warehouse) as conn:
            for rows in SIZES:
                path = submission(Path(tmp) / f"s{rows}.csv", rows)
                sid = through(conn, ws, path, "340100", "stage").submission_id
                assert not [f for f in validate.run(conn, [sid])[sid] if f.severity == "error"]
                gx_ms = median_ms(lambda sid=sid: validate.run(conn, [sid]))
                sql_ms = median_ms(lambda sid=sid: plain_sql(conn, sid))
                print(f"{rows:>7} {gx_ms:>16.1f} {sql_ms:>13.1f} {gx_ms / sql_ms:>6.1f}")
                per_run[rows] = gx_ms
            province_quarter(conn, ws, Path(tmp))
        docs_build(ws, Path(tmp), per_run[1_000])
    bench_national.main()
    bench_scale.main()
    bench_faults.main([])
    bench_plans.main()
    single = bench_single.main(["--served"])  # deadline day: serve is up, a clerk's file is handed to it
    bench_deadline.main(["--thousand", "--national"], single_file_ingest_s=single["single_file_ingest_served_s"])


def pandas_validation(rows: pl.DataFrame, catalogue: cat.Catalogue):
    """GX on pandas with the checks a per-file pandas validation would make; returns a run(frame) function."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    context = validate.gx_context(None)  # in memory, progress bars off, as the warehouse validator's
    batches = context.data_sources.add_pandas("files").add_dataframe_asset("rows").add_batch_definition_whole_dataframe(
        "file")
    codes = sorted(set(rows["indicator_code"]))
    checks = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in ("region_code", "period", "indicator_code")]
    checks += [
        gxe.ExpectColumnValuesToBeInSet(column="region_code", value_set=regions.load()["region_code"].to_list()),
        gxe.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=list(catalogue.indicators)),
        gxe.ExpectColumnValuesToMatchRegex(column="period", regex=r"^\d{4}Q[1-4]$"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["region_code", "period", "indicator_code"]),
    ]
    checks += [gxe.ExpectColumnValuesToBeBetween(column="value", min_value=catalogue.indicators[c].bounds[0],
                                                 max_value=catalogue.indicators[c].bounds[1],
                                                 row_condition=Column("indicator_code") == c) for c in codes]
    suite = context.suites.add(gx.ExpectationSuite(name="per_file", expectations=checks))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="per_file", data=batches,
                                                                            suite=suite))
    return lambda frame: definition.run(batch_parameters={"dataframe": frame})


def province_quarter(conn, ws: config.Workspace, tmp: Path) -> None:
    """Liaoning's 2025Q3: one file of 101 regions through GX-in-DuckDB, against 101 county files on GX-pandas."""
    catalogue = cat.default()
    plan = catalogue.plans["liaoning-2017"]
    path = tmp / "liaoning-2025Q3.csv"
    demo.submission(plan, catalogue, demo.plan_regions(plan, regions.history(), "2025Q3"), "2025Q3").write_csv(path)
    sid = through(conn, ws, path, plan.region_code, "stage", catalogue).submission_id
    duck_ms = median_ms(lambda: validate.run(conn, [sid]), repeats=3)
    rows = conn.execute("select * from submission_rows where submission_id = ?", [sid]).pl().with_columns(
        pl.col("value").cast(pl.Float64))
    run = pandas_validation(rows, catalogue)
    files = [group.to_pandas() for _, group in rows.group_by("region_code")]
    pandas_ms = median_ms(lambda: [run(frame) for frame in files], repeats=1)
    print(f"\nLiaoning 2025Q3: {rows.height} rows, {len(files)} regions")
    print(f"  GX pushed down to DuckDB, one file ({len(validate.rules())} rules): {duck_ms:>8.0f} ms")
    print(f"  GX on pandas, one file per region:               {pandas_ms:>8.0f} ms  "
          f"({pandas_ms / duck_ms:.1f}x, {pandas_ms / len(files):.0f} ms a file)")


def docs_build(ws: config.Workspace, tmp: Path, validation_ms: float) -> None:
    """GX's Data Docs of every validation result the runs above kept."""
    runs = len(list(validate.results_dir(ws.home).rglob("*.json")))
    start = time.perf_counter()
    data_docs.build(ws.home, tmp / "data_docs")
    ms = (time.perf_counter() - start) * 1000
    print(f"\nData Docs of {runs} validation runs: {ms:.0f} ms, {ms / runs:.1f} ms a run "
          f"({ms / runs / validation_ms:.2f}x one validation of 1,000 rows)")


if __name__ == "__main__":
    main()
