"""Several writers on one DuckLake: a transaction that loses to a concurrent one is run again whole, or fails
whole; never half a submission. Real PostgreSQL, real DuckLake, real processes."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ipwatch import config, warehouse
from ipwatch.warehouse import load, reference

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


def test_portal_events_on_a_lake_are_numbered_by_the_counters_even_from_two_connections(lake_ws):
    """A DuckLake has no sequences (a column's default is dropped there), so the portal's log takes its ids from
    the counters as every other table does: two connections logging at once get distinct ids, none missing."""
    from ipwatch.portal import users

    with warehouse.connect(lake_ws.warehouse) as one, warehouse.connect(lake_ws.warehouse) as two:
        for n in range(3):
            users.record(one, "clerk", "login", "ok", client="127.0.0.1")
            users.record(two, "auditor", "login", "failed", detail=str(n), client="127.0.0.2")
        ids = one.sql("select event_id from portal_events order by event_id").fetchall()
        (last,) = one.sql("select last_id from counters where name = 'portal_event_ids'").fetchone()
    assert [i for (i,) in ids] == [1, 2, 3, 4, 5, 6] and last == 6


def test_a_batch_history_is_the_connections_own_scratch_never_the_lakes(lake_ws, catalogue, tmp_path):
    """The history a batch's rules read is staged in the connection's in-memory database: a second writer on the
    same lake neither sees it nor conflicts over it, and nothing of it reaches the Parquet. (As a lake table,
    DuckDB planned change_outlier over it into 80 s and out of memory on a national quarter.)"""
    from ipwatch.intake import validate

    files = [write_csv(tmp_path / f"{n}.csv", [r.replace(",1,", f",{n + 1},") for r in ROWS]) for n in range(3)]
    with warehouse.connect(lake_ws.warehouse) as one, warehouse.connect(lake_ws.warehouse) as two:
        process(one, lake_ws, catalogue, [(files.pop(), "340100")])  # the history both batches read
        ids = [through(conn, lake_ws, path, "340100", "stage").submission_id
               for conn, path in ((one, files[0]), (two, files[1]))]
        staged = [validate.stage_batch(one, [ids[0]]), validate.stage_batch(two, [ids[1]])]
        assert one.sql("select batch_id, count(*) from batch_history group by 1").fetchall() == [(staged[0], 2)]
        assert two.sql("select batch_id, count(*) from batch_history group by 1").fetchall() == [(staged[1], 2)]
        (in_lake,) = one.sql("select count(*) from duckdb_tables() where table_name = 'batch_history' "
                             "and database_name = 'lake'").fetchone()
        assert in_lake == 0
        found = validate.run(two, [ids[1]])
        # the run staged a batch of its own and cleared it once judged
        assert two.sql("select batch_id, count(*) from batch_history group by 1").fetchall() == [(staged[1], 2)]
    assert set(found) == {ids[1]}
    data = Path(lake_ws.warehouse.data_path)
    assert {p.relative_to(data).parts[1] for p in data.rglob("*.parquet")} & {"submission_rows", "batch_history"} == {
        "submission_rows"}


def test_another_process_never_sees_a_reference_table_empty_while_init_reloads_it(lake_ws, monkeypatch):
    """`ipwatch init` (and every ingest whose catalogue changed) makes the reference tables anew and fills them in
    one transaction: another writer of the lake, validating meanwhile, reads the old rows or the new, never none
    (with none it would find every region unknown and no indicator required)."""
    seen = []
    fill = warehouse.replace_rows

    def watched(conn, table: str, frame: pl.DataFrame) -> None:
        if not seen:  # halfway through init: the schema is made, nothing is filled yet
            with warehouse.connect(lake_ws.warehouse, read_only=True) as other:
                seen.extend(other.execute(f"select count(*) from {name}").fetchone()[0]
                            for name in ("regions", "jurisdiction", "targets", "target_regions", "required_indicators"))
        fill(conn, table, frame)

    monkeypatch.setattr(warehouse, "replace_rows", watched)
    reference.initialise(lake_ws, force=True)
    assert len(seen) == 5 and 0 not in seen, seen


def test_a_portal_page_reads_a_lake_in_a_read_only_transaction(lake_ws):
    """Pages read beside a batch in a read-only transaction of their own (views.reading), on a lake as on a file."""
    from ipwatch.portal import users, views

    with views.reading(lake_ws) as conn:
        assert users.user(conn, "nobody") is None
        assert views.full_name(conn, "340100") == "合肥市"
        with pytest.raises(duckdb.TransactionException, match="read-only"):
            conn.execute("delete from portal_events")
