"""What a table's header row says: which logical column each cell names, and the unit a value column's header
writes (`数值（万元）`, `value (万元)`), for CSV and xlsx alike.

A header naming one logical column twice (`value` twice, `数值` beside `本期数值`) is refused naming both cells: no
column silently wins. A unit in the value column's header is the unit of every value under it; a row whose own unit
cell names another unit is a contradiction the file must resolve, so the file is refused naming the header and those
cells (the header speaks for the whole column: which of the two the clerk meant is not ours to choose, for that row
or for the others).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ipwatch.domain.cells import text
from ipwatch.domain.units import UnitError, factor
from ipwatch.intake.errors import ReadError

# Header words (after NFKC, lower case, spaces removed) -> logical column.
HEADER_WORDS = {
    "region_code": "region_code", "行政区划代码": "region_code", "地区代码": "region_code",
    "period": "period", "报告期": "period",
    "indicator_code": "indicator_code", "指标代码": "indicator_code",
    "indicator_name": "indicator_name", "indicator": "indicator_name",
    "指标名称": "indicator_name", "指标": "indicator_name",
    "value": "value", "数值": "value", "本期数值": "value", "本期数": "value",
    "unit": "unit", "计量单位": "unit", "单位": "unit",
    "status": "status", "数据状态": "status", "状态": "status",
    "note": "note", "备注": "note", "说明": "note",
}
# A header word with a bracket after it: 'value(万元)', '数值[万元]' (full-width brackets are ASCII after NFKC).
BRACKETED = re.compile(r"([^(\[]*)[(\[]([^)\]]*)[)\]]?")
SHOWN_CELLS = 5  # cells a message names before it counts the rest

# Where a cell is, as the office finds it: (line or sheet row, column index from 0) -> 'D3' or '第1行第4列'.
Place = Callable[[int, int], str]


@dataclass(frozen=True)
class Header:
    """A header row read: the logical column of each cell, and the unit the value column's header writes."""

    columns: list[str | None]
    line: int  # its line, or its row on a sheet
    unit: str | None = None
    unit_cell: str | None = None  # where that unit is written ('D3')
    unit_header: str = ""  # the value column's header as written ('数值（万元）')


def key(cell: object) -> str:
    """A header cell as compared with the header words: NFKC, lower case, no spaces."""
    return unicodedata.normalize("NFKC", str(cell or "")).strip().lower().replace(" ", "")


def header_word(cell: object) -> str | None:
    """The logical column a header cell names, if any (a bracket after the word does not change it)."""
    match = BRACKETED.fullmatch(key(cell))
    return HEADER_WORDS.get(match[1] if match else key(cell))


def header_unit(cell: object) -> str | None:
    """The unit a value column's header writes in brackets ('数值（万元）' -> '万元'), if any."""
    match = BRACKETED.fullmatch(key(cell))
    if match is None or HEADER_WORDS.get(match[1]) != "value":
        return None
    return text(bracketed(str(cell))) or None


def bracketed(cell: str) -> str:
    """The text inside a cell's first bracket, as written (spaces inside kept)."""
    plain = unicodedata.normalize("NFKC", cell)
    return re.split(r"[)\]]", re.split(r"[(\[]", plain, maxsplit=1)[1], maxsplit=1)[0]


def read_header(cells: list, line: int, place: Place) -> Header:
    """The header row `cells` at `line`: its columns, refused when two cells name one column."""
    columns = [header_word(c) for c in cells]
    twice = [c for c in dict.fromkeys(columns) if c and columns.count(c) > 1]
    if twice:
        named = "；".join("、".join(f"{place(line, i)}“{str(cells[i]).strip()}”" for i, c in enumerate(columns)
                                   if c == column) for column in twice)
        raise ReadError(f"表头中有多列表示同一项，无法确定以哪一列为准：{named}。请只保留其中一列"
                        f" (more than one header cell names the same column: {named}; keep one)",
                        line=line, column=twice[0])
    if "value" not in columns:
        return Header(columns, line)
    at = columns.index("value")
    unit = header_unit(cells[at])
    return Header(columns, line, unit, place(line, at) if unit else None, str(cells[at]).strip())


def with_header_unit(records: list[dict], header: Header, unit_place: Callable[[int], str]) -> list[dict]:
    """Each record's unit_raw as the header says, where its own unit cell is blank; refused when a row's unit cell
    names another unit than the header (`unit_place(line)` says where that cell is)."""
    if header.unit is None:
        return records
    differing = [r for r in records if text(r.get("unit_raw")) and not agree(text(r["unit_raw"]), header.unit)]
    if differing:
        cells = "、".join(f"{unit_place(r['line'])}“{text(r['unit_raw'])}”" for r in differing[:SHOWN_CELLS])
        more = f"等{len(differing)}处" if len(differing) > SHOWN_CELLS else ""
        raise ReadError(
            f"表头{header.unit_cell}“{header.unit_header}”写明数值的单位是“{header.unit}”，而计量单位"
            f"{cells}{more}与之不同，无法确定数值的单位：请删去表头中的单位，或把这些行的计量单位改为“{header.unit}”"
            f"并按{header.unit}填写数值 (the header {header.unit_cell} gives the values' unit as {header.unit}, but"
            f" the unit column says otherwise at {cells}{more})", line=differing[0]["line"], column="unit")
    return [{**r, "unit_raw": r.get("unit_raw") if text(r.get("unit_raw")) else header.unit} for r in records]


def agree(given: str, stated: str) -> bool:
    """True when a row's unit and the header's name one unit (人 and 名; 件 and 件/万人, as units.py reads a plan's
    short form)."""
    return given == stated or 1 in (ratio(given, stated), ratio(stated, given))


def ratio(given: str, wanted: str) -> object:
    """What a value in `given` is multiplied by to be in `wanted`, or None when it cannot be."""
    try:
        return factor(given, wanted)
    except UnitError:
        return None
