"""A hostile inbox (#12, #30 item 3): poison and bomb files beside good ones, each as large as the limits let it be
(IPWATCH_MAX_FILE_MB, IPWATCH_MAX_ROWS, IPWATCH_MAX_COLUMNS, IPWATCH_MAX_UNZIPPED_MB at their defaults), so that
whatever a file may cost within the limits, these cost it. `make(inbox)` writes them; tests/test_hostile.py runs
`ipwatch ingest --inbox` on them and measures each process's peak memory.

Alone, for profiling: `python -m tests.hostile_inbox DIR [ROWS]` makes DIR/inbox.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HEADER = "region_code,period,indicator_code,value,unit,status,note"
ROWS = 200_000  # IPWATCH_MAX_ROWS
GOOD = ["{office},2025Q3,pct_applications,10,件,,", "{office},2025Q3,patent_grants,120,件,,"]


def csv(path: Path, lines, encoding: str = "utf-8") -> Path:
    """A CSV under the long table's header, written line by line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(HEADER + "\n")
        for line in lines:
            handle.write(line + "\n")
    return path


def sheet_xlsx(path: Path, write_sheet, shared: list[str] | None = None) -> Path:
    """An xlsx whose first sheet's XML is streamed by `write_sheet(stream)`, the rest as openpyxl saves it; with
    `shared`, a table of shared strings replacing openpyxl's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.active.append(["行政区划代码", "报告期", "指标代码", "数值"])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with target.open(name, "w", force_zip64=True) as stream:
                    stream.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                                 b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    write_sheet(stream)
                    stream.write(b"</sheetData></worksheet>")
            else:
                target.writestr(name, data)
    return path


def inline(column: int, row: int, text: str) -> bytes:
    letter = chr(ord("A") + column)
    return f'<c r="{letter}{row}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def wide_sheet(stream, rows: int) -> None:
    """A long table's header, then `rows` rows, each filling all 64 columns it may read with distinct numbers, and
    its value cell left blank (so the formulas' second pass reads the sheet again)."""
    head = [inline(i, 1, word) for i, word in enumerate(["行政区划代码", "报告期", "指标代码", "数值"])]
    stream.write(b'<row r="1">' + b"".join(head) + b"</row>")
    for row in range(2, rows + 2):
        cells = b"<c><v>340100</v></c><c><v>2025</v></c><c><v>9</v></c><c/>" + b"".join(
            b"<c><v>%d</v></c>" % (row * 64 + i) for i in range(60))
        stream.write(b"<row>" + cells + b"</row>")


def empty_rows_sheet(stream) -> None:
    """Ten million rows with nothing in them: about 90 KB deflated."""
    head = [inline(i, 1, word) for i, word in enumerate(["region_code", "period", "indicator_code", "value"])]
    stream.write(b'<row r="1">' + b"".join(head) + b"</row>")
    for _ in range(100):
        stream.write(b"<row/>" * 100_000)


def make(inbox: Path, rows: int = ROWS) -> dict[str, Path]:
    """The hostile inbox, one office folder each (their files are judged in one batch, as offices' first files
    are): name -> path. `rows`: how many rows the files of wrong rows and the wide sheet hold (the row limit's
    worth by default; the sheet half of it, within the 200 MB an xlsx may unzip to); the bombs are always whole."""
    files = {
        "good.csv": csv(inbox / "340100" / "good.csv", [g.format(office="340100") for g in GOOD]),
        "good-gbk.csv": csv(inbox / "340102" / "good-gbk.csv", [g.format(office="340102") for g in GOOD], "gbk"),
        "poison.csv": csv(inbox / "441500" / "poison.csv", ["441500,2025Q3,gdp,1000000000000000000,亿元,,"]),
        # every one of the most rows a file may hold is wrong twice over: an unknown indicator, a value not a number
        "errors.csv": csv(inbox / "340103" / "errors.csv",
                          (f"340103,2025Q3,no_such_indicator_{n % 97},{n}件?,件,,备注{n}" for n in range(rows))),
        "errors-gbk.csv": csv(inbox / "340104" / "errors-gbk.csv",
                              (f"340104,2025Q3,专利授权量{n % 89},约{n}万,件,,说明{n}" for n in range(rows)), "gbk"),
        "wide.xlsx": sheet_xlsx(inbox / "340111" / "wide.xlsx",
                                lambda stream: wide_sheet(stream, min(rows, ROWS // 2))),
        "empty-rows.xlsx": sheet_xlsx(inbox / "340121" / "empty-rows.xlsx", empty_rows_sheet),
    }
    # one line of 45 MB (under the 50 MB a file may be), in GBK: no newline for a reader to stop at
    long_line = inbox / "340122" / "long-line.csv"
    long_line.parent.mkdir(parents=True, exist_ok=True)
    with long_line.open("wb") as handle:
        handle.write(HEADER.encode() + b"\n340122,2025Q3,pct_applications,10,\xbc\xfe,,")
        for _ in range(45):
            handle.write("备注".encode("gbk") * (1024 * 1024 // 4))
    files["long-line.csv"] = long_line
    return files


if __name__ == "__main__":
    for name, path in make(Path(sys.argv[1]) / "inbox", *map(int, sys.argv[2:3])).items():
        print(f"{name}: {path.stat().st_size / 1048576:.1f} MB")
