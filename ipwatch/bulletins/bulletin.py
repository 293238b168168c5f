"""Progress bulletins (进度通报): the context is built here as plain data; reports/templates only lay it out."""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from ipwatch import config, files, pages, warehouse
from ipwatch.bulletins import annex, charts, editions, figures, invariants, narrative, pdf, publication
from ipwatch.bulletins.editions import Edition
from ipwatch.domain import periods, regions, target_text
from ipwatch.domain.catalogue import CATEGORIES
from ipwatch.domain.periods import previous_quarter, quarter_label
from ipwatch.warehouse import data_version


def plan_context(conn: duckdb.DuckDBPyConnection, plan_id: str, quarter: str, final: bool = False,
                 pin: publication.Pin | None = None) -> dict:
    """Everything one plan's bulletin shows for one quarter; a `final` evaluation compares the plan's end with its
    baseline and targets, and reads no previous quarter. With the `pin` it is drafted from (read within its
    `publication.as_of`): how its regions stand in the quarter's sign-off, a region left out showing no status
    change (its quarter is not in the edition), deadlines judged on the day it was first made (made again, it says
    the same)."""
    made = pin.made_at.astimezone() if pin else datetime.now().astimezone()
    today = config.local_date(made)
    plan = warehouse.query(conn, "plan_header", plan_id=plan_id).row(0, named=True)
    frame = warehouse.query(conn, "bulletin_progress", plan_id=plan_id, period=quarter)
    names = target_names(frame)
    frame = frame.with_columns(pl.col("target_id").replace_strict(names).alias("wording"))
    rows = [target_text.describe(r) for r in frame.to_dicts()]
    if final:
        rows = [{**r, "since_base_text": since_base(r)} for r in rows]
    own = [r for r in rows if r["region_code"] == plan["region_code"]]
    county_rows = [r for r in rows if r["region_code"] != plan["region_code"]]
    bound = list(dict.fromkeys([plan["region_code"], *(r["region_code"] for r in rows)]))
    signoff = publication.signoff(conn, pin, quarter, bound) if pin else None
    withheld = signoff["withheld"] if signoff else {}
    changes = [] if final else [{**c, "wording": names[c["target_id"]]}
                                for c in warehouse.query(conn, "status_changes", plan_id=plan_id, period=quarter,
                                                         previous=previous_quarter(quarter)).to_dicts()
                                if c["region_code"] not in withheld]
    own_changes = [c for c in changes if c["region_code"] == plan["region_code"]]
    county_changes = [c for c in changes if c["region_code"] != plan["region_code"]]
    regions = [{"region_code": code, "region_name": group[0]["region_name"], "categories": by_category(group),
                "headline": headline(group, quarter),
                # one chart per region would be a hundred for a province's counties: those get the summary
                "progress_figure": figures.progress_figure(pl.DataFrame(group), final) if code == plan["region_code"]
                else None}
               for code, group in grouped(rows).items()]
    quality = warehouse.query(conn, "quarter_quality", plan_id=plan_id, period=quarter)
    return {"plan": plan, "quarter": quarter, "quarter_label": quarter_label(quarter), "regions": regions,
            **lead(plan, own, county_rows, own_changes, county_changes, quarter, final),
            "status_figures": status_figures(plan, frame),
            "county_summary": county_summary(plan, county_rows) if county_rows else None,
            "key_figures": figures.key_figures(conn, plan, frame, quarter),
            "changes": own_changes, "county_changes": changes_by_target(county_changes),
            "value_states": quality.filter(pl.col("part") == "values").select("item", "n").to_dicts(),
            "submissions": quality.filter(pl.col("part") == "submissions").drop("part").to_dicts(),
            "timeliness": warehouse.query(conn, "plan_timeliness", plan_id=plan_id, period=quarter,
                                           today=today).to_dicts(),
            "corrections": named_by_target(rows, warehouse.query(conn, "quarter_corrections", plan_id=plan_id,
                                                                  period=quarter).to_dicts()),
            "sources": sources(conn, plan_id, quarter), "signoff": signoff,
            "preview": bool(pin) and not pin.approved_only}


