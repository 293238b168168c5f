"""The Excel annex of a progress bulletin (进展附表): one row per target per region, numbers as numbers.

Each row is the page's row: named by the target's wording, its numbers in the unit the page shows them in
(`target_text.shown_unit`), so `read` gives back what a check compares with the page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ipwatch import files
from ipwatch.domain.catalogue import QUANTITY_KINDS
from ipwatch.domain.target_text import in_unit, shown_unit
from ipwatch.domain.units import convert
from ipwatch.intake.template import display_width, safe_text
from ipwatch.warehouse import reference

GUIDE_SHEET = "说明"
TABLE_SHEET = "指标进展"
RANKING_SHEET = "排名"  # every region of each key target's ranking: the page draws a long one only at its ends
RANKING_COLUMNS = ("指标", "名次", "地区", "地区代码", "数值", "计量单位", "推算")
TEXT, NUMBER, YEAR, PERCENT = "@", "General", "0", "0.0%"
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
# What a target value is in when it is not a quantity in the indicator's unit (README, "Progress").
TARGET_UNITS = {"annual_growth": "%（年增长率）", "rank": "%（位次前列）"}
# What 评价值 is for each kind of target: the figure compared with the target (README, "Progress").
JUDGED = {"annual_growth": "年增长率(%)", "annual_flow": "本年累计值", "rank": "位次", "new": "基期以来新增",
          "total": "累计值"}
VALUE_STATUSES = "正常：正式统计数；初步：初步数，日后可能更正；估计：推算或估计的数；缺失：无数据。"
STATUS_NOTES = {
    "achieved": "已达到目标（按规划的比较方式判断）",
    "regressing": "完成度为负，比基期倒退",
    "missed": "目标年份已过，目标未实现",
    "no_baseline": "有最新值，但缺少计算“新增”或“翻一番”所需的基期值",
    "incomplete": "需由下级地区汇总，但尚有下级地区未报送",
    "no_data": "无已接收的数据，不计为滞后",
}


def quantity(row: dict, value: float | None) -> float | None:
    """A plan's target value in the indicator's unit (as progress compares it)."""
    if row["kind"] not in QUANTITY_KINDS:
        return value
    return convert(value, row["target_unit"], row["unit"])


def baseline(row: dict) -> float | None:
    """基期值 as the page gives it (target_text.baseline_text decides whether it shows one: a 年均 growth's base
    value, not a 每年 growth's nor a rank's): progress's baseline in the row's unit."""
    if row["baseline_text"] == "—":
        return None
    return in_unit(row, row["baseline"])


def base_year(row: dict) -> int | None:
    """基期年份: the plan's, else the year of the quarter progress took the baseline from."""
    if row["baseline_year"] is not None:
        return row["baseline_year"]
    return int(row["baseline_period"][:4]) if row["baseline_period"] else None


def judged(row: dict) -> float | None:
    """评价值: the figure the status is judged on (a rank, a growth rate, else a quantity in the row's unit)."""
    return row["rank"] if row["kind"] == "rank" else in_unit(row, row["reached"])


def target(row: dict) -> float | None:
    """目标值: progress's target (a 翻一番 resolved against the baseline), else the plan's, in the row's unit."""
    return in_unit(row, row["target"] if row["target"] is not None else quantity(row, row["target_value"]))


def target_unit(row: dict) -> str:
    """目标值单位: a growth rate or a rank percentile, otherwise the row's unit."""
    return TARGET_UNITS.get(row["kind"], shown_unit(row))


# A row of a plan's table of indicators as its seed text has it: 指标(单位), the base year's value ("/" for none),
# the target year's, then 预期性 or 约束性. The text taken from the PDF lost the space between cells at times
# ("(家) 75150" is 75 then 150, "(家)620" is 6 then 20), and the catalogue keeps it verbatim (data/CATALOGUE.md).
TABLE_ROW = re.compile(r"(?P<name>.+\([^()]*\))\s*(?P<cells>[/\d.\s]+?)(?P<more>以上|以下)?\s*"
                       r"(?P<attribute>预期性|约束性)")


