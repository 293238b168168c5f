"""Turn a submitted file's bytes into a table of text cells, each row with its place in the file.

Formats: long CSV (UTF-8, UTF-8 with BOM or GB18030, comma or tab separated), long xlsx tables, and the
filled Excel template (ipwatch/intake/template.py). Nothing is judged here; normalise.py and the rules do that.
"""

from __future__ import annotations

import codecs
import csv
import functools
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from ipwatch import config
from ipwatch.domain import periods
from ipwatch.domain.cells import text
from ipwatch.intake.encoding import encoding_of
from ipwatch.intake.errors import ReadError
from ipwatch.intake.header import SHOWN_CELLS, Header, header_word, read_header, with_header_unit
from ipwatch.intake.hidden import Hidden, hidden_parts
from ipwatch.intake.number_format import shown_number

TEXT_COLUMNS = ("region_code", "period", "indicator_code", "indicator_name", "value", "unit", "status", "note")
RAW_SCHEMA = {"line": pl.Int32, **{f"{c}_raw": pl.String for c in TEXT_COLUMNS}, "row_shape": pl.String}
# Labels of the template's header block and foot -> logical field (填报人 and 填报日期: forms before the foot).
FORM_LABELS = {"行政区划代码": "region_code", "地区名称": "region_name", "报告期": "period",
               "填报单位": "reporting_unit", "填报人": "reporter", "联系电话": "phone", "填报日期": "reported_on",
               "单位负责人": "unit_head", "统计负责人": "statistics_head", "填表人": "reporter",
               "报出日期": "reported_on"}
# The fields that say where a form's values belong: stated twice, they must agree.
KEY_FIELDS = {"region_code": "行政区划代码", "period": "报告期"}
# Where a form's table ends: a row opening with one of its foot's labels, or with a note (注：, 说明：).
FOOT = re.compile(r"(单位负责人|统计负责人|填表人|填报人|联系电话|报出日期|填报日期|注|说明|填表说明)\s*:")
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
MB = 1024 * 1024
# Sheet rows allowed above the data (a title, the form's header block, blank rows) beyond the row limit.
HEADER_ROWS = 100
# Parts an xlsx package may hold: a workbook has a dozen; thousands are a bomb, not a submission.
MAX_PARTS = 1000
UNSIZED = threading.Lock()  # one workbook at a time is opened without its sheets' sizes (unsized_workbook)


@dataclass(frozen=True)
class Limits:
    """What one file may hold, enforced while it is read; what is not given is as the settings say when the Limits
    are made (IPWATCH_MAX_FILE_MB, IPWATCH_MAX_ROWS, IPWATCH_MAX_COLUMNS, IPWATCH_MAX_UNZIPPED_MB)."""

    max_bytes: int = field(default_factory=lambda: int(config.settings().max_file_mb * MB))
    max_rows: int = field(default_factory=lambda: config.settings().max_rows)
    max_columns: int = field(default_factory=lambda: config.settings().max_columns)
    max_unzipped_bytes: int = field(default_factory=lambda: int(config.settings().max_unzipped_mb * MB))


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
        cells = next(reader, [])
        header = read_header(cells, 1, line_place)
        require_columns(header.columns, line=1)
        records, start = [], reader.line_num + 1
        for row in reader:
            if any(c.strip() for c in row):
                record = {f"{c}_raw": v for c, v in zip(header.columns, row, strict=False) if c}
                # a short row, or an unquoted "1,234" that split a number: the cells no longer match the header
                shape = None if len(row) == len(cells) else f"本行{len(row)}列，表头{len(cells)}列"
                records.append({**record, "line": start, "row_shape": shape})
                too_many(len(records), limits)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ReadError(f"第{reader.line_num}行CSV格式错误：{exc} (malformed CSV at line {reader.line_num})",
                        line=reader.line_num) from exc
    except UnicodeError as exc:  # UTF-16 is decoded as it streams
        raise ReadError(f"UTF-16文件内容损坏 (damaged UTF-16 text): {exc}", line=reader.line_num) from exc
    unit_column = header.columns.index("unit") if "unit" in header.columns else None
    return with_header_unit(records, header, lambda line: line_place(line, unit_column))