def lead(plan: dict, own: list[dict], counties: list[dict], own_changes: list[dict], county_changes: list[dict],
         quarter: str, final: bool = False) -> dict:
    """The headline and the opening paragraph: the plan region's own targets, then those binding every county; in
    a province's bulletin the counties come first (its reader is its counties: 辽宁 sets each of 100 counties 16
    targets and itself one) and its own targets next, as 本级. The date is said once, by whichever comes first."""
    if not counties:
        return {"summary": headline(own, quarter), "narrative": narrative.paragraph(own, own_changes, quarter, final)}
    if plan["region_level"] != "province":
        return {"summary": (headline(own, quarter) if own else "")
                + county_headline(counties, "" if own else quarter),
                "narrative": (narrative.paragraph(own, own_changes, quarter, final) if own else "")
                + narrative.county_paragraph(counties, county_changes, "" if own else quarter, final)}
    own_level = f"{plan['region_name']}本级"
    return {
        "summary": county_headline(counties, quarter) + (headline(own, "", own_level) if own else ""),
        "narrative": narrative.county_paragraph(counties, county_changes, quarter, final)
        + (narrative.paragraph(own, own_changes, "", final, own_level) if own else ""),
    }


def since_base(row: dict) -> str:
    """较基期: the value judged against the baseline, as 环比 and 同比 read (in 百分点 for rates and scores, else
    relative; from a baseline of zero, the amount added: '+3 家'; 持平 where unmoved); '—' where the row has no
    baseline or value to compare, or is a rank."""
    if narrative.toward_target(row) is None:
        return "—"
    moved = row["actual"] - row["baseline"]
    if moved == 0:
        return "持平"
    sign = "+" if moved > 0 else ""
    if row["change_in_points"]:
        return pages.format_change(moved, True, row["unit"])
    if row["baseline"] == 0:
        return sign + target_text.amount(target_text.in_unit(row, moved), target_text.shown_unit(row))
    return sign + target_text.percent(moved / row["baseline"])


# how a target is told from another of its plan with the same wording (专利授权量: its growth, its rank)
QUALIFIERS = {"rank": "排名", "annual_growth": "增速", "annual_flow": "年度值", "cumulative": "累计", "level": "水平",
              "share": "比重"}


def target_names(frame: pl.DataFrame) -> dict[str, str]:
    """The name each target of a plan goes by in an edition: its wording, and where another target of the plan
    has the same wording, what it measures in brackets ('专利授权量（排名）'): one name per target, everywhere."""
    targets = frame.unique("target_id", maintain_order=True).select("target_id", "wording", "kind",
                                                                    "cumulative_basis").to_dicts()
    shared = {w for w, n in Counter(t["wording"] for t in targets).items() if n > 1}
    names = {}
    for t in targets:
        qualifier = "新增" if t["kind"] == "cumulative" and t["cumulative_basis"] == "new" else QUALIFIERS[t["kind"]]
        names[t["target_id"]] = f"{t['wording']}（{qualifier}）" if t["wording"] in shared else t["wording"]
    return names


def named_by_target(rows: list[dict], items: list[dict]) -> list[dict]:
    """Items naming an indicator, named as the plan's one target on it is (每万人发明专利拥有量 where the indicator
    is 每万人口…), so that one edition calls one thing by one name; by the indicator's name where targets differ."""
    wordings: dict[str, set[str]] = {}
    for row in rows:
        wordings.setdefault(row["indicator_code"], set()).add(row["wording"])
    return [{**item, "indicator_name": next(iter(wordings[item["indicator_code"]]))}
            if len(wordings.get(item["indicator_code"], ())) == 1 else item for item in items]