def plain(value: float) -> str:
    """A plan's number as its text writes it: no thousands separator, no trailing zeros ('22.08', '150')."""
    return format(Decimal(str(value)).normalize(), "f")


def source_text(row: dict) -> str:
    """规划原文: the plan's sentence; a row of its table with the cells apart, when its digits are exactly the
    catalogue's baseline and target run together (a row that is not is left as written)."""
    match = TABLE_ROW.fullmatch(row["source"] or "")
    if match is None or row["target_value"] is None:
        return row["source"]
    base, aim = "/" if row["baseline_value"] is None else plain(row["baseline_value"]), plain(row["target_value"])
    if re.sub(r"\s", "", match["cells"]) != base + aim:
        return row["source"]
    since = f"{row['baseline_year']}年" if row["baseline_year"] else "基期"
    return f"{match['name']}｜{since} {base}｜{row['target_year']}年 {aim}{match['more'] or ''}｜{match['attribute']}"


Column = tuple[str, Callable[[dict], Any], str]
# The table, left to right: header, how a target row gives the cell, the cell's number format.
COLUMNS: tuple[Column, ...] = (
    ("地区代码", lambda r: r["region_code"], TEXT),
    ("地区名称", lambda r: r["region_name"], TEXT),
    ("类别", lambda r: r["category"], TEXT),
    ("指标", lambda r: r["wording"], TEXT),
    ("目标编号", lambda r: r["target_id"], TEXT),
    ("统计指标", lambda r: r["indicator_name"], TEXT),
    ("指标代码", lambda r: r["indicator_code"], TEXT),
    ("计量单位", shown_unit, TEXT),
    ("基期年份", base_year, YEAR),
    ("基期值", baseline, NUMBER),
    ("最新值", lambda r: in_unit(r, r["actual"]), NUMBER),
    ("最新值报告期", lambda r: r["actual_period"], TEXT),
    ("评价值", judged, NUMBER),
    ("评价口径", lambda r: JUDGED.get(r["kind"] if r["kind"] != "cumulative" else r["cumulative_basis"], "数值"), TEXT),
    ("终期评价", lambda r: "是" if r["final"] else "否", TEXT),
    ("数据状态", lambda r: r["value_status"], TEXT),
    ("目标年份", lambda r: r["target_year"], YEAR),
    ("目标值", target, NUMBER),
    ("目标值上限", lambda r: in_unit(r, quantity(r, r["target_value_high"])), NUMBER),
    ("目标值单位", target_unit, TEXT),
    ("目标表述", lambda r: r["target_text"], TEXT),
    ("完成度(%)", lambda r: r["completion"], PERCENT),
    ("序时进度(%)", lambda r: r["expected"], PERCENT),
    ("位次", lambda r: r["rank"], YEAR),
    ("参评地区数", lambda r: r["peer_count"], YEAR),
    ("状态", lambda r: r["status_label"], TEXT),
    ("规划原文", source_text, TEXT),
    ("备注", lambda r: r["note"], TEXT),
)


def cell_value(value: Any) -> Any:
    """Text neutralised against formulas; numbers (DECIMAL included) as floats or ints; None stays empty."""
    if isinstance(value, str):
        return safe_text(value)
    if value is None or isinstance(value, int):
        return value
    return float(value)


def target_rows(context: dict) -> Iterator[dict]:
    """Every target row of the bulletin, region by region, category by category."""
    for region in context["regions"]:
        for group in region["categories"]:
            yield from group["targets"]


def write_table(ws: Worksheet, rows: Iterator[dict]) -> None:
    """Row 1 the header, then one row per target: frozen header, autofilter, readable widths."""
    for column, (header, _, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=column, value=safe_text(header))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, row in enumerate(rows, start=2):
        for column, (_, value, number_format) in enumerate(COLUMNS, start=1):
            ws.cell(row=number, column=column, value=cell_value(value(row))).number_format = number_format
    last = get_column_letter(len(COLUMNS))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{ws.max_row}"
    fit_widths(ws)


