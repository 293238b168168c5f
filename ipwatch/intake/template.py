"""The quarterly Excel form (填报表) a statistics office fills in: one row per indicator its plans ask of it.

Laid out as a Chinese statistical form (统计报表): title and period; 表号, 制表机关 and the plans it serves at the top
right; the region, period and 填报单位 in the header block; per indicator its unit, its 统计口径 (累计 or 期末, for
which months, and for an annual indicator that it is filled in the fourth quarter only) and its 指标解释; at the foot
单位负责人, 统计负责人, 填表人, 联系电话, 报出日期. There is no 批准文号: no statistics office has approved this form.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ipwatch.domain import catalogue as cat
from ipwatch.domain import obligations, periods, units
from ipwatch.domain import regions as reg
from ipwatch.domain.catalogue import CATEGORIES, Catalogue, Indicator, Plan, Target

# The reader of filled forms finds things by these labels, not by position: change them together with it.
FORM_SHEET = "填报表"
GUIDE_SHEET = "填报说明"
TITLE = "知识产权强市（县）建设监测指标季度报表"
FORM_NUMBER = "IPW-1表"  # 表号: this system's one form
NOTE = ("请在白色单元格填写，灰色单元格请勿修改。“统计口径”列说明每个指标填累计数还是期末数、填哪几个月；"
        "“指标解释”列说明统计范围。无数据时本期数值留空，数据状态选“缺失”，不要填0；"
        "本期数值和数据状态都空着的指标视为本次未填报，已接收的数值继续有效。")
PREFILLED_FIELDS = ("行政区划代码", "地区名称", "报告期")
OFFICE_FIELDS = ("填报单位",)
# The foot's lines: label, then the cell to fill, left to right (as on a paper form's last line).
FOOT_LINES = (("单位负责人：", "统计负责人：", "填表人："), ("联系电话：", "报出日期："))
HEADER_BLOCK_ROW = 4
NOTE_ROW = 9
TABLE_HEADER_ROW = 12
COLUMNS = ("指标代码", "指标名称", "计量单位", "统计口径", "本期数值", "数据状态", "备注", "指标解释")
INPUT_COLUMNS = ("本期数值", "数据状态", "备注")
STATUSES = ("正常", "初步", "估计", "缺失")
# Spreadsheet apps run text beginning with these as a formula (OWASP "CSV injection"; tab and CR included).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

GREY = PatternFill("solid", fgColor="D9D9D9")
HEADER_GREY = PatternFill("solid", fgColor="BFBFBF")
WHITE = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
LINE_HEIGHT = 14  # points a line of 11-point text takes in a row
INPUT_WIDTHS = {"本期数值": 16, "数据状态": 12, "备注": 30, "指标解释": 60}


def safe_text(value: str) -> str:
    """Text that no spreadsheet app will run as a formula: a leading = + - @ gets an apostrophe before it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def region_row(regions: pl.DataFrame, region_code: str) -> dict:
    """The region's row (region_code, name, level, parent_code); ValueError for an unknown code."""
    found = regions.filter(pl.col("region_code") == region_code)
    if found.is_empty():
        raise ValueError(f"未知的行政区划代码 (unknown region code): {region_code!r}")
    return found.row(0, named=True)


def form_order(indicator: Indicator) -> tuple[int, str]:
    """Sort key: category in the plans' order (创造 … 基础), then code."""
    return CATEGORIES.index(indicator.category), indicator.code


def indicators_for_region(catalogue: Catalogue, regions: pl.DataFrame, region_code: str,
                          period: str | None = None) -> list[Indicator]:
    """The indicators the region's plans ask of it, with ratios' parts, in form order; for a `period`, only those
    its quarter asks for (an annual indicator in the fourth quarter only)."""
    region_row(regions, region_code)  # an unknown code is an error, not a form without rows
    chosen = (catalogue.indicators[c] for c in obligations.required_codes(catalogue, regions, region_code))
    return sorted((i for i in chosen if period is None or i.asked_in(period)), key=form_order)


def scope(indicator: Indicator, period: str) -> str:
    """统计口径 for the quarter: 累计 (from January) for flows, 期末 (at the quarter's end) for the rest, each with
    its months; an annual indicator's says it is the year's and filled in the fourth quarter only."""
    year, month = periods.split(period)[0], periods.last_month(period)
    if indicator.annual:
        kind = {"flow_ytd": f"累计数：{year}年全年", "stock": f"期末数：{year}年末"}.get(indicator.measure,
                                                                                   f"年度数：{year}年度")
        return f"{kind}（年报指标，只在第四季度填报）"
    if indicator.measure == "flow_ytd":
        return f"累计数：{year}年1—{month}月"
    return f"期末数：{year}年{month}月末"