def status_figures(plan: dict, frame: pl.DataFrame) -> list[dict]:
    """Targets by status: the plan region's own (its headline's counts), and apart from them, those binding each
    county, counted once per county (the county headline's C counties × M targets)."""
    own = frame.filter(pl.col("region_code") == plan["region_code"])
    counties = frame.filter(pl.col("region_code") != plan["region_code"])
    out = []
    if own.height:
        out.append({**figures.status_figure(own), "population": "own",
                    "caption": f"图{len(out) + 1} {plan['region_name']}各状态指标数（共{own.height}项）"})
    if counties.height:
        c, m = counties["region_code"].n_unique(), counties["target_id"].n_unique()
        per = f"{c}个县（市、区）×{m}项" if counties.height == c * m else f"{c}个县（市、区）"
        out.append({**figures.status_figure(counties), "population": "counties",
                    "caption": f"图{len(out) + 1} 各县（市、区）指标状态（按县计：{per}，共{counties.height}项次）"})
    return out


def sources(conn: duckdb.DuckDBPyConnection, plan_id: str, quarter: str) -> dict:
    """How many accepted files the plan's values up to the quarter come from, and the day the latest arrived."""
    row = warehouse.query(conn, "plan_sources", plan_id=plan_id, period=quarter).row(0, named=True)
    latest = row["latest_received_at"]
    return {"files": row["files"], "latest": latest.date() if latest is not None else None,
            "latest_day": editions.chinese_date(latest) if latest is not None else "—"}


def grouped(rows: list[dict]) -> dict[str, list[dict]]:
    """Target rows by region code, in the order they come."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["region_code"], []).append(row)
    return out


def by_category(rows: list[dict]) -> list[dict]:
    """Target rows grouped by category, in the plans' customary order."""
    present = {r["category"] for r in rows}
    order = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    return [{"category": c, "targets": [r for r in rows if r["category"] == c]} for c in order]


def status_counts(rows: list[dict]) -> str:
    """'已完成5项、正常推进4项' in the statuses' order."""
    counts: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row["status_order"], row["status_label"])
        counts[key] = counts.get(key, 0) + 1
    return "、".join(f"{label}{n}项" for (_, label), n in sorted(counts.items()))


def headline(rows: list[dict], quarter: str, subject: str = "") -> str:
    """'截至2025年第三季度，14项指标中已完成5项、正常推进4项…' from the status counts ('截至…' when `quarter`)."""
    lead = f"截至{quarter_label(quarter)}，" if quarter else ""
    return f"{lead}{subject}{len(rows)}项指标中{status_counts(rows)}。"


def county_headline(rows: list[dict], quarter: str) -> str:
    """For targets binding every county: counted once, then the counties meeting them ('截至…' when `quarter`)."""
    counties, by_target = grouped(rows), {}
    for row in rows:
        by_target.setdefault(row["target_id"], []).append(row)
    done = [sum(r["status"] == "achieved" for r in group) for group in by_target.values()]
    every, some = sum(d == len(counties) for d in done), sum(0 < d < len(counties) for d in done)
    complete = sum(all(r["status"] == "achieved" for r in group) for group in counties.values())
    none = len(done) - every - some
    lead = f"截至{quarter_label(quarter)}，" if quarter else ""
    return (f"{lead}规划对{len(counties)}个县（市、区）各设{len(by_target)}项指标："
            f"{every}项指标各县（市、区）均已完成，{some}项部分县（市、区）已完成，{none}项尚无县（市、区）完成；"
            f"全部指标均已完成的县（市、区）{complete}个。")


def county_summary(plan: dict, rows: list[dict]) -> dict:
    """One row per county: its targets achieved, and the status of each key target (a cell each)."""
    keys = list(plan["key_targets"] or [])
    heads = {r["target_id"]: r["wording"] for r in rows if r["target_id"] in keys}
    table = []
    for code, group in grouped(rows).items():
        cells = {r["target_id"]: r for r in group}
        table.append({"region_code": code, "region_name": group[0]["region_name"], "targets": len(group),
                      "achieved": sum(r["status"] == "achieved" for r in group),
                      "behind": sum(r["status"] in ("needs_acceleration", "lagging", "regressing", "missed")
                                    for r in group),
                      "key": [cells.get(k) for k in keys if k in heads]})
    return {"keys": [heads[k] for k in keys if k in heads], "rows": table}


