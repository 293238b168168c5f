"""The DuckLake warehouse: its catalog in PostgreSQL, its data as Parquet under a data path, attached to an
in-memory DuckDB as `lake`.

The schema is the embedded warehouse's own, from the same sql/ files: DuckLake keeps NOT NULL but no primary
keys, unique or check constraints, sequences or macros, so `table_statement` reads each table as DuckDB builds
it from its file and writes it again without them, and the macros (sql/macros/) are made for each connection.
Extensions come from their Python packages (duckdb-extension-ducklake, -postgres), installed from the package's
file: nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

from ipwatch import config
from ipwatch.warehouse import sql_files

# The DuckDB extensions a lake needs, each shipped as the Python package duckdb_extension_<name>.
EXTENSIONS = ("postgres", "ducklake")
# The name the lake is attached under; every connection's queries read it by default (USE).
NAME = "lake"
# A process's scratch tables, never shared: a batch's history is staged for its rules to read and cleared after.
# They live in the connection's own in-memory database (SCRATCH_DATABASE), which its cursors (Great Expectations)
# share and its queries find by the search path. In the lake, DuckDB knew nothing of their size: on a national
# quarter it planned change_outlier's joins into 80 s and out of memory, where a native table takes 1 s; and two
# workers' scratch rows conflicted for nothing.
SCRATCH = ("batch_history",)
SCRATCH_DATABASE = "memory"


def extension_file(name: str) -> Path:
    """The extension's binary in its installed Python package, built for the DuckDB in use."""
    package = Path(importlib.import_module(f"duckdb_extension_{name}").__file__).parent
    return package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"


def load_extensions(conn: duckdb.DuckDBPyConnection) -> None:
    """Install the extensions from their packages and load them. INSTALL from a file is how these packages are
    meant to be used: the file's own name is not always the extension's (postgres is postgres_scanner), which
    INSTALL resolves; a second INSTALL of the same version does nothing."""
    for name in EXTENSIONS:
        path = extension_file(name)
        if not path.exists():
            raise RuntimeError(f"缺少 DuckDB 扩展 {name} (no {path}: install duckdb-extension-{name}=="
                               f"{duckdb.__version__})")
        conn.execute(f"install '{path}'")
        conn.execute(f"load {name}")


def connect(lake: config.Lake, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use; extensions are never fetched or auto-loaded."""
    conn = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        load_extensions(conn)
        options = f"data_path '{quoted(lake.data_path)}'" + (", read_only" if read_only else "")
        conn.execute(f"attach 'ducklake:{quoted(lake.catalog)}' as {NAME} ({options})")
        conn.execute("set variable ipwatch_home = $home", {"home": str(lake.home)})
        # beyond its memory limit an in-memory DuckDB spills to .tmp in the working folder: the workspace's instead
        conn.execute(f"set temp_directory = '{quoted(str(lake.home / 'lake.tmp'))}'")
        conn.execute(f"use {SCRATCH_DATABASE}")  # prepare() then uses the lake
        for name in SCRATCH:
            conn.execute(sql_files.text(name))
        prepare(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """A connection on the lake's database (the first, or a cursor of it) reads the lake by default and has the
    macros; both are the connection's own in DuckDB."""
    conn.execute(f"use {NAME}")
    conn.execute(f"set search_path = '{NAME}.main,{SCRATCH_DATABASE}.main'")
    (ready,) = conn.execute(f"select count(*) from duckdb_tables() where database_name = '{NAME}' "
                            "and table_name = 'settings'").fetchone()
    if ready:  # the macros read the lake's tables: a new lake has them once create_schema made them
        make_macros(conn)


def make_macros(conn: duckdb.DuckDBPyConnection) -> None:
    """Every macro of sql/macros/, each after those it uses, as this connection's own (`macro_statement`)."""
    for name in sql_files.built():
        if name in sql_files.macros():
            conn.execute(macro_statement(sql_files.text(name)))


def macro_statement(text: str) -> str:
    """A sql/macros/ file's macro, made temporary: DuckLake cannot store macros."""
    return text.replace("create or replace macro", "create or replace temp macro", 1)


def quoted(text: str) -> str:
    """Text inside a single-quoted SQL literal."""
    return text.replace("'", "''")


def table_statement(text: str) -> str:
    """The table a sql/ table file creates, as DuckLake can keep it: the same columns, types and NOT NULLs,
    without keys, checks or defaults; `create or replace` stays so (reference tables are rebuilt on each init)."""
    scratch = duckdb.connect()
    try:
        scratch.execute(text)
        columns = scratch.execute(
            "select table_name, column_name, data_type, is_nullable from duckdb_columns() "
            "where database_name = current_database() order by table_name, column_index").fetchall()
    finally:
        scratch.close()
    (table,) = {name for name, *_ in columns}
    listed = ",\n    ".join(f'"{column}" {kind}{"" if nullable else " not null"}'
                            for _, column, kind, nullable in columns)
    verb = "create or replace table" if "create or replace table" in text.lower() else "create table if not exists"
    return f"{verb} {table} (\n    {listed}\n);"
