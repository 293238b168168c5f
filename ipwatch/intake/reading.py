"""Turn a submitted file's bytes into a table of text cells, each row with its place in the file.

Formats: long CSV (UTF-8, UTF-8 with BOM or GB18030, comma or tab separated), long xlsx tables, and the
filled Excel template (ipwatch/intake/template.py). Nothing is judged here; normalise.py and the rules do that.
"""

from __future__ import annotations

import codecs
import csv
import functools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from ipwatch import config

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
# Labels of the template's header block and foot -> logical field (填报人 and 填报日期: forms before the foot).
FORM_LABELS = {"行政区划代码": "region_code", "地区名称": "region_name", "报告期": "period",
               "填报单位": "reporting_unit", "填报人": "reporter", "联系电话": "phone", "填报日期": "reported_on",
               "单位负责人": "unit_head", "统计负责人": "statistics_head", "填表人": "reporter",
               "报出日期": "reported_on"}
# Where a form's table ends: a row opening with one of its foot's labels, or with a note (注：, 说明：).
FOOT = re.compile(r"(单位负责人|统计负责人|填表人|填报人|联系电话|报出日期|填报日期|注|说明|填表说明)\s*:")
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
MB = 1024 * 1024
# Sheet rows allowed above the data (a title, the form's header block, blank rows) beyond the row limit.
HEADER_ROWS = 100
# Parts an xlsx package may hold: a workbook has a dozen; thousands are a bomb, not a submission.
MAX_PARTS = 1000


@dataclass(frozen=True)
class Limits:
    """What one file may hold, enforced while it is read; what is not given is as the settings say when the Limits
    are made (IPWATCH_MAX_FILE_MB, IPWATCH_MAX_ROWS, IPWATCH_MAX_COLUMNS, IPWATCH_MAX_UNZIPPED_MB)."""

    max_bytes: int = field(default_factory=lambda: int(config.settings().max_file_mb * MB))
    max_rows: int = field(default_factory=lambda: config.settings().max_rows)
    max_columns: int = field(default_factory=lambda: config.settings().max_columns)
    max_unzipped_bytes: int = field(default_factory=lambda: int(config.settings().max_unzipped_mb * MB))


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
    form_cells: dict[str, str] = field(default_factory=dict)  # a form's header field -> its cell ('B4')


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


def encoding_of(path: Path) -> str:
    """The one encoding all of the file is in: UTF-16 by its BOM (Excel's "Unicode text"), else strict UTF-8, else
    GB18030, line by line; never a guess. A file whose lines are in different encodings is refused at the first
    line that differs, as is a line valid in neither."""
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        first: dict[str, int] = {}
        for number, line in enumerate(handle, 1):
            kind = line_encoding(line, number)
            first.setdefault(kind, number)
            if {"utf-8", "gb18030"} <= first.keys():
                earlier = min(first["utf-8"], first["gb18030"])
                raise ReadError(f"第{number}行与第{earlier}行编码不同（文件混用了UTF-8和GBK），请统一另存为UTF-8"
                                f" (line {number} is not in the encoding of line {earlier}:"
                                " the file mixes UTF-8 and GBK)", line=number)
    return "gb18030" if "gb18030" in first else "utf-8"


def line_encoding(line: bytes, number: int) -> str:
    """'ascii', 'utf-8' or 'gb18030': the encoding one line of a file is in."""
    if b"\x00" in line:
        raise ReadError("文件含二进制内容，不是CSV或xlsx (binary content: not a CSV or xlsx file)", line=number)
    if line.isascii():
        return "ascii"
    try:
        text = line.decode("utf-8")
        # GBK bytes sometimes form valid UTF-8 too (缺失 reads as "ȱʧ"), but never as CJK: UTF-8 Chinese does
        if any(ch >= "\u2e80" for ch in text):
            return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        line.decode("gb18030")
    except UnicodeDecodeError:
        raise ReadError(f"第{number}行既不是UTF-8也不是GB18030编码，请另存为UTF-8"
                        f" (line {number} is neither UTF-8 nor GB18030)", line=number) from None
    return "gb18030"


def table(records: list[dict]) -> pl.DataFrame:
    """Raw records as a frame with every raw column present."""
    return pl.DataFrame(records, schema=RAW_SCHEMA)


def read_csv(path: Path, limits: Limits) -> RawTable:
    """A long CSV table, streamed: the header names the columns, each further line one observation."""
    encoding = encoding_of(path)
    codec = {"utf-8": "utf-8-sig"}.get(encoding, encoding)
    with path.open("rb") as raw:
        bom = raw.read(3) == codecs.BOM_UTF8
    with path.open(encoding=codec, newline="") as handle:
        first = handle.readline(64 * 1024)
        handle.seek(0)
        reader = csv.reader(handle, delimiter="\t" if first.count("\t") > first.count(",") else ",")
        records = csv_records(reader, limits)
    name = "utf-8-bom" if encoding == "utf-8" and bom else encoding
    return RawTable(table(records), "csv", encoding=name)


