"""Let Great Expectations run its SQL inside our own DuckDB database, on our connection.

Why: GX 1.24's SqlAlchemyExecutionEngine returns a result after closing its connection, and with
duckdb-engine that close rolls back and discards the pending rows, so every expectation fails with
"list index out of range" (GX issues #10738, #11579). A cursor that reads its rows at execute() time,
while the connection is still open, fixes every code path without patching GX. Handing GX
`conn.cursor()` (a new connection on the same in-process database) also avoids DuckDB's refusal to
open one file twice in a process with different settings.
"""

from __future__ import annotations

from collections import deque

import duckdb
from duckdb_engine import ConnectionWrapper, CursorWrapper


class BufferedCursor(CursorWrapper):
    """A duckdb-engine cursor that fetches all rows as soon as a statement runs."""

    def __init__(self, raw: duckdb.DuckDBPyConnection, wrapper: ConnectionWrapper):
        super().__init__(raw, wrapper)
        self._raw, self._description, self._rows = raw, None, deque()

    def execute(self, statement, parameters=None, context=None):  # noqa: ANN001 - DB-API signature
        super().execute(statement, parameters, context)
        self._description = self._raw.description
        self._rows = deque(self._raw.fetchall() if self._description else ())

    @property
    def description(self):  # noqa: ANN201 - DB-API
        return self._description

    def fetchone(self):  # noqa: ANN201 - DB-API
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list:
        n = len(self._rows) if size is None else min(size, len(self._rows))
        return [self._rows.popleft() for _ in range(n)]

    def fetchall(self) -> list:
        rows, self._rows = list(self._rows), deque()
        return rows


class BufferedConnection(ConnectionWrapper):
    """A duckdb-engine connection whose cursors are BufferedCursors."""

    def __init__(self, raw: duckdb.DuckDBPyConnection):
        super().__init__(raw)
        self._raw = raw

    def cursor(self) -> BufferedCursor:
        return BufferedCursor(self._raw, self)
