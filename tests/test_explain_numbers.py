"""A suggested number for every number a clerk's cell holds (#27, item 4): generated cells (seeded) of a number,
with or without a hedge (约, 近), a Chinese word of magnitude (万, 亿, 千, 百) and a unit, each read into the
row's unit as a person reads it, and the suggestion is a number the intake reads back as that very value."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from ipwatch.domain.finding import Finding
from ipwatch.intake import explain
from ipwatch.intake.normalise import number

# What one of the typed word is worth in the row's unit, by hand: 万 is 10^4 of the row's base unit (件, 人, 元),
# so 3.4万 in a 亿元 row is 3.4万元 = 0.00034亿元, and in a 万人 row 3.4万人 = 3.4.
WORTH = {
    "pct_applications": {"件": 1, "万": 10**4, "万件": 10**4, "千": 10**3, "百": 100, "亿": 10**8, "亿件": 10**8},
    "patent_attorneys": {"人": 1, "名": 1, "万人": 10**4, "万": 10**4, "千人": 10**3, "百人": 100},
    "ip_pledge_financing_amount": {"亿元": 1, "亿": 1, "万元": Decimal("1E-4"), "万": Decimal("1E-4"),
                                   "元": Decimal("1E-8"), "千元": Decimal("1E-5")},
}
HEDGES = ("", "约", "大约", "近", "约为")


def cells(seed: int, n: int) -> list[tuple[str, str, Decimal]]:
    """n cells (indicator, what was typed, the value meant in the row's unit), from `seed`."""
    pick = random.Random(seed)
    out = []
    for _ in range(n):
        code = pick.choice(sorted(WORTH))
        word = pick.choice(sorted(WORTH[code]))
        amount = Decimal(pick.randint(1, 99999)) / Decimal(10) ** pick.randint(0, 2)
        out.append((code, f"{pick.choice(HEDGES)}{amount:f}{word}", amount * Decimal(WORTH[code][word])))
    return out


def facts(catalogue) -> explain.Facts:
    import polars as pl

    return explain.Facts(pl.DataFrame(), None, "340100", catalogue)


@pytest.mark.parametrize("seed", range(5))
def test_every_number_a_cell_holds_is_suggested_in_the_rows_unit(catalogue, seed):
    for code, typed, meant in cells(seed, 60):
        finding = Finding(rule="value_numeric", severity="error", line=3, column="value", value=typed, message="")
        row = {"value_raw": typed, "indicator_code": code}
        found = explain.number_typed(finding, row, catalogue.indicators[code], facts(catalogue))
        said = found["converted"]
        assert said is not None, typed
        assert number(said, False) == meant, (typed, said, meant)
        assert found["estimate"] == (typed[0] in "约大近"), typed


def test_a_cell_with_no_number_in_it_gets_no_number():
    from ipwatch.domain import catalogue as cat

    catalogue = cat.default()
    for typed in ("abc", "七百", "约", "万件", "3.4万公斤"):
        finding = Finding(rule="value_numeric", severity="error", line=3, column="value", value=typed, message="")
        found = explain.number_typed(finding, {"value_raw": typed, "indicator_code": "pct_applications"},
                                     catalogue.indicators["pct_applications"], facts(catalogue))
        assert found["converted"] is None and not found["same_unit"], typed
