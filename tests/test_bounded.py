"""A hostile xlsx costs at most the limits' worth: measured by the reading process's own peak memory (a fresh
process per file), never by the clock."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

# Peak resident memory allowed for reading one file, imports included (polars and openpyxl alone take ~120 MB);
# generous, against the 2.3 GB the 10-million-row file took before reading was bounded.
PEAK_MB = 400
READER = """
import json, sys
from pathlib import Path
from ipwatch.intake import submission
from ipwatch.intake.reading import ReadError
try:
    outcome = f"read {submission.read(Path(sys.argv[1])).rows.height} rows"
except ReadError as exc:
    outcome = str(exc)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked test process; VmHWM is this image's own
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mb": peak / 1024}))
"""


def read_in_own_process(path: Path) -> dict:
    """What reading the file ends in, and the peak memory of the process that read it."""
    done = subprocess.run([sys.executable, "-c", READER, str(path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def with_sheet(path: Path, write_sheet) -> Path:
    """An xlsx whose first sheet's XML is written by `write_sheet(stream)`, the rest as openpyxl saves it."""
    book = Workbook()
    book.active.append(["行政区划代码", "报告期", "指标代码", "数值"])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                with target.open(name, "w") as stream:
                    write_sheet(stream)
            else:
                target.writestr(name, data)
    return path


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><dimension ref="%s"/><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>region_code</t></is></c><c r="B1" t="inlineStr"><is><t>'
              b'period</t></is></c><c r="C1" t="inlineStr"><is><t>indicator_code</t></is></c><c r="D1" '
              b't="inlineStr"><is><t>value</t></is></c></row>')
DATA_ROW = (b'<row r="2"><c r="A2" t="inlineStr"><is><t>340100</t></is></c><c r="B2" t="inlineStr"><is><t>2025Q3'
            b'</t></is></c><c r="C2" t="inlineStr"><is><t>pct_applications</t></is></c><c r="D2"><v>700</v></c></row>')


def test_a_2kb_file_declaring_the_whole_sheet_is_read_in_bounded_memory(tmp_path):
    def sheet(stream):
        stream.write(SHEET_HEAD % b"A1:XFD1048576" + DATA_ROW + b"</sheetData></worksheet>")

    path = with_sheet(tmp_path / "dimension.xlsx", sheet)
    assert path.stat().st_size < 8192  # openpyxl's styles and theme are most of it
    found = read_in_own_process(path)
    assert (found["outcome"], found["peak_mb"] < PEAK_MB) == ("read 1 rows", True), found


def test_ten_million_empty_rows_are_refused_at_the_row_limit_in_bounded_memory(tmp_path):
    def sheet(stream):
        stream.write(SHEET_HEAD % b"A1:D10000001" + DATA_ROW)
        for _ in range(100):  # a row without its number is the next row; 10 million of them deflate to ~90 KB
            stream.write(b"<row/>" * 100_000)
        stream.write(b"</sheetData></worksheet>")

    path = with_sheet(tmp_path / "rows.xlsx", sheet)
    assert path.stat().st_size < 1024 * 1024
    found = read_in_own_process(path)
    assert "超过" in found["outcome"] and found["peak_mb"] < PEAK_MB, found
