"""The Excel form written by `ipwatch template`, filled in as an office would, goes in through ingest."""

from __future__ import annotations

from decimal import Decimal

from openpyxl import load_workbook

from ipwatch.intake import submission, template

from .conftest import fill, read_normalised


def test_filled_form_is_read_with_region_period_and_sheet_rows(tmp_path, catalogue):
    path = template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3")
    fill(path, {"pct_applications": 700, "patent_attorneys": "1,200", "ip_pledge_financing_amount": 25.5},
         statuses={"patent_attorneys": "初步"})
    submitted = read_normalised(path, catalogue)
    assert submitted.source.kind == "xlsx-form"
    assert submitted.source.form == {"region_code": "340100", "region_name": "合肥市", "period": "2025Q3",
                                     "reporting_unit": "合肥市统计局", "unit_head": "李四", "statistics_head": "王五",
                                     "reporter": "张三", "phone": "0551-1234567", "reported_on": "2025-10-08"}
    filled = submitted.rows.filter(submitted.rows["value"].is_not_null())
    assert sorted(filled.select("indicator_code", "region_code", "period", "value", "status").rows()) == [
        ("ip_pledge_financing_amount", "340100", "2025Q3", Decimal("25.5"), "正常"),
        ("patent_attorneys", "340100", "2025Q3", Decimal("1200"), "初步"),
        ("pct_applications", "340100", "2025Q3", Decimal("700"), "正常"),
    ]
    sheet = load_workbook(path)[template.FORM_SHEET]
    pct_row = next(r for r in range(13, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "pct_applications")
    assert filled.filter(filled["indicator_code"] == "pct_applications")["line"].to_list() == [pct_row]
    assert submitted.source.letters["value"] == "E"


def test_empty_form_rows_are_missing_not_zero(tmp_path, catalogue):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    rows = read_normalised(path, catalogue).rows
    assert rows.filter(rows["indicator_code"] == "patent_attorneys")["status"].to_list() == ["缺失"]


def test_rows_inserted_above_the_table_move_the_lines(tmp_path, catalogue):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700},
                extra_blank_rows=2)
    rows = read_normalised(path, catalogue).rows
    assert rows["line"].min() == template.TABLE_HEADER_ROW + 3


def test_faulty_form_is_rejected_with_every_fault_and_its_cell(tmp_path, prefect_harness):
    from flows.ingest import ingest_flow

    path = template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3")
    fill(path, {"pct_applications": "七百", "patent_attorneys": -5}, statuses={"pct_applications": "大概"})
    [result] = ingest_flow([path], office="340100", home=str(tmp_path / "home"))
    sheet = load_workbook(path)[template.FORM_SHEET]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(13, sheet.max_row + 1)}
    faults = sorted((e["rule"], e["cell"]) for e in result["errors"])
    assert result["status"] == "rejected"
    assert faults == sorted([
        ("value_numeric", f"填报表!E{rows['pct_applications']}"),
        ("status_known", f"填报表!F{rows['pct_applications']}"),
        ("value_in_bounds", f"填报表!E{rows['patent_attorneys']}"),
    ])


def test_a_filled_form_reads_exactly_its_indicator_rows_not_its_foot(tmp_path, catalogue):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    codes = [sheet.cell(row=r, column=1).value for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)]
    indicators = codes[:codes.index(None)]
    foot = template.TABLE_HEADER_ROW + len(indicators) + 2
    sheet[f"A{foot + 3}"] = "注：本表数据来源于市统计局"  # a note under the foot, in column A
    book.save(path)
    raw = submission.read(path)
    assert raw.rows["line"].to_list() == list(range(template.TABLE_HEADER_ROW + 1, foot - 1))
    assert raw.rows["indicator_code_raw"].to_list() == indicators
    assert (raw.form_cells["reporter"], raw.form_cells["reported_on"]) == (f"F{foot}", f"D{foot + 1}")


def test_a_foot_typed_as_one_line_in_column_a_is_read_and_ends_the_table(tmp_path, catalogue):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    foot = next(r for r in range(13, sheet.max_row + 1) if sheet[f"A{r}"].value == "单位负责人：")
    sheet.delete_rows(foot, 2)
    sheet[f"A{foot - 1}"] = "填表人：赵六"  # straight under the last indicator row, no blank row between
    book.save(path)
    submitted = read_normalised(path, catalogue)
    assert submitted.rows["line"].max() == foot - 2
    assert submitted.source.form["reporter"] == "赵六" and "unit_head" not in submitted.source.form


def test_a_blank_header_value_is_not_taken_from_the_form_number_beside_it(tmp_path, catalogue):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    book = load_workbook(path)
    book[template.FORM_SHEET]["B4"] = None  # 表号：IPW-1表 sits to its right
    book.save(path)
    raw = submission.read(path)
    assert (raw.form["region_code"], raw.form_cells["region_code"]) == ("", "B4")


def test_a_form_of_the_layout_before_the_foot_still_reads_its_office_details(tmp_path, catalogue):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row, (label, value) in enumerate([("行政区划代码", "340100"), ("地区名称", "合肥市"), ("报告期", "2025Q3"),
                                          ("填报单位", "合肥市统计局"), ("填报人", "张三"), ("联系电话", "0551-1"),
                                          ("填报日期", "2025-10-08")], start=4):
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=value)
    sheet.append([])
    sheet.append(["指标代码", "指标名称", "计量单位", "统计口径", "本期数值", "数据状态", "备注"])
    sheet.append(["pct_applications", "PCT国际专利申请量", "件", "1月至报告期末累计值", 700])
    book.save(tmp_path / "old.xlsx")
    raw = submission.read(tmp_path / "old.xlsx")
    assert (raw.form["reporter"], raw.form["phone"], raw.form["reported_on"]) == ("张三", "0551-1", "2025-10-08")
    assert raw.rows["indicator_code_raw"].to_list() == ["pct_applications"]


def test_a_form_stored_without_its_extension_is_read_by_its_content(tmp_path, catalogue):
    filled = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    stored = filled.rename(tmp_path / "0f3a9c")  # as the portal keeps an upload: under its hash, no extension
    rows = read_normalised(stored, catalogue).rows
    assert rows.filter(rows["indicator_code"] == "pct_applications")["value"].to_list() == [700]