def line_place(line: int, column: int | None) -> str:
    """Where a cell of a text file is: its line, and its column counted from 1."""
    return f"第{line}行" if column is None else f"第{line}行第{column + 1}列"


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


def unsized_workbook(handle: object, data_only: bool) -> object:
    """A workbook opened read-only without its sheets' declared size. openpyxl reads a sheet's <dimension> when it
    opens the sheet, and where there is none it parses the whole sheet to its end looking for it, keeping an element
    for every row and cell: 900 MB for 10 million empty rows, before a single row is counted against the limits.
    ipwatch never trusts the size anyway (sheet_rows), so the sheets are opened without it."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # the sizing is skipped while the sheets are made (in load_workbook), then restored for openpyxl's other users
    with UNSIZED:
        sizing = ReadOnlyWorksheet._get_size  # noqa: SLF001 - the one way to keep openpyxl from parsing the sheet
        ReadOnlyWorksheet._get_size = unsized  # noqa: SLF001
        try:
            return load_workbook(handle, data_only=data_only, read_only=True)
        finally:
            ReadOnlyWorksheet._get_size = sizing  # noqa: SLF001


def unsized(sheet: object) -> None:
    """In place of openpyxl's sizing of a read-only sheet: no size (sheet_rows reads rows until the limits)."""


def first_table(path: Path, limits: Limits) -> RawTable:
    """The one table of the workbook's visible sheets, read within the limits, when nothing hidden holds data; a
    second pass finds uncomputed formulas."""

    # opened as a file, not by name: openpyxl refuses a path without an Excel extension, and the content decides
    # (the portal stores an upload under its hash, without the sender's name)
    with path.open("rb") as handle, zipfile.ZipFile(path) as package:
        values = unsized_workbook(handle, data_only=True)
        try:
            title, grid, found = only_table(values.worksheets, package, limits)
        finally:
            values.close()
    # the second pass only when a value cell is blank: a third of reading a national quarter
    formulas = functools.cache(functools.partial(formula_column, path, title, found.columns.index("value"), limits)
                               if "value" in found.columns else list)
    return sheet_table(title, grid, formulas, found)


def only_table(sheets: list, package: zipfile.ZipFile, limits: Limits) -> tuple[str, list[list], Header]:
    """(title, rows, header) of the one visible sheet holding a table. Refused, naming the sheets and cells: a
    hidden sheet holding anything, a table sheet hiding a row or column that holds anything, two table sheets."""
    tables, faults = [], []
    for sheet in sheets:
        if sheet.sheet_state != "visible":
            filled = first_filled(sheet, limits)
            if filled:
                faults.append(f"工作表“{sheet.title}”已隐藏，但其中有内容（{filled}）"
                              f" (sheet {sheet.title!r} is hidden but holds data at {filled})")
            continue
        grid = list(sheet_rows(sheet, limits))
        header = find_header(grid, sheet.title)
        if header is None:
            continue
        tables.append((sheet.title, grid, header))
        hidden = hidden_filled(grid, hidden_parts(package, sheet_part(sheet), limits.max_columns))
        if hidden:
            faults.append(f"工作表“{sheet.title}”中隐藏的行或列有内容（{hidden}）"
                          f" (hidden rows or columns of sheet {sheet.title!r} hold data at {hidden})")
    if len(tables) > 1:
        names = "、".join(f"“{title}”" for title, _, _ in tables)
        faults.append(f"工作簿有{len(tables)}张可见的数据表（{names}），一个文件只能报送其中一张"
                      f" (the workbook has {len(tables)} visible table sheets, {names}; a file holds one)")
    if faults:
        raise ReadError("；".join(faults) + "。看不见的内容不会被读取，也不能留在报送文件中：请删除隐藏的内容"
                        "（或取消隐藏并确认后保留在唯一的数据表中），多张表请分别另存为文件后报送"
                        " (what cannot be seen is never read: delete it, or unhide it into the one table;"
                        " send each table as a file of its own)", line=None)
    if not tables:
        raise ReadError("工作簿中找不到含“指标代码/指标名称”和“数值”列的表头 (no sheet has a recognisable header row)")
    return tables[0]


