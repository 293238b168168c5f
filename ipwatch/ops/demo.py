"""Synthetic but plausible quarterly submissions for every plan region and its county-level children.

Each plan is covered in its own years, from the end of its base year (the year before it took force) to its
end or the latest quarter, so every plan is seen while in force and, once ended, in its final evaluation.
Each region's indicator follows a path that ends near its plan's aim (most on or near it, some ahead, some
clearly behind); where the plan states a baseline, the plan region's path starts at it (its base year's fourth
quarter, or the year's total for a flow). Where an indicator adds up, a plan region's counties add up to it
exactly: the counties' own paths summed where the plan binds each county, else the region's path shared out
among them. Ratios are written together with their numerator and denominator, which agree with them.
When each file arrives and the mistakes offices make are in ipwatch/ops/demo_events.py.
"""

from __future__ import annotations

import heapq
import math
import random
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from ipwatch import warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import periods, regions
from ipwatch.intake.batch import Incoming
from ipwatch.ops import demo_events
from ipwatch.ops.demo_events import Mistake

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
    baseline: float | None = None  # the plan region's value in its base year, as the plan states it

@dataclass(frozen=True)
class Series:
    """One indicator in one region: its level at the end of the base year, then a yearly change (linear or
    compound)."""

    start: float
    slope: float
    flow: bool
    base: int
    growth: float | None = None
    anchored: bool = False  # the base year's fourth quarter is the plan's baseline exactly, without noise


def rng(*keys: object) -> random.Random:
    """A generator seeded by the keys, so the demo writes the same files every time."""
    return random.Random(zlib.crc32("|".join(map(str, keys)).encode()))


def reach(r: random.Random) -> float:
    """How far a region gets towards its aim by the target year: most on or near it, some ahead, some clearly
    behind (those miss their target)."""
    roll = r.random()
    if roll < 0.6:
        return r.uniform(0.92, 1.12)
    return r.uniform(1.15, 1.4) if roll < 0.8 else r.uniform(0.45, 0.8)


def aim(plan: cat.Plan, indicator: cat.Indicator) -> Aim:
    """The plan's aim for an indicator, in the indicator's unit (a cumulative flow spread over the years)."""
    level, year, growth, each_county, new, baseline = None, plan.period_end, None, False, False, None
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
            if t.baseline_value is not None and t.baseline_year == plan.period_start - 1 and t.kind == "level":
                baseline = cat.standard_value(t, {indicator.code: indicator}, t.baseline_value)
        if t.kind == "annual_growth":
            growth = t.target_value
    if level is None:
        return Aim((indicator.bounds[1] or 1000) * 0.02, year, growth, each_county, assumed=True)
    return Aim(level, year, growth, each_county, new=new, baseline=baseline)


def series(plan: cat.Plan, indicator: cat.Indicator, region_code: str, share: float) -> Series:
    """A plausible path for one region over its plan's years: near the plan's aim, some ahead and some behind;
    the plan region's from the plan's baseline where it states one."""
    r = rng(plan.plan_id, indicator.code, region_code)
    goal = aim(plan, indicator)
    base = plan.period_start - 1
    flow = indicator.measure == "flow_ytd"
    years = max(goal.year - base, 1)
    if goal.baseline is not None and region_code == plan.region_code:  # the plan's own line, from its baseline
        end = goal.baseline + (goal.level - goal.baseline) * reach(r)
        return Series(start=goal.baseline, slope=(end - goal.baseline) / years, flow=flow, base=base, anchored=True)
    level = goal.level * (share if indicator.additive else 1) * reach(r)
    if goal.assumed:  # no level in the plan: regions differ in size, or a rank among them would be all ties; one
        # size for all of a region's indicators, so that a part stays within its whole (发明 within all 专利申请)
        level *= math.exp(rng("size", plan.plan_id, region_code).gauss(0.0, 0.8))
    if goal.assumed and region_code == plan.region_code and region_code.endswith("0000"):
        level *= 5  # a province's own figure, shared out among a hundred counties, is no typical region's
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
    exact = s.anchored and (year, q) == (s.base, 4)
    if s.flow:
        annual = s.start * (1 + s.growth) ** (year - s.base) if s.growth else s.start + s.slope * (year - s.base)
        return max(annual * q / 4 * (1.0 if exact else noise.uniform(0.95, 1.05)), 0.0)
    t = year - s.base - 1 + q / 4
    if s.growth:
        level = s.start * (1 + s.growth) ** t
    elif t < 0 < s.start:  # the base year's first quarters: back at the first year's pace, compounded, where a
        # straight line back from a small start reaches zero (a fourfold jump each auditor would be shown)
        level = s.start * (1 + s.slope / s.start) ** t
    else:
        level = s.start + s.slope * t
    return max(level * (1.0 if exact else noise.uniform(0.99, 1.01)), 0.0)


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