def changes_by_target(changes: list[dict]) -> list[dict]:
    """For targets binding every county: per target, how many counties changed status, and how many of them
    now reach it (a hundred counties' changes are otherwise a hundred rows)."""
    out: dict[str, dict] = {}
    for c in changes:
        entry = out.setdefault(c["target_id"], {"wording": c["wording"], "changed": 0, "achieved": 0})
        entry["changed"] += 1
        entry["achieved"] += c["status_now"] == "achieved"
    return sorted(out.values(), key=lambda e: -e["changed"])


def edition_context(conn: duckdb.DuckDBPyConnection, plan: dict, edition: Edition, latest: date | None = None) -> dict:
    """The masthead of an edition: issuing office, 期号, issue date (not before `latest`, the day the last file it
    draws on arrived), and what it is called."""
    (due,) = conn.execute(warehouse.sql("quarter_due_date"), {"period": edition.quarter}).fetchone()
    number = editions.issue_number(edition, plan["period_start"], plan["period_end"])
    office = plan.get("bulletin_office") or config.settings().bulletin_office or f"{plan['region_name']}知识产权局"
    return {"edition": edition, "edition_label": edition.label, "edition_name": edition.name,
            "issue": f"{edition.period[:4]}年第{number}期" if number else f"{edition.quarter[:4]}年终期评估",
            "issue_date": editions.chinese_date(editions.issue_date(edition, due, latest)),
            "office": office,
            "quarterly": edition.kind == "quarterly"}


def chosen_plans(conn: duckdb.DuckDBPyConnection, period: str, region: str | None = None) -> list[tuple[dict, Edition]]:
    """The plans an edition covers (of `region` only, when given), each with the edition it gets: itself while the
    plan is in force, its final evaluation once it has ended."""
    asked = editions.parse(period)
    plans = warehouse.query(conn, "plan_list")
    if region:
        plans = plans.filter(pl.col("region_code") == region)
    return [(plan, edition) for plan in plans.iter_rows(named=True)
            if (edition := editions.covers(asked, plan["period_start"], plan["period_end"])) is not None]


def pin_pages(conn: duckdb.DuckDBPyConnection, period: str, region: str | None = None,
              reissue: bool = False) -> dict[str, publication.Pin]:
    """What each plan's page of an edition is made from, recorded when it is first made (a writable connection):
    made again it is the same page (publication.py)."""
    return {plan["plan_id"]: publication.pin(conn, edition.period, plan["plan_id"], reissue)
            for plan, edition in chosen_plans(conn, period, region)}


