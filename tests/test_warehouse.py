"""The warehouse's helpers, on a real DuckDB file."""

from __future__ import annotations

from ipwatch import warehouse
from ipwatch.warehouse import reference

from .conftest import process, write_csv


def test_a_snapshot_reads_as_the_view_and_goes_with_its_block(conn, ws, catalogue, tmp_path):
    process(conn, ws, catalogue, [(write_csv(tmp_path / "a.csv", ["340102,2025Q3,pct_applications,1,件,"]), "340100")])
    view = conn.sql("select * from progress order by all").fetchall()
    with warehouse.snapshot(conn, "progress"):
        assert conn.sql("select * from progress order by all").fetchall() == view
        kinds = conn.sql("select table_type from information_schema.tables where table_name = 'progress' "
                         "order by all").fetchall()
        assert kinds == [("LOCAL TEMPORARY",), ("VIEW",)]
    process(conn, ws, catalogue, [(write_csv(tmp_path / "b.csv", ["340102,2025Q4,pct_applications,9,件,"]), "340100")])
    assert conn.sql("select * from progress order by all").fetchall() != view  # the view again, not a stale copy
    with warehouse.snapshot(conn, "progress", period=["2025Q4"]):
        assert {p for (p,) in conn.sql("select distinct period from progress").fetchall()} == {"2025Q4"}


