"""The DuckDB warehouse: schema from sql/, connections, and loading frames into tables."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from ipwatch import config
from ipwatch.warehouse import lake, sql_files

T = TypeVar("T")

# The schema's version. An upgrade from version N is sql/upgrades/upgrade_to_<N+1>.sql, applied by create_schema.
SCHEMA_VERSION = 6


def sql(name: str) -> str:
    """The text of the SQL file named `name`, in whichever folder of sql/ it sits."""
    return sql_files.text(name)


class _Held:
    """A warehouse this process has its turn at: the lock file held, how many turns are in it, and DuckDB's one
    database for the file while connections are open to it (`root`, opened by the first in its mode; the others
    are its cursors) with how many are."""

    def __init__(self, handle) -> None:
        self.handle, self.turns, self.open, self.root, self.read_only = handle, 0, 0, None, False
        self.idle_since: float | None = None  # kept open after its last connection (keep_open), since when


# The warehouses this process holds, by path; _held_lock guards it (the portal's requests run in threads at once).
# A request takes it once coming and once going, and inside does no work that lets go of the GIL but the rare
# first open and last close: under a batch's load every thread that waits for the lock woke holding it and then
# waited for the GIL, so each pass cost many thread switches and pages queued seconds behind one another.
_held: dict[Path, _Held] = {}
_held_lock = threading.Lock()


# How long this process keeps a warehouse's database open, with its turn, after its last connection closed (0: it
# closes at once). A server sets it (`keep_open`): its next request finds the database open and its cache warm,
# where opening took a page 33 ms and reading cold more; and the close, which writes the batch's log into the file,
# no longer falls on whichever page closed last.
_linger = 0.0


def keep_open(seconds: float) -> None:
    """Keep each warehouse this process opens open `seconds` after its last connection closes (see _linger): a
    thread closes those idle that long, until _linger is 0 again."""
    global _linger
    running, _linger = _linger > 0, seconds  # the closer runs while _linger is above 0
    if seconds > 0 and not running:
        threading.Thread(target=_closer, name="warehouse-closer", daemon=True).start()
        atexit.register(_close_kept)


def _closer() -> None:
    while (linger := _linger) > 0:
        time.sleep(linger / 4)
        _close_kept(linger)
    _close_kept()


def _close_kept(idle_for: float = 0.0) -> None:
    """Close the databases kept open that have been idle for `idle_for` seconds, and give their turns back."""
    with _held_lock:
        for key, held in list(_held.items()):
            if held.open == 0 and held.idle_since is not None and time.monotonic() - held.idle_since >= idle_for:
                held.root.close()
                held.root, held.idle_since = None, None
                _leave(key)


class WarehouseBusy(TimeoutError):
    """Another process kept the warehouse longer than IPWATCH_LOCK_WAIT_SECONDS; nothing was done, try again."""


@cache
def _key(path: Path) -> Path:
    return path.resolve()


def _enter(path: Path) -> _Held:
    """This process's turn at `path` taken (the lock file locked by the first), under _held_lock."""
    key = _key(path)
    if key not in _held:  # a thread waiting for another process keeps this process's other threads waiting with it
        _held[key] = _Held(_locked(path))
    held = _held[key]
    held.turns += 1
    return held


def _leave(path: Path) -> None:
    """This process's turn at `path` given back (the lock file unlocked by the last), under _held_lock."""
    key = _key(path)
    held = _held[key]
    held.turns -= 1
    if held.turns == 0:
        del _held[key]
        fcntl.flock(held.handle, fcntl.LOCK_UN)
        held.handle.close()


@contextmanager
def turn(path: Path) -> Iterator[None]:
    """This process's turn at the warehouse. DuckDB lets one process open a file at a time; a second `ipwatch`
    (the scheduler and an office's manual ingest) waits here for its turn instead of failing with a lock error.
    Shared within a process, where DuckDB itself shares one database between connections: a thread that comes
    while another holds the turn joins it, and the lock goes when the last one leaves."""
    with _held_lock:
        _enter(path)
    try:
        yield
    finally:
        with _held_lock:
            _leave(path)


