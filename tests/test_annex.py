"""The bulletin's Excel annex, written from a real warehouse's context and read back with openpyxl."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from ipwatch.bulletins import annex, bulletin

from .conftest import submit, write_csv

INJECTION = '=HYPERLINK("http://x")'


@pytest.fixture
def context(conn, ws, catalogue, tmp_path):
    """Hefei 2023Q2's bulletin context: one value with a note that tries to run a formula."""
    path = write_csv(tmp_path / "hefei.csv", [
        '340100,2023Q2,high_value_invention_patents_per_10k,15.33,,"=HYPERLINK(""http://x"")"',
        "340100,2023Q2,patent_attorneys,800,人,",
    ])
    submit(conn, ws, catalogue, path, "340100")
    return {**bulletin.plan_context(conn, "hefei-2022", "2023Q2"), "version": bulletin.data_version(conn)}


@pytest.fixture
def book(context, tmp_path):
    return load_workbook(annex.write_annex(context, tmp_path / "annex" / "hefei.xlsx"))


@pytest.fixture
def table(book):
    return book[annex.TABLE_SHEET]


def row_of(table, indicator_code: str) -> dict:
    """The annex row of one indicator, keyed by header, as cells."""
    headers = [c.value for c in table[1]]
    [row] = [r for r in table.iter_rows(min_row=2) if r[headers.index("指标代码")].value == indicator_code]
    return dict(zip(headers, row, strict=True))


def test_sheets_are_guide_then_table(book):
    assert book.sheetnames == ["说明", "指标进展"]


def test_header_is_the_documented_columns(table):
    assert [c.value for c in table[1]] == [header for header, _, _ in annex.COLUMNS]


def test_one_row_per_target(table):
    assert table.max_row - 1 == 27


def test_values_are_numeric_cells(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    for header, expected in (("最新值", 15.33), ("基期值", 10.66), ("目标值", 20), ("基期年份", 2020),
                             ("目标年份", 2025)):
        assert row[header].data_type == "n" and row[header].value == pytest.approx(expected), header


def test_completion_and_expected_are_ratios_shown_as_percent(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    for header in ("完成度(%)", "序时进度(%)"):
        assert row[header].data_type == "n" and row[header].value == pytest.approx(0.5)
        assert row[header].number_format == "0.0%"


def test_unit_column_holds_the_indicators_unit(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    assert row["计量单位"].value == "件/万人" and row["目标值单位"].value == "件/万人"


def test_growth_target_is_marked_as_a_rate(table):
    assert row_of(table, "ip_transfers_licenses")["目标值单位"].value == "%（年增长率）"


def test_target_range_keeps_its_upper_bound(table):
    row = row_of(table, "ip_intensive_industry_clusters")
    assert (row["目标值"].value, row["目标值上限"].value) == (3, 5)


def test_status_and_value_status_are_chinese_labels(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    assert (row["状态"].value, row["数据状态"].value, row["最新值报告期"].value) == ("正常推进", "正常", "2023Q2")


def test_plan_wording_explains_a_target_relative_to_baseline(table):
    row = row_of(table, "trademarks_per_10k_market_entities")
    assert row["目标值"].value is None and row["规划原文"].value


def test_missing_values_are_empty_cells_not_zero(table):
    row = row_of(table, "ip_intensive_industry_clusters")
    assert row["最新值"].value is None and row["完成度(%)"].value is None


def test_note_beginning_with_equals_is_neutralised(table):
    note = row_of(table, "high_value_invention_patents_per_10k")["备注"]
    assert note.data_type == "s" and note.value == "'" + INJECTION


def test_no_text_cell_starts_a_formula(book):
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))


def test_region_code_is_text(table):
    assert row_of(table, "high_value_invention_patents_per_10k")["地区代码"].value == "340100"


def test_header_row_is_frozen_and_filtered(table):
    assert table.freeze_panes == "A2"
    assert table.auto_filter.ref == f"A1:{table.cell(1, table.max_column).column_letter}28"


def test_columns_are_wide_enough_for_chinese_headers(table):
    for cell in table[1]:
        assert table.column_dimensions[cell.column_letter].width >= 2 * len(cell.value)


def test_guide_names_plan_quarter_and_version(book, context):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "关于推进知识产权强市建设行动方案" in text and "合肥市" in text and "hefei-2022" in text
    assert "2023年第二季度" in text and context["version"]["observations_hash"] in text


def test_guide_explains_units_and_every_status(book):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "计量单位" in text
    for label in ("已完成", "正常推进", "需加快", "明显滞后", "倒退", "到期未完成", "缺基期值", "数据不全", "无数据"):
        assert label in text


def test_guide_leaves_out_version_when_absent(context, tmp_path):
    context = {key: value for key, value in context.items() if key != "version"}
    book = load_workbook(annex.write_annex(context, tmp_path / "no-version.xlsx"))
    assert "数据版本" not in [c.value for c in book["说明"]["A"]]


def test_unknown_context_keys_are_ignored(context, tmp_path):
    path = annex.write_annex({**context, "charts": {"x": 1}}, tmp_path / "extra.xlsx")
    assert load_workbook(path)[annex.TABLE_SHEET].max_row == 28


def test_creator_is_ipwatch(book):
    assert book.properties.creator == "ipwatch"


def test_plan_values_are_converted_to_the_indicators_unit():
    row = {"kind": "annual_flow", "target_unit": "万元", "unit": "亿元", "target": None, "target_value": 5000.0}
    assert annex.target(row) == pytest.approx(0.5)