def test_duckdb_works_within_the_memory_it_is_given(tmp_path, monkeypatch):
    """DuckDB would take 80% of the machine; the warehouse bounds it (a quarter of the machine, at most 512 MB,
    unless IPWATCH_DUCKDB_MEMORY says)."""
    import pytest

    path = tmp_path / "w.duckdb"
    with warehouse.connect(path) as conn:
        assert conn.execute("select current_setting('memory_limit')").fetchone()[0] in (
            "488.2 MiB", "488.3 MiB")  # 512 x 10^6 bytes, on any machine of 2 GB or more
    monkeypatch.setenv("IPWATCH_DUCKDB_MEMORY", "256MB")
    with warehouse.connect(path) as conn:
        assert conn.execute("select current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    monkeypatch.setenv("IPWATCH_DUCKDB_MEMORY", "lots")
    with pytest.raises(ValueError, match="IPWATCH_DUCKDB_MEMORY"), warehouse.connect(path):
        pass


def test_portal_event_ids_continue_from_the_log_a_warehouse_already_holds(conn):
    """A warehouse whose portal log was numbered before the counters knew portal events (by a sequence): the
    counter starts from the largest id in the log, so no id is handed out twice."""
    from ipwatch.portal import users

    conn.execute("insert into portal_events (event_id, happened_at, user_name, action, outcome) "
                 "values (41, now(), 'admin', 'login', 'ok'), (42, now(), 'admin', 'logout', 'ok')")
    conn.execute("delete from counters where name = 'portal_event_ids'")
    warehouse.create_schema(conn)
    users.record(conn, "clerk", "login", "ok")
    assert conn.sql("select event_id, user_name from portal_events order by 1").fetchall() == [
        (41, "admin"), (42, "admin"), (43, "clerk")]


def test_a_warehouse_that_kept_target_regions_as_a_view_gets_the_tables_on_init(ws):
    with warehouse.connect(ws.warehouse) as conn:
        conn.execute("drop table target_regions; drop table required_indicators")
        conn.execute("create view target_regions as select plan_id, target_id, '340100' as region_code from targets")
        conn.execute("create view required_indicators as select region_code, indicator_code from observations")
        conn.execute("drop table reference_stamp")  # as old: it predates the stamp
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        kinds = dict(conn.execute("select table_name, table_type from information_schema.tables "
                                  "where table_name in ('target_regions', 'required_indicators')").fetchall())
        assert kinds == {"target_regions": "BASE TABLE", "required_indicators": "BASE TABLE"}
        assert conn.execute("select count(distinct region_code) from target_regions").fetchone()[0] > 100


def test_a_run_reloads_the_reference_tables_when_what_they_are_loaded_from_changed_and_init_always(ws):
    """Every run calls `initialise` first and it reloads only when the catalogue, regions or schema differ from what
    the warehouse was loaded from (its stamp); `ipwatch init` (force) reloads anyway. A hand-made change to a
    reference table shows which calls reloaded: a reload makes the table anew from the catalogue."""
    import dataclasses

    from ipwatch.domain import catalogue as cat

    full = cat.default()
    last = list(full.plans)[-1]
    fewer = dataclasses.replace(full, plans={k: v for k, v in full.plans.items() if k != last})

    def touch() -> None:
        with warehouse.connect(ws.warehouse) as conn:
            conn.execute("update indicators set name_en = 'changed by hand'")

    def state() -> tuple[bool, bool]:
        """(the plan `last` is loaded, the hand-made change is there)"""
        with warehouse.connect(ws.warehouse) as conn:
            plans = {p for (p,) in conn.execute("select plan_id from plans").fetchall()}
            touched = conn.execute("select bool_and(name_en = 'changed by hand') from indicators").fetchone()[0]
        return last in plans, touched

    touch()
    reference.initialise(ws)
    assert state() == (True, True)  # the same catalogue: nothing reloaded
    reference.initialise(ws, fewer)
    assert state() == (False, False)  # a plan fewer: reloaded whole
    touch()
    reference.initialise(ws)
    assert state() == (True, False)  # the plan back
    touch()
    reference.initialise(ws, force=True)
    assert state() == (True, False)


def test_the_stamp_tells_apart_every_change_to_any_reference_table_or_the_schema(monkeypatch):
    import polars as pl

    frames = reference.reference_frames()
    stamps = {reference.stamp(frames)}
    for name, frame in frames.items():
        assert frame.height > 1, name
        stamps.add(reference.stamp({**frames, name: frame.head(frame.height - 1)}))  # a row fewer
        first = pl.col(frame.columns[0])
        stamps.add(reference.stamp({**frames, name: frame.with_columns(first.shift(1))}))  # a value changed
    monkeypatch.setattr(warehouse, "SCHEMA_VERSION", warehouse.SCHEMA_VERSION + 1)
    stamps.add(reference.stamp(frames))
    assert len(stamps) == 2 * len(frames) + 2


def test_threads_of_a_process_share_its_turn_and_the_lock_goes_with_the_last(tmp_path):
    """The portal's pages read in threads at once: each joins the turn and the database another thread holds
    open (one lock for the process, one DuckDB database), and the lock is free for another process only after
    the last thread leaves, however they interleave."""
    import fcntl
    import threading

    path = tmp_path / "w.duckdb"
    with warehouse.connect(path) as conn:
        conn.execute("create table t as select range as n from range(1000)")
    start, sums, failures = threading.Barrier(8), [], []

    def read() -> None:
        try:
            start.wait()
            for _ in range(20):
                with warehouse.connect(path, read_only=True) as conn:  # joins the writer's database when it is open
                    sums.append(conn.execute("select sum(n) from t").fetchone()[0])
        except Exception as exc:  # noqa: BLE001 - asserted below, with what it was
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    with warehouse.connect(path) as batch:  # a writer holds the database open as the readers come
        batch.execute("insert into t select 0")
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and sums == [499500] * 160
    with open(path.with_name(path.name + ".lock"), "a+") as other:  # as another process would take it
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if any thread had kept it
        fcntl.flock(other, fcntl.LOCK_UN)


def locked_by_another(path) -> bool:
    """Whether a process other than one holding `path`'s lock file could not take it now."""
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a+") as other:  # a lock of its own, as another process's
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(other, fcntl.LOCK_UN)
        return False


def test_a_server_keeps_the_warehouse_open_for_its_next_request_then_gives_its_turn_back(tmp_path, monkeypatch):
    """`keep_open`: after the last connection the database stays open, with the process's turn, for the next one
    (which finds what the last wrote, and may write though the last only read); idle that long, it is closed and
    another process may take its turn."""
    import time

    monkeypatch.setattr(warehouse, "_linger", 0.0)
    warehouse.keep_open(0.4)
    path = tmp_path / "w.duckdb"
    try:
        with warehouse.connect(path) as conn:
            conn.execute("create table t as select 1 as n")
        assert locked_by_another(path)  # kept open, with its turn
        with warehouse.connect(path, read_only=True) as conn:
            assert conn.execute("select n from t").fetchall() == [(1,)]
        with warehouse.connect(path) as conn:  # the database kept was a reader's: a writer still writes
            conn.execute("insert into t values (2)")
        deadline = time.monotonic() + 30
        while locked_by_another(path):
            assert time.monotonic() < deadline, "the warehouse was never given back"
            time.sleep(0.1)
        assert warehouse._held == {}
    finally:
        warehouse._linger = 0.0
        warehouse._close_kept()
    with warehouse.connect(path, read_only=True) as conn:  # and what it wrote is in the file
        assert conn.execute("select sum(n) from t").fetchone()[0] == 3


def test_the_observations_hash_read_a_batch_at_a_time_is_the_hash_of_them_all_as_one_csv(monkeypatch):
    """data_version reads the observations in force in batches (the national warehouse's as one frame took 650 MB);
    the hash across batch boundaries, and of none, is the one of the whole CSV as bulletins stamped it before."""
    import hashlib

    import duckdb
    import polars as pl

    conn = duckdb.connect()
    conn.execute("create table submissions (submission_id integer, received_at timestamp); create table "
                 "observations (region_code varchar, period varchar, indicator_code varchar, value double, "
                 "status varchar, submission_id integer)")
    header = "region_code,period,indicator_code,value,status,submission_id\n"
    assert warehouse.data_version(conn)["observations_hash"] == hashlib.sha256(header.encode()).hexdigest()[:16]
    conn.execute("insert into submissions values (1, '2026-01-05 09:00:00'), (2, '2026-02-01 10:30:00')")
    conn.execute("insert into observations select '3401' || lpad((i % 7)::varchar, 2, '0'), '2025Q' || (i % 4 + 1), "
                 "'ind' || i, i * 1.5, 'reported', i % 2 + 1 from range(10) t(i)")
    whole = conn.execute("select o.region_code, o.period, o.indicator_code, o.value, o.status, o.submission_id "
                         "from observations o order by 1, 2, 3").pl()
    monkeypatch.setattr(warehouse, "DATA_VERSION_BATCH", 3)
    found = warehouse.data_version(conn)
    assert found["observations_hash"] == hashlib.sha256(whole.write_csv().encode()).hexdigest()[:16]
    assert found["latest_submission"] == "2026-02-01 10:30:00" and isinstance(whole, pl.DataFrame)
