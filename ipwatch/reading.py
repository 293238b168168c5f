"""Turn a submitted file's bytes into a table of text cells, each row with its place in the file.

Formats: long CSV (UTF-8, UTF-8 with BOM or GB18030, comma or tab separated), long xlsx tables, and the
filled Excel template (ipwatch/template.py). Nothing is judged here; normalise.py and the rules do that.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

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
TEXT_COLUMNS = ("region_code", "period", "indicator_code", "indicator_name", "value", "unit", "status", "note")
RAW_SCHEMA = {"line": pl.Int32, **{f"{c}_raw": pl.String for c in TEXT_COLUMNS}, "row_shape": pl.String}
# Labels of the template's header block -> logical field.
FORM_LABELS = {"行政区划代码": "region_code", "地区名称": "region_name", "报告期": "period",
               "填报单位": "reporting_unit", "填报人": "reporter", "联系电话": "phone", "填报日期": "reported_on"}
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"


class ReadError(ValueError):
    """The file cannot be read as a submission at all; the message says why, in Chinese and English."""

    def __init__(self, message: str, line: int | None = 1, column: str | None = None):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass(frozen=True)
class RawTable:
    """A file's rows as text cells (RAW_SCHEMA), and how the file was read."""

    rows: pl.DataFrame
    kind: str
    encoding: str | None = None
    sheet: str | None = None
    letters: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)


def header_word(text: object) -> str | None:
    """The logical column a header cell names, if any."""
    key = unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")
    return HEADER_WORDS.get(key.split("(")[0])


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text an office sees (700.0 -> '700', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 by its BOM (Excel's "Unicode text"), strict UTF-8, then GB18030; never a guess."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError("UTF-16文件内容损坏 (damaged UTF-16 text)") from exc
    if b"\x00" in data:
        raise ReadError("文件含二进制内容，不是CSV或xlsx (binary content: not a CSV or xlsx file)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        name = "utf-8-bom" if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf") else encoding
        return text, name.replace("utf-8-sig", "utf-8")
    raise ReadError("无法识别文件编码，请另存为UTF-8或GB18030 (encoding is neither UTF-8 nor GB18030)")


def table(records: list[dict]) -> pl.DataFrame:
    """Raw records as a frame with every raw column present."""
    return pl.DataFrame(records, schema=RAW_SCHEMA)


def read_csv(data: bytes) -> RawTable:
    """A long CSV table: the header names the columns, each further line one observation."""
    text, encoding = decode(data)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if first.count("\t") > first.count(",") else ",")
    try:
        header = next(reader, [])
        columns = [header_word(h) for h in header]
        require_columns(columns, line=1)
        records, start = [], reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                record = {f"{c}_raw": v for c, v in zip(columns, cells, strict=False) if c}
                # a short row, or an unquoted "1,234" that split a number: the cells no longer match the header
                shape = None if len(cells) == len(header) else f"本行{len(cells)}列，表头{len(header)}列"
                records.append({**record, "line": start, "row_shape": shape})
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(f"第{reader.line_num}行CSV格式错误：{exc} (malformed CSV at line {reader.line_num})",
                        line=reader.line_num) from exc
    return RawTable(table(records), "csv", encoding=encoding)


def require_columns(columns: list[str | None], line: int, form: bool = False) -> None:
    """The columns a submission cannot do without."""
    needed = [("indicator_code", "indicator_name"), ("value",)]
    if not form:
        needed = [("region_code",), ("period",), *needed]
    missing = [" / ".join(group) for group in needed if not any(c in columns for c in group)]
    if missing:
        raise ReadError(f"缺少必填列 (missing required columns): {', '.join(missing)}", line=line)


def read_xlsx(path: Path) -> RawTable:
    """A long table or a filled template from the first sheet that holds one; formulas as their cached values."""
    from openpyxl import load_workbook

    try:
        values = load_workbook(path, data_only=True, read_only=True)
        formulas = load_workbook(path, data_only=False, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged archive
        raise ReadError(f"xlsx文件已损坏，无法打开 (damaged xlsx file): {type(exc).__name__}") from exc
    for sheet in values.worksheets:
        grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        found = find_header(grid)
        if found is not None:
            raw_formulas = [list(r) for r in formulas[sheet.title].iter_rows(values_only=True)]
            return sheet_table(sheet.title, grid, raw_formulas, *found)
    raise ReadError("工作簿中找不到含“指标代码/指标名称”和“数值”列的表头 (no sheet has a recognisable header row)")


def find_header(grid: list[list]) -> tuple[int, list[str | None]] | None:
    """(row index, logical columns) of the first row naming an indicator and a value column."""
    for index, row in enumerate(grid):
        columns = [header_word(v) for v in row]
        if ("indicator_code" in columns or "indicator_name" in columns) and "value" in columns:
            return index, columns
    return None


def form_fields(grid: list[list], header_row: int) -> dict[str, tuple[str, int]]:
    """The template's header block above the table: label -> (value text, row number)."""
    fields = {}
    for index, row in enumerate(grid[:header_row]):
        for position, value in enumerate(row):
            label = FORM_LABELS.get(unicodedata.normalize("NFKC", cell_text(value)).strip().rstrip(":："))
            if label:
                rest = [cell_text(v) for v in row[position + 1:] if cell_text(v).strip()]
                fields[label] = (rest[0] if rest else "", index + 1)
    return fields


def sheet_table(title: str, grid: list[list], formulas: list[list], header: int, columns: list) -> RawTable:
    """Rows under the header row; a form's region and period come from its header block."""
    from openpyxl.utils import get_column_letter

    is_form = "region_code" not in columns or "period" not in columns
    require_columns(columns, line=header + 1, form=is_form)
    fields = form_fields(grid, header) if is_form else {}
    if is_form and not ("region_code" in fields and "period" in fields):
        raise ReadError("表头区缺少“行政区划代码”或“报告期” (the form's header block lacks region code or period)",
                        line=header + 1)
    records = []
    for index in range(header + 1, len(grid)):
        row = grid[index]
        cells = {c: cell_text(v) for c, v in zip(columns, row, strict=False) if c}
        if not any(v.strip() for v in cells.values()):
            continue
        if "value" in columns and not cells.get("value", "").strip():
            formula = formulas[index][columns.index("value")] if index < len(formulas) else None
            if isinstance(formula, str) and formula.startswith("="):
                cells["value"] = formula  # a formula Excel never computed: reported as not a number
        record = {f"{c}_raw": v for c, v in cells.items()}
        if is_form:
            record.update(region_code_raw=fields["region_code"][0], period_raw=fields["period"][0])
        records.append({**record, "line": index + 1})
    letters = {c: get_column_letter(i + 1) for i, c in enumerate(columns) if c}
    form = {k: v for k, (v, _) in fields.items()}
    return RawTable(table(records), "xlsx-form" if is_form else "xlsx-long", sheet=title, letters=letters, form=form)


def read_table(path: Path) -> RawTable:
    """Read any accepted format, recognised by content rather than by file name."""
    data = path.read_bytes()
    if not data:
        raise ReadError("文件为空（0字节）(the file is empty)")
    if data.startswith(OLE_MAGIC):
        raise ReadError("不支持旧版 .xls 格式，请在Excel或WPS中另存为 .xlsx (.xls is not supported: save as .xlsx)")
    if data.startswith(ZIP_MAGIC):
        return read_xlsx(path)
    return read_csv(data)
