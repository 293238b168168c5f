"""China's administrative divisions from data/regions.csv (see data/regions.md for the source)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ipwatch import config


def load(path: Path = config.REGIONS_FILE) -> pl.DataFrame:
    """Regions as region_code, name, level, parent_code (codes as text)."""
    frame = pl.read_csv(path, schema_overrides={"code": pl.String, "parent_code": pl.String})
    return frame.rename({"code": "region_code"})


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
    region above it."""
    pairs = [regions.select(office_code="region_code", region_code="region_code")]
    parents = regions.select(office_code="region_code", parent_code="parent_code")
    up = regions.select("region_code", office_code="parent_code").drop_nulls()
    for _ in range(regions.height):  # a chain of parents is never longer than the list (a cycle stops here)
        if up.is_empty():
            break
        pairs.append(up.select("office_code", "region_code"))
        up = up.join(parents, on="office_code").select("region_code", office_code="parent_code").drop_nulls()
    return pl.concat(pairs).unique().sort("office_code", "region_code")
