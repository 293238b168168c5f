"""What a clerk is told of each finding: where it is, which indicator, and a fix written for that very mistake.

A rule's message says what is wrong in general; the functions here say what to do about one row, from the row
itself (its indicator, the indicator's unit, what was typed), in the words of the form's own instructions
(ipwatch/intake/template.py). The JSON, the HTML report and the CLI all print `Finding.fix`, made here and nowhere else:
"588件" for a count in 件 gets '去掉单位“件”，只填数字：588'.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

import polars as pl

from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods
from ipwatch.domain import regions as reg
from ipwatch.domain.cells import text
from ipwatch.domain.finding import Finding
from ipwatch.domain.units import UnitError, factor, same_unit
from ipwatch.intake.normalise import number
from ipwatch.intake.reading import RawTable

# A form's region and period live in its header block: a fault of theirs is the whole file's, said once.
HEADER_RULES = {"region_known", "region_in_jurisdiction", "period_format", "period_not_future", "period_not_before"}
# The columns in the office's own words: the form's headers, or the long table's Chinese ones.
FORM_COLUMNS = {"value": "本期数值", "status": "数据状态", "indicator": "指标代码", "unit": "计量单位",
                "region_code": "行政区划代码", "period": "报告期", "row": "整行"}
LONG_COLUMNS = {**FORM_COLUMNS, "value": "数值", "indicator": "指标"}
# A number followed by a word: "588件", "4500 万元", "1,200人".
WITH_UNIT = re.compile(r"([+-]?[\d.,]+)\s*([^\d\s.,]+)")
BLANK_ADVICE = "无数据请留空，并将“数据状态”选为“缺失”，不要填0"
# How data/consistency.yaml's operators read in a fix: (what the row's value is, what it ought to be).
OPERATOR_WORDS = {"<=": ("大于", "不应大于"), ">=": ("小于", "不应小于"), "<": ("不小于", "应小于"),
                  ">": ("不大于", "应大于")}

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


def unknown_region(typed: str, f: Facts) -> str:
    """A region code that does not exist: the office's own as the example; on a form, the header is not to be
    changed."""
    fix = f"行政区划代码“{typed}”不存在：请填六位行政区划代码（GB/T 2260），如本单位的 {f.office}"
    if f.source is not None and f.source.form_cells:
        fix += f"；报表表头请勿修改，本单位的报表可用 ipwatch template --region {f.office} 重新生成"
    return fix


def period_not_over(period: str) -> str:
    """A quarter that has not ended."""
    return f"报告期 {period} 尚未结束：请在该季度结束后报送，或改用正确报告期的报表"


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


def ratio_apart(row: dict, ind: cat.Indicator, f: Facts) -> str | None:
    """A ratio that is not its numerator over its denominator in the same file: the three cells and the quotient."""
    num, den = (f.catalogue.indicators[c] for c in (ind.numerator, ind.denominator))
    parts = same_key(row, f.rows, num.code)[:1] + same_key(row, f.rows, den.code)[:1]
    if len(parts) < 2 or not parts[1]["value"]:
        return None
    n, d = parts
    quotient = n["value"] / d["value"] * Decimal(str(ind.scale or 1))
    times = f"×{ind.scale:g}" if (ind.scale or 1) != 1 else ""
    return (f"{ind.name_zh}应等于{shown(n, num, f.source)}÷{shown(d, den, f.source)}{times}，"
            f"即 {plain(round(quotient, 2))}（单位：{ind.unit}），填的是 {text(row['value_raw'])}："
            f"请核对这三个数，改正有误的一个")


def parts_exceed(rule: str, row: dict, ind: cat.Indicator, f: Facts) -> str | None:
    """A pair of data/consistency.yaml broken: the row's value against the other indicator's cell."""
    pair = next(p for p in cat.consistency_pairs() if f"consistency_{p['id']}" == rule)
    other = f.catalogue.indicators[pair["right"]]
    found = same_key(row, f.rows, other.code)
    if not found:
        return None
    right, relation = found[0], OPERATOR_WORDS[pair["operator"]]
    typed = f"{text(row['value_raw'])}{row.get('unit_raw') or ind.unit}"
    return (f"{ind.name_zh} {typed}{relation[0]}同表{shown(right, other, f.source)}，"
            f"而{ind.name_zh}{relation[1]}{other.name_zh}：请核对两个数，改正有误的一个")


def repeated(row: dict, ind: cat.Indicator, f: Facts) -> str:
    """The same region, period and indicator on several rows: which rows, and keep one."""
    lines = [r["line"] for r in same_key(row, f.rows, ind.code)]
    places = "、".join(place(line, f.source) for line in sorted(lines))
    region = region_names().get(row["region_code"], row["region_code"])
    return (f"{region} {row['period']} 的{ind.name_zh}填了{len(lines)}次（{places}）：只保留正确的一行，删除其余各行")


def unknown_indicator(row: dict, f: Facts) -> str:
    """A name or code that is no indicator: the nearest names, and where the list is."""
    typed = text(row.get("indicator_raw"))
    if not typed:
        return "指标代码和指标名称都是空的：请填写指标代码或名称，或删除此行"
    names = {name: code for code, i in f.catalogue.indicators.items() for name in (i.name_zh, *i.aliases, code)}
    near = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.5)
    guess = f"是否指“{near[0]}”（{names[near[0]]}）？" if near else ""
    return (f"“{typed}”不是可识别的指标名称或代码：{guess}请照抄报表中的指标代码或名称"
            f"（全部指标见 ipwatch catalogue）")


def ambiguous(row: dict, f: Facts) -> str:
    """A name several indicators share: each candidate with its code."""
    codes = (row.get("indicator_candidates") or "").split("、")
    listed = "、".join(f"{f.catalogue.indicators[c].name_zh}（{c}）" for c in codes if c in f.catalogue.indicators)
    return f"“{text(row.get('indicator_raw'))}”可指{listed}：请改填其中一个指标代码"


def not_reported(finding: Finding, f: Facts) -> str | None:
    """An indicator the plans ask for is not in the file: which one, for which region and quarter, and how."""
    region, period, code = asked_key(finding) or (None, None, None)
    ind = f.catalogue.indicators.get(code or "")
    if ind is None:
        return None
    keep = "请勿删除报表中的指标行；" if f.source is not None and f.source.form_cells else ""
    return (f"本表缺少{region_names().get(region, region)} {period} 的“{ind.name_zh}”（{ind.code}）：{keep}"
            f"请补报这一行（单位：{ind.unit}）；确无数据也请列出，本期数值留空，数据状态选“缺失”")


def asked_key(finding: Finding) -> tuple[str, str, str] | None:
    """(region, period, indicator) a required_indicator_reported finding misses: its value, as the rule returns it
    ('340100 2025Q3 pct_applications')."""
    words = (finding.value or "").split()
    return tuple(words) if finding.rule == "required_indicator_reported" and len(words) == 3 else None


def row_fix(finding: Finding, row: dict, ind: cat.Indicator, f: Facts) -> str | None:
    """The fix of a rule about one value of a known indicator."""
    rule, typed, found = finding.rule, text(row.get("value_raw")), text(finding.value)
    if rule.startswith("consistency_"):
        return parts_exceed(rule, row, ind, f)
    by_rule = {
        "value_numeric": lambda: typed_not_number(typed, ind),
        "value_in_bounds": lambda: out_of_range(typed, ind),
        "count_whole": lambda: not_whole(typed, ind),
        "value_missing": lambda: left_blank(row.get("status_raw"), ind),
        "ratio_matches_parts": lambda: ratio_apart(row, ind, f),
        "key_unique": lambda: repeated(row, ind, f),
        "unit_convertible": lambda: (f"计量单位“{text(row.get('unit_raw'))}”不能换算为本指标的“{ind.unit}”："
                                     f"请按{ind.unit}填写数值，计量单位填“{ind.unit}”"),
        "status_consistent": lambda: (f"已选“缺失”却填了数值 {typed}：有数据请把“数据状态”改为“正常”"
                                      f"（或初步、估计）；确无数据请清空本期数值"),
        "ytd_not_falling": lambda: (f"{ind.name_zh}是1月至本季末累计数，不应小于上季度的累计数（{found}）："
                                    f"请填1—{periods.last_month(row['period'])}月累计数，而不是本季度单季数；"
                                    f"如是上季度的数有误，请更正后重报上季度"),
        "children_within_parent": lambda: (f"{ind.name_zh}的本级数应包括所辖各地区，现小于所辖地区合计"
                                           f"（{found}）：请核对本级数是否漏计，或所辖地区的数是否有误"),
        "change_against_last_quarter": lambda: (f"{ind.name_zh}与上季度相比变化很大（{found}）："
                                                f"请核对数值和单位（单位：{ind.unit}）；如数值无误，请在备注中说明原因"),
        "change_outlier": lambda: (f"{ind.name_zh}本期的变化与同级地区很不一样：请核对数值和单位"
                                   f"（单位：{ind.unit}）；如数值无误，请在备注中说明原因（如统计口径调整）"),
    }
    return by_rule[rule]() if rule in by_rule else None


def general_fix(finding: Finding, row: dict | None, f: Facts) -> str | None:
    """The fix of a rule about the row as a whole, its region, period or status: no indicator needed."""
    typed = text(finding.value)
    by_rule = {
        "row_shape": lambda: (f"本行与表头的列数不同（{typed}）：补齐缺少的单元格；数字里的千位逗号请去掉"
                              f"（写 1234567），或把整个单元格用英文双引号括起来"),
        "region_known": lambda: unknown_region(typed, f),
        "period_format": lambda: f"报告期“{typed}”无法识别：请写作 2025Q3 或 2025年第三季度",
        "period_not_before": lambda: f"报告期 {typed} 早于最早规划的基期：请核对年份",
        "status_known": lambda: (f"数据状态“{text((row or {}).get('status_raw'))}”无法识别：请从下拉列表选"
                                 f"“正常、初步、估计、缺失”之一，或留空（即正常）"),
        "value_separators": lambda: (f"“{typed}”里的逗号不是千位分隔符（千位分隔应每三位一个，如 1,234,567）："
                                     f"请改写为不带逗号的数字，小数点用“.”"),
        "indicator_known": lambda: unknown_indicator(row or {}, f),
        "indicator_unambiguous": lambda: ambiguous(row or {}, f),
        "required_indicator_reported": lambda: not_reported(finding, f),
    }
    return by_rule[finding.rule]() if finding.rule in by_rule else None


@dataclass(frozen=True)
class Facts:
    """What a fix may draw on besides its own row: the file's other rows, how it was read, who sent it."""

    rows: pl.DataFrame
    source: RawTable | None
    office: str
    catalogue: cat.Catalogue


