"""A rank by place (进入全省前3位) restated as the catalogue measures ranks: a top share of the peers
(data/CATALOGUE.md, `kind: rank`, unit %), chosen so that progress, which gives a top-p% target ceil(p · n / 100)
places among n peers, gives it exactly the places the plan names when every peer of the registry reports."""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal

import polars as pl

from ipwatch.domain import obligations
from ipwatch.plans.proposal import Proposal
from ipwatch.plans.targets import PLACE_REASON

PLACE_UNIT = "位"
LEVEL_NAMES = {"province": "省级地区", "prefecture": "地级市", "county": "县（市、区）"}


def share_for_places(places: int, peers: int) -> float:
    """The top share (%) that gives `places` places among `peers`: places / peers, rounded down to two decimals.

    Down, because progress rounds the places up: 3 of 21 is 14.2857…%, and 14.29% of 21 is 3.0009 places, four
    once rounded up, where 14.28% is 2.9988, three. Two decimals lose less than 0.0001 · peers of a place.

    >>> share_for_places(3, 21), share_for_places(3, 15)
    (14.28, 20.0)
    """
    exact = Decimal(100 * places) / Decimal(peers)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_FLOOR))


def places_of(share: float, peers: int) -> int:
    """The places a top-`share`% target has among `peers`, as progress counts them (sql/views/progress.sql)."""
    return math.ceil(Decimal(str(share)) * peers / 100)


def provinces(regions: pl.DataFrame) -> dict[str, str | None]:
    """Each region's province, as sql/views/region_provinces.sql finds it: itself, its parent or its grandparent."""
    by_code = {r["region_code"]: r for r in regions.iter_rows(named=True)}

    def province(code: str) -> str | None:
        found = by_code.get(code)
        while found is not None and found["level"] != "province":
            found = by_code.get(found["parent_code"] or "")
        return found["region_code"] if found else None
    return {code: province(code) for code in by_code}


def peers(regions: pl.DataFrame, code: str, scope: str) -> list[str]:
    """The regions a region is ranked among (itself included): those of its level in its province, or under its
    parent (peer_scope prefecture), as peer_ranks partitions them."""
    row = regions.filter(pl.col("region_code") == code)
    if row.is_empty():
        return []
    level, parent = row["level"][0], row["parent_code"][0]
    same_level = regions.filter(pl.col("level") == level)
    if scope == "prefecture":
        return same_level.filter(pl.col("parent_code") == parent)["region_code"].to_list()
    province = provinces(regions)
    return [c for c in same_level["region_code"] if province[c] == province[code]]


def restated(p: Proposal, regions: pl.DataFrame, plan_region: str | None, each_county: bool) -> Proposal:
    """A rank by place as a top share of the peers the registry lists, the place and the count said in `why`; left
    in places (which `plan check` refuses, saying how to restate it) when the peers cannot be counted as one."""
    if p.kind != "rank" or p.unit != PLACE_UNIT or p.value is None or not plan_region or not p.peer_scope:
        return p
    bound = obligations.bound_regions(regions, plan_region, "each_county" if each_county else "plan_region")
    counts = {len(peers(regions, code, p.peer_scope)) for code in bound}
    if len(counts) != 1 or 0 in counts:
        p.reasons.append("参与排名的地区数无法确定，请按“名次÷地区数”改写为前N% "
                         "(the number of peers could not be told: restate as a top share)")
        return p
    (n,) = counts
    places = int(p.value)
    if places != p.value or not 1 <= places <= n:
        p.reasons.append(f"名次 {p.value} 不在 1 至 {n} 之间，请核对 (a place outside the peers)")
        return p
    level = regions.filter(pl.col("region_code") == bound[0])["level"][0]
    scope = "全省" if p.peer_scope == "province" else "全市"
    p.value, p.unit = share_for_places(places, n), "%"
    p.reasons = [r for r in p.reasons if r != PLACE_REASON]
    peers_named = f"{scope}{n}个{LEVEL_NAMES.get(level, '地区')}"
    p.reasons.append(f"原文为前{places}位：{peers_named}中的前{places}位，按前{p.value:g}%衡量"
                     f"（{n}个全部报送时为{places}个名次）(a rank by place restated as a top share of {n} peers)")
    return p
