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


def is_within(regions: pl.DataFrame, code: str, ancestor: str) -> bool:
    """True when `code` is `ancestor` or lies under it."""
    return code == ancestor or code in set(descendants(regions, ancestor)["region_code"])
