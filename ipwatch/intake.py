"""Read a submitted file into a frame of rows, each with its line in the file, normalised but not judged."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ipwatch.catalogue import Catalogue
from ipwatch.units import UnitError, convert

# English header -> internal column; Chinese headers arrive with the intake issue.
HEADER = {
    "region_code": "region_code",
    "period": "period",
    "indicator_name": "indicator_raw",
    "indicator_code": "indicator_raw",
    "value": "value_raw",
    "unit": "unit_raw",
    "note": "note",
}
REQUIRED = ("region_code", "period", "indicator_raw", "value_raw")
# Ways offices write "not available": a missing value, never a zero.
NOT_AVAILABLE_WORDS = ("", "/", "—", "-", "…", "无", "不适用")
RAW_SCHEMA = {"line": pl.Int32, **{c: pl.String for c in
              ("region_code", "period", "indicator_raw", "value_raw", "unit_raw", "note")}}
ROW_SCHEMA = {**RAW_SCHEMA, "indicator_code": pl.String, "value": pl.Float64, "unit": pl.String, "status": pl.String}
PERIOD = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


class IntakeError(ValueError):
    """The file cannot be read as a submission at all (wrong header, not text)."""

    def __init__(self, message: str, line: int = 1, column: str | None = None):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass(frozen=True)
class Submitted:
    """A file as received: its bytes' hash and its rows."""

    path: Path
    sha256: str
    rows: pl.DataFrame


NOT_AVAILABLE = {unicodedata.normalize("NFKC", w) for w in NOT_AVAILABLE_WORDS}  # compared after NFKC


def sha256(path: Path) -> str:
    """The file's SHA-256, the identity of a submission."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def normal_text(text: str | None) -> str:
    """NFKC (full-width digits and letters to ASCII) and trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_period(text: str) -> str | None:
    """'2025Q3' or '2025-Q3' as '2025Q3'; None when not a quarter."""
    match = PERIOD.match(normal_text(text))
    return f"{match[1]}Q{match[2]}" if match else None


def parse_number(text: str) -> float | None:
    """A number as offices write it (full-width, thousands separators, trailing %); None if not one."""
    cleaned = normal_text(text).replace(",", "").removesuffix("%").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def read_rows(path: Path) -> pl.DataFrame:
    """The CSV's data rows as text, each with the line it ends on (the header is line 1)."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IntakeError(f"文件不是UTF-8编码 (file is not UTF-8): {exc.reason}") from exc
    reader = csv.reader(io.StringIO(text))
    header = [normal_text(h).lower() for h in next(reader, [])]
    columns = [HEADER.get(h) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise IntakeError(f"缺少必填列 (missing required columns): {', '.join(missing)}; 表头为: {header}")
    records = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        record = {c: v for c, v in zip(columns, cells, strict=False) if c}
        record["line"] = reader.line_num
        records.append(record)
    return pl.DataFrame(records, schema=RAW_SCHEMA)


def normalise(rows: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Resolve indicators and periods, parse values, and convert them to the indicator's unit."""
    aliases = alias_index(catalogue)
    records = []
    for row in rows.iter_rows(named=True):
        raw = normal_text(row["indicator_raw"])
        codes = aliases.get(raw, set())
        code = next(iter(codes)) if len(codes) == 1 else None
        value_text = normal_text(row["value_raw"])
        value = None if value_text in NOT_AVAILABLE else parse_number(value_text)
        unit = None
        if code is not None:
            wanted = catalogue.indicators[code].unit
            try:
                value, unit = convert(value, normal_text(row["unit_raw"]) or None, wanted), wanted
            except UnitError:
                value = None
        records.append({
            **row,
            "region_code": normal_text(row["region_code"]),
            "period": parse_period(row["period"]) or normal_text(row["period"]),
            "indicator_code": code,
            "value": value,
            "unit": unit,
            "status": "缺失" if value_text in NOT_AVAILABLE else "正常",
        })
    return pl.DataFrame(records, schema=ROW_SCHEMA)


def alias_index(catalogue: Catalogue) -> dict[str, set[str]]:
    """Every accepted name of an indicator (code, Chinese name, plan wordings) -> indicator codes."""
    index: dict[str, set[str]] = {}
    for indicator in catalogue.indicators.values():
        for name in (indicator.code, indicator.name_zh, *indicator.aliases):
            index.setdefault(normal_text(name), set()).add(indicator.code)
    for target in catalogue.targets():
        index.setdefault(normal_text(target.wording), set()).add(target.indicator)
    return index


def empty_rows() -> pl.DataFrame:
    """A submission with no rows (an unreadable file, a duplicate)."""
    return pl.DataFrame(schema=ROW_SCHEMA)


def read_submission(path: Path, catalogue: Catalogue) -> Submitted:
    """Read and normalise a submitted file."""
    return Submitted(path=path, sha256=sha256(path), rows=normalise(read_rows(path), catalogue))