def unit_notes(indicator: Indicator, targets: list[Target]) -> list[str]:
    """Where the region's plans state a target in another unit than the form's: how to read it in the form's
    (万元 against 亿元; a satisfaction "90%" read as 90分, `read_as`)."""
    notes = []
    for unit, read_as in sorted({(t.unit, t.read_as) for t in targets if t.indicator == indicator.code and t.unit},
                                key=str):
        if read_as:
            notes.append(f"规划以“{unit}”表述，本表按{read_as}填报（如 90{unit} 填 90）")
            continue
        try:
            ratio = units.factor(indicator.unit, unit)
        except units.UnitError:
            continue
        if ratio != 1:
            notes.append(f"规划以{unit}表述，本表按{indicator.unit}填报（1{indicator.unit}＝{ratio:f}{unit}）")
    return notes


def explanation(indicator: Indicator, targets: list[Target]) -> str:
    """指标解释: the catalogue's definition, then how to read the plans' units on this form."""
    return "。".join([indicator.definition, *unit_notes(indicator, targets)]) + "。"


def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def put(ws: Worksheet, row: int, column: int, value: str | None, *, locked: bool = True) -> Cell:
    """Write a text cell (neutralised) styled as locked-grey or as white input."""
    cell = ws.cell(row=row, column=column, value=None if value is None else safe_text(value))
    cell.protection, cell.fill, cell.border = (LOCKED, GREY, BOX) if locked else (UNLOCKED, WHITE, BOX)
    cell.number_format = "@"  # codes and phone numbers keep their leading zeros
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def write_title(ws: Worksheet, period: str) -> None:
    """Rows 1-2: the title and the quarter, each merged across the table's width."""
    last = get_column_letter(len(COLUMNS))
    ws["A1"], ws["A2"] = safe_text(TITLE), periods.quarter_label(period)
    ws["A1"].font, ws["A2"].font = Font(bold=True, size=16), Font(size=12)
    for cell in (ws["A1"], ws["A2"]):
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[1].height, ws.row_dimensions[2].height = 30, 20


def form_makers(plans: list[Plan]) -> tuple[str, str]:
    """制表机关 (the offices that compile the plans' data) and the plans the form serves, with their 文号."""
    offices = dict.fromkeys(p.bulletin_office or p.issuer for p in plans)
    documents = dict.fromkeys(f"《{p.title}》" + (f"（{p.document_number}）" if p.document_number else "")
                              for p in plans)
    return "、".join(offices), "；".join(documents)


def write_form_id(ws: Worksheet, plans: list[Plan]) -> None:
    """Top right, beside the header block: 表号, 制表机关 and 制表依据 (label in F, text in G:H)."""
    office, documents = form_makers(plans)
    for row, (label, text) in enumerate((("表号：", FORM_NUMBER), ("制表机关：", office), ("制表依据：", documents)),
                                        start=HEADER_BLOCK_ROW):
        ws.cell(row=row, column=6, value=label).alignment = Alignment(horizontal="right", vertical="top")
        cell = ws.cell(row=row, column=7, value=safe_text(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=len(COLUMNS))


def note(later: list[Indicator]) -> str:
    """The note above the table; before the fourth quarter, which annual indicators wait for its form."""
    if not later:
        return NOTE
    return NOTE + "、".join(i.name_zh for i in later) + "为年报指标，本季度不填，在第四季度报表中填报。"


def write_header_block(ws: Worksheet, region_code: str, region_name: str, period: str,
                       later: list[Indicator]) -> None:
    """Rows 4-7: label in A, value in B; the region and period pre-filled, 填报单位 left open; then the note."""
    values = dict(zip(PREFILLED_FIELDS, (region_code, region_name, period), strict=True))
    for row, label in enumerate((*PREFILLED_FIELDS, *OFFICE_FIELDS), start=HEADER_BLOCK_ROW):
        put(ws, row, 1, label).font = Font(bold=True)
        put(ws, row, 2, values.get(label), locked=label in values)
    text = ws.cell(row=NOTE_ROW, column=1, value=safe_text(note(later)))
    text.alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW + 1, end_column=len(COLUMNS))


def write_table(ws: Worksheet, indicators: list[Indicator], period: str, targets: list[Target]) -> None:
    """Row 12 the column header, then one row per indicator: its code, name, unit, 统计口径 and 指标解释 locked,
    本期数值, 数据状态 and 备注 open."""
    for column, label in enumerate(COLUMNS, start=1):
        header = put(ws, TABLE_HEADER_ROW, column, label)
        header.fill, header.font = HEADER_GREY, Font(bold=True)
        header.alignment = Alignment(horizontal="center", vertical="center")
    for row, indicator in enumerate(indicators, start=TABLE_HEADER_ROW + 1):
        texts = {"指标代码": indicator.code, "指标名称": indicator.name_zh, "计量单位": indicator.unit,
                 "统计口径": scope(indicator, period), "指标解释": explanation(indicator, targets)}
        for column, label in enumerate(COLUMNS, start=1):
            put(ws, row, column, texts.get(label), locked=label not in INPUT_COLUMNS)
        ws.cell(row=row, column=COLUMNS.index("本期数值") + 1).number_format = "General"  # numbers, not text


