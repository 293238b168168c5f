"""Quantities in a plan's text: a number (Arabic or Chinese, a range 2-3) with the unit written after it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The units targets are written in, longest first so 个工作日 wins over 个 and 万元 over 元.
UNITS = ("个工作日", "个百分点", "件/万人", "万件", "万户", "万人", "亿元", "万元", "件", "家", "个", "%", "％",
         "‰", "分", "人", "户", "项", "次", "名", "笔", "所", "座", "支", "场", "期", "元")
# Units of counted things: a target in them is a number of items (never a share or a score).
COUNT_UNITS = ("万件", "件", "家", "个", "人", "户", "项", "次", "名", "笔", "所", "座", "支", "场", "期")
# What a heading, a date, a decree or a meeting number is written with: a number before these is no quantity.
_NOT_AFTER = "年月日号届条款章节批轮版"
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUMBER = r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
_UNIT = "|".join(re.escape(u) for u in UNITS)
QUANTITY = re.compile(
    rf"(?P<low>{_NUMBER})(?:\s*(?:-|—|–|~|～|至|到)\s*(?P<high>{_NUMBER}))?\s*(?P<unit>{_UNIT})(?P<tail>以上|以下|以内|左右)?"
)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    value: float
    value_high: float | None
    unit: str
    tail: str  # 以上 / 以下 / 以内 / 左右 or ""


def chinese(numeral: str) -> int | None:
    """A Chinese numeral's value: 七 7, 十二 12, 二十 20, 三百 300, 一千二百 1200; None when it is no numeral."""
    total, digit = 0, None
    for char in numeral:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def number(written: str) -> float | None:
    """A number as written: digits or a Chinese numeral; int-valued when whole."""
    if written[0].isdigit():
        value = float(written)
    else:
        parsed = chinese(written)
        if parsed is None:
            return None
        value = float(parsed)
    return int(value) if value == int(value) else value


def quantities(sentence: str) -> list[Quantity]:
    """Every quantity in a sentence that is not an ordinal (第9次), a date, a decree number or a code."""
    found = []
    for m in QUANTITY.finditer(sentence):
        low, high = m.group("low"), m.group("high")
        if _ordinal_or_code(sentence, m.start(), m.end(), low):
            continue
        value = number(low)
        value_high = number(high) if high else None
        if value is None or (high and value_high is None):
            continue
        if value_high is not None and value_high <= value:
            continue  # 3-2 is no range: a code or a date
        unit = "%" if m.group("unit") == "％" else m.group("unit")
        found.append(Quantity(m.start(), m.end(), value, value_high, unit, m.group("tail") or ""))
    return found


def _ordinal_or_code(sentence: str, start: int, end: int, low: str) -> bool:
    before = sentence[max(0, start - 1):start]
    after = sentence[end:end + 1]
    if before and (before in "第前.-/" or before.isdigit()) or after and after in _NOT_AFTER:
        return True
    if not low[0].isdigit() and before and (before in _CN_DIGITS or before in _CN_UNITS):
        return True  # part of a longer word (统一, 十一)
    digits = re.sub(r"\D", "", low)
    return len(digits) >= 7  # a telephone or a document code, never a plan's target