def advice(finding: Finding, row: dict | None, f: Facts) -> str | None:
    """The fix for one finding, from its row and the file's other rows; None where nothing can be said."""
    if finding.rule == "region_in_jurisdiction" and row:
        return wrong_office(row["region_code"], f.office)
    if finding.rule == "period_not_future" and row:
        return period_not_over(row["period"])
    ind = f.catalogue.indicators.get((row or {}).get("indicator_code") or "")
    fix = row_fix(finding, row, ind, f) if row and ind else None
    return fix or general_fix(finding, row, f)


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
    """Each finding named by its row's indicator (or the one it misses) and given its fix; a header fault once per
    form."""
    by_line = {r["line"]: r for r in rows.iter_rows(named=True)}
    form = source is not None and bool(source.form_cells)
    facts = Facts(rows, source, office, catalogue)
    out = []
    for finding in findings:
        row = by_line.get(finding.line) if finding.line is not None else None
        whole_file = form and finding.rule in HEADER_RULES  # the header's fault, not this indicator's
        indicator = None if whole_file else (row or {}).get("indicator_code") or (asked_key(finding) or [None])[-1]
        out.append(replace(finding, indicator=indicator, fix=advice(finding, row, facts)))
    ordered = sorted(out, key=lambda f: (f.rule not in HEADER_RULES, f.line is None, f.line or 0, f.rule))
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
