"""Reading submitted files as offices really send them: real files of each kind."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ipwatch.intake.reading import Limits, ReadError

from .conftest import read_normalised, write_csv

HEADER_ZH = "行政区划代码,报告期,指标名称,数值,计量单位,数据状态,备注"


def read(path, catalogue, **limits):
    return read_normalised(path, catalogue, Limits(**limits) if limits else None)


def test_lines_are_the_file_own_lines_with_blank_lines_skipped(tmp_path, catalogue):
    rows = ["340100,2025Q3,pct_applications,700,件,", "", "340102,2025Q3,pct_applications,5,件,"]
    assert read(write_csv(tmp_path / "a.csv", rows), catalogue).rows["line"].to_list() == [2, 4]


def test_indicator_resolved_from_chinese_name_plan_wording_or_code(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", [
        "340100,2025Q3,专利代理师数量,700,人,",
        "340100,2025Q3,每万人口高价值发明专利拥有量,15,件/万人,",
        "340100,2025Q3,pct_applications,700,件,",
        "340100,2025Q3,没有这个指标,1,件,",
    ], header="region_code,period,indicator_name,value,unit,note")
    assert read(path, catalogue).rows["indicator_code"].to_list() == [
        "patent_attorneys", "high_value_invention_patents_per_10k", "pct_applications", None]


def test_chinese_header_gb18030_file(tmp_path, catalogue):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER_ZH + "\n340100,2025年第三季度,专利代理师数量,７００,人,初步,含新引进\n").encode("gb18030"))
    submitted = read(path, catalogue)
    row = submitted.rows.row(0, named=True)
    assert submitted.source.encoding == "gb18030"
    assert (row["period"], row["indicator_code"], row["value"], row["status"], row["note"]) == (
        "2025Q3", "patent_attorneys", Decimal("700"), "初步", "含新引进")


def test_utf8_bom_and_tab_separated(tmp_path, catalogue):
    path = tmp_path / "tab.tsv"
    path.write_bytes(("\ufeff" + HEADER_ZH.replace(",", "\t") + "\n340100\t2025Q3\t专利代理师数量\t700\t人\t\t\n")
                     .encode("utf-8"))
    submitted = read(path, catalogue)
    assert (submitted.source.encoding, submitted.rows["value"].to_list()) == ("utf-8-bom", [Decimal("700")])


def test_excel_unicode_text_is_utf16_tab_separated(tmp_path, catalogue):
    path = tmp_path / "unicode.txt"
    text = HEADER_ZH.replace(",", "\t") + "\n340100\t2025Q3\t专利代理师数量\t700\t人\t\t\n"
    path.write_bytes(text.encode("utf-16"))
    submitted = read(path, catalogue)
    assert (submitted.source.encoding, submitted.rows["indicator_code"].to_list()) == ("utf-16", ["patent_attorneys"])


def test_money_in_wan_yuan_is_exact_in_yi_yuan(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,ip_pledge_financing_amount,\"123,456.78\",万元,"])
    row = read(path, catalogue).rows.row(0, named=True)
    assert (row["value"], row["unit"], row["unit_raw"]) == (Decimal("12.345678"), "亿元", "万元")


def test_inconvertible_unit_leaves_no_value(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,ip_pledge_financing_amount,3,件,"])
    row = read(path, catalogue).rows.row(0, named=True)
    assert (row["value"], row["unit"]) == (None, None)


@pytest.mark.parametrize("token", ["", "/", "—", "-", "…", "无", "不适用"])
def test_not_available_is_missing_never_zero(tmp_path, catalogue, token):
    path = write_csv(tmp_path / "a.csv", [f"340100,2025Q3,pct_applications,{token},件,"])
    row = read(path, catalogue).rows.row(0, named=True)
    assert (row["value"], row["status"]) == (None, "缺失")


def test_ambiguous_name_lists_the_candidates(tmp_path, catalogue):
    from ipwatch.domain import catalogue as cat

    name = "发明专利"
    twin = cat.Indicator(code="twin", name_zh=name, name_en="t", category="创造", unit="件", measure="stock",
                         direction="up", bounds=(0, 1))
    other = cat.Indicator(code="other", name_zh="x", name_en="o", category="创造", unit="件", measure="stock",
                          direction="up", bounds=(0, 1), aliases=(name,))
    ambiguous = cat.Catalogue(indicators={"twin": twin, "other": other}, plans={})
    path = write_csv(tmp_path / "a.csv", [f"340100,2025Q3,{name},1,件,"],
                     header="region_code,period,indicator_name,value,unit,note")
    row = read(path, ambiguous).rows.row(0, named=True)
    assert (row["indicator_code"], row["indicator_candidates"]) == (None, "other、twin")


def test_missing_required_column_is_a_clear_error(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,1"], header="region_code,period,value")
    with pytest.raises(ReadError, match="缺少必填列.*indicator"):
        read(path, catalogue)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "文件为空"),
    (b"region_code,period,indicator_code,value\n", "只有表头"),
    (b"\x00\x01\x02binary\x00", "二进制"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", ".xls"),
    (b"PK\x03\x04not really a zip", "已损坏"),
])
def test_files_that_cannot_be_submissions_say_why(tmp_path, catalogue, content, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=reason):
        read(path, catalogue)


def test_undecodable_text_is_refused_not_guessed(tmp_path, catalogue):
    path = tmp_path / "f.csv"
    path.write_bytes(b"region_code,period,indicator_code,value\n340100,2025Q3,pct_applications,\x81\x20\n")
    with pytest.raises(ReadError, match="编码"):
        read(path, catalogue)


def test_size_and_row_limits(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", [f"340100,{2000 + n}Q1,pct_applications,1,件," for n in range(5)])
    with pytest.raises(ReadError, match="数据行过多"):
        read(path, catalogue, max_rows=4)
    with pytest.raises(ReadError, match="文件过大"):
        read(path, catalogue, max_bytes=10)


def xlsx(path, rows: list[list], merge: str | None = None):
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def test_xlsx_long_table_with_title_blank_rows_and_numbers_as_text(tmp_path, catalogue):
    path = xlsx(tmp_path / "long.xlsx", [
        ["合肥市知识产权指标 2025年三季度"], [],
        ["行政区划代码", "报告期", "指标代码", "数值", "计量单位"],
        ["340100", "2025Q3", "pct_applications", 700, "件"],
        [None, None, None, None, None],
        [340102, "2025年第三季度", "patent_attorneys", "1,200", "人"],
    ], merge="A1:E1")
    submitted = read(path, catalogue)
    assert submitted.source.kind == "xlsx-long" and submitted.source.sheet == "数据"
    assert submitted.rows.select("line", "region_code", "period", "value").rows() == [
        (4, "340100", "2025Q3", Decimal("700")), (6, "340102", "2025Q3", Decimal("1200"))]
    assert submitted.source.letters["value"] == "D"


def with_cached_formula(path, cell: str, formula: str, cached: str):
    """Rewrite one cell of an xlsx as a formula with a cached value, as Excel or WPS saves it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'<c r="{cell}"')
    end = sheet.index("</c>", start) + len("</c>")
    parts["xl/worksheets/sheet1.xml"] = (sheet[:start] + f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c>'
                                         + sheet[end:]).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_formula_is_read_as_its_cached_value(tmp_path, catalogue):
    path = xlsx(tmp_path / "f.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"],
                                      ["340100", "2025Q3", "pct_applications", 1]])
    with_cached_formula(path, "D2", "300+400", "700")
    assert read(path, catalogue).rows["value"].to_list() == [Decimal("700")]