def sheet_part(sheet: object) -> str:
    """The part of the xlsx package a read-only sheet streams from (openpyxl keeps it, privately, for the stream)."""
    return sheet._worksheet_path  # noqa: SLF001 - the one way to the XML behind a sheet openpyxl has opened


def first_filled(sheet: object, limits: Limits) -> str | None:
    """The first cell of a sheet that holds anything ('A2'), read no further than it."""
    for number, row in enumerate(sheet_rows(sheet, limits), 1):
        column = next((i for i, v in enumerate(row) if cell_text(v).strip()), None)
        if column is not None:
            return f"{letter(column)}{number}"
    return None


def hidden_filled(grid: list[list], hidden: Hidden) -> str:
    """The cells of a sheet's rows that hide something filled ('A5、D7等12处'), or ''."""
    cells = [f"{letter(c)}{r + 1}" for r, row in enumerate(grid) for c, v in enumerate(row)
             if hidden.covers(r + 1, c + 1) and cell_text(v).strip()]
    return "、".join(cells[:SHOWN_CELLS]) + (f"等{len(cells)}处" if len(cells) > SHOWN_CELLS else "")


def letter(column: int) -> str:
    """A column's letter from its index counted from 0."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


def formula_column(path: Path, title: str, column: int, limits: Limits) -> list[object]:
    """The value column's cells as typed (formulas as their text), row by row, for the pass that finds uncomputed
    formulas: that column alone, not a second copy of the whole sheet."""
    with path.open("rb") as handle:
        formulas = unsized_workbook(handle, data_only=False)
        try:
            return [row[column] if column < len(row) else None for row in sheet_rows(formulas[title], limits)]
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
    """A cell's value as Excel shows it: a number in a percent format is the percentage shown (0.1174 -> '11.74%'),
    one in a format with a literal percent sign (0.0"%") the number as typed with its sign (5 -> '5%')."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return shown_number(value, cell.number_format)
    return value


def find_header(grid: list[list], title: str) -> Header | None:
    """The first row naming an indicator and a value column, read as a header (refused if it names one column
    twice)."""
    for index, row in enumerate(grid):
        columns = [header_word(v) for v in row]
        if ("indicator_code" in columns or "indicator_name" in columns) and "value" in columns:
            return read_header(row, index + 1, lambda line, column: f"{title}!{letter(column)}{line}")
    return None


def plain_text(value: object) -> str:
    """A cell's text as compared with labels: NFKC (full-width colons to ':'), trimmed."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()


def label(value: object) -> str | None:
    """The field a form's label cell names ('填表人：' -> 'reporter'), if it is one."""
    return FORM_LABELS.get(plain_text(value).rstrip(":"))


def form_fields(grid: list[list], rows: list[int], title: str) -> dict[str, tuple[str, str]]:
    """A form's labelled fields in `rows` (its header block and foot): label -> (value text, its cell such as
    'B4'), as first stated. A label's value is the next filled cell to its right, unless that is another label (the
    foot has several on a line), or the text after the label in its own cell ('填表人：王五'). Region and period
    stated twice must agree (KEY_FIELDS)."""
    fields: dict[str, tuple[str, str]] = {}
    for index in rows:
        for name, value, cell in labelled(grid[index], index):
            fields[name] = stated(fields.get(name), name, value, cell, title)
    return fields


