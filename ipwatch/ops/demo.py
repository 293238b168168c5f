"""Synthetic but plausible quarterly submissions for every plan region and its county-level children.

Each plan is covered in its own years, from the end of its base year (the year before it took force) to its
end or the latest quarter, so every plan is seen while in force and, once ended, in its final evaluation.
Each region's indicator follows a path that ends near its plan's aim (some regions ahead, some behind);
ratios are written together with their numerator and denominator, which agree with them.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods, regions

COUNT_UNITS = ("件", "家", "个", "项", "次", "笔", "户", "人", "名")
LEVEL_KINDS = ("level", "share", "annual_flow", "cumulative")
# Resident population (万人) of a typical region at each level, before a random factor.
POPULATION = {"province": 4000.0, "prefecture": 700.0, "county": 60.0}


@dataclass(frozen=True)
class Aim:
    """What a plan asks of an indicator: a level by a year, or a yearly growth; and whom it binds."""

    level: float
    year: int
    growth: float | None
    each_county: bool
    assumed: bool = False  # no level in the plan: a size typical of the whole plan region
    new: bool = False  # the level is what is to be added since the base year (新增), not the level reached

@dataclass(frozen=True)
class Series:
    """One indicator in one region: its level at the end of the base year, then a yearly change (linear or
    compound)."""

    start: float
    slope: float
    flow: bool
    base: int
    growth: float | None = None


def rng(*keys: object) -> random.Random:
    """A generator seeded by the keys, so the demo writes the same files every time."""
    return random.Random(zlib.crc32("|".join(map(str, keys)).encode()))


def aim(plan: cat.Plan, indicator: cat.Indicator) -> Aim:
    """The plan's aim for an indicator, in the indicator's unit (a cumulative flow spread over the years)."""
    level, year, growth, each_county, new = None, plan.period_end, None, False, False
    years = plan.period_end - plan.period_start + 1
    for t in sorted(plan.targets, key=lambda t: t.kind == "cumulative", reverse=True):
        if t.indicator != indicator.code or t.target_value is None:
            continue
        each_county |= t.applies_to == "each_county"
        value = cat.standard_value(t, {indicator.code: indicator}, t.target_value)
        if t.kind == "cumulative" and indicator.measure == "flow_ytd":
            value /= years
        if t.kind in LEVEL_KINDS:
            level, year = value, t.target_year
            new = t.kind == "cumulative" and t.basis == "new" and indicator.measure != "flow_ytd"
        if t.kind == "annual_growth":
            growth = t.target_value
    if level is None:
        return Aim((indicator.bounds[1] or 1000) * 0.02, year, growth, each_county, assumed=True)
    return Aim(level, year, growth, each_county, new=new)


def series(plan: cat.Plan, indicator: cat.Indicator, region_code: str, share: float) -> Series:
    """A plausible path for one region over its plan's years: near the plan's aim, some ahead and some behind."""
    r = rng(plan.plan_id, indicator.code, region_code)
    goal = aim(plan, indicator)
    base = plan.period_start - 1
    level = goal.level * (share if indicator.additive else 1) * r.uniform(0.75, 1.2)
    flow = indicator.measure == "flow_ytd"
    years = max(goal.year - base, 1)
    if goal.growth is not None:
        return Series(start=level / 1.5, slope=0.0, flow=flow, base=base,
                      growth=goal.growth / 100 * r.uniform(0.6, 1.3))
    if goal.new:  # 新增: a stock of some size at the base year, gaining about the number asked for
        start = goal.level * r.uniform(1.5, 4.0)
        return Series(start=start, slope=level / years, flow=flow, base=base)
    start = level * (r.uniform(1.2, 1.5) if indicator.direction == "down" else r.uniform(0.45, 0.8))
    if indicator.unit in ("%", "分"):
        level, start = min(level, 98.0), min(start, 95.0)
    return Series(start=start, slope=(level - start) / years, flow=flow, base=base)


def value_at(s: Series, quarter: str, noise: random.Random) -> float:
    """The series' value reported for a quarter (a flow as year-to-date)."""
    year, q = periods.split(quarter)
    if s.flow:
        annual = s.start * (1 + s.growth) ** (year - s.base) if s.growth else s.start + s.slope * (year - s.base)
        return max(annual * q / 4 * noise.uniform(0.95, 1.05), 0.0)
    t = year - s.base - 1 + q / 4
    if s.growth:
        level = s.start * (1 + s.growth) ** t
    elif t < 0 < s.start:  # the base year's first quarters: back at the first year's pace, compounded, where a
        # straight line back from a small start reaches zero (a fourfold jump each auditor would be shown)
        level = s.start * (1 + s.slope / s.start) ** t
    else:
        level = s.start + s.slope * t
    return max(level * noise.uniform(0.99, 1.01), 0.0)