def write_foot(ws: Worksheet, first_row: int) -> None:
    """Below the table, after a blank row: 单位负责人, 统计负责人, 填表人, 联系电话, 报出日期, each label followed by
    the cell to fill (the reader stops the table at the first of them)."""
    for row, labels in enumerate(FOOT_LINES, start=first_row):
        for n, label in enumerate(labels):
            ws.cell(row=row, column=2 * n + 1, value=label).font = Font(bold=True)
            put(ws, row, 2 * n + 2, None, locked=False)


def add_validations(ws: Worksheet, first: int, last: int) -> None:
    """本期数值 any number or blank; 数据状态 one of the four statuses or blank (= 正常)."""
    value = DataValidation(
        type="decimal", operator="between", formula1="-1E+300", formula2="1E+300", allow_blank=True,
        showInputMessage=True, showErrorMessage=True, promptTitle="本期数值",
        prompt="按“计量单位”列的单位填写数字；无数据请留空，并将数据状态选为“缺失”，不要填0。",
        errorTitle="本期数值须为数字",
        error="请填写数字（按“计量单位”列的单位）。无数据请留空，并将数据状态选为“缺失”。",
    )
    status = DataValidation(
        type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
        showInputMessage=True, showErrorMessage=True, promptTitle="数据状态",
        prompt="留空即“正常”。初步：初步数；估计：推算数；缺失：无数据（本期数值留空）。",
        errorTitle="数据状态无效", error="请从下拉列表选择：正常、初步、估计、缺失，或留空（即正常）。",
    )
    value.add(f"E{first}:E{last}")
    status.add(f"F{first}:F{last}")
    ws.add_data_validation(value)
    ws.add_data_validation(status)


def finish_form(ws: Worksheet, last_row: int) -> None:
    """Column widths (from the header block and the table), frozen header, print setup, and protection with no
    password."""
    for column, label in enumerate(COLUMNS, start=1):
        letter = get_column_letter(column)
        cells = ws[letter][HEADER_BLOCK_ROW - 1:len(PREFILLED_FIELDS) + HEADER_BLOCK_ROW] if column <= 2 else []
        texts = [str(c.value) for c in (*cells, *ws[letter][TABLE_HEADER_ROW - 1:last_row]) if c.value is not None]
        width = INPUT_WIDTHS.get(label) or max(map(display_width, texts)) + 2
        ws.column_dimensions[letter].width = min(max(width, 12), 60)
    fit_rows(ws, TABLE_HEADER_ROW + 1, last_row)
    ws.freeze_panes = f"A{TABLE_HEADER_ROW + 1}"
    ws.print_title_rows = f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # No password: protection guards against slips, not against anyone; offices may still resize columns and rows.
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False


def fit_rows(ws: Worksheet, first: int, last: int) -> None:
    """Each indicator row as tall as its longest wrapped text needs: Excel and WPS keep a row written with wrapped
    text at one line's height, so the 指标解释 would spill over the rows below."""
    for row in range(first, last + 1):
        lines = max(math.ceil(display_width(str(cell.value)) / max(ws.column_dimensions[cell.column_letter].width - 2,
                                                                    1))
                    for cell in ws[row] if cell.value is not None)
        ws.row_dimensions[row].height = max(lines, 1) * LINE_HEIGHT + 3