def csv_records(reader: Iterator[list[str]], limits: Limits) -> list[dict]:
    """The raw records under the header, stopping at the row limit."""
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
                too_many(len(records), limits)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(f"第{reader.line_num}行CSV格式错误：{exc} (malformed CSV at line {reader.line_num})",
                        line=reader.line_num) from exc
    except UnicodeError as exc:  # UTF-16 is decoded as it streams
        raise ReadError(f"UTF-16文件内容损坏 (damaged UTF-16 text): {exc}", line=reader.line_num) from exc
    return records


def too_many(rows: int, limits: Limits) -> None:
    """Stop reading once a file holds more rows than a submission may."""
    if rows > limits.max_rows:
        raise ReadError(f"数据行过多（超过{limits.max_rows}行）(too many rows: more than {limits.max_rows})")


def require_columns(columns: list[str | None], line: int, form: bool = False) -> None:
    """The columns a submission cannot do without."""
    needed = [("indicator_code", "indicator_name"), ("value",)]
    if not form:
        needed = [("region_code",), ("period",), *needed]
    missing = [" / ".join(group) for group in needed if not any(c in columns for c in group)]
    if missing:
        raise ReadError(f"缺少必填列 (missing required columns): {', '.join(missing)}", line=line)


def read_xlsx(path: Path, limits: Limits) -> RawTable:
    """A long table or a filled template from the first sheet that holds one; formulas as their cached values."""
    check_package(path, limits)
    try:
        return first_table(path, limits)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl and its XML parser raise many kinds for a damaged file
        raise ReadError(f"xlsx文件已损坏，无法读取 (damaged xlsx file): {type(exc).__name__}") from exc


def check_package(path: Path, limits: Limits) -> None:
    """Refuse a zip bomb before opening it: what its parts would unzip to, as the package's directory declares
    (zipfile never inflates a part beyond its declared size, so the declaration bounds the work)."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ReadError(f"xlsx文件已损坏，无法打开 (damaged xlsx file): {type(exc).__name__}") from exc
    unzipped = sum(part.file_size for part in parts)
    if unzipped > limits.max_unzipped_bytes or len(parts) > MAX_PARTS:
        raise ReadError(f"xlsx解压后过大（{unzipped / MB:.0f} MB，{len(parts)}个部件；上限"
                        f" {limits.max_unzipped_bytes / MB:.0f} MB）(xlsx unzips to {unzipped} bytes in"
                        f" {len(parts)} parts; limit {limits.max_unzipped_bytes} bytes)")


def first_table(path: Path, limits: Limits) -> RawTable:
    """The first sheet with a header row, read within the limits; a second pass finds uncomputed formulas."""
    from openpyxl import load_workbook

    # opened as a file, not by name: openpyxl refuses a path without an Excel extension, and the content decides
    # (the portal stores an upload under its hash, without the sender's name)
    with path.open("rb") as handle:
        values = load_workbook(handle, data_only=True, read_only=True)
        try:
            for sheet in values.worksheets:
                grid = list(sheet_rows(sheet, limits))
                found = find_header(grid)
                if found is not None:
                    # the second pass only when a value cell is blank: a third of reading a national quarter
                    formulas = functools.cache(functools.partial(formula_rows, path, sheet.title, limits))
                    return sheet_table(sheet.title, grid, formulas, *found)
        finally:
            values.close()
    raise ReadError("工作簿中找不到含“指标代码/指标名称”和“数值”列的表头 (no sheet has a recognisable header row)")


def formula_rows(path: Path, title: str, limits: Limits) -> list[list]:
    """The sheet's cells as typed (formulas as their text), for the pass that finds uncomputed formulas."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        formulas = load_workbook(handle, data_only=False, read_only=True)
        try:
            return list(sheet_rows(formulas[title], limits))
        finally:
            formulas.close()


def sheet_rows(sheet: object, limits: Limits) -> Iterator[list]:
    """Each row of a sheet as the office sees it, up to the limits, without trusting the size the sheet declares
    (a 2 KB file may claim A1:XFD1048576): only the first `max_columns` columns, and no more rows than allowed."""
    sheet.reset_dimensions()
    for number, row in enumerate(sheet.iter_rows(max_col=limits.max_columns), 1):
        if number > limits.max_rows + HEADER_ROWS:
            raise ReadError(f"工作表“{sheet.title}”超过{limits.max_rows + HEADER_ROWS}行"
                            f" (sheet {sheet.title!r} has more than {limits.max_rows + HEADER_ROWS} rows)")
        shown = [shown_value(cell) for cell in row]
        while shown and shown[-1] is None:
            shown.pop()
        yield shown


