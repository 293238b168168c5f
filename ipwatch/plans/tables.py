"""Targets in a plan's tables (主要指标表): a row per indicator with its unit, base-year value, target value and
属性; as real table rows (.docx, .html, .pdf) or as a table flattened into one line of text (a .txt made from a
web page), where a row reads 名称(单位) 基期值 目标值 预期性."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipwatch.plans import naming
from ipwatch.plans.documents import Block
from ipwatch.plans.numbers import UNITS, number
from ipwatch.plans.proposal import Proposal

_UNIT = "|".join(re.escape(u) for u in sorted({*UNITS, "件/万人", "件/万户", "万人"}, key=len, reverse=True))
_IN_NAME = re.compile(rf"[(（]({_UNIT})[)）]\s*$")
FLAT_ROW = re.compile(
    rf"(?P<name>[^\s]+?)[(（](?P<unit>{_UNIT})[)）]\s*(?P<values>[\d.\s/／—-]*?\d[\d.]*\s*(?:以上|以下|左右|以内)?)\s*"
    r"(?P<attribute>预期性|约束性)"
)
_CELL = re.compile(r"^\s*(?P<low>\d+(?:\.\d+)?)(?:\s*[-—~～]\s*(?P<high>\d+(?:\.\d+)?))?\s*"
                   r"(?P<tail>以上|以下|左右|以内)?\s*"
                   rf"(?P<unit>{_UNIT})?\s*$")
RAN_TOGETHER = "表中基期值与目标值连在一起，已拆分，请核对 (two numbers ran together)"
_YEAR = re.compile(r"(\d{4})\s*年")
_EMPTY = re.compile(r"^\s*[/／—-]*\s*$")


@dataclass(frozen=True)
class Columns:
    name: int
    unit: int | None
    baseline: int | None
    target: int
    attribute: int | None
    baseline_year: int | None
    target_year: int | None


def columns(header: tuple[str, ...]) -> Columns | None:
    """Which column holds what, from a header row: 指标, 单位, the years (基期 and 目标), 属性; None when no header."""
    years = {i: int(m.group(1)) for i, c in enumerate(header) if (m := _YEAR.search(c))}
    name = next((i for i, c in enumerate(header) if re.search(r"指标|名称|项目", c)), None)
    if name is None or not years:
        return None
    target = next((i for i in years if "目标" in header[i]), max(years, key=lambda i: (years[i], i)))
    baseline = next((i for i in years if i != target and re.search(r"基|现状|实现|现值", header[i])), None)
    if baseline is None:
        earlier = [i for i in years if i != target and years[i] < years[target]]
        baseline = earlier[0] if earlier else None
    unit = next((i for i, c in enumerate(header) if "单位" in c), None)
    attribute = next((i for i, c in enumerate(header) if "属性" in c), None)
    return Columns(name, unit, baseline, target, attribute, years.get(baseline), years[target])


def propose_rows(blocks: list[Block], default_year: int, aliases: list[tuple[str, str]]) -> list[Proposal]:
    """The targets of every table among the blocks: a header row names the columns of the rows after it."""
    found: list[Proposal] = []
    layout: Columns | None = None
    for index, block in enumerate(blocks):
        if not block.is_row:
            layout = None
            continue
        header = columns(block.cells)
        if header or layout is None:
            layout = header or layout
            continue
        p = _row(block, layout, default_year, aliases)
        if p:
            p.position = index
            found.append(p)
    return found


def _row(block: Block, cols: Columns, default_year: int, aliases: list[tuple[str, str]]) -> Proposal | None:
    cells = block.cells
    if max(cols.name, cols.target) >= len(cells):
        return None
    name = cells[cols.name]
    unit = cells[cols.unit] if cols.unit is not None and cols.unit < len(cells) else None
    attribute = cells[cols.attribute] if cols.attribute is not None and cols.attribute < len(cells) else None
    baseline = cells[cols.baseline] if cols.baseline is not None and cols.baseline < len(cells) else None
    return row_target(block.text, name, unit, baseline, cells[cols.target], attribute,
                      cols.baseline_year, cols.target_year or default_year, aliases)


def row_target(source: str, name: str, unit: str | None, baseline: str | None, target: str, attribute: str | None,
               baseline_year: int | None, target_year: int, aliases: list[tuple[str, str]]) -> Proposal | None:
    """One table row as a proposal: its name (a unit in brackets read off), its values, its 属性."""
    in_name = _IN_NAME.search(name)
    wording = name[:in_name.start()].strip() if in_name else name.strip()
    unit = (unit or "").strip() or (in_name.group(1) if in_name else None)
    goal = _CELL.match(target)
    if not goal or not wording:
        return None
    known = naming.known_in(wording, aliases)
    exact = [k for k in known if k[2] == naming.text(wording)]
    reasons = []
    near = None if exact or known else naming.nearest(wording, aliases)
    if exact or known:
        _, _, alias, code = (exact or known)[0]
        is_known = True
    elif near:
        code, is_known = near[1], True
        reasons.append(naming.NEAREST.format(near[0]))
    else:
        code, is_known = naming.proposed_code(wording, {c for _, c in aliases}), False
        reasons.append(naming.NEW_INDICATOR)
    unit = unit or goal.group("unit")
    if not unit:
        reasons.append("单位未写明，请补填 (the unit is not stated)")
    kind = "share" if unit in ("%", "分") else "level"
    p = Proposal(source=source, wording=wording, indicator=code, known=is_known, kind=kind, year=target_year,
                 value=number(goal.group("low")), value_high=number(goal.group("high")) if goal.group("high") else None,
                 unit=unit, attribute=(attribute or "").strip() or None, from_table=True, reasons=reasons)
    if goal.group("tail") in ("以下", "以内"):
        p.direction, p.comparison = "down", "<="
    start = _CELL.match(baseline or "")
    if start and baseline_year:
        p.baseline = (baseline_year, number(start.group("low")))
    if not is_known:
        p.indicator_unit = unit
    return p


def flat_rows(lines: list[str], default_year: int, aliases: list[tuple[str, str]]) -> list[tuple[int, Proposal]]:
    """Rows of a table flattened into a line of text, with the years of its header from the lines just before;
    (line index, proposal). Two numbers run together (75150: 75 and 150) are split as the likeliest pair."""
    found = []
    for index, line in enumerate(lines):
        rows = list(FLAT_ROW.finditer(line))
        if not rows:
            continue
        years = _header_years([line[:rows[0].start()], *reversed(lines[max(0, index - 3):index])])
        base_year, goal_year = (years[0], years[-1]) if len(years) >= 2 else (None, years[-1] if years else None)
        for m in rows:
            values = m.group("values").split()
            doubt = None
            if len(values) == 1 and base_year and re.fullmatch(r"\d{3,}", values[0]):
                values, doubt = _split(values[0]), RAN_TOGETHER
            baseline, target = (values[0], values[-1]) if len(values) >= 2 else (None, values[0])
            p = row_target(m.group(0), f"{m.group('name')}({m.group('unit')})", None,
                           None if baseline is None or _EMPTY.match(baseline) else baseline, target,
                           m.group("attribute"), base_year, goal_year or default_year, aliases)
            if p:
                if doubt:
                    p.reasons.append(doubt)
                found.append((index, p))
    return found


def _header_years(nearest_first: list[str]) -> list[int]:
    """The base and target years of a table's header: the two nearest the rows (2020年实现值 2025年目标值), never a
    vision's year a paragraph above names (到2035年)."""
    years: list[int] = []
    for text in nearest_first:
        for year in reversed([int(y) for y in _YEAR.findall(text)]):
            if year not in years and len(years) < 2:
                years.append(year)
    return sorted(years)


def _split(digits: str) -> list[str]:
    """75150 as 75 and 150: of the ways to cut it into a smaller base and a larger target (neither starting with a
    0), the one with the smallest growth, as a plan's five years rarely multiply a value many times."""
    cuts = [(digits[:i], digits[i:]) for i in range(1, len(digits))
            if not digits[i:].startswith("0") and int(digits[i:]) > int(digits[:i])]
    if not cuts:
        return [digits]
    return list(min(cuts, key=lambda c: int(c[1]) / int(c[0])))