def shared_out(plan: cat.Plan, catalogue: cat.Catalogue) -> set[str]:
    """The additive indicators the plan region's own targets aim at (and the numerators of its ratios), where no
    target binds each county: the region's path is shared out among its counties rather than summed from them."""
    each = {t.indicator for t in plan.targets if t.applies_to == "each_county"}
    out = set()
    for t in plan.targets:
        indicator = catalogue.indicators[t.indicator]
        code = indicator.numerator if indicator.numerator and indicator.denominator else indicator.code
        if t.applies_to == "plan_region" and t.indicator not in each and catalogue.indicators[code].additive:
            out.add(code)
    return out


def whole_units(indicator: cat.Indicator) -> float:
    """The smallest step an indicator's values take here: one for counts, a hundredth otherwise."""
    return 1.0 if indicator.unit in COUNT_UNITS else 0.01


def share_out(total: float, weights: list[float], unit: float, steady: bool = False) -> list[float]:
    """`total` in parts proportional to `weights`, in whole `unit`s that add up to it exactly: the units left after
    each part's whole ones go to the largest remainders; or, `steady`, one at a time to the part with the most
    weight per unit it would then hold (D'Hondt), so that no part shrinks while the total grows (a county's one
    office does not vanish when the city gains one)."""
    units = round(total / unit)
    if steady:
        parts = [0] * len(weights)
        queue = [(-w, i) for i, w in enumerate(weights)]
        heapq.heapify(queue)
        for _ in range(units):
            _, i = heapq.heappop(queue)
            parts[i] += 1
            heapq.heappush(queue, (-weights[i] / (parts[i] + 1), i))
        return [round(n * unit, 2) for n in parts]
    quotas = [units * w / sum(weights) for w in weights]
    parts = [math.floor(q) for q in quotas]
    for i in sorted(range(len(quotas)), key=lambda i: parts[i] - quotas[i])[:units - sum(parts)]:
        parts[i] += 1
    return [round(n * unit, 2) for n in parts]


def steady(indicator: cat.Indicator) -> bool:
    """A count of a stock (offices, enterprises): its counties' parts must never shrink as it grows."""
    return indicator.unit in COUNT_UNITS and indicator.measure != "flow_ytd"


def weight(plan: cat.Plan, indicator: cat.Indicator, region_code: str, quarter: str) -> float:
    """A county's part of its region's value: of its own size, drifting slowly over the years for all but counts
    of a stock (a county's few offices must not come and go as the others grow)."""
    r = rng("weight", plan.plan_id, indicator.code, region_code)
    # counts less uneven than amounts: a few items' rounding is the whole change of a county with very few
    size = math.exp(r.gauss(0.0, 0.35 if indicator.unit in COUNT_UNITS else 0.7))
    drift = r.uniform(-0.03, 0.05)
    if steady(indicator):
        return size
    year, q = periods.split(quarter)
    return size * math.exp(drift * (year - plan.period_start + q / 4))


