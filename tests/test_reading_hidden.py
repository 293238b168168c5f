"""Only what the clerk sees and means is read from a workbook (issue #26, items 1, 2, 3, 7): real workbooks written
by openpyxl, hidden sheets, rows and columns, two forms, a period or region stated twice, a unit in a header, two
columns of one name, and Excel's literal percent formats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from ipwatch.intake import submission, template
from ipwatch.intake.number_format import shown_number
from ipwatch.intake.reading import ReadError

from .conftest import fill, read_normalised
from .test_intake import rewritten

LONG = ["行政区划代码", "报告期", "指标代码", "数值"]


def book_of(sheets: dict[str, list[list]]) -> Workbook:
    """A workbook with one visible sheet per entry, in order."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return book


def saved(book: Workbook, path):
    book.save(path)
    return path


def refusal(path) -> str:
    with pytest.raises(ReadError) as raised:
        submission.read(path)
    return str(raised.value)


def filled_form(path, value=700):
    return fill(template.write_template(path, "340100", "2025Q3"), {"pct_applications": value})


def pct(raw) -> list:
    return raw.rows.filter(raw.rows["indicator_code_raw"] == "pct_applications")["value_raw"].to_list()


# --- item 1: hidden sheets, rows and columns ---------------------------------------------------------------------

@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_with_a_row_in_front_of_the_visible_form_is_refused_naming_it(tmp_path, state):
    path = filled_form(tmp_path / "f.xlsx")
    book = load_workbook(path)
    sheet = book.create_sheet("Sheet0", 0)  # in front: the sheet the reader used to take
    sheet.append(LONG)
    sheet.append(["340100", "2025Q3", "pct_applications", 99999])
    sheet.sheet_state = state
    book.active = 1
    message = refusal(saved(book, path))
    assert "“Sheet0”已隐藏" in message and "A1" in message


def test_a_hidden_sheet_that_is_empty_changes_nothing(tmp_path):
    path = filled_form(tmp_path / "f.xlsx")
    book = load_workbook(path)
    book.create_sheet("Sheet0", 0).sheet_state = "hidden"
    book.active = 1
    assert pct(submission.read(saved(book, path))) == ["700"]


def test_a_hidden_row_holding_data_is_refused_naming_its_cells(tmp_path):
    book = book_of({"数据": [LONG, ["340100", "2025Q3", "pct_applications", 700],
                                      ["340100", "2025Q2", "pct_applications", 650]]})
    book["数据"].row_dimensions[3].hidden = True
    message = refusal(saved(book, tmp_path / "r.xlsx"))
    assert "“数据”中隐藏的行或列有内容（A3、B3、C3、D3）" in message


def test_a_hidden_column_holding_data_is_refused_naming_its_cells(tmp_path):
    book = book_of({"数据": [[*LONG, "备注"], ["340100", "2025Q3", "pct_applications", 700, "内部核对"]]})
    book["数据"].column_dimensions["E"].hidden = True
    message = refusal(saved(book, tmp_path / "c.xlsx"))
    assert "（E1、E2）" in message


@pytest.mark.parametrize(("find", "replace", "named"), [
    (b'<row r="3"', b'<row r="3" ht="0" customHeight="1"', "（A3、B3、C3、D3）"),  # openpyxl never writes 0
    (b'<sheetFormatPr ', b'<sheetFormatPr zeroHeight="1" ', "等12处"),  # every row hidden: 3 rows × 4 cells
])
def test_a_row_of_zero_height_is_as_hidden_as_a_hidden_one(tmp_path, find, replace, named):
    book = book_of({"数据": [LONG, ["340100", "2025Q3", "pct_applications", 700],
                                      ["340100", "2025Q2", "pct_applications", 650]]})
    path = rewritten(saved(book, tmp_path / "z.xlsx"), "xl/worksheets/sheet1.xml",
                     lambda xml: xml.replace(find, replace))
    assert named in refusal(path)


def test_hidden_rows_and_columns_that_are_empty_change_nothing(tmp_path):
    book = book_of({"数据": [LONG, [], ["340100", "2025Q3", "pct_applications", 700]]})
    book["数据"].row_dimensions[2].hidden = True
    book["数据"].column_dimensions["F"].hidden = True
    raw = submission.read(saved(book, tmp_path / "e.xlsx"))
    assert raw.rows.select("line", "value_raw").rows() == [(3, "700")]


def test_a_form_hiding_its_guide_column_still_reads_when_the_column_is_empty(tmp_path):
    path = filled_form(tmp_path / "f.xlsx")
    book = load_workbook(path)
    book[template.FORM_SHEET].column_dimensions["I"].hidden = True  # beside the table, nothing in it
    assert pct(submission.read(saved(book, path))) == ["700"]


