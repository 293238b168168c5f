"""What a clerk is told of each finding: where it is, which indicator, and a fix written for that very mistake.

A rule's message says what is wrong in general; the functions here say what to do about one row, from the row
itself (its indicator, the indicator's unit, what was typed), in the words of the form's own instructions
(ipwatch/template.py). The JSON, the HTML report and the CLI all print `Finding.fix`, made here and nowhere else:
"588件" for a count in 件 gets '去掉单位“件”，只填数字：588'.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from functools import cache

import polars as pl

from ipwatch import catalogue as cat
from ipwatch import regions as reg
from ipwatch.finding import Finding
from ipwatch.normalise import number, text
from ipwatch.reading import RawTable
from ipwatch.units import UnitError, factor, same_unit

# A form's region and period live in its header block: a fault of theirs is the whole file's, said once.
HEADER_RULES = {"region_known", "region_in_jurisdiction", "period_format", "period_not_future", "period_not_before"}
# The columns in the office's own words: the form's headers, or the long table's Chinese ones.
FORM_COLUMNS = {"value": "本期数值", "status": "数据状态", "indicator": "指标代码", "unit": "计量单位",
                "region_code": "行政区划代码", "period": "报告期", "row": "整行"}
LONG_COLUMNS = {**FORM_COLUMNS, "value": "数值", "indicator": "指标"}
# A number followed by a word: "588件", "4500 万元", "1,200人".
WITH_UNIT = re.compile(r"([+-]?[\d.,]+)\s*([^\d\s.,]+)")
BLANK_ADVICE = "无数据请留空，并将“数据状态”选为“缺失”，不要填0"

@cache
def region_names() -> dict[str, str]:
    """Region code -> name, read once per process."""
    return dict(reg.load().select("region_code", "name").iter_rows())


def plain(value: Decimal) -> str:
    """A decimal as a clerk types it: no exponent, no trailing zeros."""
    shown = format(value.normalize(), "f")
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def typed_not_number(typed: str, ind: cat.Indicator) -> str:
    """本期数值 holds something other than a number: a unit after it, a unit of its own, or words."""
    match = WITH_UNIT.fullmatch(text(typed))
    if match is None or number(match[1], False) is None:
        return f"只填阿拉伯数字（单位：{ind.unit}）；{BLANK_ADVICE}"
    amount, unit = number(match[1], False), match[2]
    if same_unit(unit, ind.unit):
        return f"去掉单位“{unit}”，只填数字：{plain(amount)}"
    try:
        return f"{text(typed)} 应填 {plain(amount * factor(unit, ind.unit))}（单位：{ind.unit}），只填数字"
    except UnitError:
        return f"本指标单位是“{ind.unit}”，“{unit}”无法换算：请按{ind.unit}填写数字，不写单位"


def out_of_range(typed: str, ind: cat.Indicator) -> str:
    """A number beyond the indicator's plausible bounds: the range, in its unit."""
    low, high = (f"{b:g}" for b in ind.bounds)
    return (f"{ind.name_zh}应在 {low}–{high}（单位：{ind.unit}）之间，填的是 {typed}：请核对数值，"
            f"并确认按“{ind.unit}”填写")


def not_whole(typed: str, ind: cat.Indicator) -> str:
    """A count with a fraction."""
    return f"{ind.name_zh}是计数（单位：{ind.unit}），应填整数，填的是 {typed}"


def left_blank(status: str | None, ind: cat.Indicator) -> str:
    """No value: say which 数据状态 goes with a blank, and how to fill it when there is one."""
    chosen = "已选“缺失”，简报中显示为“无数据”" if text(status) == "缺失" else "如确无数据，请将“数据状态”选为“缺失”"
    return f"{chosen}；如有数据，请填数字（单位：{ind.unit}），不要填0"


def wrong_office(region: str, office: str) -> str:
    """A form of another region, submitted by this office."""
    names = region_names()
    return (f"本表是{names.get(region, region)}（{region}）的报表，报送单位{names.get(office, office)}（{office}）"
            f"只能报送本地区及所辖地区的数据：请改用本单位的报表（ipwatch template --region {office}），"
            f"或交{names.get(region, region)}报送")


def period_not_over(period: str) -> str:
    """A quarter that has not ended."""
    return f"报告期 {period} 尚未结束：请在该季度结束后报送，或改用正确报告期的报表"


def advice(finding: Finding, row: dict | None, office: str, catalogue: cat.Catalogue) -> str | None:
    """The fix for one finding, from its row; None where the rule's message says all there is to say."""
    ind = catalogue.indicators.get((row or {}).get("indicator_code") or "")
    typed = text((row or {}).get("value_raw"))
    if finding.rule == "region_in_jurisdiction" and row:
        return wrong_office(row["region_code"], office)
    if finding.rule == "period_not_future" and row:
        return period_not_over(row["period"])
    if ind is None:
        return None
    by_rule = {"value_numeric": lambda: typed_not_number(typed, ind),
               "value_in_bounds": lambda: out_of_range(typed, ind),
               "count_whole": lambda: not_whole(typed, ind),
               "value_missing": lambda: left_blank(row.get("status_raw"), ind)}
    return by_rule[finding.rule]() if finding.rule in by_rule else None


def once_per_file(findings: list[Finding], source: RawTable | None) -> list[Finding]:
    """On a form, a fault of the header block once, at its cell's row, instead of once for every indicator."""
    if source is None or not source.form_cells:
        return findings
    kept, seen = [], set()
    for finding in findings:
        if finding.rule in HEADER_RULES:
            if finding.rule in seen:
                continue
            seen.add(finding.rule)
            cell = source.form_cells.get(finding.column or "", "")
            finding = replace(finding, line=int(re.sub(r"\D", "", cell) or 0) or None)
        kept.append(finding)
    return kept


def explained(findings: tuple[Finding, ...], rows: pl.DataFrame, source: RawTable | None, office: str,
              catalogue: cat.Catalogue) -> tuple[Finding, ...]:
    """Each finding named by its row's indicator and given its fix; a header fault once per form."""
    by_line = {r["line"]: r for r in rows.iter_rows(named=True)}
    form = source is not None and bool(source.form_cells)
    out = []
    for finding in findings:
        row = by_line.get(finding.line) if finding.line is not None else None
        whole_file = form and finding.rule in HEADER_RULES  # the header's fault, not this indicator's
        out.append(replace(finding, indicator=None if whole_file else (row or {}).get("indicator_code"),
                           fix=advice(finding, row, office, catalogue)))
    ordered = sorted(out, key=lambda f: (f.rule not in HEADER_RULES, f.line is None, f.line or 0, f.rule))
    return tuple(once_per_file(ordered, source))


def column_name(column: str | None, source_kind: str | None) -> str | None:
    """A finding's column as the office's file names it (本期数值 on the form)."""
    names = FORM_COLUMNS if source_kind == "xlsx-form" else LONG_COLUMNS
    return names.get(column or "", column)
