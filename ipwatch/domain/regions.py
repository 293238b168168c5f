"""China's administrative divisions from data/regions.csv, and every code in force since 2010 with its days from
data/region_history.csv (see data/regions.md for the sources)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import polars as pl

from ipwatch import config


def load(path: Path = config.REGIONS_FILE) -> pl.DataFrame:
    """Regions as region_code, name, level, parent_code (codes as text)."""
    frame = pl.read_csv(path, schema_overrides={"code": pl.String, "parent_code": pl.String})
    return frame.rename({"code": "region_code"})


def history(path: Path = config.REGION_HISTORY_FILE) -> pl.DataFrame:
    """Every version of every code (its name, level and parent while it had them) as region_code, name, level,
    parent_code, valid_from, valid_to: in force from valid_from (null: since before 2010) to the day before
    valid_to (null: still in force)."""
    frame = pl.read_csv(path, schema_overrides={"code": pl.String, "parent_code": pl.String,
                                                "valid_from": pl.Date, "valid_to": pl.Date})
    return frame.rename({"code": "region_code"})


def in_force(versions: pl.DataFrame, day: date) -> pl.DataFrame:
    """The regions in force on `day`, as `load` gives today's: one row a code."""
    started = pl.col("valid_from").is_null() | (pl.col("valid_from") <= day)
    not_ended = pl.col("valid_to").is_null() | (pl.col("valid_to") > day)
    return versions.filter(started & not_ended).drop("valid_from", "valid_to")


def missing_on(codes: Iterable[str], day: date, versions: pl.DataFrame | None = None) -> list[str]:
    """The codes among `codes` that were no region in force on `day` (never, not yet or no longer), sorted: what a
    bulletin of that day may not name (青岛市即墨区 370215 on 2015-12-31, when it was 即墨市 370282)."""
    known = set(in_force(history() if versions is None else versions, day)["region_code"])
    return sorted(set(codes) - known)


def descendants(regions: pl.DataFrame, code: str) -> pl.DataFrame:
    """The regions under `code`, at any depth."""
    found, frontier = [], [code]
    while frontier:
        children = regions.filter(pl.col("parent_code").is_in(frontier))
        found.append(children)
        frontier = children["region_code"].to_list()
    return pl.concat(found)


def jurisdiction(regions: pl.DataFrame, code: str) -> frozenset[str]:
    """The regions an office of `code` answers for: its own and every region under it, at any depth. The one
    definition: the portal's access, the rule region_in_jurisdiction and which counties a plan binds all use it
    (the warehouse holds it as the table `jurisdiction`, from `jurisdictions`)."""
    return frozenset({code, *descendants(regions, code)["region_code"].to_list()})


def jurisdictions(regions: pl.DataFrame) -> pl.DataFrame:
    """Every region's `jurisdiction` as rows (office_code, region_code): each region with itself and with each
    region above it. Given every version of the codes (`history`), a code answers too for the codes once under it
    (青岛市 370200 for 即墨市 370282), so an office may submit a past quarter under the code of its time."""
    regions = regions.select("region_code", "parent_code").unique()
    pairs = [regions.select(office_code="region_code", region_code="region_code")]
    parents = regions.select(office_code="region_code", parent_code="parent_code")
    up = regions.select("region_code", office_code="parent_code").drop_nulls()
    for _ in range(regions.height):  # a chain of parents is never longer than the list (a cycle stops here)
        if up.is_empty():
            break
        pairs.append(up.select("office_code", "region_code"))
        up = up.join(parents, on="office_code").select("region_code", office_code="parent_code").drop_nulls()
    return pl.concat(pairs).unique().sort("office_code", "region_code")
