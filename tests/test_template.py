"""The quarterly Excel form: written to tmp_path, reopened with openpyxl."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from ipwatch.domain import regions as reg
from ipwatch.domain.catalogue import CATEGORIES, Catalogue
from ipwatch.intake import template


@pytest.fixture(scope="module")
def regions() -> pl.DataFrame:
    return reg.load()


@pytest.fixture(scope="module")
def hefei(tmp_path_factory, catalogue, regions) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("hefei") / "340100.xlsx"
    return openpyxl.load_workbook(template.write_template(path, "340100", "2025Q3", catalogue, regions))


@pytest.fixture(scope="module")
def form(hefei) -> Worksheet:
    return hefei[template.FORM_SHEET]


def header_value(ws: Worksheet, label: str):
    """The value in column B beside `label` in column A."""
    return next(row[1].value for row in ws.iter_rows(max_col=2) if row[0].value == label)


def table_header_row(ws: Worksheet) -> int:
    """The row whose column A says 指标代码."""
    return next(cell.row for cell in ws["A"] if cell.value == "指标代码")


def last_row(ws: Worksheet) -> int:
    """The table's last indicator row: the one above the blank row before the foot."""
    top = table_header_row(ws)
    return next(r for r in range(top + 1, ws.max_row + 2) if ws.cell(row=r, column=1).value is None) - 1


def table(ws: Worksheet) -> list[dict]:
    """The indicator rows as dicts keyed by the table header."""
    top = table_header_row(ws)
    labels = [c.value for c in ws[top]]
    return [dict(zip(labels, row, strict=True)) for row in ws.iter_rows(min_row=top + 1, max_row=last_row(ws),
                                                                         values_only=True)]


def expected_codes(catalogue: Catalogue, plan_id: str, applies_to: str, period: str = "2025Q4") -> set[str]:
    """A plan's indicators for one kind of target, with the parts of its ratios; before the fourth quarter without
    the annual ones."""
    codes = {t.indicator for t in catalogue.plans[plan_id].targets if t.applies_to == applies_to}
    parts = {p for c in codes for p in (catalogue.indicators[c].numerator, catalogue.indicators[c].denominator)}
    return {c for c in codes | (parts - {None}) if catalogue.indicators[c].asked_in(period)}


def rows_of(range_text: str) -> set[str]:
    """Every cell coordinate in the indicator rows of one column, e.g. 'F13:F41'."""
    first, last = range_text.split(":")
    return {f"{first[0]}{r}" for r in range(int(first[1:]), int(last[1:]) + 1)}


def test_header_block_prefilled_for_hefei(form):
    values = [header_value(form, label) for label in ("行政区划代码", "地区名称", "报告期")]
    assert values == ["340100", "合肥市", "2025Q3"]


def test_header_block_office_fields_empty(form):
    assert [header_value(form, label) for label in template.OFFICE_FIELDS] == [None]


def test_header_block_rows_four_to_seven(form):
    labels = [form.cell(row=r, column=1).value for r in range(4, 8)]
    assert labels == ["行政区划代码", "地区名称", "报告期", "填报单位"]


def test_title_period_and_note_merged_across_table(form):
    assert (form["A1"].value, form["A1"].font.b) == ("知识产权强市（县）建设监测指标季度报表", True)
    assert form["A2"].value == "2025年第三季度"
    assert form["A9"].value.startswith("请在白色单元格填写")
    assert {"A1:H1", "A2:H2", "A9:H10"} <= {str(r) for r in form.merged_cells.ranges}


def test_form_names_its_number_maker_and_the_plan_it_serves(form):
    found = {form.cell(row=r, column=6).value: form.cell(row=r, column=7).value for r in range(4, 7)}
    assert found == {"表号：": "IPW-1表", "制表机关：": "合肥市市场监督管理局（知识产权局）",
                     "制表依据：": "《关于推进知识产权强市建设行动方案》"}


def test_foot_asks_who_answers_for_the_figures(form):
    foot = [[c.value for c in form[r] if c.value] for r in (last_row(form) + 2, last_row(form) + 3)]
    assert foot == [["单位负责人：", "统计负责人：", "填表人："], ["联系电话：", "报出日期："]]
    inputs = [form.cell(row=last_row(form) + 2, column=c) for c in (2, 4, 6)]
    assert not any(cell.protection.locked for cell in inputs)


