"""The chain of versions behind a value: what was submitted, when, and what superseded it."""

from __future__ import annotations

import duckdb

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain.cells import text


def indicator_code(name: str) -> str:
    """An indicator named by code, Chinese name or a plan's wording; ValueError listing candidates otherwise."""
    codes = sorted(cat.alias_index(cat.default()).get(text(name), ()))
    if len(codes) != 1:
        found = "、".join(codes) or "无"
        raise ValueError(f"无法确定指标“{name}”（候选：{found}） (unknown or ambiguous indicator {name!r})")
    return codes[0]


def versions(ws: config.Workspace, region: str, indicator: str) -> list[dict]:
    """Every version of `indicator` for `region`, newest period and newest submission first."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return chain(conn, region, indicator_code(indicator))


def chain(conn: duckdb.DuckDBPyConnection, region: str, code: str) -> list[dict]:
    """Every version of the indicator `code` for `region`, as `versions` lists them (the portal's finding page)."""
    return warehouse.query(conn, "indicator_history", region_code=region, indicator_code=code).to_dicts()
