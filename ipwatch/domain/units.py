"""Unit conversion between the units plans and offices use (元/万元/亿元, 人/万人, %/‰, counting words)."""

from __future__ import annotations

from decimal import Decimal

# unit -> (dimension, factor to the dimension's base unit); Decimal so money converts exactly.
UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("money", Decimal(1)),
    "万元": ("money", Decimal("1E4")),
    "亿元": ("money", Decimal("1E8")),
    "人": ("people", Decimal(1)),
    "名": ("people", Decimal(1)),
    "万人": ("people", Decimal("1E4")),
    "%": ("percent", Decimal(1)),
    "‰": ("percent", Decimal("0.1")),
    # Plans often write a 0-100 satisfaction score as a percentage ("满意度达90%").
    "分": ("percent", Decimal(1)),
    # Chinese counting classifiers: one item whatever the word (件 of patents, 家 of firms, 个 of platforms).
    **{word: ("count", Decimal(1)) for word in ("件", "项", "个", "家", "户", "次", "笔", "所")},
    "万户": ("count", Decimal("1E4")),
    "万件": ("count", Decimal("1E4")),  # 有效发明专利突破2万件
}


def counts_whole(unit: str) -> bool:
    """True for a unit of whole items (件, 家, 人): 超过 2 家 is first met at 3, not at 2.000001."""
    dimension, size = UNITS.get(unit, ("", Decimal(0)))
    return dimension in ("count", "people") and size == 1


class UnitError(ValueError):
    """A value's unit cannot be converted to the indicator's unit."""


def same_unit(given: str | None, wanted: str) -> bool:
    """True when `given` names `wanted`, also as a plan's short form ("件" for "件/万人")."""
    return not given or given == wanted or wanted.startswith(given + "/")


def factor(given: str | None, wanted: str) -> Decimal:
    """What a value in `given` is multiplied by to be in `wanted`."""
    if same_unit(given, wanted):
        return Decimal(1)
    source, target = UNITS.get(given or ""), UNITS.get(wanted)
    if source is None or target is None or source[0] != target[0]:
        raise UnitError(f"无法将单位“{given}”换算为“{wanted}” (cannot convert {given} to {wanted})")
    return source[1] / target[1]


def convert(value: float | Decimal | None, given: str | None, wanted: str) -> float | Decimal | None:
    """`value` in unit `given`, expressed in unit `wanted` (a Decimal stays exact)."""
    if value is None:
        return None
    ratio = factor(given, wanted)
    return value * ratio if isinstance(value, Decimal) else float(Decimal(repr(value)) * ratio)