def test_table_header_row_twelve(form):
    assert table_header_row(form) == 12
    labels = [c.value for c in form[12]]
    assert labels == ["指标代码", "指标名称", "计量单位", "统计口径", "本期数值", "数据状态", "备注", "指标解释"]


def test_hefei_rows_are_its_plan_indicators_and_ratio_parts(form, catalogue):
    codes = [row["指标代码"] for row in table(form)]
    assert len(codes) == len(set(codes))
    assert set(codes) == expected_codes(catalogue, "hefei-2022", "plan_region", "2025Q3")
    assert "high_value_invention_patents_in_force" in codes


def test_annual_indicators_wait_for_the_fourth_quarter_and_the_note_says_so(form, tmp_path, catalogue, regions):
    assert "population" not in {row["指标代码"] for row in table(form)}
    later = "知识产权使用费年进出口额、知识产权保护社会满意度、常住人口为年报指标，本季度不填，在第四季度报表中填报。"
    assert form["A9"].value.endswith(later)
    q4 = openpyxl.load_workbook(template.write_template(tmp_path / "q4.xlsx", "340100", "2025Q4", catalogue,
                                                       regions))[template.FORM_SHEET]
    [population] = [row for row in table(q4) if row["指标代码"] == "population"]
    assert population["统计口径"] == "期末数：2025年末（年报指标，只在第四季度填报）"


def test_rows_ordered_by_category_then_code(form, catalogue):
    indicators = [catalogue.indicators[row["指标代码"]] for row in table(form)]
    keys = [(CATEGORIES.index(i.category), i.code) for i in indicators]
    assert keys == sorted(keys)


def test_rows_carry_name_and_unit(form, catalogue):
    for row in table(form):
        indicator = catalogue.indicators[row["指标代码"]]
        assert (row["指标名称"], row["计量单位"]) == (indicator.name_zh, indicator.unit)


def test_scope_says_cumulative_or_period_end_with_the_months(form, catalogue):
    for row in table(form):
        measure = catalogue.indicators[row["指标代码"]].measure
        assert row["统计口径"] == ("累计数：2025年1—9月" if measure == "flow_ytd" else "期末数：2025年9月末")


def test_each_row_explains_its_indicator_from_the_catalogue(form, catalogue):
    for row in table(form):
        assert row["指标解释"].startswith(catalogue.indicators[row["指标代码"]].definition), row["指标代码"]


def test_a_plan_unit_other_than_the_form_is_explained_in_the_form_unit(tmp_path, catalogue, regions):
    path = template.write_template(tmp_path / "jj.xlsx", "500116", "2025Q4", catalogue, regions)
    rows = {row["指标代码"]: row for row in table(openpyxl.load_workbook(path)[template.FORM_SHEET])}
    assert rows["ip_pledge_financing_amount"]["计量单位"] == "亿元"
    money = rows["ip_pledge_financing_amount"]["指标解释"]
    assert money.endswith("规划以万元表述，本表按亿元填报（1亿元＝10000万元）。")
    assert rows["ip_protection_satisfaction"]["计量单位"] == "分"
    assert rows["ip_protection_satisfaction"]["指标解释"].endswith("规划以“%”表述，本表按分填报（如 90% 填 90）。")


def test_liaoning_county_gets_each_county_indicators(catalogue, regions):
    codes = {i.code for i in template.indicators_for_region(catalogue, regions, "210102")}
    assert codes == expected_codes(catalogue, "liaoning-2017", "each_county")
    assert "ip_strong_counties" not in codes  # a province-wide target, not one each county reports


def test_liaoning_county_form_rows(tmp_path, catalogue, regions):
    path = template.write_template(tmp_path / "f.xlsx", "210102", "2024Q4", catalogue, regions)
    rows = table(openpyxl.load_workbook(path)[template.FORM_SHEET])
    assert {r["指标代码"] for r in rows} == expected_codes(catalogue, "liaoning-2017", "each_county")


def test_province_itself_not_asked_each_county_targets(catalogue, regions):
    codes = {i.code for i in template.indicators_for_region(catalogue, regions, "210000")}
    assert codes == {"ip_strong_counties"}


def test_county_of_a_plan_region_plan_gets_nothing(catalogue, regions):
    assert template.indicators_for_region(catalogue, regions, "340102") == []


def test_region_with_no_indicators_has_no_form(tmp_path, catalogue, regions):
    with pytest.raises(ValueError, match="no plan asks"):
        template.write_template(tmp_path / "f.xlsx", "110000", "2025Q3", catalogue, regions)