def write_rankings(ws: Worksheet, key_figures: list[dict]) -> None:
    """One row per region of each key target's ranking, in the page's order, named and numbered as the page."""
    ws.append([safe_text(h) for h in RANKING_COLUMNS])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for figure in key_figures:
        for r in figure.get("ranking_table") or []:
            ws.append([safe_text(figure["title"]), r["rank"], safe_text(r["name"]), r["region_code"],
                       cell_value(r["value"]), safe_text(figure["unit"]), "是" if r.get("derived") else ""])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RANKING_COLUMNS))}{ws.max_row}"
    fit_widths(ws)


def fit_widths(ws: Worksheet) -> None:
    """Each column as wide as its longest text, CJK counted double, within 8 to 50 characters."""
    for cells in ws.iter_cols():
        widest = max(display_width(str(c.value)) for c in cells if c.value is not None)
        ws.column_dimensions[cells[0].column_letter].width = min(max(widest + 4, 8), 50)


def version_text(version: Any) -> str:
    """The data version as the bulletin's footer gives it."""
    if isinstance(version, dict):
        return f"最新提交 {version.get('latest_submission', '—')} · 观测值哈希 {version.get('observations_hash', '—')}"
    return str(version)


def status_lines() -> list[str]:
    """One line per progress status, in data/status.yaml's order, its threshold taken from there."""
    lines = []
    for level in reference.status_frame().iter_rows(named=True):
        note = STATUS_NOTES.get(level["status"])
        if level["min_pace"] is not None:
            note = f"完成度÷序时进度不低于{level['min_pace']:g}"
        lines.append(f"{level['label_zh']}：{note}。")
    return lines


def title(context: dict) -> str:
    """The page's title with 附表: the region named once (a plan's title often begins with it: "江津区…方案")."""
    edition = context.get("edition")
    return (f"{context['plan']['region_name']}知识产权建设进度通报附表"
            f"（{edition.title if edition is not None else context['quarter_label']}）"
            + ("（内部预览稿，含未经审定的数据，不得对外发布）" if context.get("preview") else ""))


def guide_rows(context: dict) -> list[tuple[str, str]]:
    """The 说明 sheet as (label, text) pairs: what the annex is of, then how to read it."""
    plan = context["plan"]
    rows = [
        ("标题", title(context)),
        ("规划", plan["title"]),
        ("规划编号", plan["plan_id"]),
        ("规划地区", f"{plan['region_name']}（{plan['region_code']}）"),
        ("发布机关", plan.get("issuer") or "—"),
        ("规划期", f"{plan['period_start']}—{plan['period_end']}年"),
        ("报告期", f"{context['quarter_label']}（{context['quarter']}）"),
    ]
    if context.get("version"):
        rows.append(("数据版本", version_text(context["version"])))
    if context.get("signoff"):
        rows.append(("逐级审核", signoff_text(context)))
    rows += [
        ("指标", "各行以规划对目标的表述命名，与通报正文表格一致；“统计指标”列为其所统计的指标，"
                 "同一统计指标可对应多个目标。"),
        ("计量单位", "基期值、最新值、评价值、目标值和目标值上限按“计量单位”列的单位列示，与通报正文一致："
                     "规划表述目标所用的单位（如万元），无法换算时为指标的统计单位；"
                     "年增长类目标的评价值和目标值为年增长率(%)，排名类目标为位次和位次前列百分比(%)，"
                     "见“目标值单位”列；"
                     "以基期倍数表述的目标（如翻一番）在缺少基期值时目标值留空，原意见“规划原文”列。"),
        ("规划原文", "规划文本的原句；出自规划指标表的，按单元格以“｜”分开：指标(单位)｜基期年份及数值｜"
                     "目标年份及数值｜属性。"),
        ("完成度、序时进度", "单元格存储比值，以百分比显示（0.5 即 50.0%）；"
                             "计算方法见 ipwatch 说明文档（README）中“进展计算（Progress）”一节。"),
        *((("排名", "“排名”表列出各重点指标所辖县（市、区）的全部排名；"
                    "通报正文中超过30个地区的排名只绘出前10名与后10名。"),)
          if any(f.get("ranking_table") for f in context.get("key_figures", [])) else ()),
        ("数据状态", VALUE_STATUSES),
        *(("状态", line) for line in status_lines()),
        ("生成", "由 ipwatch 生成。"),
    ]
    return rows


