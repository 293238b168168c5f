"""Progress bulletins: the context is built here as plain data; reports/templates only lay it out."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ipwatch import annex, config, figures, files, normalise, warehouse
from ipwatch.catalogue import CATEGORIES
from ipwatch.periods import MONTH, previous_quarter, quarter_label, quarter_of_month


def environment() -> Environment:
    """Jinja2 with autoescaping: all text from submissions is escaped."""
    env = Environment(
        loader=FileSystemLoader(config.TEMPLATES_DIR), autoescape=select_autoescape(default=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.filters["pct"] = format_percent
    env.filters["when"] = format_time
    return env


def format_time(moment: object) -> str:
    """A timestamp to the minute; '—' when missing."""
    return moment.strftime("%Y-%m-%d %H:%M") if hasattr(moment, "strftime") else "—"


def format_number(value: float | None) -> str:
    """A value as a bulletin prints it: up to 2 decimals, no trailing zeros; '—' when missing."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal; '—' when missing."""
    return "—" if value is None else f"{value * 100:.1f}%"


def data_version(conn: duckdb.DuckDBPyConnection) -> dict:
    """The latest accepted submission time and a hash of every observation in force."""
    frame = warehouse.query(conn, "data_version")
    digest = hashlib.sha256(frame.drop("received_at").write_csv().encode()).hexdigest()[:16]
    latest = frame["received_at"].max()
    shown = latest.strftime("%Y-%m-%d %H:%M:%S") if latest is not None else "—"
    return {"latest_submission": shown, "observations_hash": digest}


def plan_context(conn: duckdb.DuckDBPyConnection, plan_id: str, quarter: str) -> dict:
    """Everything one plan's bulletin shows for one quarter."""
    plan = warehouse.query(conn, "plan_header", plan_id=plan_id).row(0, named=True)
    rows = warehouse.query(conn, "bulletin_progress", plan_id=plan_id, period=quarter)
    regions = []
    for (code, name), group in rows.group_by(["region_code", "region_name"], maintain_order=True):
        # one chart per region would be a hundred for a province's counties: those get the overview below
        chart = figures.progress_figure(group) if code == plan["region_code"] else None
        regions.append({"region_code": code, "region_name": name, "categories": by_category(group),
                        "headline": headline(group, quarter), "progress_figure": chart})
    counties = rows.filter(pl.col("region_code") != plan["region_code"])
    quality = warehouse.query(conn, "quarter_quality", plan_id=plan_id, period=quarter)
    return {"plan": plan, "quarter": quarter, "quarter_label": quarter_label(quarter), "regions": regions,
            "summary": headline(rows, quarter), "status_figure": figures.status_figure(rows),
            "county_figure": figures.county_figure(counties) if counties.height else None,
            "key_figures": figures.key_figures(conn, plan, rows, quarter),
            "changes": warehouse.query(conn, "status_changes", plan_id=plan_id, period=quarter,
                                       previous=previous_quarter(quarter)).to_dicts(),
            "value_states": quality.filter(pl.col("part") == "values").select("item", "n").to_dicts(),
            "submissions": quality.filter(pl.col("part") == "submissions").drop("part").to_dicts(),
            "timeliness": warehouse.query(conn, "plan_timeliness", plan_id=plan_id, period=quarter).to_dicts(),
            "corrections": warehouse.query(conn, "quarter_corrections", plan_id=plan_id, period=quarter).to_dicts()}


def by_category(rows: pl.DataFrame) -> list[dict]:
    """Target rows grouped by category, in the plans' customary order."""
    present = set(rows["category"])
    order = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    return [{"category": c, "targets": rows.filter(pl.col("category") == c).to_dicts()} for c in order]


def headline(rows: pl.DataFrame, quarter: str) -> str:
    """'截至2025年三季度，14项指标中已完成5项、正常推进4项…' from the status counts."""
    counts = rows.group_by("status_label", "status_order").len().sort("status_order")
    parts = "、".join(f"{r['status_label']}{r['len']}项" for r in counts.iter_rows(named=True))
    return f"截至{quarter_label(quarter)}，{rows.height}项指标中{parts}。"


