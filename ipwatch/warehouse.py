"""The DuckDB warehouse: schema from sql/, connections, and loading frames into tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from ipwatch import config

# Tables first, then the views built on them; each name is a file in sql/.
TABLES = (
    "regions", "indicators", "indicator_aliases", "plans", "targets", "status_levels",
    "submissions", "submission_rows", "observation_versions", "validation_findings",
)
VIEWS = ("observations_all", "observations", "findings", "target_regions", "required_indicators", "progress")


def sql(name: str) -> str:
    """The text of sql/<name>.sql."""
    return (config.SQL_DIR / f"{name}.sql").read_text("utf-8")


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path), read_only=read_only)
    try:
        yield conn
    finally:
        conn.close()


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


def create_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and (re)create every view; safe to run on every start."""
    for name in TABLES + VIEWS:
        conn.execute(sql(name))


def replace_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Replace the whole content of a catalogue table with `frame` (columns matched by name)."""
    conn.execute(f"delete from {table}")
    append_rows(conn, table, frame)


def append_rows(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert `frame` into `table`, matching columns by name."""
    if frame.height:
        conn.register("incoming_frame", frame)
        conn.execute(f"insert into {table} by name select * from incoming_frame")
        conn.unregister("incoming_frame")


def query(conn: duckdb.DuckDBPyConnection, name: str, **params: object) -> pl.DataFrame:
    """Run sql/<name>.sql with named parameters and return the result as a polars frame."""
    return conn.execute(sql(name), params or None).pl()
