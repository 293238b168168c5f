"""The quarterly Excel form (填报表) a statistics office fills in: one row per indicator its plans ask of it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ipwatch import catalogue as cat
from ipwatch import regions as reg
from ipwatch.catalogue import CATEGORIES, Catalogue, Indicator

# The reader of filled forms finds things by these labels, not by position: change them together with it.
FORM_SHEET = "填报表"
GUIDE_SHEET = "填报说明"
TITLE = "知识产权强市（县）建设监测指标季度报表"
NOTE = "请在白色单元格填写；灰色单元格请勿修改。累计值指自1月1日至报告期末的累计数。"
PREFILLED_FIELDS = ("行政区划代码", "地区名称", "报告期")
OFFICE_FIELDS = ("填报单位", "填报人", "联系电话", "填报日期")
HEADER_BLOCK_ROW = 4
TABLE_HEADER_ROW = 12
COLUMNS = ("指标代码", "指标名称", "计量单位", "统计口径", "本期数值", "数据状态", "备注")
STATUSES = ("正常", "初步", "估计", "缺失")
SCOPE_YTD = "1月至报告期末累计值"
SCOPE_POINT = "期末时点数"
PERIOD = re.compile(r"^\d{4}Q[1-4]$")
# Spreadsheet apps run text beginning with these as a formula (OWASP "CSV injection"; tab and CR included).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

GREY = PatternFill("solid", fgColor="D9D9D9")
HEADER_GREY = PatternFill("solid", fgColor="BFBFBF")
WHITE = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
INPUT_WIDTHS = {"本期数值": 16, "数据状态": 12, "备注": 36}


def safe_text(value: str) -> str:
    """Text that no spreadsheet app will run as a formula: a leading = + - @ gets an apostrophe before it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def check_period(period: str) -> str:
    """The period itself when it is a quarter like 2025Q3; ValueError otherwise."""
    if not PERIOD.match(period):
        raise ValueError(f"报告期格式应为 YYYYQn，如 2025Q3 (period must look like 2025Q3): {period!r}")
    return period


def region_row(regions: pl.DataFrame, region_code: str) -> dict:
    """The region's row (region_code, name, level, parent_code); ValueError for an unknown code."""
    found = regions.filter(pl.col("region_code") == region_code)
    if found.is_empty():
        raise ValueError(f"未知的行政区划代码 (unknown region code): {region_code!r}")
    return found.row(0, named=True)


def asked_codes(catalogue: Catalogue, regions: pl.DataFrame, region: dict) -> set[str]:
    """Codes of the indicators that plans' targets bind to the region (see sql/target_regions.sql)."""
    code, is_county = region["region_code"], region["level"] == "county"
    codes = set()
    for plan in catalogue.plans.values():
        own = plan.region_code == code
        # A county is bound by its ancestors' each_county targets, never by its own plan's (as in the SQL view).
        under = is_county and not own and reg.is_within(regions, code, plan.region_code)
        codes |= {t.indicator for t in plan.targets
                  if (own and t.applies_to == "plan_region") or (under and t.applies_to == "each_county")}
    return codes


def with_ratio_parts(catalogue: Catalogue, codes: set[str]) -> set[str]:
    """The codes plus the numerator and denominator of each ratio among them: progress needs the parts."""
    parts = {p for c in codes for p in (catalogue.indicators[c].numerator, catalogue.indicators[c].denominator)}
    return codes | (parts - {None})


def form_order(indicator: Indicator) -> tuple[int, str]:
    """Sort key: category in the plans' order (创造 … 基础), then code."""
    return CATEGORIES.index(indicator.category), indicator.code


def indicators_for_region(catalogue: Catalogue, regions: pl.DataFrame, region_code: str) -> list[Indicator]:
    """The indicators the region's plans ask of it, with ratios' parts, in form order."""
    codes = with_ratio_parts(catalogue, asked_codes(catalogue, regions, region_row(regions, region_code)))
    return sorted((catalogue.indicators[c] for c in codes), key=form_order)


def scope(indicator: Indicator) -> str:
    """统计口径: a year-to-date sum for flows, the value at the period's end for everything else."""
    return SCOPE_YTD if indicator.measure == "flow_ytd" else SCOPE_POINT


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


def write_title(ws: Worksheet) -> None:
    """Rows 1-2: the title and the note, each merged across the table's width."""
    last = get_column_letter(len(COLUMNS))
    ws["A1"], ws["A2"] = safe_text(TITLE), safe_text(NOTE)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[1].height, ws.row_dimensions[2].height = 30, 30


def write_header_block(ws: Worksheet, region_code: str, region_name: str, period: str) -> None:
    """Rows 4-10: label in A, value in B; the region and period pre-filled, the office's details left open."""
    values = dict(zip(PREFILLED_FIELDS, (region_code, region_name, period), strict=True))
    for row, label in enumerate((*PREFILLED_FIELDS, *OFFICE_FIELDS), start=HEADER_BLOCK_ROW):
        put(ws, row, 1, label).font = Font(bold=True)
        put(ws, row, 2, values.get(label), locked=label in values)