def guide_lines(region_code: str, period: str, later: list[Indicator]) -> list[tuple[str, bool]]:
    """The instructions sheet's lines, each with whether it is a heading; `later` are the annual indicators this
    quarter's form leaves for the fourth quarter's."""
    month = periods.last_month(period)
    annual = ("、".join(i.name_zh for i in later) + "是年报指标，本季度报表不列，在第四季度报表中填报。"
              if later else "年报指标（如常住人口）只在第四季度报表中列出，填全年数或年末数。")
    return [
        ("填报说明", True),
        ("一、填写范围", True),
        ("1. 只填写白色单元格：表头的填报单位；每个指标的本期数值、数据状态、备注；"
         "表尾的单位负责人、统计负责人、填表人、联系电话、报出日期。", False),
        ("2. 灰色单元格（行政区划代码、地区名称、报告期、指标代码、指标名称、计量单位、统计口径、指标解释）已预填，"
         "请勿修改；请勿增删行、列，勿修改表头文字和工作表名称。", False),
        ("二、各列说明", True),
        ("指标代码、指标名称：本地区规划要求监测的指标；"
         "比率类指标（如每万人口发明专利拥有量）同时列出其分子、分母指标。", False),
        ("计量单位：本期数值必须按此单位填写（例如单位为“亿元”时，5000万元填 0.5），"
         "不要在数值中写单位、不要换算到其他单位。规划以其他单位表述的，见“指标解释”列的换算说明。", False),
        (f"统计口径：“累计数”填自当年1月1日至本季末的累计数，本期（{periods.quarter_label(period)}）填1—{month}月累计数，"
         f"而不是本季度单季数；“期末数”填本季末（{month}月末）的存量或水平值。{annual}"
         "年报数据在报送时尚未公布的，可先填初步数或估计数并在数据状态中注明，正式数公布后更正报送。", False),
        ("指标解释：指标的统计范围和计算方法。", False),
        ("本期数值：只填数字。没有数据时留空，并将数据状态选为“缺失”；不得以0代替无数据，0表示确实为零。"
         "从其他表格粘贴来的“/”也按无数据处理。本期数值和数据状态都空着的指标视为本次未填报：已接收的数值继续有效，"
         "不会被清空。", False),
        ("数据状态（同SDMX OBS_STATUS）：留空即“正常”。", False),
        ("    正常（A，normal）：正式统计数。", False),
        ("    初步（P，provisional）：初步数，日后可能更正。", False),
        ("    估计（E，estimated）：推算或估计的数。", False),
        ("    缺失（M，missing）：无数据，本期数值留空。", False),
        ("备注：数据来源、口径变化、估计方法等说明。", False),
        ("表尾：单位负责人、统计负责人对本表数据负责；填表人为实际填报人员，联系电话便于核实数据；报出日期为报送日期。",
         False),
        ("三、更正", True),
        ("发现错误时，改正后重新报送同一报告期的文件：新值取代旧值，旧值保留备查。只改个别指标的，可只填这些指标，"
         "其余留空：留空的指标沿用已接收的数值。要把已报的数改为无数据，请将数据状态选为“缺失”。", False),
        ("四、报送", True),
        ("填好后保存为 .xlsx 文件（不要改成其他格式），交数据管理员用以下命令导入：", False),
        (f"ipwatch ingest 文件.xlsx --as {region_code}", False),
        ("（--as 后为报送单位的行政区划代码。）文件如有错误将整份退回，并附说明需修改的行和列。", False),
    ]


def write_guide(ws: Worksheet, region_code: str, period: str, later: list[Indicator]) -> None:
    """The 填报说明 sheet: how to fill each column, what the statuses mean, how to submit."""
    ws.column_dimensions["A"].width = 72  # an A4 page wide, as LibreOffice and WPS print it
    for row, (text, heading) in enumerate(guide_lines(region_code, period, later), start=1):
        cell = ws.cell(row=row, column=1, value=safe_text(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(bold=heading, size=14 if row == 1 else 11)
    fit_rows(ws, 2, ws.max_row)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def write_template(path: Path, region_code: str, period: str, catalogue: Catalogue | None = None,
                   regions: pl.DataFrame | None = None) -> Path:
    """Write the region's quarterly form for `period` to `path` and return the path."""
    periods.well_formed(period)
    catalogue = catalogue or cat.default()
    regions = regions if regions is not None else reg.load()
    region = region_row(regions, region_code)
    targets = obligations.binding_targets(catalogue, regions, region_code)
    indicators = indicators_for_region(catalogue, regions, region_code, period)
    later = [i for i in indicators_for_region(catalogue, regions, region_code) if not i.asked_in(period)]
    if not indicators:
        raise ValueError(f"没有规划要求该地区报送指标 (no plan asks this region for any indicator): {region_code!r}")
    workbook = Workbook()
    form = workbook.active
    form.title = FORM_SHEET
    write_title(form, period)
    write_header_block(form, region_code, region["name"], period, later)
    write_form_id(form, list(dict.fromkeys(catalogue.plans[t.plan_id] for t in targets)))
    write_table(form, indicators, period, targets)
    last = TABLE_HEADER_ROW + len(indicators)
    write_foot(form, last + 2)
    add_validations(form, TABLE_HEADER_ROW + 1, last)
    finish_form(form, last)
    write_guide(workbook.create_sheet(GUIDE_SHEET), region_code, period, later)
    workbook.properties.title = f"{region['name']}{period}{TITLE}"
    workbook.properties.subject = f"{region_code} {period}"
    workbook.properties.creator = "ipwatch"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