def render(conn: duckdb.DuckDBPyConnection, period: str, out_dir: Path, region: str | None = None,
           force: bool = False, as_pdf: bool = False, include_unapproved: bool = False,
           pins: dict[str, publication.Pin] | None = None) -> list[Path]:
    """Write one HTML bulletin per plan in force (or of `region`): monthly for '2025-10', quarterly for '2025Q3';
    a plan already ended gets its final evaluation (终期评估) instead. With `as_pdf`, each page's A4 PDF beside it.

    Each page shows what its pin saw, of the quarters under sign-off only the values accepted (审定); `pins` from
    `pin_pages` (else pinned here, which needs a writable connection). `include_unapproved`: an internal preview of
    every value now, marked 内部预览稿 on every page, pinning nothing.

    Every page (and its PDF) is drafted and checked (invariants) before any is published: an edition with a
    breach raises Inconsistent and writes nothing, unless `force`, which publishes it stamped with what failed.
    Returns the pages, each followed by its PDF.
    """
    asked = editions.parse(period)
    charts.require_font()  # refuse before any work rather than draw clipped labels
    warehouse.require_current(conn)
    chosen = chosen_plans(conn, period, region)
    if include_unapproved:
        pins = {plan["plan_id"]: publication.preview(publication.now(conn)) for plan, _ in chosen}
    elif pins is None:  # read-only, a page not made before reads the warehouse as it is, pinning nothing
        pins = pin_pages(conn, period, region) if warehouse.writable(conn) else \
            {plan["plan_id"]: publication.pinned(conn, edition.period, plan["plan_id"]) for plan, edition in chosen}
    out_dir.mkdir(parents=True, exist_ok=True)
    # the quarters the pages read progress at: each edition's and the one before it (status changes)
    quarters = sorted({q for _, e in chosen for q in (e.quarter, previous_quarter(e.quarter))})
    # progress first, from every region's values (peers rank against peers); then the values the pages read
    # themselves, of the plans' regions and those under them only: a national warehouse holds far more.
    read = warehouse.query(conn, "bulletin_regions", plan_ids=[plan["plan_id"] for plan, _ in chosen])
    drafts: dict[str, Draft] = {}
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".drafts-") as staging:
        # pages made from one pin are drafted over one reading of the warehouse as it stood then
        readings = {pins[plan["plan_id"]].reading: pins[plan["plan_id"]] for plan, _ in chosen}
        for reading, pin in readings.items():
            with publication.as_of(conn, pin), warehouse.snapshot(conn, "progress", period=quarters), \
                    warehouse.snapshot(conn, "observed", region_code=read["region_code"].to_list()):
                version = data_version(conn)
                drafts.update({plan["plan_id"]: draft_plan(conn, plan["plan_id"], edition, Path(staging), version,
                                                           pins[plan["plan_id"]])
                               for plan, edition in chosen if pins[plan["plan_id"]].reading == reading})
        ordered = [drafts[plan["plan_id"]] for plan, _ in chosen]
        if as_pdf:
            for draft in ordered:
                draft_pdf(draft, Path(staging))
        broken = [d for d in ordered if d.breaches]
        if broken and not force:
            raise invariants.Inconsistent([(d.path.name, b) for d in broken for b in d.breaches])
        paths = [path for draft in ordered for path in publish_plan(draft, out_dir)]
    latest = [{"file": d.path.name, "region_name": d.context["plan"]["region_name"],
               "title": d.context["plan"]["title"], "summary": d.context["summary"], "breaches": len(d.breaches)}
              for d, (_, edition) in zip(ordered, chosen, strict=True) if edition == asked]
    render_index(conn, out_dir, asked, latest, preview=include_unapproved)
    return paths


@dataclass
class Draft:
    """One plan's page of an edition, rendered and checked but not yet published; its annex in the staging
    folder."""

    path: Path
    context: dict
    html: str
    annex: Path
    breaches: list[invariants.Breach] = field(default_factory=list)
    pdf: Path | None = None


def draft_plan(conn: duckdb.DuckDBPyConnection, plan_id: str, edition: Edition, staging: Path,
               version: dict, pin: publication.Pin | None = None) -> Draft:
    """One plan's page of an edition and its Excel annex, and every invariant they break (read within the pin's
    `publication.as_of`; without a pin, the warehouse as it is, saying nothing of sign-off)."""
    context = plan_context(conn, plan_id, edition.quarter, final=edition.kind == "final", pin=pin)
    # never dated before a file it draws on, nor one it lists (a quarter's files still in sign-off are listed)
    listed = [s["received_at"].date() for s in context["submissions"] if s.get("received_at") is not None]
    latest = max([d for d in (context["sources"]["latest"], *listed) if d is not None], default=None)
    context.update(edition_context(conn, context["plan"], edition, latest), version=version)
    name = f"{edition.period}-{plan_id}"
    link_region_pages(context, f"{name}.html")
    annex_path = annex.write_annex(context, staging / f"{name}.xlsx")
    html = page_html(context, annex_path.name)
    day = periods.last_day(edition.quarter)
    published = invariants.Published(context, html, annex=annex.read(annex_path),
                                     absent_regions=lambda codes: set(regions.missing_on(codes, day)))
    return Draft(Path(f"{name}.html"), context, html, annex_path, invariants.check(published))


STAMP = 'class="breaches"'  # the mark of a page published with --force (reports/templates/bulletin.html.j2)


def page_html(context: dict, annex_name: str, breaches: list | None = None) -> str:
    """A plan's page (stamped with the checks it failed when published anyway)."""
    return pages.environment().get_template("bulletin.html.j2").render(annex=annex_name, breaches=breaches or [],
                                                                       **context)