def write_table(ws: Worksheet, indicators: list[Indicator]) -> None:
    """Row 12 the column header, then one row per indicator: four locked columns, three open ones."""
    for column, label in enumerate(COLUMNS, start=1):
        header = put(ws, TABLE_HEADER_ROW, column, label)
        header.fill, header.font = HEADER_GREY, Font(bold=True)
        header.alignment = Alignment(horizontal="center", vertical="center")
    for row, indicator in enumerate(indicators, start=TABLE_HEADER_ROW + 1):
        for column, text in enumerate((indicator.code, indicator.name_zh, indicator.unit, scope(indicator)), 1):
            put(ws, row, column, text)
        for column in range(5, len(COLUMNS) + 1):
            put(ws, row, column, None, locked=False)
        ws.cell(row=row, column=5).number_format = "General"  # 本期数值 holds numbers, not text


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


def finish_form(ws: Worksheet) -> None:
    """Column widths, frozen header, print setup, and protection with no password."""
    for column, label in enumerate(COLUMNS, start=1):
        letter = get_column_letter(column)
        texts = [str(c.value) for c in ws[letter][HEADER_BLOCK_ROW - 1:] if c.value is not None]
        width = INPUT_WIDTHS.get(label) or max(map(display_width, texts)) + 2
        ws.column_dimensions[letter].width = min(max(width, 12), 60)
    ws.freeze_panes = f"A{TABLE_HEADER_ROW + 1}"
    ws.print_title_rows = f"{TABLE_HEADER_ROW}:{TABLE_HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # No password: protection guards against slips, not against anyone; offices may still resize columns and rows.
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False


def guide_lines(region_code: str) -> list[tuple[str, bool]]:
    """The instructions sheet's lines, each with whether it is a heading."""
    return [
        ("填报说明", True),
        ("一、填写范围", True),
        ("1. 只填写白色单元格：表头的填报单位、填报人、联系电话、填报日期，"
         "以及每个指标的本期数值、数据状态、备注。", False),
        ("2. 灰色单元格（行政区划代码、地区名称、报告期、指标代码、指标名称、计量单位、统计口径）已预填，请勿修改；"
         "请勿增删行、列，勿修改表头文字和工作表名称。", False),
        ("二、各列说明", True),
        ("指标代码、指标名称：本地区规划要求监测的指标；"
         "比率类指标（如每万人口发明专利拥有量）同时列出其分子、分母指标。", False),
        ("计量单位：本期数值必须按此单位填写（例如单位为“亿元”时，5000万元填 0.5），"
         "不要在数值中写单位、不要换算到其他单位。", False),
        (f"统计口径：“{SCOPE_POINT}”填报告期末（季末最后一天）的存量或水平值；"
         f"“{SCOPE_YTD}”填自当年1月1日至报告期末的累计数，例如2025Q3填1—9月累计数，而不是第三季度单季数。", False),
        ("本期数值：只填数字。没有数据时留空，并将数据状态选为“缺失”；不得以0代替无数据，0表示确实为零。"
         "从其他表格粘贴来的“/”也按无数据处理。", False),
        ("数据状态（同SDMX OBS_STATUS）：留空即“正常”。", False),
        ("    正常（A，normal）：正式统计数。", False),
        ("    初步（P，provisional）：初步数，日后可能更正。", False),
        ("    估计（E，estimated）：推算或估计的数。", False),
        ("    缺失（M，missing）：无数据，本期数值留空。", False),
        ("备注：数据来源、口径变化、估计方法等说明。", False),
        ("三、更正", True),
        ("发现错误时，改正后重新报送同一报告期的文件：新值取代旧值，旧值保留备查。", False),
        ("四、报送", True),
        ("填好后保存为 .xlsx 文件（不要改成其他格式），交数据管理员用以下命令导入：", False),
        (f"ipwatch ingest 文件.xlsx --as {region_code}", False),
        ("（--as 后为报送单位的行政区划代码。）文件如有错误将整份退回，并附说明需修改的行和列。", False),
    ]


def write_guide(ws: Worksheet, region_code: str) -> None:
    """The 填报说明 sheet: how to fill each column, what the statuses mean, how to submit."""
    ws.column_dimensions["A"].width = 110
    for row, (text, heading) in enumerate(guide_lines(region_code), start=1):
        cell = ws.cell(row=row, column=1, value=safe_text(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(bold=heading, size=14 if row == 1 else 11)
    ws.protection.sheet = True


def write_template(path: Path, region_code: str, period: str, catalogue: Catalogue | None = None,
                   regions: pl.DataFrame | None = None) -> Path:
    """Write the region's quarterly form for `period` to `path` and return the path."""
    check_period(period)
    catalogue = catalogue or cat.default()
    regions = regions if regions is not None else reg.load()
    region = region_row(regions, region_code)
    indicators = indicators_for_region(catalogue, regions, region_code)
    if not indicators:
        raise ValueError(f"没有规划要求该地区报送指标 (no plan asks this region for any indicator): {region_code!r}")
    workbook = Workbook()
    form = workbook.active
    form.title = FORM_SHEET
    write_title(form)
    write_header_block(form, region_code, region["name"], period)
    write_table(form, indicators)
    add_validations(form, TABLE_HEADER_ROW + 1, TABLE_HEADER_ROW + len(indicators))
    finish_form(form)
    write_guide(workbook.create_sheet(GUIDE_SHEET), region_code)
    workbook.properties.title = f"{region['name']}{period}{TITLE}"
    workbook.properties.subject = f"{region_code} {period}"
    workbook.properties.creator = "ipwatch"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