def shown_value(cell: object) -> object:
    """A cell's value as Excel shows it: a number in a percent format is the percentage shown (0.1174 -> '11.74%')."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return f"{format((Decimal(repr(value)) * 100).normalize(), 'f')}%"
    return value


def find_header(grid: list[list]) -> tuple[int, list[str | None]] | None:
    """(row index, logical columns) of the first row naming an indicator and a value column."""
    for index, row in enumerate(grid):
        columns = [header_word(v) for v in row]
        if ("indicator_code" in columns or "indicator_name" in columns) and "value" in columns:
            return index, columns
    return None


def plain_text(value: object) -> str:
    """A cell's text as compared with labels: NFKC (full-width colons to ':'), trimmed."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def label(value: object) -> str | None:
    """The field a form's label cell names ('填表人：' -> 'reporter'), if it is one."""
    return FORM_LABELS.get(plain_text(value).rstrip(":"))


def form_fields(grid: list[list], rows: list[int]) -> dict[str, tuple[str, str]]:
    """A form's labelled fields in `rows` (its header block and foot): label -> (value text, its cell such as
    'B4'). A label's value is the next filled cell to its right, unless that is another label (the foot has
    several on a line), or the text after the label in its own cell ('填表人：王五')."""
    from openpyxl.utils import get_column_letter

    fields = {}
    for index in rows:
        row = grid[index]
        for position, value in enumerate(row):
            own = re.fullmatch(r"([^:]+):\s*(.+)", plain_text(value))
            if own and own[1].strip() in FORM_LABELS:
                fields[FORM_LABELS[own[1].strip()]] = (own[2].strip(), f"{get_column_letter(position + 1)}{index + 1}")
                continue
            field_name = label(value)
            if field_name:
                rest = [(cell_text(v), p) for p, v in enumerate(row[position + 1:], position + 2)
                        if cell_text(v).strip()]
                text, column = rest[0] if rest and not is_label(rest[0][0]) else ("", position + 2)
                fields[field_name] = (text, f"{get_column_letter(column)}{index + 1}")
    return fields


def is_label(text: str) -> bool:
    """A label rather than a value: a known one, or any text ending in a colon ('表号：')."""
    return label(text) is not None or plain_text(text).endswith(":")


def table_end(grid: list[list], header: int) -> int:
    """The index of a form's first row below its table: the first whose first filled cell opens its foot."""
    for index in range(header + 1, len(grid)):
        first = next((plain_text(v) for v in grid[index] if plain_text(v)), "")
        if FOOT.match(first) or label(first):
            return index
    return len(grid)


def sheet_table(title: str, grid: list[list], formulas: Callable[[], list[list]], header: int,
                columns: list) -> RawTable:
    """Rows under the header row; a form's region and period come from its header block. `formulas()` gives the
    sheet's cells as typed, asked for only where a value cell is blank (it may be a formula never computed)."""
    from openpyxl.utils import get_column_letter

    is_form = "region_code" not in columns or "period" not in columns
    require_columns(columns, line=header + 1, form=is_form)
    end = table_end(grid, header) if is_form else len(grid)  # a form's foot (单位负责人 …) is not its table
    fields = form_fields(grid, [*range(header), *range(end, len(grid))]) if is_form else {}
    if is_form and not ("region_code" in fields and "period" in fields):
        raise ReadError("表头区缺少“行政区划代码”或“报告期” (the form's header block lacks region code or period)",
                        line=header + 1)
    records = []
    for index in range(header + 1, end):
        row = grid[index]
        cells = {c: cell_text(v) for c, v in zip(columns, row, strict=False) if c}
        if not any(v.strip() for v in cells.values()):
            continue
        if "value" in columns and not cells.get("value", "").strip():
            formula = cell_at(formulas(), index, columns.index("value"))
            if isinstance(formula, str) and formula.startswith("="):
                cells["value"] = formula  # a formula Excel never computed: reported as not a number
        record = {f"{c}_raw": v for c, v in cells.items()}
        if is_form:
            record.update(region_code_raw=fields["region_code"][0], period_raw=fields["period"][0])
        records.append({**record, "line": index + 1})
    letters = {c: get_column_letter(i + 1) for i, c in enumerate(columns) if c}
    form = {k: v for k, (v, _) in fields.items()}
    cells = {k: c for k, (_, c) in fields.items()}
    return RawTable(table(records), "xlsx-form" if is_form else "xlsx-long", sheet=title, letters=letters, form=form,
                    form_cells=cells)


def cell_at(grid: list[list], row: int, column: int) -> object:
    """A cell of a grid whose rows stop at their last filled cell (None beyond)."""
    cells = grid[row] if row < len(grid) else []
    return cells[column] if column < len(cells) else None


def read_table(path: Path, limits: Limits) -> RawTable:
    """Read any accepted format, recognised by content rather than by file name."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise ReadError("文件为空（0字节）(the file is empty)")
    if head.startswith(OLE_MAGIC):
        raise ReadError("不支持旧版 .xls 格式，请在Excel或WPS中另存为 .xlsx (.xls is not supported: save as .xlsx)")
    if head.startswith(ZIP_MAGIC):
        return read_xlsx(path, limits)
    return read_csv(path, limits)