def test_formula_never_computed_is_not_a_number(tmp_path, catalogue):
    path = xlsx(tmp_path / "f.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"],
                                      ["340100", "2025Q3", "pct_applications", "=300+400"]])
    row = read(path, catalogue).rows.row(0, named=True)
    assert (row["value_raw"], row["value"]) == ("=300+400", None)


def test_row_with_missing_or_extra_cells_is_flagged(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q2,pct_applications", "340100,2025Q3,pct_applications,1,234,件,"])
    assert read(path, catalogue).rows["row_shape"].to_list() == ["本行3列，表头6列", "本行7列，表头6列"]


def test_a_quoted_note_over_two_lines_is_reported_at_its_first_line(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q2,pct_applications,1,件,ok", "",
                                          '340100,2025Q3,pct_applications,2,件,"第一行', '第二行"'])
    assert read(path, catalogue).rows["line"].to_list() == [2, 4]


def rewritten(path, part: str, change):
    """Rewrite one part of an xlsx package as a hostile or broken writer would."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def test_a_percent_formatted_cell_is_the_percentage_excel_shows(tmp_path, catalogue):
    book = Workbook()
    sheet = book.active
    sheet.append(["行政区划代码", "报告期", "指标代码", "数值"])
    sheet.append(["340100", "2025Q3", "patent_intensive_industry_gdp_share", 0.1174])
    sheet["D2"].number_format = "0.00%"
    book.save(tmp_path / "p.xlsx")
    row = read(tmp_path / "p.xlsx", catalogue).rows.row(0, named=True)
    assert (row["value_raw"], row["value"]) == ("11.74%", Decimal("11.74"))


def test_a_declared_dimension_of_the_whole_sheet_is_not_trusted(tmp_path, catalogue):
    path = xlsx(tmp_path / "bomb.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"],
                                         ["340100", "2025Q3", "pct_applications", 700]])
    rewritten(path, "xl/worksheets/sheet1.xml",
              lambda xml: xml.replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:XFD1048576"/>'))
    assert read(path, catalogue).rows["value"].to_list() == [Decimal("700")]


def test_a_truncated_sheet_in_a_valid_zip_is_a_damaged_xlsx(tmp_path, catalogue):
    path = xlsx(tmp_path / "cut.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"],
                                        ["340100", "2025Q3", "pct_applications", 700]])
    rewritten(path, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(ReadError, match="已损坏"):
        read(path, catalogue)


def test_a_sheet_longer_than_the_row_limit_is_refused_while_reading(tmp_path, catalogue):
    path = xlsx(tmp_path / "long.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"],
                                         ["340100", "2025Q3", "pct_applications", 1]])
    rewritten(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", b"".join(
        b'<row r="%d"/>' % n for n in range(200, 400)) + b"</sheetData>"))
    with pytest.raises(ReadError, match="超过"):
        read(path, catalogue, max_rows=10)


def test_an_xlsx_unzipping_beyond_the_limit_is_refused_before_it_is_opened(tmp_path, catalogue):
    path = xlsx(tmp_path / "z.xlsx", [["行政区划代码", "报告期", "指标代码", "数值"]])
    with pytest.raises(ReadError, match="解压后过大"):
        read(path, catalogue, max_unzipped_bytes=1000)


def test_a_file_mixing_utf8_and_gbk_is_refused_at_the_line_that_differs(tmp_path, catalogue):
    path = tmp_path / "mixed.csv"
    line = "340100,2025Q3,专利代理师数量,700,人,,含新引进\n"
    path.write_bytes(HEADER_ZH.encode("utf-8") + b"\n" + line.encode("gbk"))
    with pytest.raises(ReadError, match="第2行与第1行编码不同") as raised:
        read(path, catalogue)
    assert raised.value.line == 2


def test_gbk_bytes_that_happen_to_be_valid_utf8_do_not_make_a_file_mixed(tmp_path, catalogue):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER_ZH + "\n340100,2025Q3,专利代理师数量,/,人,缺失,\n").encode("gbk"))
    row = read(path, catalogue).rows.row(0, named=True)
    assert (row["status"], row["indicator_code"]) == ("缺失", "patent_attorneys")