def edition(period: str) -> tuple[str, bool]:
    """(quarter reported, quarterly?) for a bulletin period: a month '2025-10' or a quarter '2025Q3'."""
    if MONTH.match(period):
        return quarter_of_month(period), False
    quarter = normalise.period(period)
    if quarter is None:
        raise ValueError(f"简报期应为月份（2025-10）或季度（2025Q3） (period must be YYYY-MM or a quarter): {period!r}")
    return quarter, True


def render(conn: duckdb.DuckDBPyConnection, period: str, out_dir: Path, region: str | None = None) -> list[Path]:
    """Write one HTML bulletin per plan (or the plans of `region`): monthly for '2025-10', quarterly for '2025Q3'."""
    quarter, quarterly = edition(period)
    plans = warehouse.query(conn, "plan_list")
    if region:
        plans = plans.filter(pl.col("region_code") == region)
    version = data_version(conn)
    template = environment().get_template("bulletin.html.j2")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, latest = [], []
    for plan_id in plans["plan_id"]:
        context = plan_context(conn, plan_id, quarter)
        path = out_dir / f"{period if not quarterly else quarter}-{plan_id}.html"
        render_region_pages(context, path, period=period, quarterly=quarterly, version=version)
        annex.write_annex({**context, "version": version}, path.with_suffix(".xlsx"))
        files.publish(path, template.render(month=period, quarterly=quarterly, version=version,
                                            annex=path.with_suffix(".xlsx").name, **context))
        paths.append(path)
        latest.append({"file": path.name, "region_name": context["plan"]["region_name"],
                       "title": context["plan"]["title"], "summary": context["summary"]})
    render_index(conn, out_dir, period, latest)
    return paths


def render_region_pages(context: dict, plan_page: Path, **edition: object) -> list[Path]:
    """A page for each county whose own targets the plan sets (as Liaoning's guidance does for each county).

    Each region of the context gets the link to its page; pages go in a folder named after the plan's page.
    The plan's page charts every county's statuses; a chart per county page would cost a second per ten.
    """
    template = environment().get_template("region.html.j2")
    folder = plan_page.with_suffix("")
    pages = []
    for region in context["regions"]:
        if region["region_code"] == context["plan"]["region_code"]:
            continue
        page = folder / f"{region['region_code']}.html"
        region["page"] = f"{folder.name}/{page.name}"
        folder.mkdir(exist_ok=True)
        files.publish(page, template.render(region=region, plan=context["plan"], quarter_label=context["quarter_label"],
                                            back=f"../{plan_page.name}", **edition))
        pages.append(page)
    return pages


def index_entries(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> list[dict]:
    """Every bulletin in `out_dir`, monthly ('2025-10-…') and quarterly ('2025Q3-…'), newest first."""
    names = warehouse.query(conn, "plan_list").rows_by_key("plan_id", named=True, unique=True)
    entries = []
    for path in [*out_dir.glob("????-??-*.html"), *out_dir.glob("????Q?-*.html")]:
        period = path.stem[:7] if path.stem[4] == "-" else path.stem[:6]
        plan_id = path.stem[len(period) + 1:]
        if plan_id in names:
            entries.append({"file": path.name, "month": period, "plan_id": plan_id, **names[plan_id]})
    return sorted(entries, key=lambda e: (e["month"], e["region_code"]), reverse=True)


def render_index(conn: duckdb.DuckDBPyConnection, out_dir: Path, month: str, latest: list[dict]) -> Path:
    """Write index.html: the month just rendered, region by region, then every bulletin produced."""
    path = out_dir / "index.html"
    html = environment().get_template("index.html.j2").render(
        month=month, latest=latest, entries=index_entries(conn, out_dir))
    return files.publish(path, html)
