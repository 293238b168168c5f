"""The figures of a bulletin as plain data: each an SVG and the table of numbers behind it."""

from __future__ import annotations

import duckdb
import polars as pl

from ipwatch import warehouse
from ipwatch.bulletins import charts
from ipwatch.domain import target_text
from ipwatch.domain.periods import QUARTER_ZH, index, split

RANKING_WHOLE = 30  # a ranking of up to this many regions is drawn whole; a longer one only at its ends
RANKING_ENDS = 10  # bars drawn at each end of a longer ranking (辽宁's 100 counties: one chart 3,000 px long)


def status_figure(rows: pl.DataFrame) -> dict:
    """How many targets stand at each status."""
    counts = (rows.group_by("status", "status_label", "status_order").len().sort("status_order")
              .select("status", pl.col("status_label").alias("label"), pl.col("len").alias("n")).to_dicts())
    return {"svg": charts.status_overview(counts), "table": counts}


def progress_figure(rows: pl.DataFrame, final: bool = False) -> dict:
    """Each target's completion against 序时进度, at a final evaluation against the target (the table behind it is
    the bulletin's target table)."""
    return {"svg": charts.progress_bars(rows.to_dicts(), final)}


def target_path(row: dict, points: list[dict]) -> list[dict]:
    """The path the plan sets on the charted values (`points`: t, value; flows as yearly totals): a level from
    its baseline to its target; a 新增 from the base-year stock to that plus what is to be added; a yearly amount
    (annual, or a plan total spread evenly) flat over the plan's years; a growth rate compounding from the base
    year's value. Empty where the plan sets no value to draw (a rank)."""
    base_year = row["baseline_year"] or (int(row["baseline_period"][:4]) if row["baseline_period"] else None)
    start, end = row["plan_start"] - 1, row["target_year"]
    kind, target = row["kind"], row["target"]
    if kind == "annual_flow" and target is not None:
        return [{"t": float(start + 1), "value": target}, {"t": float(end), "value": target}]
    if kind == "cumulative" and row["measure"] == "flow_ytd" and target is not None:
        yearly = target / (end - start)
        return [{"t": float(start + 1), "value": yearly}, {"t": float(end), "value": yearly}]
    if kind == "annual_growth":
        base = next((p["value"] for p in points if p["t"] == float(start)), None)
        g = 1 + row["target_value"] / 100
        return [] if base is None else [{"t": float(start + k), "value": base * g ** k} for k in range(end - start + 1)]
    if kind == "cumulative" and row["cumulative_basis"] == "new" and row["baseline"] is not None:
        target = row["baseline"] + target if target is not None else None
    if row["baseline"] is None or target is None or base_year is None or kind == "rank":
        return []
    return [{"t": float(base_year), "value": row["baseline"]}, {"t": float(end), "value": target}]


def point_label(point: dict, flow: bool) -> str:
    """How a trend point reads in its table and beside its mark: '2025年' for a flow's full year, '2026年（截至
    第三季度）' for a year so far, '2026年第三季度' for a stock."""
    if point["year_to_date"]:
        return f"{split(point['period'])[0]}年（{mark(point)}）"
    return target_text.period_text(point["period"], full_year=flow)


def mark(point: dict) -> str:
    """'截至第三季度': what a flow's year-to-date covers."""
    return f"截至第{QUARTER_ZH[split(point['period'])[1]]}季度"


def trend_points(conn: duckdb.DuckDBPyConnection, region: str, code: str, quarter: str, own: dict | None,
                 measure: str) -> list[dict]:
    """The indicator's trend in `region` up to `quarter`: each point's period, t, value and label, and which one
    the region's row is judged on (`judged`), included even where it is a year so far among full years."""
    judged = own["actual_period"] if own and own["actual_period"] else None
    points = warehouse.query(conn, "indicator_trend", region_code=region, indicator_code=code,
                             period_key=index(quarter), judged_key=index(judged) if judged else None).to_dicts()
    return [{**p, "label": point_label(p, measure == "flow_ytd"), "mark": mark(p) if p["year_to_date"] else ""}
            for p in points]


def key_figures(conn: duckdb.DuckDBPyConnection, plan: dict, rows: pl.DataFrame, quarter: str) -> list[dict]:
    """For each key target of the plan: its trend in the plan region and the ranking of the region's counties."""
    figures = []
    for target_id in plan["key_targets"] or []:
        own = rows.filter((pl.col("target_id") == target_id) & (pl.col("region_code") == plan["region_code"]))
        sample = rows.filter(pl.col("target_id") == target_id).row(0, named=True)
        code, unit = sample["indicator_code"], sample["unit"]
        row = own.row(0, named=True) if own.height else None
        points = trend_points(conn, plan["region_code"], code, quarter, row, sample["measure"])
        ranked = warehouse.query(conn, "children_ranking", region_code=plan["region_code"], indicator_code=code,
                                 period=quarter).to_dicts()
        path = target_path({**row, "plan_start": plan["period_start"]}, points) if row else []
        if row:  # in the unit the plan states its target in, as the target table (0.39亿元 as 3,900万元)
            unit = target_text.shown_unit(row)
            points, ranked, path = ([{**p, "value": target_text.in_unit(row, p["value"])} for p in part]
                                    for part in (points, ranked, path))
        figures.append({
            # the target's own name, as its row and the annex name it (one name per target in an edition)
            "title": sample["wording"], "target_id": target_id, "unit": unit,
            "trend_table": points, "ranking_table": ranked,
            "path": path, "trend_svg": charts.trend(points, path, unit) if points else None,
            "ranking_svg": ranking_svg(ranked, unit), "ranking_ends": ends(ranked),
        })
    return figures


def ends(ranked: list[dict]) -> int | None:
    """How many regions the chart shows at each end of the ranking: None where it shows them all."""
    return RANKING_ENDS if len(ranked) > RANKING_WHOLE else None


def ranking_svg(ranked: list[dict], unit: str) -> str | None:
    """The ranking's chart: every region, or a long ranking's first and last `RANKING_ENDS` (the table beside it,
    sortable, and the annex list them all)."""
    if not ranked:
        return None
    shown = ends(ranked)
    return charts.ranking(ranked, unit) if shown is None else charts.ranking_ends(ranked[:shown], ranked[-shown:],
                                                                                   unit)
