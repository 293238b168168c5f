"""Generated workbooks and text files through the real intake (issue #26's property): the value in force is what a
person sees in the file, or the value before it, unchanged, with a refusal naming the sheet or cell.

Each workbook is a long table of one value, with some of: a hidden or very hidden sheet in front (holding a row of
another value, or nothing), a hidden row or column (holding data, or nothing), a second visible table, a unit in the
value header (with a unit column agreeing, disagreeing, blank or absent), a number format (a real percent, a literal
one). Each text file is one encoding and one line-ending convention. What a person sees is worked out here from the
choices, never from what ipwatch read."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from .conftest import process

OFFICE = "340100"
MONEY, SHARE = "ip_pledge_financing_amount", "patent_intensive_industry_gdp_share"  # 亿元 [0, 3000]; % [0, 100]
# (unit written in a header, the indicator's unit it is converted to, what one of it is in that unit)
HEADER_UNITS = {MONEY: [("万元", Decimal("0.0001")), ("亿元", Decimal(1)), ("元", Decimal("1E-8"))],
                SHARE: [("%", Decimal(1)), ("‰", Decimal("0.1"))]}
quarters = itertools.count()


def period() -> str:
    """A quarter of its own for each example, 2015Q1 onwards (all before today, after the earliest plan's base)."""
    n = next(quarters) % 40
    return f"{2015 + n // 4}Q{n % 4 + 1}"


@dataclass(frozen=True)
class Choices:
    indicator: str
    typed: int
    hidden_sheet: str | None  # None, 'hidden' or 'veryHidden'
    hidden_sheet_filled: bool
    hidden_row: bool | None  # None: no hidden row; else whether it holds data
    hidden_column: bool | None
    second_table: bool
    header_unit: int | None  # index into HEADER_UNITS[indicator]
    unit_cell: str  # 'absent', 'blank', 'same', 'other'
    number_format: str  # 'General', '0.0%' or '0.0"%"'


choices = st.builds(
    Choices,
    indicator=st.sampled_from([MONEY, SHARE]),
    typed=st.integers(1, 90),
    hidden_sheet=st.sampled_from([None, "hidden", "veryHidden"]),
    hidden_sheet_filled=st.booleans(),
    hidden_row=st.sampled_from([None, False, True]),
    hidden_column=st.sampled_from([None, False, True]),
    second_table=st.booleans(),
    header_unit=st.sampled_from([None, 0, 1]),
    unit_cell=st.sampled_from(["absent", "blank", "same", "other"]),
    number_format=st.sampled_from(["General", "0.0%", '0.0"%"']),
)


def workbook(c: Choices, quarter: str, path) -> None:
    """The workbook these choices make, its table on sheet 数据 (value in D2, unit in E2)."""
    book = Workbook()
    book.remove(book.active)
    if c.hidden_sheet:
        front = book.create_sheet("Sheet0")
        if c.hidden_sheet_filled:
            front.append(["行政区划代码", "报告期", "指标代码", "数值"])
            front.append([OFFICE, quarter, c.indicator, 77])
        front.sheet_state = c.hidden_sheet
    sheet = book.create_sheet("数据")
    units = HEADER_UNITS[c.indicator]
    value_header = "数值" if c.header_unit is None else f"数值（{units[c.header_unit][0]}）"
    header = ["行政区划代码", "报告期", "指标代码", value_header]
    row = [OFFICE, quarter, c.indicator, c.typed / 100 if c.number_format == "0.0%" else c.typed]
    if c.unit_cell != "absent":
        header.append("计量单位")
        stated = units[c.header_unit or 0][0]
        other = next(u for u, _ in units if u != stated)
        row.append({"blank": None, "same": stated, "other": other}[c.unit_cell])
    sheet.append(header)
    sheet.append(row)
    sheet["D2"].number_format = c.number_format
    if c.hidden_row is not None:
        sheet.append([])
        sheet.append([OFFICE, quarter, c.indicator, 55] if c.hidden_row else [])
        sheet.row_dimensions[4].hidden = True
    if c.hidden_column is not None:
        sheet["H2"] = "内部核对" if c.hidden_column else None
        sheet.column_dimensions["H"].hidden = True
    if c.second_table:
        book.create_sheet("第二张").append(header)
    book.save(path)


def seen(c: Choices) -> tuple[Decimal | None, list[str]]:
    """(the value a person sees, in the indicator's unit, or None when the file must be refused; what the refusal
    must name)."""
    named = []  # what is wrong with the workbook as a whole is said at once, before any cell is read
    if c.hidden_sheet and c.hidden_sheet_filled:
        named.append("Sheet0")
    if c.hidden_row:
        named.append("A4")
    if c.hidden_column:
        named.append("H2")
    if c.second_table:
        named.append("第二张")
    if named:
        return None, named
    if c.header_unit is not None and c.unit_cell == "other":
        return None, ["数据!D1", "数据!E2"]
    # a percent shown beside a number of money is no number (value_numeric names the cell)
    if c.number_format != "General" and c.indicator == MONEY:
        return None, ["数据!D2"]
    units = HEADER_UNITS[c.indicator]
    if c.header_unit is not None:  # the header's unit, the unit cell blank, absent or the same
        size = units[c.header_unit][1]
    else:  # the unit cell's, if any: the first unit, or the other one
        size = {"same": units[0][1], "other": units[1][1]}.get(c.unit_cell, Decimal(1))
    # 0.0% shows typed/100 × 100 = typed; 0.0"%" shows typed; either way the person reads `typed`
    return Decimal(c.typed) * size, []


def in_force(conn, indicator: str, quarter: str) -> Decimal | None:
    found = conn.execute("select value from observations where region_code = ? and period = ? and indicator_code = ?",
                         [OFFICE, quarter, indicator]).fetchone()
    return None if found is None else found[0]


# seeded; no shrinking: each example is two real intake runs, and the choices printed are small already
@settings(max_examples=30, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(c=choices)
def test_a_generated_workbook_puts_in_force_what_a_person_sees_or_is_refused_naming_it(conn, ws, catalogue,
                                                                                        tmp_path, c):
    quarter = period()
    before = Decimal(3)
    baseline = tmp_path / f"base-{quarter}.csv"
    baseline.write_text(f"region_code,period,indicator_code,value\n{OFFICE},{quarter},{c.indicator},3\n")
    process(conn, ws, catalogue, [(baseline, OFFICE)])
    assert in_force(conn, c.indicator, quarter) == before
    path = tmp_path / f"{quarter}.xlsx"
    workbook(c, quarter, path)
    [result] = process(conn, ws, catalogue, [(path, OFFICE)])
    value, named = seen(c)
    if value is None:
        said = " ".join(f"{e.get('cell') or ''} {e['message']}" for e in result["errors"])
        assert result["status"] == "rejected" and all(n in said for n in named), (result, named)
        assert in_force(conn, c.indicator, quarter) == before
    else:
        assert result["status"].startswith("accepted"), result
        assert in_force(conn, c.indicator, quarter) == value


letters = st.sampled_from([*"abc xyz019", *"—‰±é°½€", *"含新引进专利缺失"])
text = st.text(letters, min_size=1, max_size=12).filter(str.strip)


# seeded; no shrinking: each example is two real intake runs, and the choices printed are small already
@settings(max_examples=30, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(note=text, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]),
       ending=st.sampled_from(["\n", "\r\n", "\r"]), typed=st.integers(1, 2000))
def test_a_generated_text_file_is_read_in_its_one_encoding_with_any_line_ending(conn, ws, catalogue, tmp_path, note,
                                                                                 encoding, ending, typed):
    quarter = period()
    lines = ["region_code,period,indicator_code,value,note", f"{OFFICE},{quarter},{MONEY},{typed},{note.strip()}", ""]
    content = ending.join(lines).encode(encoding)
    path = tmp_path / f"{quarter}.csv"
    path.write_bytes(content)
    [result] = process(conn, ws, catalogue, [(path, OFFICE)])
    assert result["status"].startswith("accepted"), result
    # the one ambiguity the rule settles: GB18030 bytes that are valid UTF-8 as a whole are UTF-8
    try:
        expected = content.decode("utf-8") if encoding == "gb18030" else None
    except UnicodeDecodeError:
        expected = None
    note_read = (expected or "").split(ending)[1].rsplit(",", 1)[1] if expected else note.strip()
    found = conn.execute("select value, note from observations where region_code = ? and period = ? and"
                         " indicator_code = ?", [OFFICE, quarter, MONEY]).fetchone()
    assert found == (Decimal(typed), note_read or None)