def test_two_visible_forms_are_refused_naming_both_sheets(tmp_path):
    path = filled_form(tmp_path / "f.xlsx")
    book = load_workbook(path)
    second = book.copy_worksheet(book[template.FORM_SHEET])
    second.title = "2025Q4"
    message = refusal(saved(book, path))
    assert f"2张可见的数据表（“{template.FORM_SHEET}”、“2025Q4”）" in message


def test_a_visible_sheet_without_a_table_beside_the_table_is_fine(tmp_path):
    book = book_of({"说明": [["本表由统计科填报"]], "数据": [LONG, ["340100", "2025Q3", "pct_applications", 7]]})
    raw = submission.read(saved(book, tmp_path / "s.xlsx"))
    assert (raw.sheet, raw.rows["value_raw"].to_list()) == ("数据", ["7"])


# --- item 2: a region or period stated twice ---------------------------------------------------------------------

def stated_again(path, cell: str, text: str):
    """The filled form with `text` typed at `cell` as well (below its foot, say)."""
    book = load_workbook(path)
    book[template.FORM_SHEET][cell] = text
    return saved(book, path)


def foot_row(path) -> int:
    sheet = load_workbook(path)[template.FORM_SHEET]
    return next(r for r in range(1, sheet.max_row + 1) if sheet[f"A{r}"].value == "单位负责人：")


@pytest.mark.parametrize(("typed", "named"), [
    ("报告期：2025Q2", "填报表!B6为“2025Q3”，填报表!A{below}为“2025Q2”"),
    ("行政区划代码：340102", "填报表!B4为“340100”，填报表!A{below}为“340102”"),
])
def test_a_period_or_region_below_the_foot_differing_from_the_header_block_is_refused_naming_both(tmp_path, typed,
                                                                                                   named):
    path = filled_form(tmp_path / "f.xlsx")
    below = foot_row(path) + 4
    assert named.format(below=below) in refusal(stated_again(path, f"A{below}", typed))


def test_a_period_stated_twice_alike_in_other_words_is_read(tmp_path):
    path = filled_form(tmp_path / "f.xlsx")
    raw = submission.read(stated_again(path, f"A{foot_row(path) + 4}", "报告期：2025年第三季度"))
    assert raw.form_cells["period"] == "B6" and set(raw.rows["period_raw"]) == {"2025Q3"}


def test_a_period_column_in_a_form_table_must_agree_with_its_header_block(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "表"
    sheet.append(["行政区划代码", "340100"])
    sheet.append(["报告期", "2025Q3"])
    sheet.append(["指标代码", "报告期", "数值"])
    sheet.append(["pct_applications", "2025Q3", 700])
    sheet.append(["patent_attorneys", "2025Q2", 80])
    assert "表!B2为“2025Q3”，表!B5为“2025Q2”" in refusal(saved(book, tmp_path / "t.xlsx"))


# --- item 3: a unit in the value column's header -----------------------------------------------------------------

def test_a_unit_in_the_value_header_is_every_value_s_unit(tmp_path, catalogue):
    book = book_of({"数据": [["行政区划代码", "报告期", "指标代码", "数值（万元）"],
                                      ["340100", "2025Q3", "ip_pledge_financing_amount", 500]]})
    row = read_normalised(saved(book, tmp_path / "u.xlsx"), catalogue).rows.row(0, named=True)
    # 500 万元 = 500 / 10^4 亿元 = 0.05 亿元
    assert (row["unit_raw"], row["value"]) == ("万元", Decimal("0.05"))


def test_a_unit_column_agreeing_with_the_header_is_read_and_one_disagreeing_is_refused(tmp_path, catalogue):
    rows = [["行政区划代码", "报告期", "指标代码", "本期数值(万元)", "计量单位"],
            ["340100", "2025Q3", "ip_pledge_financing_amount", 500, "万元"],
            ["340100", "2025Q3", "patent_attorneys", 80, None]]
    agreeing = saved(book_of({"数据": rows}), tmp_path / "a.xlsx")
    assert read_normalised(agreeing, catalogue).rows["value"].to_list()[0] == Decimal("0.05")  # 500 / 10^4
    rows[1][4] = "亿元"
    message = refusal(saved(book_of({"数据": rows}), tmp_path / "d.xlsx"))
    assert "表头数据!D1“本期数值(万元)”写明数值的单位是“万元”，而计量单位数据!E2“亿元”与之不同" in message


# --- item 7, its file-shape part: two columns of one name --------------------------------------------------------

def test_two_header_cells_naming_the_value_are_refused_naming_both(tmp_path):
    book = book_of({"数据": [["行政区划代码", "报告期", "指标代码", "数值", "本期数值"],
                                      ["340100", "2025Q3", "pct_applications", 700, 800]]})
    assert "数据!D1“数值”、数据!E1“本期数值”" in refusal(saved(book, tmp_path / "v.xlsx"))


# --- item 7: Excel's percent formats, read as displayed ----------------------------------------------------------

@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (0.1174, "0.00%", "11.74%"),  # a real percent format: 0.1174 × 100
    (5.0, '0.0"%"', "5%"),  # the % in quotes is text: 5.0 shows 5.0%
    (5.0, "0.0\\%", "5%"),  # escaped
    (5.0, "0.0*%", "5%"),  # a fill character
    (5.0, '"%"0.0', "5%"),
    (0.05, '0.0%;"−"0.0"%"', "5%"),  # the positive section scales
    (-5.0, '0.0%;"−"0.0"%"', "-5%"),  # the negative one does not: -5 shows −5.0%
    (0.0005, "0.0%%", "5%"),  # two bare signs: × 100 × 100
    (12.0, "[Red]0.0;[Blue]0.0", "12"),  # brackets hold no percent
    (12.0, "0_%", "12"),  # a space as wide as %, no %
    (12.0, "General", "12"),
    # Excel's 15 significant digits: a formula's binary rounding is not what the cell holds for a person
    (1424.9999999999998, "General", "1425"),  # =1425*0.1*10
    (0.30000000000000004, "General", "0.3"),  # =0.1+0.2
    (0.11740000000000001, "0.00%", "11.74%"),
    (1424.99999999999, "General", "1424.99999999999"),  # typed, 15 digits: kept as typed
    (340100, "General", "340100"),  # a region code typed as a number
    (1e22, "General", "10000000000000000000000"),
])
def test_a_number_is_read_as_its_format_shows_it(value, number_format, shown):
    assert shown_number(value, number_format) == shown


