"""What the commands share: JSON for warehouse values, exact numbers, a region code checked."""

from __future__ import annotations

from decimal import Decimal


def as_json(value: object) -> object:
    """JSON for what the warehouse returns: exact decimals as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def exact(value: Decimal | float | None) -> str:
    """A stored value as written, without DECIMAL's trailing zeros."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def regions_known(*codes: str) -> None:
    """Refuse a region code that no region has had since 2010 (data/region_history.csv)."""
    from ipwatch.domain import regions

    unknown = set(codes) - set(regions.history()["region_code"])  # a past quarter may name a past code
    if unknown:
        raise ValueError(f"行政区划代码不存在 (unknown region code): {', '.join(sorted(unknown))}")
