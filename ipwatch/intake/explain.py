"""What a clerk is told of each finding: where it is, which indicator, and a fix written for that very mistake.

A rule's message says what is wrong in general; its fix (the `fix` of its file in expectations/rules/) says what
to do about one row, from the row itself (its indicator, the indicator's unit, what was typed), in the words of the
form's own instructions (ipwatch/intake/template.py). The functions here work out what a fix names; the JSON, the
HTML report and the CLI all print `Finding.fix`, made here and nowhere else: "588件" for a count in 件 gets
'去掉单位“件”，只填数字：588'.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, cached_property

import polars as pl
from jinja2 import Environment, StrictUndefined, Template, UndefinedError

from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods, rules
from ipwatch.domain import regions as reg
from ipwatch.domain.cells import text
from ipwatch.domain.finding import Finding
from ipwatch.domain.units import UNITS, UnitError, factor, same_unit
from ipwatch.intake import template
from ipwatch.intake.normalise import number
from ipwatch.intake.reading import RawTable

# A form's region and period live in its header block: a fault of theirs (a rule judging one of these columns) is
# the whole file's, said once.
HEADER_COLUMNS = ("region_code", "period")
# The columns in the office's own words: the form's headers, or the long table's Chinese ones.
FORM_COLUMNS = {"value": "本期数值", "status": "数据状态", "indicator": "指标代码", "unit": "计量单位",
                "region_code": "行政区划代码", "period": "报告期", "row": "整行"}
LONG_COLUMNS = {**FORM_COLUMNS, "value": "数值", "indicator": "指标"}
# A number followed by a word, or by nothing once a hedge is taken off: "588件", "4500 万元", "1,200人", "3.4万".
WITH_UNIT = re.compile(r"([+-]?[\d.,]+)\s*([^\d\s.,]*)")
# Words a clerk puts before a number that is not exact ("约3.4万"): the number is still read, and its 数据状态 is
# 估计 (the form's word for an estimate). Longest first, so "大约" is not read as "大" + "约".
HEDGES = ("大约", "约为", "约合", "将近", "接近", "约", "近")
# Chinese words of magnitude written after a number ("3.4万", "1.2亿件"): where the word is no unit ipwatch knows
# (万元 is), the number is multiplied out and the rest read as the unit, else as the row's unit without its own
# magnitude (3.4万 in a 亿元 row is 3.4万元, in a 件 row 34000件).
MAGNITUDES = {"万": Decimal("1E4"), "亿": Decimal("1E8"), "千": Decimal("1E3"), "百": Decimal("1E2")}
# A ratio's part as ratio_against_known_parts names it: from the file ("本表第12行"), or taken from the warehouse
# ("常住人口 74.19 万人（2025年第四季度已接收）").
FILE_LINE = re.compile(r"本表第(\d+)行")
PART_ACCEPTED = re.compile(r"(\S+) \S+ \S+（\d{4}年第[一二三四]季度已接收）")
# A fix naming something this finding lacks (no row, no known indicator) raises rather than print a blank: no fix.
FIXES = Environment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False)


@dataclass(frozen=True)
class Facts:
    """What a fix may draw on besides its own row: the file's other rows, how it was read, who sent it."""

    rows: pl.DataFrame
    source: RawTable | None
    office: str
    catalogue: cat.Catalogue

    @cached_property
    def indicator_names(self) -> dict[str, str]:
        """Every name, alias and code an indicator is known by -> its code: made once per file, not per finding
        (a file of 200,000 wrong names made it 200,000 times)."""
        return {name: code for code, i in self.catalogue.indicators.items() for name in (i.name_zh, *i.aliases, code)}

    @cached_property
    def nearest(self) -> Callable[[str], str | None]:
        """The nearest indicator name to a typed one, worked out once per distinct text in the file."""
        names = list(self.indicator_names)
        return cache(lambda typed: next(iter(difflib.get_close_matches(typed, names, n=1, cutoff=0.5)), None))


@cache
def region_names() -> dict[str, str]:
    """Region code -> name, read once per process."""
    return dict(reg.load().select("region_code", "name").iter_rows())


