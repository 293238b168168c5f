"""Let Great Expectations run its SQL inside our own DuckDB database, on our connection.

Why: GX 1.24's SqlAlchemyExecutionEngine returns a result after closing its connection, and with
duckdb-engine that close rolls back and discards the pending rows, so every expectation fails with
"list index out of range" (GX issues #10738, #11579). A cursor that reads its rows at execute() time,
while the connection is still open, fixes every code path without patching GX. Handing GX
`conn.cursor()` (a new connection on the same in-process database) also avoids DuckDB's refusal to
open one file twice in a process with different settings.

Every import of GX goes through `great_expectations()`, so that it does not pay for what ipwatch never runs.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import threading
from collections import deque
from types import ModuleType

import duckdb
from duckdb_engine import ConnectionWrapper, CursorWrapper

# GX 1.24 imports these at its top for the expectations ipwatch never runs (KL divergence, the KS tests, their
# charts): SciPy's stats and Altair are a third of `import great_expectations`. GX offers no lazy path (its PR
# #12083 proposes one for SciPy), so they are deferred here, never stubbed: each loads whole at its first use.
DEFERRED = ("scipy.stats", "altair")


def great_expectations() -> ModuleType:
    """The great_expectations package, with DEFERRED modules loaded only when something first uses them."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED:
            defer(name)
    import great_expectations as gx

    return gx


def defer(name: str) -> None:
    """Put `name` in sys.modules as a Deferred module; nothing when it is imported already or not installed."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is not None:
        sys.modules[name] = Deferred(name, spec)


class Deferred(ModuleType):
    """A module that imports itself whole at the first attribute it lacks, and from then on is that module.

    Not importlib's LazyLoader: on Python 3.11 an `import` of a module already in sys.modules reads its
    `__spec__`, which makes a LazyLoader module load at once; this one carries its spec as a plain attribute."""

    def __init__(self, name: str, spec: importlib.machinery.ModuleSpec):
        super().__init__(name)
        self.__spec__ = spec

    def __getattr__(self, attr: str) -> object:
        with _loading:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]  # so that the import below runs the module's code
                try:
                    real = importlib.import_module(self.__name__)
                except BaseException:
                    sys.modules[self.__name__] = self
                    raise
                # whoever took this object (GX's `from scipy import stats`) now reads the real module's names
                vars(self).update(vars(real))
        return getattr(sys.modules[self.__name__], attr)


_loading = threading.RLock()  # re-entrant: a module loading may touch another Deferred one


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