def bounded(indicator: cat.Indicator, value: float) -> float:
    """A value kept within the indicator's plausible bounds and, for counts, whole."""
    low, high = indicator.bounds
    value = min(max(value, low or 0.0), high if high is not None else value)
    if indicator.unit in ("%", "分"):
        value = min(value, 100.0)
    return float(round(value)) if indicator.unit in COUNT_UNITS else round(value, 2)


def population(region: dict, quarter: str) -> float:
    """Resident population (万人) of a region, growing slowly."""
    year, _ = periods.split(quarter)
    base = POPULATION[region["level"]] * rng("population", region["region_code"]).uniform(0.5, 1.6)
    return round(base * 1.003 ** (year - 2020), 2)


def region_values(plan: cat.Plan, catalogue: cat.Catalogue, region: dict, quarter: str, share: float) -> dict:
    """Every indicator the plan asks for, for one region and quarter; ratios with parts that agree."""
    values: dict[str, float] = {}
    for code in sorted({t.indicator for t in plan.targets}):
        indicator = catalogue.indicators[code]
        goal = aim(plan, indicator)
        s = series(plan, indicator, region["region_code"], share if goal.assumed or not goal.each_county else 1.0)
        values[code] = bounded(indicator, value_at(s, quarter, rng(plan.plan_id, code, region["region_code"],
                                                                   quarter)))
        if indicator.denominator and indicator.numerator:
            denominator = catalogue.indicators[indicator.denominator]
            if denominator.code == "population":
                values.setdefault("population", population(region, quarter))
            else:  # a flow (GDP) as the year to date, as every flow is reported
                so_far = periods.split(quarter)[1] / 4 if denominator.measure == "flow_ytd" else 1
                values.setdefault(denominator.code, bounded(denominator, denominator.bounds[1] * 0.01 * share * so_far))
            part = values[code] * values[denominator.code] / (indicator.scale or 1)
            values[indicator.numerator] = float(round(part))
            values[code] = round(values[indicator.numerator] / values[denominator.code] * (indicator.scale or 1), 2)
    return values


def consistent(values: dict[str, float], pairs: tuple[dict, ...]) -> dict[str, float]:
    """Values that respect the catalogue's consistency rules (high-value patents within patents in force)."""
    for pair in pairs:
        left, right = values.get(pair["left"]), values.get(pair["right"])
        if left is not None and right is not None and left > right:
            values[pair["left"]] = float(round(right * 0.4))
    return values


