"""The SQL files under sql/, found by name: the one loader of the embedded warehouse and the lake.

Each file sits in the folder of what it does (`FOLDERS`) and is named after what it builds or reads; code asks for
it by that name alone, so no two files may share one. The tables are made from `tables/`, then the macros and
views in the order their text asks: each after every macro and view it names.
"""

from __future__ import annotations

import re
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from ipwatch import config

# What a file does, by its folder: tables' DDL; macros and views (rebuilt on every init); a schema version's
# upgrade (upgrade_to_<N>); reads and writes the code runs by name.
FOLDERS = ("tables", "macros", "views", "upgrades", "queries", "writes")
# What a name may be mentioned in, besides code: a comment, or a string literal
NOT_CODE = re.compile(r"--[^\n]*|'(?:[^']|'')*'")


class SqlFileError(ValueError):
    """sql/ is not as the loader needs it: two files of one name, a missing file, or views that read each other."""


@cache
def index(root: Path = config.SQL_DIR) -> dict[str, Path]:
    """Every .sql file under `root` by its name; two files of one name are refused, both named."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.sql")):
        if path.stem in found:
            raise SqlFileError(f"两个同名 SQL 文件 (two SQL files named {path.stem}): {found[path.stem]} and {path}")
        found[path.stem] = path
    return found


@cache
def text(name: str, root: Path = config.SQL_DIR) -> str:
    """The text of the file named `name`, wherever under `root` it sits; read once per process, as the index is
    (a portal page under load spent as long opening its queries' files as DuckDB spent running them)."""
    path = index(root).get(name)
    if path is None:
        raise SqlFileError(f"no SQL file named {name} under {root}")
    return path.read_text("utf-8")


def names(folder: str, root: Path = config.SQL_DIR) -> tuple[str, ...]:
    """The names of the files in one folder of `root`, sorted."""
    return tuple(sorted(path.stem for path in index(root).values() if path.parent == root / folder))


def tables(root: Path = config.SQL_DIR) -> tuple[str, ...]:
    """The tables the warehouse holds, one file each in tables/ (none reads another: any order will do)."""
    return names("tables", root)


def macros(root: Path = config.SQL_DIR) -> tuple[str, ...]:
    """The macros, one file each in macros/: a lake cannot store them, so each connection makes its own."""
    return names("macros", root)


def views(root: Path = config.SQL_DIR) -> tuple[str, ...]:
    """The views, one file each in views/."""
    return names("views", root)


def mentions(statement: str, candidates: set[str]) -> set[str]:
    """The names among `candidates` a statement's text uses, outside its comments and string literals."""
    return set(re.findall(r"[a-z_][a-z0-9_]*", NOT_CODE.sub(" ", statement).lower())) & candidates


@cache
def built(root: Path = config.SQL_DIR) -> tuple[str, ...]:
    """The macros and views, each after every macro and view it uses; a circle among them is refused."""
    made = set(macros(root) + views(root))
    uses = {name: mentions(text(name, root), made - {name}) for name in sorted(made)}
    try:
        return tuple(TopologicalSorter(uses).static_order())
    except CycleError as exc:
        raise SqlFileError(f"视图循环引用 (views read each other in a circle): {' -> '.join(exc.args[1])}") from None
