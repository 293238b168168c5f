"""What the plans ask of each region: the targets that bind it, and the indicators it reports.

A target binds its plan's own region (applies_to plan_region), or each county-level region within the plan's
region (each_county; where none lies under it, the plan's region itself), as the regions were on the last day of
the plan's period, the day its final evaluation judges (山东 2015: 即墨市 370282, which became 即墨区 in 2017).
A region reports the indicators of the targets that bind it and, for each ratio among them, its numerator and
denominator, so that the ratio can be checked and summed over regions. The one definition: the Excel form and the
portal ask it here, and `ipwatch init` stores it in the warehouse (tables target_regions and required_indicators)
for progress, the bulletins and the rule required_indicator_reported.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from ipwatch.domain.catalogue import Catalogue, Plan, Target
from ipwatch.domain.regions import in_force, jurisdiction


def bound_regions(regions: pl.DataFrame, plan_region: str, applies_to: str) -> list[str]:
    """The regions a target binds: its plan's region, or (each_county) each county-level region within it."""
    if applies_to != "each_county":
        return [plan_region]
    within = jurisdiction(regions, plan_region) - {plan_region}
    counties = regions.filter(pl.col("region_code").is_in(list(within)) & (pl.col("level") == "county"))
    return sorted(counties["region_code"]) or [plan_region]


def plan_binds(plan: Plan, regions: pl.DataFrame) -> dict[str, list[str]]:
    """The regions `plan`'s targets bind, by their applies_to: each kind found once, not once a target (a
    region's page asked every target of every plan for the counties under its plan's region: 2 s a province)."""
    return {kind: bound_regions(regions, plan.region_code, kind) for kind in {t.applies_to for t in plan.targets}}


def plan_day(plan: Plan) -> date:
    """The day whose regions a plan binds: the last of its period."""
    return date(plan.period_end, 12, 31)


def target_regions(catalogue: Catalogue, versions: pl.DataFrame) -> pl.DataFrame:
    """Which regions each target binds: (plan_id, target_id, region_code), from every version of the codes
    (regions.history), each plan with the regions of its own day."""
    rows = [{"plan_id": plan.plan_id, "target_id": target.target_id, "region_code": code}
            for plan in catalogue.plans.values() for binds in [plan_binds(plan, in_force(versions, plan_day(plan)))]
            for target in plan.targets for code in binds[target.applies_to]]
    return pl.DataFrame(rows, schema={"plan_id": pl.String, "target_id": pl.String, "region_code": pl.String})


def binding_targets(catalogue: Catalogue, regions: pl.DataFrame, region_code: str) -> list[Target]:
    """The targets that bind one region, in the catalogue's order."""
    return [target for plan in catalogue.plans.values() for binds in [plan_binds(plan, regions)]
            for target in plan.targets if region_code in binds[target.applies_to]]


def regions_bound(catalogue: Catalogue, regions: pl.DataFrame) -> frozenset[str]:
    """Every region some target binds: those with indicators to report."""
    return frozenset(code for plan in catalogue.plans.values() for codes in plan_binds(plan, regions).values()
                     for code in codes)


def with_ratio_parts(catalogue: Catalogue, codes: set[str]) -> set[str]:
    """The codes plus the numerator and denominator of each ratio among them."""
    parts = {p for c in codes for p in (catalogue.indicators[c].numerator, catalogue.indicators[c].denominator)}
    return codes | (parts - {None})


def required_codes(catalogue: Catalogue, regions: pl.DataFrame, region_code: str) -> set[str]:
    """The indicators one region reports."""
    return with_ratio_parts(catalogue, {t.indicator for t in binding_targets(catalogue, regions, region_code)})


def required_indicators(catalogue: Catalogue, bound: pl.DataFrame) -> pl.DataFrame:
    """What each region reports, from `target_regions`: (region_code, indicator_code)."""
    indicator_of = {(t.plan_id, t.target_id): t.indicator for t in catalogue.targets()}
    asked: dict[str, set[str]] = {}
    for plan_id, target_id, code in bound.iter_rows():
        asked.setdefault(code, set()).add(indicator_of[plan_id, target_id])
    rows = [{"region_code": code, "indicator_code": indicator}
            for code, codes in sorted(asked.items()) for indicator in sorted(with_ratio_parts(catalogue, codes))]
    return pl.DataFrame(rows, schema={"region_code": pl.String, "indicator_code": pl.String})
