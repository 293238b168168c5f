"""Several writers on one DuckLake: a transaction that loses to a concurrent one is run again whole, or fails
whole; never half a submission. Real PostgreSQL, real DuckLake, real processes."""

from __future__ import annotations

import subprocess
from datetime import datetime

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ipwatch import config, load, reference, warehouse

from .conftest import BIN, clean_env, process, through, write_csv
from .test_lake import public_views

ROWS = ["340102,2025Q3,pct_applications,1,件,", "340103,2025Q3,pct_applications,2,件,"]


def record(office: str, name: str) -> dict:
    """A file's submission record, as the pipeline registers one."""
    return {"file_name": name, "sha256": name, "office_code": office, "stored_path": name, "status": "received"}


def rows(n: int) -> pl.DataFrame:
    return pl.DataFrame({"line": list(range(2, n + 2)), "region_code": ["340102"] * n},
                        schema={"line": pl.Int32, "region_code": pl.String})


def register_losing_to(lake_ws: config.Workspace) -> tuple[list[int], list[int]]:
    """Register a file of two rows on one connection while, in its first attempt, another connection registers
    a file of three rows and commits first; returns the ids the loser took at each attempt, and the winner's."""
    taken, won = [], []
    with warehouse.connect(lake_ws.warehouse) as loser, warehouse.connect(lake_ws.warehouse) as winner:
        def work() -> None:
            (sid,) = warehouse.take_ids(loser, "submission_ids", 1)
            taken.append(sid)
            if len(taken) == 1:  # the other writer commits meanwhile
                won.extend(load.register(winner, [record("340100", "winner.csv")], [rows(3)]))
            frame = pl.DataFrame([{**record("340100", "loser.csv"), "submission_id": sid, "row_count": 2,
                                   "received_at": datetime.now()}], schema_overrides={"submission_id": pl.Int32})
            warehouse.append_rows(loser, "submissions", frame)
            warehouse.append_rows(loser, "submission_rows", rows(2).with_columns(submission_id=pl.lit(sid)))

        try:
            warehouse.atomic(loser, work)
        finally:
            taken.append(None)
    return taken[:-1], won


def stored(lake_ws: config.Workspace) -> list[tuple]:
    with warehouse.connect(lake_ws.warehouse, read_only=True) as conn:
        return conn.sql("select s.file_name, s.submission_id, count(r.line) from submissions as s "
                        "left join submission_rows as r using (submission_id) group by all order by 2").fetchall()


def test_a_writer_that_loses_to_another_is_run_again_and_both_submissions_are_whole(lake_ws):
    taken, won = register_losing_to(lake_ws)
    # both took id 1 at first; the winner committed it, the loser's whole first attempt was undone and run again
    assert (won, taken) == ([1], [1, 2])
    assert stored(lake_ws) == [("winner.csv", 1, 3), ("loser.csv", 2, 2)]


def test_a_writer_out_of_retries_fails_and_leaves_nothing_of_its_submission(lake_ws, monkeypatch):
    monkeypatch.setenv("IPWATCH_CONFLICT_RETRIES", "0")
    with pytest.raises(duckdb.TransactionException, match="[Cc]onflict"):
        register_losing_to(lake_ws)
    assert stored(lake_ws) == [("winner.csv", 1, 3)]


def test_two_decisions_at_once_keep_one_value_in_force_per_key(lake_ws, catalogue, tmp_path):
    """Two files of the same keys, validated apart, decided on two connections at once: the later file's decision
    began first, and the earlier one commits meanwhile. Appends never conflict on a lake, so without the decision
    counter both would insert a value in force for each key; with it the later one is decided again after the
    earlier and supersedes it."""
    a = write_csv(tmp_path / "a.csv", ROWS)
    b = write_csv(tmp_path / "b.csv", [r.replace(",1,", ",5,").replace(",2,", ",6,") for r in ROWS])
    with warehouse.connect(lake_ws.warehouse) as one, warehouse.connect(lake_ws.warehouse) as two:
        first, later = (through(conn, lake_ws, path, "340100", "explain", catalogue)
                        for conn, path in ((one, a), (two, b)))
        attempts = []

        def work() -> dict:
            attempts.append(load.record_decisions(two, {later.submission_id: list(later.findings)}))
            if len(attempts) == 1:
                load.decide(one, {first.submission_id: list(first.findings)})
            return attempts[-1]

        assert warehouse.atomic(two, work) == {2: "accepted"} and len(attempts) == 2
        current = one.sql("select region_code, value, submission_id from current_observations order by all")
        assert current.fetchall() == [("340102", 5, 2), ("340103", 6, 2)]


@pytest.mark.slow
def test_two_offices_ingesting_at_once_into_one_lake_read_as_the_embedded_warehouse(tmp_path, postgres, catalogue):
    """Two `ipwatch ingest` processes, each with its own workspace (as on two machines), load two offices' quarters
    into one lake at the same time; every file is decided once, and the views read as the same files loaded one
    after the other into a DuckDB file."""
    from .test_lake import hefei_files

    files = hefei_files(catalogue, tmp_path / "hefei")
    offices = {"340100": [p for p, _ in files]}
    offices["441500"] = [write_csv(tmp_path / f"441500-{q}.csv", [f"441521,{q},pct_applications,{n},件,"])
                         for n, q in enumerate(["2025Q1", "2025Q2", "2025Q3"], start=3)]
    catalog = f"{config.LAKE_PREFIX}postgres:{postgres.create_database('writers')}"
    lake_ws = config.Workspace(tmp_path / "init", catalog, f"{tmp_path / 'lake-data'}/")
    reference.initialise(lake_ws)
    env = {**clean_env(tmp_path), "IPWATCH_WAREHOUSE": catalog, "IPWATCH_LAKE_DATA": lake_ws.lake_data}
    running = [subprocess.Popen([str(BIN / "ipwatch"), "--home", str(tmp_path / f"worker-{office}"), "ingest", "--json",
                                 "--as", office, *map(str, paths)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for office, paths in offices.items()]
    said = [p.communicate() for p in running]
    assert [p.returncode for p in running] == [1, 0], said  # Hefei's flawed draft is rejected
    embedded = config.Workspace(tmp_path / "embedded")
    reference.initialise(embedded)
    with warehouse.connect(embedded.warehouse) as conn:
        process(conn, embedded, catalogue, [(p, o) for o, paths in offices.items() for p in paths])
        expected = public_views(conn, numbered=False)
    with warehouse.connect(lake_ws.warehouse, read_only=True) as conn:
        got = public_views(conn, numbered=False)
        decided = conn.sql("select file_name, count(*) from submissions group by all having count(*) > 1")
        assert decided.fetchall() == []
    assert expected["submissions"].height == 9
    for view, frame in expected.items():
        assert_frame_equal(got[view], frame, check_exact=False, rel_tol=1e-12)