def test_prefilled_and_indicator_columns_locked(form):
    last = last_row(form)
    cells = [f"B{r}" for r in (4, 5, 6)] + [f"{c}{r}" for c in "ABCDH" for r in (13, last)]
    assert all(form[c].protection.locked for c in cells)


def test_office_and_input_cells_unlocked(form):
    last = last_row(form)
    cells = ["B7"] + [f"{c}{r}" for c in "EFG" for r in (13, last)]
    assert not any(form[c].protection.locked for c in cells)


def test_sheet_protection_on(form):
    assert form.protection.sheet


def test_locked_cells_grey_input_cells_white(form):
    assert (form["A13"].fill.fgColor.rgb[-6:], form["E13"].fill.fgColor.rgb[-6:]) == ("D9D9D9", "FFFFFF")


def test_freeze_panes_below_table_header(form):
    assert form.freeze_panes == "A13"


def test_columns_wide_enough_for_names(form):
    longest = max(template.display_width(row["指标名称"]) for row in table(form))
    assert form.column_dimensions["B"].width >= longest


def test_status_validation_lists_four_statuses_over_status_column(form):
    (status,) = [dv for dv in form.data_validations.dataValidation if dv.type == "list"]
    assert status.formula1 == '"正常,初步,估计,缺失"'
    assert all(cell in status.sqref for cell in rows_of(f"F13:F{last_row(form)}"))
    assert (status.allow_blank, status.showInputMessage, status.showErrorMessage) == (True, True, True)


def test_value_validation_decimal_over_value_column(form):
    (value,) = [dv for dv in form.data_validations.dataValidation if dv.type == "decimal"]
    assert all(cell in value.sqref for cell in rows_of(f"E13:E{last_row(form)}"))
    assert (value.allow_blank, value.showInputMessage, value.showErrorMessage) == (True, True, True)
    assert "数字" in value.error


def test_instructions_sheet_mentions_missing_and_ytd(hefei):
    assert hefei.sheetnames == ["填报表", "填报说明"]
    text = "\n".join(str(c.value) for c in hefei["填报说明"]["A"] if c.value)
    words = ("缺失", "累计数", "1—9月", "期末数", "常住人口是年报指标", "单位负责人", "初步", "估计", "正常",
             "ipwatch ingest 文件.xlsx --as 340100")
    assert all(word in text for word in words)


def test_workbook_properties(hefei):
    assert hefei.properties.creator == "ipwatch"
    assert "合肥市" in hefei.properties.title and "2025Q3" in hefei.properties.title


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@x"])
def test_safe_text_neutralises_formula_starts(text):
    assert template.safe_text(text) == "'" + text


def test_safe_text_leaves_plain_text():
    assert template.safe_text("正常") == "正常"


def test_formula_like_name_written_as_text(tmp_path, catalogue, regions):
    indicator = replace(catalogue.indicators["patent_attorneys"], name_zh="=HYPERLINK(\"http://x\")")
    doctored = Catalogue(indicators={**catalogue.indicators, "patent_attorneys": indicator}, plans=catalogue.plans)
    path = template.write_template(tmp_path / "f.xlsx", "340100", "2025Q3", doctored, regions)
    rows = openpyxl.load_workbook(path)["填报表"].iter_rows(min_row=13)
    (row,) = [r for r in rows if r[0].value == "patent_attorneys"]
    assert (row[1].value, row[1].data_type) == ("'=HYPERLINK(\"http://x\")", "s")


def test_unknown_region_raises(tmp_path, catalogue, regions):
    with pytest.raises(ValueError, match="unknown region"):
        template.write_template(tmp_path / "f.xlsx", "999999", "2025Q3", catalogue, regions)


@pytest.mark.parametrize("period", ["2025-3", "2025Q5", "2025-Q3", "25Q3", ""])
def test_bad_period_raises(tmp_path, catalogue, regions, period):
    with pytest.raises(ValueError, match="2025Q3"):
        template.write_template(tmp_path / "f.xlsx", "340100", period, catalogue, regions)


def test_defaults_come_from_shipped_catalogue_and_regions(tmp_path):
    path = template.write_template(tmp_path / "sub" / "f.xlsx", "500116", "2025Q1")
    assert header_value(openpyxl.load_workbook(path)["填报表"], "地区名称") == "江津区"


def test_written_path_returned(tmp_path: Path, catalogue, regions):
    path = tmp_path / "f.xlsx"
    assert template.write_template(path, "441500", "2025Q2", catalogue, regions) == path and path.exists()