def submission(plan: cat.Plan, catalogue: cat.Catalogue, region_rows: list[dict], quarter: str) -> pl.DataFrame:
    """One office's long-format submission for a quarter: every region, every indicator its plan asks for.

    Counties come first; where the office's own region has counties, its additive values are their sum and a
    little more (what no county claims), so that no county total exceeds its city's.
    """
    share = 1 / max(len(region_rows) - 1, 1)
    pairs = cat.consistency_pairs()
    by_region = {}
    for region in region_rows[1:]:
        by_region[region["region_code"]] = consistent(region_values(plan, catalogue, region, quarter, share), pairs)
    own = region_values(plan, catalogue, region_rows[0], quarter, 1.0)
    for code in own:
        indicator = catalogue.indicators[code]
        if indicator.additive and by_region:
            total = sum(values.get(code, 0.0) for values in by_region.values())
            own[code] = bounded(indicator, total * rng(plan.plan_id, code, quarter).uniform(1.0, 1.05))
    for code in own:  # a ratio follows its (now summed) parts
        indicator = catalogue.indicators[code]
        if indicator.numerator in own and indicator.denominator in own and own[indicator.denominator]:
            own[code] = round(own[indicator.numerator] / own[indicator.denominator] * (indicator.scale or 1), 2)
    by_region = {region_rows[0]["region_code"]: consistent(own, pairs), **by_region}
    rows = []
    for region_code, values in by_region.items():
        for code, value in values.items():
            unit = catalogue.indicators[code].unit
            if unit == "亿元":  # offices often report money in 万元; intake converts it
                rows.append((region_code, quarter, code, round(value * 1e4, 1), "万元", ""))
            else:
                rows.append((region_code, quarter, code, value, unit, ""))
    columns = ["region_code", "period", "indicator_code", "value", "unit", "note"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def plan_regions(plan: cat.Plan, versions: pl.DataFrame, quarter: str) -> list[dict]:
    """The plan region and its county-level children as they were at the quarter's end (an office reports a
    quarter under the codes of its time: 即墨市 370282 until 2017, 即墨区 370215 after), as region rows."""
    in_force = regions.in_force(versions, periods.last_day(quarter))
    own = in_force.filter(pl.col("region_code") == plan.region_code)
    counties = regions.descendants(in_force, plan.region_code).filter(pl.col("level") == "county")
    return pl.concat([own, counties]).to_dicts()


def plan_quarters(plan: cat.Plan, last_quarter: str, most: int | None = None) -> list[str]:
    """The quarters the demo reports for a plan: its base year (the year before it took force) to its end, or
    to `last_quarter`; only the last `most` of them when given (a short demo for tests)."""
    last = min(f"{plan.period_end}Q4", last_quarter)
    span = periods.quarters(f"{plan.period_start - 1}Q1", last) if last >= f"{plan.period_start - 1}Q1" else []
    return span[-most:] if most else span


def write_submissions(catalogue: cat.Catalogue, out_dir: Path, last_quarter: str,
                      most: int | None = None) -> list[tuple[Path, str]]:
    """Write every office's quarterly files; returns (file, submitting office) in the order to ingest."""
    versions = regions.history()
    files = []
    for plan in catalogue.plans.values():
        folder = out_dir / plan.region_code
        folder.mkdir(parents=True, exist_ok=True)
        for quarter in plan_quarters(plan, last_quarter, most):
            path = folder / f"{plan.region_code}-{quarter}.csv"
            submission(plan, catalogue, plan_regions(plan, versions, quarter), quarter).write_csv(path)
            files.append((path, plan.region_code))
    return files


def editions(catalogue: cat.Catalogue, last_quarter: str) -> list[tuple[str, str | None]]:
    """The bulletins the demo renders, as (month, region or None for all): for each plan ended by then, the
    monthly edition of its last year's third quarter (the plan seen in force; its final evaluation comes with
    the last one), then the month after `last_quarter` for every plan."""
    ended = sorted((p.period_end, p.region_code) for p in catalogue.plans.values()
                   if f"{p.period_end}Q4" < last_quarter)
    return [(periods.month_after(f"{end}Q3"), code) for end, code in ended] + \
        [(periods.month_after(last_quarter), None)]


def flawed_copy(path: Path) -> Path:
    """A copy of a submission with a mistyped region code (line 3), as offices do send: rejected whole."""
    lines = path.read_text("utf-8").splitlines()
    fields = lines[2].split(",")
    fields[0] += "1"
    lines[2] = ",".join(fields)
    flawed = path.with_name(path.stem + "-draft.csv")
    flawed.write_text("\n".join(lines) + "\n", "utf-8")
    return flawed