def draft_pdf(draft: Draft, staging: Path) -> None:
    """Print a draft page to A4 in the staging folder and add to its breaches every number of the page its PDF
    does not carry whole (a table not printed, a number parted from its unit)."""
    page = files.publish(staging / draft.path, draft.html)
    draft.pdf = pdf.to_pdf(page, page.with_suffix(".pdf"))
    draft.breaches += invariants.pdf_breaches(invariants.PageText.of(draft.html), pdf.text(draft.pdf))


def publish_plan(draft: Draft, out_dir: Path) -> list[Path]:
    """Move a checked draft into place: its annex, its county pages, then the page that links them, and its PDF
    (printed again from the stamped page when published despite breaches)."""
    path = out_dir / draft.path
    os.replace(draft.annex, path.with_suffix(".xlsx"))
    render_region_pages(draft.context, path)
    stamped = bool(draft.breaches)
    html = page_html(draft.context, draft.annex.name, [str(b) for b in draft.breaches]) if stamped else draft.html
    published = [files.publish(path, html)]
    if draft.pdf is not None:
        target = path.with_suffix(".pdf")
        if stamped:
            pdf.to_pdf(path, target)  # the stamped page, as published
        else:
            os.replace(draft.pdf, target)
        published.append(target)
    return published


def link_region_pages(context: dict, plan_page: str) -> None:
    """Give each county whose own targets the plan sets (as Liaoning's guidance does for each county) the link to
    its page, in a folder named after the plan's page: `<page>/<county code>.html`."""
    folder = Path(plan_page).stem
    for region in context["regions"]:
        if region["region_code"] != context["plan"]["region_code"]:
            region["page"] = f"{folder}/{region['region_code']}.html"
    if context["county_summary"]:
        links = {r["region_code"]: r.get("page") for r in context["regions"]}
        for row in context["county_summary"]["rows"]:
            row["page"] = links.get(row["region_code"])


def render_region_pages(context: dict, plan_page: Path) -> list[Path]:
    """Write the county pages `link_region_pages` linked. The plan's page summarises the counties; a chart per
    county page would cost a second per ten."""
    template = pages.environment().get_template("region.html.j2")
    written = []
    for region in context["regions"]:
        if region.get("page"):
            written.append(files.publish(plan_page.parent / region["page"], template.render(
                region=region, back=f"../{plan_page.name}", **{k: v for k, v in context.items() if k != "regions"})))
    return written


def index_entries(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> list[dict]:
    """Every bulletin in `out_dir`, monthly ('2025-10-…'), quarterly ('2025Q3-…') and final ('2020-final-…'),
    newest first."""
    names = warehouse.query(conn, "plan_list").rows_by_key("plan_id", named=True, unique=True)
    entries = []
    for path in [*out_dir.glob("????-??-*.html"), *out_dir.glob("????Q?-*.html"), *out_dir.glob("????-final-*.html")]:
        period = path.stem[:10] if path.stem[5:10] == "final" else path.stem[:7] if path.stem[4] == "-" \
            else path.stem[:6]
        plan_id = path.stem[len(period) + 1:]
        if plan_id in names:
            edition = editions.final(int(period[:4])) if period.endswith("final") else editions.parse(period)
            entries.append({"file": path.name, "month": period, "label": edition.title,
                            "final": edition.kind == "final", "plan_id": plan_id, "stamped": stamped(path),
                            **names[plan_id]})
    return sorted(entries, key=lambda e: (e["month"][:4], e["month"], e["region_code"]), reverse=True)


def stamped(page: Path) -> bool:
    """Whether a page was published with --force despite breaches (its stamp, `page_html`)."""
    return STAMP in page.read_text(encoding="utf-8")


def render_index(conn: duckdb.DuckDBPyConnection, out_dir: Path, edition: Edition, latest: list[dict],
                 preview: bool = False) -> Path:
    """Write index.html: the edition just rendered, plan by plan; the final evaluations; every bulletin produced."""
    path = out_dir / "index.html"
    entries = index_entries(conn, out_dir)
    html = pages.environment().get_template("index.html.j2").render(
        edition_label=edition.title, latest=latest, entries=entries,
        finals=[e for e in entries if e["final"]], preview=preview)
    return files.publish(path, html)