def signoff_text(context: dict) -> str:
    """Where the edition's regions stand in the quarter's sign-off, and which are not in it, as the page says."""
    signoff = context["signoff"]
    text = f"{context['quarter_label']}应审定地区{len(signoff['regions'])}个，其中{signoff['text']}。"
    if signoff["left_out"]:
        text += "以下地区本期数据尚未审定，未纳入本附表，其指标按此前已审定的数据评价：" + "；".join(
            f"{r['region_name']}（{r['region_code']}，{r['state_name']}）" for r in signoff["left_out"]) + "。"
    elif signoff["preview"]:
        text += "本稿为内部预览，含尚未审定的数据。"
    return text


def write_guide(ws: Worksheet, context: dict) -> None:
    """The 说明 sheet: label in A, text in B."""
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 20, 100
    for number, (label, text) in enumerate(guide_rows(context), start=1):
        ws.cell(row=number, column=1, value=safe_text(label)).font = Font(bold=True)
        cell = ws.cell(row=number, column=2, value=safe_text(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["B1"].font = Font(bold=True, size=14)


def write_annex(context: dict, path: Path) -> Path:
    """Write the bulletin context (`bulletin.plan_context`) as an xlsx annex to `path`; returns the path."""
    workbook = Workbook()
    guide = workbook.active
    guide.title = GUIDE_SHEET
    write_guide(guide, context)
    write_table(workbook.create_sheet(TABLE_SHEET), target_rows(context))
    if any(f.get("ranking_table") for f in context.get("key_figures", [])):
        write_rankings(workbook.create_sheet(RANKING_SHEET), context["key_figures"])
    plan = context["plan"]
    workbook.properties.title = safe_text(title(context))
    workbook.properties.subject = f"{plan['plan_id']} {context['quarter']}"
    workbook.properties.creator = "ipwatch"
    return files.publish(path, reproducible(workbook, data_time(context.get("version"))))


def data_time(version: Any) -> datetime:
    """When the data behind the annex last changed (its latest accepted submission); a fixed day if none."""
    shown = version.get("latest_submission") if isinstance(version, dict) else None
    try:
        return datetime.strptime(shown, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return datetime(2000, 1, 1)


def reproducible(workbook: Workbook, stamp: datetime) -> bytes:
    """The xlsx bytes, the same for the same data: openpyxl writes the moment of saving into docProps/core.xml
    and into every zip entry, so a rerun over unchanged data would differ; both get `stamp` instead."""
    saved = io.BytesIO()
    workbook.save(saved)
    out = io.BytesIO()
    iso = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()  # the stamp is local time
    with ZipFile(saved) as source, ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m[1] + iso, data)
            target.writestr(ZipInfo(item.filename, date_time=stamp.timetuple()[:6]), data, ZIP_DEFLATED)
    return out.getvalue()


# What `read` gives for each target row: key -> the header of the column it is read from.
READ = {"region_code": "地区代码", "target_id": "目标编号", "name": "指标", "unit": "计量单位",
        "baseline": "基期值", "latest": "最新值", "period": "最新值报告期", "value": "评价值", "target": "目标值",
        "target_high": "目标值上限", "target_unit": "目标值单位", "target_text": "目标表述",
        "completion": "完成度(%)", "expected": "序时进度(%)", "status_label": "状态"}


def read(path: Path) -> list[dict]:
    """Every target row of an annex as the page shows it (`READ`'s keys), for checks against the page."""
    workbook = load_workbook(path, read_only=True)
    try:
        header, *rows = workbook[TABLE_SHEET].iter_rows(values_only=True)
    finally:
        workbook.close()
    where = {key: header.index(name) for key, name in READ.items()}
    return [{key: cells[i] for key, i in where.items()} for cells in rows]