def test_a_formula_s_binary_rounding_is_read_as_the_number_excel_shows(tmp_path, catalogue):
    """A count computed by a formula (=1425*0.1*10 is 1424.9999999999998 in the file) is the 1425 the clerk sees,
    a whole number; one typed with its decimals stays as typed and is not whole."""
    book = book_of({"数据": [LONG, ["340100", "2025Q3", "pct_applications", 1424.9999999999998],
                             ["340100", "2025Q2", "pct_applications", 1424.99999999999]]})
    rows = read_normalised(saved(book, tmp_path / "f.xlsx"), catalogue).rows
    assert rows["value_raw"].to_list() == ["1425", "1424.99999999999"]


def test_literal_percent_cells_are_the_number_typed(tmp_path, catalogue):
    book = book_of({"数据": [LONG, *[["340100", f"2025Q{q}", "patent_intensive_industry_gdp_share", v]
                                             for q, v in ((1, 5.0), (2, 5.0), (3, 0.05))]]})
    for cell, number_format in (("D2", '0.0"%"'), ("D3", "0.0\\%"), ("D4", "0.0%")):
        book["数据"][cell].number_format = number_format
    rows = read_normalised(saved(book, tmp_path / "p.xlsx"), catalogue).rows
    assert rows["value"].to_list() == [Decimal(5)] * 3  # each shows 5.0%


# --- end to end: `ipwatch ingest` into a real warehouse ----------------------------------------------------------

@pytest.mark.usefixtures("prefect_harness")
def test_through_ingest_a_hidden_sheet_changes_nothing_in_force_and_a_header_unit_converts(tmp_path):
    from ipwatch import config

    from .test_hostile import current, ipwatch

    ws = config.workspace(tmp_path / "home").ensure()
    first = filled_form(tmp_path / "first.xlsx", 700)
    assert ipwatch(ws, "ingest", str(first), "--as", "340100")[1][0]["status"].startswith("accepted")
    hidden = filled_form(tmp_path / "hidden.xlsx", 800)
    book = load_workbook(hidden)
    front = book.create_sheet("Sheet0", 0)
    front.append(LONG)
    front.append(["340100", "2025Q3", "pct_applications", 99999])
    front.sheet_state = "hidden"
    book.active = 1
    status, [result] = ipwatch(ws, "ingest", str(saved(book, hidden)), "--as", "340100")
    assert (status, result["status"]) == (1, "rejected") and "“Sheet0”已隐藏" in result["errors"][0]["message"]
    unit = saved(book_of({"数据": [["行政区划代码", "报告期", "指标代码", "数值（万元）"],
                                            ["340100", "2025Q3", "ip_pledge_financing_amount", 500]]}),
                 tmp_path / "unit.xlsx")
    assert ipwatch(ws, "ingest", str(unit), "--as", "340100")[1][0]["status"].startswith("accepted")
    in_force = {(r, i): v for r, p, i, v in current(ws) if p == "2025Q3"}
    # the first form's 700 stands (the hidden sheet's 99999 and the refused form's 800 never counted);
    # 500 万元 = 500 / 10^4 亿元 = 0.05 亿元
    assert (in_force[("340100", "pct_applications")], in_force[("340100", "ip_pledge_financing_amount")]) == (
        Decimal(700), Decimal("0.05"))