def _locked(path: Path):
    """The warehouse's lock file, locked for this process, waiting up to IPWATCH_LOCK_WAIT_SECONDS for another."""
    handle = open(path.with_name(path.name + ".lock"), "a+")  # noqa: SIM115 - held until the last turn ends
    deadline = time.monotonic() + config.settings().lock_wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise WarehouseBusy(f"数据仓库正被另一进程使用，等待超时 (warehouse busy: {path})") from None
            time.sleep(0.2)


@contextmanager
def connect(path: Path | config.Lake, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, in this process's turn, closed on exit; reading a missing one fails.
    A connection opened while another of this process is open joins its database in the mode it was opened in
    (DuckDB refuses a second mode): a read-only caller gets a connection that could write, and writes nothing.
    On a lake there are no turns: any number of processes read and write it, and its transactions keep them apart
    (see `atomic`)."""
    if isinstance(path, config.Lake):
        with closing(lake.connect(path, read_only=read_only)) as conn:
            bounded(conn)
            yield conn
        return
    if read_only and not path.exists():
        raise FileNotFoundError(f"数据仓库不存在，请先运行 ipwatch init 或 ipwatch ingest (no warehouse at {path})")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _held_lock:
        held = _enter(path)
        if held.idle_since is not None:  # kept open: the turn it kept is this connection's now
            held.idle_since = None
            _leave(path)
        try:
            if held.open == 0 and held.root is not None and held.read_only and not read_only:
                held.root.close()  # kept open read-only, idle: opened again to write
                held.root = None
            if held.root is None:  # the first: DuckDB's database opened, its limits set once
                held.root, held.read_only = duckdb.connect(str(path), read_only=read_only), read_only
                bounded(held.root)
            elif held.read_only and not read_only:
                raise RuntimeError(f"the warehouse is open read-only in this process; cannot write: {path}")
            conn = held.root.cursor()
            held.open += 1
        except BaseException:
            if held.open == 0 and held.root is not None:
                held.root.close()
                held.root = None
            _leave(path)
            raise
    try:
        yield conn
    finally:
        with _held_lock:  # the last shuts DuckDB's database: no thread may join it meanwhile
            # A cursor is closed under the lock as it is made: both change the root's list of its cursors. (A
            # portal under load, closing them outside it, died once of a segfault in DuckDB, 200 uploads at once;
            # the cause is not known: duckdb-python#435 reports segfaults of concurrent queries, cursors or not.)
            conn.close()
            held.open -= 1
            if held.open == 0 and _linger > 0:  # kept open, with this connection's turn (_close_kept)
                held.idle_since = time.monotonic()
            else:
                if held.open == 0:
                    held.root.close()
                    held.root = None
                _leave(path)


def bounded(conn: duckdb.DuckDBPyConnection) -> None:
    """The connection's memory limit (config.duckdb_memory_limit)."""
    conn.execute(f"set memory_limit = '{config.duckdb_memory_limit()}'")


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: the warehouse never holds half a change."""
    conn.begin()
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def conflicted(exc: BaseException) -> bool:
    """A transaction that lost to a concurrent one (on a lake: both changed the same rows, or one the other's
    table); it changed nothing and can be tried again on the warehouse as it now is."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def atomic(conn: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """`work` in one transaction, run again from the start when it lost to a concurrent transaction (up to
    $IPWATCH_CONFLICT_RETRIES times, after a growing random pause): all or nothing, never half a submission. A
    lake's writers meet here; the embedded warehouse has one process at a time and never conflicts."""
    retries = config.settings().conflict_retries
    for attempt in range(retries + 1):
        conn.begin()
        try:
            result = work()
            conn.commit()
            return result
        except BaseException as exc:
            with suppress(duckdb.TransactionException):  # a failed commit has already ended it
                conn.rollback()
            if not conflicted(exc) or attempt == retries:
                raise
            logging.getLogger("ipwatch.warehouse").warning(
                "事务与另一写入冲突，重做 (transaction lost to a concurrent one, run again: %d): %s", attempt + 1, exc)
        time.sleep(random.uniform(0, min(2.0, 0.05 * 2 ** attempt)))
    raise AssertionError("unreachable")


def take_ids(conn: duckdb.DuckDBPyConnection, name: str, n: int) -> list[int]:
    """`n` new ids of a kind (counters.sql), inside the caller's transaction. The counter's row is updated, so
    two transactions taking ids of one kind conflict and one is retried: ids are never handed out twice."""
    if n == 0:
        return []
    conn.execute(sql("take_ids"), {"name": name, "n": n})
    (last,) = conn.execute(sql("last_id"), {"name": name}).fetchone()
    return list(range(last - n + 1, last + 1))


class SchemaError(ValueError):
    """The warehouse was made by a version of ipwatch this one cannot upgrade."""


def writable(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection may write (not opened read-only)."""
    (readonly,) = conn.execute("select readonly from duckdb_databases() "
                               "where database_name = current_database()").fetchone()
    return not readonly


def folder(conn: duckdb.DuckDBPyConnection) -> Path | None:
    """The workspace of this connection: the folder of its warehouse file, or the one its lake was opened for;
    None in memory."""
    (home,) = conn.execute("select getvariable('ipwatch_home')").fetchone()
    if home:
        return Path(home)
    (path,) = conn.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return Path(path).resolve().parent if path else None


def on_lake(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection is on a DuckLake."""
    (name,) = conn.execute("select current_database()").fetchone()
    return name == lake.NAME and conn.execute("select getvariable('ipwatch_home')").fetchone()[0] is not None


def cursor(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new connection to the same database (for Great Expectations), on the lake as its parent is."""
    child = conn.cursor()
    if on_lake(conn):
        lake.prepare(child)
    return child


def tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the tables the warehouse holds."""
    return {name for (name,) in conn.execute(sql("warehouse_tables")).fetchall()}


def schema_version(conn: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version: None when it is new, 0 when it predates versioning."""
    present = tables(conn)
    if "schema_version" in present:
        return conn.execute(sql("current_schema_version")).fetchone()[0] or 0
    return 0 if "submissions" in present else None


def require_current(conn: duckdb.DuckDBPyConnection) -> None:
    """Refuse, in one line, to read a warehouse an older ipwatch made and nothing has upgraded yet (a reader opens
    it read-only and cannot upgrade it; its queries would fail on what the new version adds)."""
    found = schema_version(conn)
    if found is not None and found < SCHEMA_VERSION:
        raise SchemaError(f"数据仓库由旧版本 ipwatch 创建（版本 {found}，当前 {SCHEMA_VERSION}），"
                          f"请先运行 ipwatch init 升级 (the warehouse is at schema {found}: run ipwatch init)")


def create_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the schema and (re)create every view, in one transaction; safe to run on every start, and
    by several processes at once on a lake (the second to create a table conflicts, and finds it made)."""
    atomic(conn, lambda: build_schema(conn))


def build_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """What create_schema does."""
    found = schema_version(conn)
    if found is not None and found > SCHEMA_VERSION:
        raise SchemaError(f"数据仓库版本({found})高于本程序({SCHEMA_VERSION})，请升级 ipwatch (warehouse is newer)")
    for version in range(SCHEMA_VERSION if found is None else found, SCHEMA_VERSION):
        upgrade = f"upgrade_to_{version + 1}"
        if upgrade not in sql_files.index():
            raise SchemaError(
                f"数据仓库由早期版本创建，无法自动升级：请将 {conn.execute('pragma database_list').fetchone()[2]} "
                "移开后运行 ipwatch init，再从 archive/ 重新报送 (warehouse predates upgrades: rebuild it)")
        conn.execute(sql(upgrade))
    on = on_lake(conn)
    # target_regions and required_indicators were views until init filled them from ipwatch/domain/obligations.py
    for (name,) in conn.execute(sql("view_names")).fetchall():
        if name in sql_files.tables():
            conn.execute(f"drop view {name}")
    # a reference table's file says `create or replace`: init reloads it whole from data/; the others are kept
    for name in sql_files.tables():
        if on and name in lake.SCRATCH:  # each connection's own (lake.connect); a lake made before kept them
            conn.execute(f"drop table if exists {lake.NAME}.main.{name}")
        else:
            conn.execute(lake.table_statement(sql(name)) if on else sql(name))
    conn.execute(sql("seed_counters"))
    for name in sql_files.built():
        conn.execute(lake.macro_statement(sql(name)) if on and name in sql_files.macros() else sql(name))
    conn.execute(sql("set_schema_version"), {"version": SCHEMA_VERSION})


@contextmanager
def snapshot(conn: duckdb.DuckDBPyConnection, view: str, **within: list) -> Iterator[None]:
    """The view computed once, as a temporary table of the same name that this connection reads in its place until
    the block ends, for a reader that queries a costly view many times (a bulletin reads progress a dozen times);
    only its rows whose column `name` is in `within[name]`, when given."""
    (database,) = conn.execute("select current_database()").fetchone()
    rows = " and ".join(f"{name} in (select unnest(${name}))" for name in within) or "true"
    conn.execute(f'create or replace temp table {view} as select * from "{database}".main.{view} where {rows}',
                 within or None)
    try:
        yield
    finally:
        conn.execute(f"drop table if exists temp.main.{view}")


def replace_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace the whole content of a catalogue table with `frame` (columns matched by name)."""
    conn.execute(f"delete from {table}")
    append_rows(conn, table, frame)


def append_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert `frame` into `table`, matching columns by name."""
    if frame.height:
        # one contiguous frame: DuckDB reads each Arrow chunk into buffers of its own, and a batch's rows arrive
        # as a chunk a file (3,000 chunks took more than a gigabyte for five megabytes of rows)
        conn.register("incoming_frame", frame.rechunk())
        conn.execute(f"insert into {table} by name select * from incoming_frame")
        conn.unregister("incoming_frame")


def query(conn: duckdb.DuckDBPyConnection, name: str, **params: object) -> pl.DataFrame:
    """Run the SQL file named `name` with named parameters and return the result as a polars frame. One that runs
    out of memory is run again on one thread: DuckDB keeps an ASOF join's buffers per thread (duckdb#17001), and a
    plan's progress (several in one query; test_annex's 江津) ran out of 512MB on two threads with a few thousand
    rows, where one thread takes 1.3 s. One thread for every query instead made the national quarter 40% slower."""
    try:
        return conn.execute(sql(name), params or None).pl()
    except duckdb.OutOfMemoryException as exc:
        try:
            (threads,) = conn.execute("select current_setting('threads')").fetchone()
        except duckdb.TransactionException:  # in the caller's transaction, which the failure ended: the caller's
            raise exc from None
        if threads == 1:
            raise
        conn.execute("set threads = 1")
        try:
            return conn.execute(sql(name), params or None).pl()
        finally:
            conn.execute(f"set threads = {threads}")


DATA_VERSION_BATCH = 200_000


def data_version(conn: duckdb.DuckDBPyConnection) -> dict:
    """What a report was made from: the latest accepted submission's time and a hash of every observation in force
    (bulletins and the auditor's report stamp it alike). The hash is of the observations as one CSV, read and
    hashed a batch at a time: the national warehouse's three million as one frame and one text took 650 MB."""
    digest, latest, header = hashlib.sha256(), None, True
    batches = conn.execute(sql("data_version")).fetch_record_batch(DATA_VERSION_BATCH)
    for batch in batches:
        frame = pl.from_arrow(batch)
        digest.update(frame.drop("received_at").write_csv(include_header=header).encode())
        header = False
        latest = max([t for t in (latest, frame["received_at"].max()) if t is not None], default=None)
    if header:  # nothing in force: the CSV of no rows is its header
        digest.update(pl.DataFrame(schema=[n for n in batches.schema.names if n != "received_at"]).write_csv().encode())
    digest = digest.hexdigest()[:16]
    shown = latest.strftime("%Y-%m-%d %H:%M:%S") if latest is not None else "—"
    return {"latest_submission": shown, "observations_hash": digest}


def query_over(conn: duckdb.DuckDBPyConnection, name: str, **frames: pl.DataFrame) -> pl.DataFrame:
    """Run the SQL file named `name` over polars frames registered under the given names."""
    for key, frame in frames.items():
        conn.register(key, frame)
    try:
        return conn.execute(sql(name)).pl()
    finally:
        for key in frames:
            conn.unregister(key)
