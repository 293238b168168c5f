"""Unit conversion between the units plans and offices use (元/万元/亿元, 人/万人, %/‰)."""

from __future__ import annotations

# unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "元": ("money", 1.0),
    "万元": ("money", 1e4),
    "亿元": ("money", 1e8),
    "人": ("people", 1.0),
    "名": ("people", 1.0),
    "万人": ("people", 1e4),
    "%": ("percent", 1.0),
    "‰": ("percent", 0.1),
    # Plans often write a 0-100 satisfaction score as a percentage ("满意度达90%").
    "分": ("percent", 1.0),
    # Chinese counting classifiers: one item whatever the word (件 of patents, 家 of firms, 个 of platforms).
    **{word: ("count", 1.0) for word in ("件", "项", "个", "家", "户", "次", "笔", "所")},
    "万户": ("count", 1e4),
}


class UnitError(ValueError):
    """A value's unit cannot be converted to the indicator's unit."""


def same_unit(given: str | None, wanted: str) -> bool:
    """True when `given` names `wanted`, also as a plan's short form ("件" for "件/万人")."""
    return not given or given == wanted or wanted.startswith(given + "/")


def convert(value: float | None, given: str | None, wanted: str) -> float | None:
    """`value` in unit `given`, expressed in unit `wanted`."""
    if value is None or same_unit(given, wanted):
        return value
    source, target = UNITS.get(given or ""), UNITS.get(wanted)
    if source is None or target is None or source[0] != target[0]:
        raise UnitError(f"无法将单位“{given}”换算为“{wanted}” (cannot convert {given} to {wanted})")
    return value * source[1] / target[1]
