"""How one target row reads in a bulletin: the figure judged against the target, in the plan's own terms and unit.

One row, one truth: a 新增 target shows what was added against what is to be added (the running total beside
it), a 累计 target the running total, a growth target the growth rate against the rate required (年均: the average
since the base year), a rank target the rank among its peers; value, baseline and target in the unit the plan
states its target in. 完成度 follows `met`, as the status does (README, "Progress").
"""

from __future__ import annotations

import re
from functools import cache

from ipwatch.domain import catalogue
from ipwatch.domain.catalogue import QUANTITY_KINDS
from ipwatch.domain.periods import quarter_label, split
from ipwatch.domain.units import UNITS, UnitError, convert, same_unit

RATIO_UNITS = ("%", "‰")


@cache
def number_and_unit() -> re.Pattern[str]:
    """A number with the unit written after it ("211.66 亿元", "12.7 件/万人", "10.19个百分点"): one word to a reader,
    never parted at a line's end. Units from the conversion table and every indicator of the catalogue, the longest
    first, so "件/万人" is not cut to "件"."""
    units = {*UNITS, *(i.unit for i in catalogue.default().indicators.values()), "个百分点"}
    alternation = "|".join(map(re.escape, sorted(units, key=len, reverse=True)))
    return re.compile(rf"-?\d[\d,]*(?:\.\d+)?[ \u00a0]?(?:{alternation})")


def format_number(value: float | None) -> str:
    """A value as a bulletin prints it: up to 2 decimals, no trailing zeros; '—' when missing."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def shown_unit(row: dict) -> str:
    """The unit a row is written in: the plan's own where it converts exactly, else the indicator's.

    A plan's short form ("件" for 件/万人) names the indicator's unit, which is then written in full.
    """
    planned, own = row.get("target_unit"), row["unit"]
    if row["kind"] not in QUANTITY_KINDS or not planned or same_unit(planned, own):
        return own
    try:
        convert(1.0, own, planned)
    except UnitError:
        return own
    return planned


def in_unit(row: dict, value: float | None) -> float | None:
    """A value of the indicator (in its stored unit) in the row's shown unit, converted exactly (Decimal)."""
    unit = shown_unit(row)
    return value if value is None or unit == row["unit"] else convert(value, row["unit"], unit)


def amount(value: float | None, unit: str) -> str:
    """'3,900 万元'; a percentage without a space ('75%')."""
    if value is None:
        return "—"
    return f"{format_number(value)}{unit}" if unit in RATIO_UNITS else f"{format_number(value)} {unit}"


def period_text(period: str | None, full_year: bool = False) -> str:
    """'2026年第三季度', or '2025年' for a full year's flow (its fourth quarter's year-to-date)."""
    if not period:
        return "—"
    year, q = split(period)
    return f"{year}年" if full_year and q == 4 else quarter_label(period)


# How a growth target reads, by the years it binds (per_year): every year, the average since the base year, the
# target year's growth.
GROWTH_WORDS = {"each": "每年增长", "average": "年均增长", "target_year": "年增长"}


def comparison_word(row: dict) -> str:
    """The plan's comparison as it reads before a number: 超过 for '>', 不超过 for '<='."""
    return {">": "超过", "<=": "不超过", "<": "低于"}.get(row["comparison"], "")


def target_text(row: dict) -> str:
    """目标值 in the plan's terms: '新增 221 家', '累计 150 亿元', '每年超过 5,000 万元', '年均增长20%', '前30%'."""
    unit, word = shown_unit(row), comparison_word(row)
    if row["kind"] == "rank":
        scope = "全市" if row["peer_scope"] == "prefecture" else "全省"
        places = f"（前{row['places']}名）" if row["places"] else ""
        return f"{scope}前{format_number(row['target_value'])}%{places}"
    if row["kind"] == "annual_growth":
        return f"{GROWTH_WORDS[row['per_year']]}{word}{format_number(row['target_value'])}%"
    if row["relative_to_baseline"]:
        resolved = f"，即 {amount(in_unit(row, row['target']), unit)}" if row["target"] is not None else ""
        return f"基期的{format_number(row['relative_to_baseline'])}倍{resolved}"
    value = in_unit(row, row["target"]) if row["target"] is not None else row["target_value"]
    high = in_unit(row, convert(row["target_value_high"], row["target_unit"], row["unit"])) \
        if row["target_value_high"] is not None and row["kind"] in QUANTITY_KINDS else row["target_value_high"]
    text = amount(value, unit) if high is None else f"{format_number(value)}–{amount(high, unit)}"
    prefix = {"annual_flow": "每年" if row["per_year"] == "each" else "年度",
              "cumulative": "新增" if row["cumulative_basis"] == "new" else "累计"}
    words = prefix.get(row["kind"], "") + word
    return f"{words} {text}" if words else text