def summed(indicator: cat.Indicator, values: list[float]) -> float:
    """The exact total of county values (counts whole, amounts to the hundredth as they are written)."""
    return float(round(sum(values))) if indicator.unit in COUNT_UNITS else round(sum(values), 2)


def with_ratios(values: dict[str, float], catalogue: cat.Catalogue) -> dict[str, float]:
    """Each ratio recomputed from its numerator and denominator in the same values."""
    for code in list(values):
        indicator = catalogue.indicators[code]
        if indicator.numerator in values and indicator.denominator in values and values[indicator.denominator]:
            values[code] = round(values[indicator.numerator] / values[indicator.denominator] * (indicator.scale or 1),
                                 2)
    return values


def submission(plan: cat.Plan, catalogue: cat.Catalogue, region_rows: list[dict], quarter: str) -> pl.DataFrame:
    """One office's long-format submission for a quarter: every region, every indicator its plan asks for.

    Where the office's region has counties, every additive value of the region is the exact sum of theirs: the
    counties' own paths where the plan binds each county, the region's own path shared out among them where the
    plan binds the region (so that it runs from the plan's baseline).
    """
    share = 1 / max(len(region_rows) - 1, 1)
    pairs = cat.consistency_pairs()
    counties = {region["region_code"]: consistent(region_values(plan, catalogue, region, quarter, share), pairs)
                for region in region_rows[1:]}
    own = region_values(plan, catalogue, region_rows[0], quarter, 1.0)
    if counties:
        shared = shared_out(plan, catalogue)
        ratio = {catalogue.indicators[c].numerator: c for c in own if catalogue.indicators[c].numerator in shared}
        for code in own:
            indicator = catalogue.indicators[code]
            if indicator.additive and code not in shared:
                own[code] = summed(indicator, [values[code] for values in counties.values()])
        for code in shared & set(own):
            indicator = catalogue.indicators[code]
            if code in ratio:  # the ratio's path held against the counties' summed denominator
                target = catalogue.indicators[ratio[code]]
                own[code] = float(round(own[ratio[code]] * own[target.denominator] / (target.scale or 1)))
            parts = share_out(own[code], [weight(plan, indicator, c, quarter) for c in counties],
                              whole_units(indicator), steady=steady(indicator))
            for values, part in zip(counties.values(), parts, strict=True):
                values[code] = part
        counties = {c: with_ratios(values, catalogue) for c, values in counties.items()}
    by_region = {region_rows[0]["region_code"]: consistent(with_ratios(own, catalogue), pairs), **counties}
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


def due_dates(conn: duckdb.DuckDBPyConnection, catalogue: cat.Catalogue, last_quarter: str) -> dict[str, date]:
    """The day each quarter's values are due, from the earliest plan's base year to `last_quarter`, as the
    warehouse says (sql/macros/due_date.sql)."""
    return {q: conn.execute(warehouse.sql("quarter_due_date"), {"period": q}).fetchone()[0]
            for q in periods.quarters(f"{catalogue.base_year()}Q1", last_quarter)}


