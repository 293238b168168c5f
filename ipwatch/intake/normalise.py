"""Normalise raw text cells into typed values: periods (as ipwatch/domain/periods.py reads them), numbers, units,
statuses, indicator codes.

Each function takes one cell's text and returns the normal form or None; nothing is judged here (the rules in
expectations/ do that, from what these leave as None, and from what a row says of itself: `blank`, the value's
`rounding`, an `indicator_conflict`).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, localcontext

import polars as pl

from ipwatch.domain import periods
from ipwatch.domain.catalogue import Catalogue, alias_index
from ipwatch.domain.cells import text
from ipwatch.domain.units import UnitError, factor
from ipwatch.intake.reading import RawTable

# Ways offices write "not available": a missing value, never a zero (compared after NFKC).
NOT_AVAILABLE = {unicodedata.normalize("NFKC", w) for w in ("", "/", "—", "-", "…", "无", "不适用", "－", "／")}
# 数据状态, in the spirit of SDMX OBS_STATUS (A normal, P provisional, E estimated, M missing).
STATUSES = {
    "正常": "正常", "normal": "正常", "a": "正常",
    "初步": "初步", "provisional": "初步", "p": "初步",
    "估计": "估计", "estimated": "估计", "e": "估计",
    "缺失": "缺失", "missing": "缺失", "m": "缺失",
}
TEN_PLACES = Decimal("1E-10")
# Digits as offices type them on Chinese input methods: the full-width forms, folded to ASCII. Nothing else is a
# digit: NFKC would also make 10² 102, ① 1 and ١٢ 12, which nobody reading the cell takes for those numbers.
WIDE = str.maketrans("０１２３４５６７８９．，＋－％", "0123456789.,+-%")
# A number as written: ASCII digits, one decimal point, a sign (no exponent, no underscore, no inner space).
PLAIN = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)", re.ASCII)
# The largest magnitude kept: far beyond any statistic, and within the warehouse's DECIMAL(38, 10) after any unit
# conversion. A larger value is kept as this, which every indicator's bounds reject (value_in_bounds), the office's
# own text staying in value_raw; arithmetic never meets a number it cannot hold.
LARGEST = Decimal("1E22")
# Thousands separators only every three digits: "1,234,567.8"; "1,5" or "1,2,3" could mean several numbers.
GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", re.ASCII)
ROW_SCHEMA = {
    "line": pl.Int32, "region_code": pl.String, "period": pl.String, "indicator_raw": pl.String,
    "indicator_code": pl.String, "indicator_candidates": pl.String, "value_raw": pl.String,
    "value": pl.Decimal(38, 10), "rounding": pl.Int8, "unit_raw": pl.String, "unit": pl.String, "status_raw": pl.String,
    "status": pl.String, "note": pl.String, "row_shape": pl.String, "blank": pl.Boolean,
    "indicator_conflict": pl.String,
}


def number(raw: str | None, percent_allowed: bool) -> Decimal | None:
    """A number as offices write it (full-width digits, thousands separators, spaces around it, % on a
    percentage), exact and unrounded; anything else is not a number. A comma anywhere but between groups of three
    digits makes it not a number (rule value_separators asks which)."""
    cleaned = (raw or "").translate(WIDE).strip()
    if percent_allowed:
        cleaned = cleaned.removesuffix("%").rstrip()
    if GROUPED.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    if not PLAIN.fullmatch(cleaned):
        return None
    return bounded(Decimal(cleaned))


def bounded(value: Decimal) -> Decimal:
    """`value`, or LARGEST with its sign when it is larger: checked before any arithmetic."""
    return value if abs(value) <= LARGEST else LARGEST.copy_sign(value)


def converted(value: Decimal, ratio: Decimal) -> Decimal:
    """`value` times a unit's `ratio`, exact (precision enough for any bounded value with any ratio); not rounded."""
    with localcontext(prec=80):
        return bounded(value * ratio)


def stored(value: Decimal) -> tuple[Decimal, int]:
    """`value` as the warehouse holds it (DECIMAL(38, 10): ten places), and which side of it the exact value lies
    (-1 below, 0 exact, 1 above). The rules a rounding could fool (a count's wholeness, the bounds) read the side,
    so they judge exactly what was typed: 1424.99999999999 is not whole, -0.00000000001 is below zero."""
    with localcontext(prec=80):
        held = value.quantize(TEN_PLACES)
        return held, (value > held) - (value < held)


def status(raw: str | None, available: bool) -> str | None:
    """The 数据状态: empty means 正常, a missing value is always 缺失; None when the word is unknown, with a value
    or without one (a clerk who typed 大概 beside a blank cell meant something no rule may guess)."""
    word = text(raw).lower()
    known = "正常" if not word else STATUSES.get(word)
    return known if known is None or available else "缺失"


def rows(raw: RawTable, catalogue: Catalogue, aliases: dict[str, set[str]] | None = None) -> pl.DataFrame:
    """The submission's rows, normalised (ROW_SCHEMA); a batch passes the catalogue's `alias_index` made once."""
    aliases = aliases if aliases is not None else alias_index(catalogue)
    records = []
    for row in raw.rows.iter_rows(named=True):
        name = text(row["indicator_code_raw"]) or text(row["indicator_name_raw"])
        codes = sorted(aliases.get(name, ()))
        code = codes[0] if len(codes) == 1 else None
        indicator = catalogue.indicators.get(code) if code else None
        value_text = text(row["value_raw"])
        available = value_text not in NOT_AVAILABLE
        value = number(row["value_raw"], indicator is not None and indicator.unit == "%") if available else None
        unit_raw = text(row["unit_raw"]) or None
        unit = None
        if indicator is not None:
            try:
                ratio = factor(unit_raw, indicator.unit)
                value, unit = (None if value is None else converted(value, ratio)), indicator.unit
            except UnitError:
                value = None
        value, rounding = stored(value) if value is not None else (None, None)
        records.append({
            "line": row["line"], "region_code": text(row["region_code_raw"]),
            "period": periods.parse(row["period_raw"]) or text(row["period_raw"]), "indicator_raw": name,
            "indicator_code": code, "indicator_candidates": "、".join(codes) if len(codes) > 1 else None,
            "value_raw": row["value_raw"], "value": value, "rounding": rounding, "unit_raw": unit_raw, "unit": unit,
            "status_raw": row["status_raw"], "status": status(row["status_raw"], available), "note": row["note_raw"],
            "row_shape": row["row_shape"], "blank": blank(row["value_raw"], row["status_raw"]),
            "indicator_conflict": conflict(row, code, aliases),
        })
    return pl.DataFrame(records, schema=ROW_SCHEMA)


def blank(value_raw: str | None, status_raw: str | None) -> bool:
    """Whether a row leaves its value unsaid: no value and no 数据状态. Such a row is not reported in this file: it
    changes nothing in force (only 缺失, or /, —, 无 ... in the value, records a missing value)."""
    return not text(value_raw) and not text(status_raw)


def conflict(row: dict, code: str | None, aliases: dict[str, set[str]]) -> str | None:
    """A row's 指标名称 as typed when it names other indicators than its 指标代码 does, else None: a name that is
    one of the code's own names or plan wordings, or no known name at all, is no conflict."""
    name = text(row["indicator_name_raw"])
    named = aliases.get(name, set())
    if code is None or not text(row["indicator_code_raw"]) or not named or code in named:
        return None
    return name


def empty() -> pl.DataFrame:
    """A submission with no rows (an unreadable file, a duplicate)."""
    return pl.DataFrame(schema=ROW_SCHEMA)