def judged_text(row: dict) -> str:
    """The figure the status is judged on, worded like the target: '新增 29 家', '增长 20%',
    '年均增长 9.6%（2016—2019年）', '第3名（共10个）', '并列第30名（24个并列，共100个）'."""
    unit = shown_unit(row)
    if row["kind"] == "rank":
        if row["rank"] is None:
            return "无数据"
        if row["tied"] > 1:
            return f"并列第{row['rank']}名（{row['tied']}个并列，共{row['peer_count']}个）"
        return f"第{row['rank']}名（共{row['peer_count']}个）"
    if row["kind"] == "annual_growth":
        if row["growth"] is None:
            return "无数据"
        if row["per_year"] == "average":
            since = row["baseline_year"] or split(row["baseline_period"])[0]
            # a space after the word, as in '累计 7 个': a narrow printed column breaks there, not through the number
            return f"年均增长 {format_number(row['growth'])}%（{since}—{split(row['actual_period'])[0]}年）"
        return f"增长 {format_number(row['growth'])}%"
    if row["kind"] == "cumulative":
        word = "新增" if row["cumulative_basis"] == "new" else "累计"
        return f"{word} {amount(in_unit(row, row['accumulated']), unit)}" if row["accumulated"] is not None \
            else "无数据"
    if row["actual"] is None:
        return "无数据"
    so_far = "本年累计 " if row["kind"] == "annual_flow" and not row["actual_period"].endswith("Q4") else ""
    return so_far + amount(in_unit(row, row["actual"]), unit)


def beside_text(row: dict) -> str:
    """What stands beside the judged figure: the years a 每年 target was missed, a tie straddling a top-N cut-off,
    the running total of a 新增, the year of a 累计 flow, the value a growth is measured on, and after the target
    year the latest value (最新), which is shown, never judged."""
    unit, parts = shown_unit(row), []
    if row["missed_years"]:
        parts.append("、".join(f"{year}年" for year in row["missed_years"]) + "未达到目标")
    if straddles(row):
        parts.append(f"并列名次跨过第{row['places']}名，不计为进入前{row['places']}名")
    if row["actual"] is not None:
        if row["kind"] == "cumulative" and row["cumulative_basis"] == "new":
            parts.append(f"现有 {amount(in_unit(row, row['actual']), unit)}")
        elif row["kind"] == "cumulative" and row["measure"] == "flow_ytd":
            parts.append(f"其中{split(row['actual_period'])[0]}年 {amount(in_unit(row, row['actual']), unit)}")
        elif row["kind"] == "annual_growth":
            parts.append(amount(row["actual"], unit))
    if row.get("final") and row.get("latest_actual") is not None and row["latest_period"] != row["actual_period"]:
        latest = amount(in_unit(row, row["latest_actual"]), unit)
        parts.append(f"最新 {latest}（{period_text(row['latest_period'])}，不计入终期评价）")
    return "；".join(parts)


def straddles(row: dict) -> bool:
    """A rank's tie reaches past the places of a top-N target: none of it meets the target (README, "Progress")."""
    return row["kind"] == "rank" and row["rank"] is not None and row["rank"] <= row["places"] < row["rank"] + row[
        "tied"] - 1


def percent(ratio: float, decimals: int = 1) -> str:
    """A ratio as a percentage (one decimal unless told); never "-0.0%": a completion of -0.0001 is no regression,
    and a sign shown on a zero would say it is."""
    text = f"{ratio * 100:.{decimals}f}"
    return (text[1:] if text.startswith("-") and float(text) == 0 else text) + "%"


def margin_text(row: dict) -> str:
    """完成度 as a reader wants it: the share done, or for a figure meeting its target by how much it is beaten
    ('本年…' where this year's figure meets a 每年 target that an earlier year missed)."""
    if not row["met"]:
        return "—" if row["completion"] is None else percent(row["completion"])
    if row["kind"] == "rank":
        return "已进入前列"
    return ("本年" if row["missed_years"] else "") + _beaten(row)


def _beaten(row: dict) -> str:
    """'达到目标', or '超出目标 4.82 分': by how much a figure meeting its target beats it."""
    if row["kind"] == "annual_growth":
        over, unit = row["growth"] - row["target_value"], "个百分点"
    else:
        reached = row["accumulated"] if row["kind"] == "cumulative" else row["actual"]
        over = in_unit(row, reached) - in_unit(row, row["target"])
        over, unit = (-over if row["direction"] == "down" else over), shown_unit(row)
        unit = "个百分点" if unit in RATIO_UNITS else unit
    if abs(over) < 0.005:
        return "达到目标"
    return f"超出目标 {format_number(over)}{'' if unit == '个百分点' else ' '}{unit}"


def baseline_text(row: dict) -> str:
    """基期值 with its year: the plan's own, or the value taken from the base year's end (a flow: its total)."""
    if row["kind"] == "rank" or (row["kind"] == "annual_growth" and row["per_year"] != "average") \
            or row["baseline"] is None:
        return "—"
    year = row["baseline_year"] or (int(row["baseline_period"][:4]) if row["baseline_period"] else None)
    stands = "年" if row["baseline_year"] or row["measure"] == "flow_ytd" else "年末"
    when = f"（{year}{stands}）" if year else ""
    return f"{amount(in_unit(row, row['baseline']), shown_unit(row))}{when}"


def describe(row: dict) -> dict:
    """The row with the texts a bulletin prints in each cell."""
    full_year = row["measure"] == "flow_ytd" and row["kind"] in ("level", "share", "annual_growth", "cumulative")
    judged_at = period_text(row["actual_period"], full_year)
    if row.get("final") and row["actual_period"]:
        judged_at += "（终期）"
    return {**row, "shown_unit": shown_unit(row), "baseline_text": baseline_text(row),
            "judged_text": judged_text(row), "beside_text": beside_text(row), "target_text": target_text(row),
            "margin_text": margin_text(row), "judged_at": judged_at}