def labelled(row: list, index: int) -> Iterator[tuple[str, str, str]]:
    """(field, value text, its cell) for each label of one row."""
    for position, value in enumerate(row):
        own = re.fullmatch(r"([^:]+):\s*(.+)", plain_text(value))
        if own and own[1].strip() in FORM_LABELS:
            yield FORM_LABELS[own[1].strip()], own[2].strip(), f"{letter(position)}{index + 1}"
            continue
        name = label(value)
        if name:
            rest = [(cell_text(v), p) for p, v in enumerate(row[position + 1:], position + 1) if cell_text(v).strip()]
            typed, column = rest[0] if rest and not is_label(rest[0][0]) else ("", position + 1)
            yield name, typed, f"{letter(column)}{index + 1}"


def stated(earlier: tuple[str, str] | None, name: str, value: str, cell: str, title: str) -> tuple[str, str]:
    """A field's (value, cell) once it is stated again: the first filled one; a region or period stated twice
    differently is refused naming both cells."""
    if earlier is None or not earlier[0].strip():
        return value, cell
    if value.strip() and name in KEY_FIELDS and not same_key(name, earlier[0], value):
        word = KEY_FIELDS[name]
        raise ReadError(f"{word}填写了两处且不一致：{title}!{earlier[1]}为“{earlier[0]}”，{title}!{cell}为“{value}”，"
                        f"无法确定数据属于哪个{word}：请改为一致或只保留一处 (the {name} is stated twice and"
                        f" differs: {earlier[1]} {earlier[0]!r}, {cell} {value!r})",
                        line=int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), column=name)
    return earlier


def same_key(name: str, first: str, second: str) -> bool:
    """True when two statements of a region or period say the same (2025Q3 and 2025年第三季度 alike)."""
    if name == "period":
        parsed = periods.parse(first), periods.parse(second)
        if None not in parsed:
            return parsed[0] == parsed[1]
    return text(first) == text(second)


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


def sheet_table(title: str, grid: list[list], formulas: Callable[[], list[object]], header: Header) -> RawTable:
    """Rows under the header row; a form's region and period come from its header block. `formulas()` gives the
    value column's cells as typed, asked for only where a value cell is blank (it may be a formula never computed)."""
    columns, start = header.columns, header.line
    is_form = "region_code" not in columns or "period" not in columns
    require_columns(columns, line=start, form=is_form)
    end = table_end(grid, start - 1) if is_form else len(grid)  # a form's foot (单位负责人 …) is not its table
    fields = form_fields(grid, [*range(start - 1), *range(end, len(grid))], title) if is_form else {}
    if is_form and not ("region_code" in fields and "period" in fields):
        raise ReadError("表头区缺少“行政区划代码”或“报告期” (the form's header block lacks region code or period)",
                        line=start)
    letters = {c: letter(i) for i, c in enumerate(columns) if c}
    records = []
    for index in range(start, end):
        row = grid[index]
        cells = {c: cell_text(v) for c, v in zip(columns, row, strict=False) if c}
        if not any(v.strip() for v in cells.values()):
            continue
        if "value" in columns and not cells.get("value", "").strip():
            typed = formulas()
            formula = typed[index] if index < len(typed) else None
            if isinstance(formula, str) and formula.startswith("="):
                cells["value"] = formula  # a formula Excel never computed: reported as not a number
        for name in KEY_FIELDS.keys() & fields.keys():  # a form's table may repeat the header block's region or period
            cells[name] = stated(fields[name], name, cells.get(name, ""), f"{letters.get(name)}{index + 1}", title)[0]
        records.append({**{f"{c}_raw": v for c, v in cells.items()}, "line": index + 1})
    records = with_header_unit(records, header, lambda line: f"{title}!{letters.get('unit', '')}{line}")
    form = {k: v for k, (v, _) in fields.items()}
    places = {k: c for k, (_, c) in fields.items()}
    return RawTable(table(records), "xlsx-form" if is_form else "xlsx-long", sheet=title, letters=letters, form=form,
                    form_cells=places)


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