def plain(value: Decimal) -> str:
    """A decimal as a clerk types it: no exponent, no trailing zeros."""
    shown = format(value.normalize(), "f")
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def place(line: int | None, source: RawTable | None) -> str:
    """Where a row's value is, as the clerk finds it: its cell on a spreadsheet ('E15'), else its line."""
    letter = source.letters.get("value") if source is not None and source.sheet else None
    return f"{letter}{line}" if letter and line is not None else f"第{line}行"


def same_key(row: dict, rows: pl.DataFrame, code: str | None) -> list[dict]:
    """The file's rows of `code` for the row's region and period."""
    return rows.filter((pl.col("region_code") == row["region_code"]) & (pl.col("period") == row["period"])
                       & (pl.col("indicator_code") == code)).to_dicts()


def shown(row: dict, ind: cat.Indicator, source: RawTable | None) -> str:
    """Another row's value as the clerk typed it, with its unit and where it is: 'E15：12000件'."""
    unit = row.get("unit_raw") or ind.unit
    return f"{ind.name_zh}（{place(row['line'], source)}：{text(row['value_raw']) or '空'}{unit}）"


def period_words(period: str | None) -> str | None:
    """A quarter as the clerk reads it on the form, 2026年第三季度; anything else (no quarter) as it is."""
    with suppress(ValueError, TypeError):
        return periods.quarter_label(period)
    return period