def write_submissions(catalogue: cat.Catalogue, out_dir: Path, last_quarter: str, due: dict[str, date],
                      now: datetime, most: int | None = None) -> tuple[list[Incoming], list[tuple[Mistake, str]]]:
    """Write every office's quarterly files, each to arrive when it would have (demo_events); returns them in the
    order they arrive, and each mistake made with the county that made it."""
    versions = regions.history()
    files, made = [], []
    for plan in catalogue.plans.values():
        folder = out_dir / plan.region_code
        folder.mkdir(parents=True, exist_ok=True)
        for quarter in plan_quarters(plan, last_quarter, most):
            if (plan.region_code, quarter) in demo_events.MISSED:
                continue
            frame = submission(plan, catalogue, plan_regions(plan, versions, quarter), quarter)
            arrived = demo_events.arrival(due[quarter], rng("arrival", plan.region_code, quarter), now)
            path = folder / f"{plan.region_code}-{quarter}.csv"
            mistake = next((m for m in demo_events.MISTAKES if (m.plan_id, m.quarter) == (plan.plan_id, quarter)), None)
            if mistake is not None:
                before = periods.previous_quarter(quarter)
                wrong, county = demo_events.mistaken(
                    mistake, frame, submission(plan, catalogue, plan_regions(plan, versions, before), before),
                    plan.region_code)
                made.append((mistake, county))
                if mistake.corrected:  # the file as it should have been, sent again once reviewed
                    fixed = folder / f"更正-{plan.region_code}-{quarter}.csv"
                    frame.write_csv(fixed)
                    files.append(Incoming(fixed, plan.region_code,
                                          arrived_at=demo_events.correction_arrival(arrived, now)))
                frame = wrong
            if (plan.plan_id, quarter) == returned_quarter(catalogue, last_quarter):  # sent wrong, returned later
                frame = misreported(frame, plan.region_code)
            frame.write_csv(path)
            files.append(Incoming(path, plan.region_code, arrived_at=arrived))
    return sorted(files, key=lambda f: f.arrived_at), made


def returned_quarter(catalogue: cat.Catalogue, last_quarter: str) -> tuple[str, str]:
    """The plan and quarter its reviewer returns (demo_events.RETURNED): the plan's latest quarter reported."""
    plan = catalogue.plans[demo_events.RETURNED.plan_id]
    return plan.plan_id, plan_quarters(plan, last_quarter)[-1]


def misreported(frame: pl.DataFrame, region_code: str) -> pl.DataFrame:
    """The plan region's file with the returned figure sent wrong (demo_events.RETURNED)."""
    wrong = demo_events.RETURNED
    hit = (pl.col("region_code") == region_code) & (pl.col("indicator_code") == wrong.indicator)
    return frame.with_columns(value=pl.when(hit).then((pl.col("value") * wrong.factor).round(0))
                              .otherwise(pl.col("value")))


def corrected_file(catalogue: cat.Catalogue, out_dir: Path, last_quarter: str, arrived_at: datetime) -> Incoming:
    """The returned quarter's file as it should have been, sent again after the return."""
    plan_id, quarter = returned_quarter(catalogue, last_quarter)
    plan = catalogue.plans[plan_id]
    path = out_dir / plan.region_code / f"退回更正-{plan.region_code}-{quarter}.csv"
    submission(plan, catalogue, plan_regions(plan, regions.history(), quarter), quarter).write_csv(path)
    return Incoming(path, plan.region_code, arrived_at=arrived_at)


def editions(catalogue: cat.Catalogue, last_quarter: str) -> list[tuple[str, str | None]]:
    """The bulletins the demo renders, as (month, region or None for all): for each plan ended by then, the
    monthly edition of its last year's third quarter (the plan seen in force; its final evaluation comes with
    the last one), then the month after `last_quarter` for every plan."""
    ended = sorted((p.period_end, p.region_code) for p in catalogue.plans.values()
                   if f"{p.period_end}Q4" < last_quarter)
    return [(periods.month_after(f"{end}Q3"), code) for end, code in ended] + \
        [(periods.month_after(last_quarter), None)]


def flawed_draft(first: Incoming) -> Incoming:
    """A flawed draft of the first file, sent the day before it (flawed_copy): rejected whole."""
    return Incoming(flawed_copy(first.path), first.office, arrived_at=first.arrived_at - timedelta(days=1))


def flawed_copy(path: Path) -> Path:
    """A copy of a submission with a mistyped region code (line 3), as offices do send: rejected whole."""
    lines = path.read_text("utf-8").splitlines()
    fields = lines[2].split(",")
    fields[0] += "1"
    lines[2] = ",".join(fields)
    flawed = path.with_name(path.stem + "-draft.csv")
    flawed.write_text("\n".join(lines) + "\n", "utf-8")
    return flawed
