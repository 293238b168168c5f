"""The figures of a bulletin as plain data: each an SVG and the table of numbers behind it."""

from __future__ import annotations

import duckdb
import polars as pl

from ipwatch import charts, warehouse
from ipwatch.periods import split

RANKING_SHOWN = 30  # bars drawn; the table behind the chart lists every region


def status_figure(rows: pl.DataFrame) -> dict:
    """How many targets stand at each status."""
    counts = (rows.group_by("status", "status_label", "status_order").len().sort("status_order")
              .select("status", pl.col("status_label").alias("label"), pl.col("len").alias("n")).to_dicts())
    return {"svg": charts.status_overview(counts), "table": counts}


def progress_figure(rows: pl.DataFrame) -> dict:
    """Each target's completion against 序时进度 (the table behind it is the bulletin's target table)."""
    return {"svg": charts.progress_bars(rows.to_dicts())}


def county_figure(rows: pl.DataFrame) -> dict:
    """For targets that bind each county: how many of each county's targets stand at each status."""
    counts = (rows.group_by("region_code", "region_name", "status", "status_label", "status_order").len()
              .sort("region_code", "status_order")
              .select("region_code", pl.col("region_name").alias("name"), "status",
                      pl.col("status_label").alias("label"), pl.col("len").alias("n")).to_dicts())
    return {"svg": charts.county_statuses(counts), "table": counts}


def target_path(row: dict) -> list[dict]:
    """The straight path a level target sets, from its baseline at t0 to its value at T."""
    if row["kind"] not in ("level", "share") or row["baseline"] is None or row["target"] is None:
        return []
    start = row["baseline_year"] or int(row["baseline_period"][:4]) if row["baseline_period"] or row["baseline_year"] \
        else None
    return [] if start is None else [{"t": float(start), "value": row["baseline"]},
                                     {"t": float(row["target_year"]), "value": row["target"]}]


def key_figures(conn: duckdb.DuckDBPyConnection, plan: dict, rows: pl.DataFrame, quarter: str) -> list[dict]:
    """For each key target of the plan: its trend in the plan region and the ranking of the region's counties."""
    year, q = split(quarter)
    figures = []
    for target_id in plan["key_targets"] or []:
        own = rows.filter((pl.col("target_id") == target_id) & (pl.col("region_code") == plan["region_code"]))
        sample = rows.filter(pl.col("target_id") == target_id).row(0, named=True)
        code, unit = sample["indicator_code"], sample["unit"]
        points = warehouse.query(conn, "indicator_trend", region_code=plan["region_code"], indicator_code=code,
                                 period_key=year * 4 + q - 1).to_dicts()
        ranked = warehouse.query(conn, "children_ranking", region_code=plan["region_code"], indicator_code=code,
                                 period=quarter).to_dicts()
        figures.append({
            "title": sample["indicator_name"], "unit": unit, "trend_table": points, "ranking_table": ranked,
            "trend_svg": charts.trend(points, target_path(own.row(0, named=True)) if own.height else [], unit)
            if points else None,
            "ranking_svg": charts.ranking(ranked[:RANKING_SHOWN], unit) if ranked else None,
        })
    return figures