def known(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict:
    """What any fix may name (rules.py lists it): the finding's value, its row's cells, the row's indicator, the
    office; a name is left out where the finding has no row or the row no known indicator."""
    names = region_names()
    out = {"value": text(finding.value), "office": f.office, "office_name": names.get(f.office, f.office),
           "form": f.source is not None and bool(f.source.form_cells)}
    if row is not None:
        out |= {"typed": text(row.get("value_raw")), "status": text(row.get("status_raw")),
                "unit_raw": text(row.get("unit_raw")), "indicator": text(row.get("indicator_raw")),
                "region": row["region_code"], "region_name": names.get(row["region_code"], row["region_code"]),
                "period": period_words(row["period"]), "last_month": periods.last_month(row["period"])}
    if ind is not None:
        out |= {"name": ind.name_zh, "unit": ind.unit, "code": ind.code}
    return out


def number_typed(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """本期数值 holds something other than a number: the number in it (after a hedge such as 约), the unit after it,
    and the number in the row's unit where it can be worked out."""
    if row is None or ind is None:
        return None
    typed = text(row.get("value_raw"))
    hedge = next((h for h in HEDGES if typed.startswith(h)), None)
    match = WITH_UNIT.fullmatch(typed.removeprefix(hedge or "").strip())
    amount = number(match[1], False) if match else None
    if amount is None or (hedge is None and not match[2]):
        return {"amount": None, "typed_unit": None, "same_unit": False, "converted": None, "estimate": False}
    unit, converted = match[2], in_unit(amount, match[2], ind.unit)
    return {"amount": plain(amount), "typed_unit": unit, "same_unit": hedge is None and same_unit(unit, ind.unit),
            "converted": None if converted is None else plain(converted), "estimate": hedge is not None}


def in_unit(amount: Decimal, unit: str, wanted: str) -> Decimal | None:
    """`amount` written with `unit` ('万元', '万', '万件', '') in the unit `wanted`; None where no reading converts."""
    readings = [(Decimal(1), unit or None)]
    if unit[:1] in MAGNITUDES and wanted in UNITS:
        readings.append((MAGNITUDES[unit[0]], unit[1:] or wanted.lstrip("万亿")))
    for size, rest in readings:
        with suppress(UnitError):
            return amount * size * factor(rest, wanted)
    return None


def bounds(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """The indicator's plausible range."""
    return None if ind is None else dict(zip(("low", "high"), (f"{b:g}" for b in ind.bounds), strict=True))


def ratio_parts(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """A ratio that is not its numerator over its denominator in the same file: the two cells and the quotient."""
    if row is None or ind is None:
        return None
    num, den = (f.catalogue.indicators[c] for c in (ind.numerator, ind.denominator))
    parts = same_key(row, f.rows, num.code)[:1] + same_key(row, f.rows, den.code)[:1]
    if len(parts) < 2 or not parts[1]["value"]:
        return None
    n, d = parts
    quotient = n["value"] / d["value"] * Decimal(str(ind.scale or 1))
    return {"numerator": shown(n, num, f.source), "denominator": shown(d, den, f.source),
            "scale": f"{ind.scale:g}" if (ind.scale or 1) != 1 else None, "quotient": plain(round(quotient, 2))}


def ratio_sources(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """A ratio apart from its parts, one of them the warehouse's: the rule's account of the three numbers with each
    part's place in the clerk's words (本表E12, 2025年第四季度已接收), and the parts taken as accepted."""
    if row is None or ind is None or not finding.value:
        return None
    newer = PART_ACCEPTED.findall(finding.value)
    if not newer:
        return None
    return {"sources": FILE_LINE.sub(lambda m: "本表" + place(int(m[1]), f.source), finding.value),
            "newer": "、".join(newer)}


def other_side(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """A pair of data/consistency.yaml broken: the other indicator's cell, and the operator between them."""
    family = rules.by_code(finding.rule)
    pair = next((p for p in cat.consistency_pairs() if p["id"] == family.member(finding.rule)), None)
    if row is None or ind is None or pair is None:
        return None
    other = f.catalogue.indicators[pair["right"]]
    found = same_key(row, f.rows, other.code)
    if not found:
        return None
    return {"other": shown(found[0], other, f.source), "other_name": other.name_zh, "operator": pair["operator"],
            "typed_unit": row.get("unit_raw") or ind.unit}


def repeated_rows(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """The same region, period and indicator on several rows: how many, and where."""
    if row is None or ind is None:
        return None
    lines = [r["line"] for r in same_key(row, f.rows, ind.code)]
    return {"count": len(lines), "places": "、".join(place(line, f.source) for line in sorted(lines))}


def nearest_indicator(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict:
    """A name or code that is no indicator: the nearest name, with its code."""
    typed = text((row or {}).get("indicator_raw"))
    near = f.nearest(typed) if typed else None
    return {"near": near, "near_code": f.indicator_names[near] if near else None}


def candidates(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict:
    """A name several indicators share: each candidate's name and code."""
    codes = ((row or {}).get("indicator_candidates") or "").split("、")
    return {"candidates": [{"name": f.catalogue.indicators[c].name_zh, "code": c}
                           for c in codes if c in f.catalogue.indicators]}


def named_other(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """A 指标名称 naming other indicators than the row's 指标代码: the name as typed, and whose name it is."""
    typed = (row or {}).get("indicator_conflict")
    if ind is None or not typed:
        return None
    codes = sorted(cat.alias_index(f.catalogue).get(typed, ()))
    others = [{"name": f.catalogue.indicators[c].name_zh, "code": c} for c in codes]
    return {"typed_name": typed, "others": others}


def missing_row(finding: Finding, row: dict | None, ind: cat.Indicator | None, f: Facts) -> dict | None:
    """An indicator the plans ask for is not in the file: which one, for which region and quarter, and where its
    row stands on the region's form (its row number and the rows either side, as the form is printed)."""
    region, period, code = asked_key(finding) or (None, None, None)
    asked = f.catalogue.indicators.get(code or "")
    if asked is None:
        return None
    return {"region_name": region_names().get(region, region), "period": period_words(period), "name": asked.name_zh,
            "code": asked.code, "unit": asked.unit, **form_place(f.catalogue, region, period, asked.code)}


def form_place(catalogue: cat.Catalogue, region: str, period: str, code: str) -> dict:
    """Where an indicator's row is on the region's form for the quarter: its sheet row and the names of the rows
    before and after it (a clerk who deleted a row finds the gap between them); nothing for one not on the form."""
    try:
        asked = [i.code for i in template.indicators_for_region(catalogue, reg.load(), region, period)]
    except ValueError:  # a region no plan asks anything of has no form
        asked = []
    if code not in asked:
        return {"form_row": None, "after": None, "before": None}
    at = asked.index(code)
    names = [catalogue.indicators[c].name_zh for c in asked]
    return {"form_row": template.TABLE_HEADER_ROW + 1 + at, "after": names[at - 1] if at else None,
            "before": names[at + 1] if at + 1 < len(names) else None}


# What the fixes of expectations/rules/ name beyond `known`, by the name a rule's `fix_facts` gives.
FACT_FINDERS: dict[str, Callable[..., dict | None]] = {fn.__name__: fn for fn in (
    number_typed, bounds, ratio_parts, ratio_sources, other_side, repeated_rows, nearest_indicator, candidates,
    named_other, missing_row)}


def asked_key(finding: Finding) -> tuple[str, str, str] | None:
    """(region, period, indicator) a finding about a row the file lacks misses: its value, as the rule returns it
    ('340100 2025Q3 pct_applications')."""
    words = (finding.value or "").split()
    return tuple(words) if rules.absent_row(finding.rule) and len(words) == 3 else None


@cache
def fix_template(code: str) -> Template:
    """A rule's fix, compiled once per process."""
    return FIXES.from_string(rules.index()[code].fix)


def advice(finding: Finding, row: dict | None, f: Facts) -> str | None:
    """The fix for one finding, from its rule's file, its row and the file's other rows; None where nothing can be
    said (a finding no rule makes, or a fix naming what is unknown for this finding)."""
    rule = rules.by_code(finding.rule)
    if rule is None:
        return None
    ind = f.catalogue.indicators.get((row or {}).get("indicator_code") or "")
    names = known(finding, row, ind, f)
    if rule.fix_facts:
        more = FACT_FINDERS[rule.fix_facts](finding, row, ind, f)
        if more is None:
            return None
        names |= more
    try:
        # whatever a fix draws on (a rule's value, a fact), the clerk reads a quarter as the form names it
        return periods.in_words("".join(fix_template(rule.code).render(names).splitlines()))
    except UndefinedError:
        return None


def header_fault(finding: Finding) -> bool:
    """Whether a finding is about the form's header block: its rule judges the region or the period."""
    rule = rules.by_code(finding.rule)
    return rule is not None and rule.column in HEADER_COLUMNS


def once_per_file(findings: list[Finding], source: RawTable | None) -> list[Finding]:
    """On a form, a fault of the header block once, at its cell's row, instead of once for every indicator."""
    if source is None or not source.form_cells:
        return findings
    kept, seen = [], set()
    for finding in findings:
        if header_fault(finding):
            if finding.rule in seen:
                continue
            seen.add(finding.rule)
            cell = source.form_cells.get(finding.column or "", "")
            finding = replace(finding, line=int(re.sub(r"\D", "", cell) or 0) or None)
        kept.append(finding)
    return kept


def explained(findings: tuple[Finding, ...], rows: pl.DataFrame, source: RawTable | None, office: str,
              catalogue: cat.Catalogue) -> tuple[Finding, ...]:
    """Each finding named by its row's indicator (or the one it misses) and given its fix; a header fault once per
    form."""
    by_line = {r["line"]: r for r in rows.iter_rows(named=True)}
    form = source is not None and bool(source.form_cells)
    facts = Facts(rows, source, office, catalogue)
    out = []
    for finding in findings:
        row = by_line.get(finding.line) if finding.line is not None else None
        whole_file = form and header_fault(finding)  # the header's fault, not this indicator's
        indicator = None if whole_file else (row or {}).get("indicator_code") or (asked_key(finding) or [None])[-1]
        # a finding made with its fix (finding.not_listed) keeps it
        out.append(replace(finding, indicator=indicator, fix=finding.fix or advice(finding, row, facts)))
    ordered = sorted(out, key=lambda f: (not header_fault(f), f.line is None, f.line or 0, f.rule))
    return tuple(replace(f, cell=cell(source, f)) for f in once_per_file(ordered, source))


def cell(source: RawTable | None, finding: Finding) -> str | None:
    """The spreadsheet cell of a finding ('填报表!E13'), for files read from xlsx; a form's header field at its own
    cell ('填报表!B4')."""
    if source is None or not source.sheet:
        return None
    header = source.form_cells.get(finding.column or "")
    if header and header.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == str(finding.line):
        return f"{source.sheet}!{header}"
    letter = source.letters.get(finding.column or "") or (
        source.letters.get("indicator_code") or source.letters.get("indicator_name")
        if finding.column == "indicator" else None)
    if finding.line is None or letter is None:
        return None
    return f"{source.sheet}!{letter}{finding.line}"


def column_name(column: str | None, source_kind: str | None) -> str | None:
    """A finding's column as the office's file names it (本期数值 on the form)."""
    names = FORM_COLUMNS if source_kind == "xlsx-form" else LONG_COLUMNS
    return names.get(column or "", column)
