"""Text files' encodings decided per file on evidence, for every line-ending convention (issue #26, item 6), and a
unit or a duplicate column in a CSV header (items 3 and 7)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ipwatch.intake import submission
from ipwatch.intake.encoding import encoding_of
from ipwatch.intake.reading import ReadError

from .conftest import read_normalised

HEADER = "region_code,period,indicator_code,value,unit,note"
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def text_file(path, lines: list[str], encoding: str, ending: str):
    path.write_bytes(ending.join([HEADER, *lines, ""]).encode(encoding))
    return path


def row(note: str, value: int = 700) -> str:
    """A line whose only letters beyond ASCII are its note's (the unit left blank: the indicator's)."""
    return f"340100,2025Q3,pct_applications,{value},,{note}"


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("note", ["—", "935‰", "±0.5", "café", "含新引进", "€ 12 ½"])
def test_valid_utf8_is_utf8_whatever_its_letters(tmp_path, note, ending):
    path = text_file(tmp_path / "u.csv", [row(note), row("ok", 701)], "utf-8", ENDINGS[ending])
    raw = submission.read(path)
    assert (raw.encoding, raw.rows["note_raw"].to_list(), raw.rows["line"].to_list()) == ("utf-8", [note, "ok"], [2, 3])


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_each_encoding_reads_its_text_with_each_line_ending(tmp_path, encoding, ending):
    path = text_file(tmp_path / "g.csv", [row("含新引进—"), row("", 701)], encoding, ENDINGS[ending])
    raw = submission.read(path)
    assert raw.rows.select("line", "value_raw", "note_raw").rows() == [(2, "700", "含新引进—"), (3, "701", "")]


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("pasted", ["含新引进", "—", "935‰"])
def test_a_utf8_line_in_a_gbk_file_is_refused_at_that_line(tmp_path, ending, pasted):
    lines = [row("含新引进").encode("gbk"), row("ok").encode(), row(pasted).encode("utf-8")]
    path = tmp_path / "m.csv"
    path.write_bytes(ENDINGS[ending].encode().join([HEADER.encode(), *lines, b""]))
    with pytest.raises(ReadError, match="第4行与第2行编码不同") as raised:
        submission.read(path)
    assert raised.value.line == 4


def test_a_file_in_neither_encoding_is_refused_at_its_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(HEADER.encode() + b"\r" + row("ok").encode() + b"\r" + row("").encode() + b"\x81\x20\r")
    with pytest.raises(ReadError, match="第3行既不是UTF-8也不是GB18030") as raised:
        submission.read(path)
    assert raised.value.line == 3


def test_a_nul_byte_is_binary_at_its_line_even_in_valid_utf8(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(HEADER.encode() + b"\r\n" + row("a").encode() + b"\r\n" + b"\x00\x00\r\n")
    with pytest.raises(ReadError, match="二进制") as raised:
        encoding_of(path)
    assert raised.value.line == 3


def test_a_unit_in_a_csv_header_is_the_unit_of_its_values(tmp_path, catalogue):
    path = tmp_path / "u.csv"
    path.write_text("region_code,period,indicator_code,value (万元)\n340100,2025Q3,ip_pledge_financing_amount,500\n")
    row_ = read_normalised(path, catalogue).rows.row(0, named=True)
    assert (row_["unit_raw"], row_["value"]) == ("万元", Decimal("0.05"))  # 500 万元 / 10^4 = 0.05 亿元


def test_a_csv_row_whose_unit_contradicts_the_header_is_refused_naming_both(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("region_code,period,indicator_code,数值（万元）,unit\n"
                    "340100,2025Q3,ip_pledge_financing_amount,500,万元\n"
                    "340100,2025Q2,ip_pledge_financing_amount,5,亿元\n")
    said = "表头第1行第4列“数值（万元）”写明数值的单位是“万元”，而计量单位第3行第5列“亿元”与之不同"
    with pytest.raises(ReadError, match=said):
        submission.read(path)


@pytest.mark.parametrize(("header", "named"), [
    ("region_code,period,indicator_code,value,value", "第1行第4列“value”、第1行第5列“value”"),
    ("指标代码,region_code,period,指标代码,数值", "第1行第1列“指标代码”、第1行第4列“指标代码”"),
    ("region_code,period,indicator_code,数值,本期数值(件)", "第1行第4列“数值”、第1行第5列“本期数值(件)”"),
])
def test_two_csv_header_cells_of_one_column_are_refused_naming_both(tmp_path, header, named):
    path = tmp_path / "d.csv"
    path.write_text(f"{header}\n340100,2025Q3,pct_applications,1,2\n")
    with pytest.raises(ReadError, match=re.escape(named)):
        submission.read(path)
