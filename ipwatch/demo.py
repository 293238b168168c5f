"""Synthetic but plausible quarterly submissions for every plan region and its county-level children."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ipwatch import catalogue as cat
from ipwatch import periods, regions

FIRST_QUARTER = "2021Q1"
# Units that do not add up across regions: a county's value is on the same scale as its province's.
INTENSIVE_UNITS = ("%", "分", "个工作日")
LEVEL_KINDS = ("level", "share", "annual_flow", "cumulative")


COUNT_UNITS = ("件", "家", "个", "项", "次", "笔", "户", "人", "名")


@dataclass(frozen=True)
class Series:
    """How one indicator moves in one region: level at 2020 end, then linear or compound yearly change."""

    start: float
    slope: float
    flow: bool
    growth: float | None = None


def rng(*keys: object) -> random.Random:
    """A generator seeded by the keys, so the demo writes the same files every time."""
    return random.Random(zlib.crc32("|".join(map(str, keys)).encode()))


def plan_level(plan: cat.Plan, indicator: cat.Indicator) -> tuple[float, int, float | None]:
    """(level the plan aims at in the indicator's unit, its year, annual growth aimed at in %)."""
    level, year, growth = None, plan.period_end, None
    years = plan.period_end - plan.period_start + 1
    for t in sorted(plan.targets, key=lambda t: t.kind == "cumulative", reverse=True):
        if t.indicator != indicator.code or t.target_value is None:
            continue
        value = cat.standard_value(t, {indicator.code: indicator}, t.target_value)
        if t.kind == "cumulative" and indicator.measure == "flow_ytd":
            value /= years  # a total over the plan period: each year brings its share
        if t.kind in LEVEL_KINDS:
            level, year = value, t.target_year
        if t.kind == "annual_growth":
            growth = t.target_value
    if level is None:
        low, high = indicator.bounds
        level = (high or 1000) * 0.02
    return level, year, growth


def series(plan: cat.Plan, indicator: cat.Indicator, region_code: str, share: float) -> Series:
    """A plausible path for one region: near the plan's aim, some ahead and some behind."""
    r = rng(plan.plan_id, indicator.code, region_code)
    level, year, growth = plan_level(plan, indicator)
    intensive = indicator.unit in INTENSIVE_UNITS or indicator.denominator is not None
    level *= (1 if intensive else share) * r.uniform(0.75, 1.2)
    years = max(year - 2020, 1)
    if growth is not None:
        rate = growth / 100 * r.uniform(0.6, 1.3)
        return Series(start=level / (1 + rate) ** years, slope=0.0, flow=indicator.measure == "flow_ytd", growth=rate)
    start = level * (r.uniform(1.2, 1.5) if indicator.direction == "down" else r.uniform(0.45, 0.8))
    if indicator.unit in ("%", "分"):
        level, start = min(level, 99.0), min(start, 95.0)
    return Series(start=start, slope=(level - start) / years, flow=indicator.measure == "flow_ytd")


def value_at(s: Series, quarter: str, noise: random.Random) -> float:
    """The series' value reported for a quarter (a flow as year-to-date)."""
    year, q = periods.split(quarter)
    if s.flow:
        annual = s.start * (1 + s.growth) ** (year - 2020) if s.growth else s.start + s.slope * (year - 2020)
        return max(annual * q / 4 * noise.uniform(0.95, 1.05), 0.0)
    t = year - 2021 + q / 4
    level = s.start * (1 + s.growth) ** t if s.growth else s.start + s.slope * t
    return max(level * noise.uniform(0.99, 1.01), 0.0)


def plan_regions(plan: cat.Plan, all_regions: pl.DataFrame) -> list[str]:
    """The plan region and its county-level children."""
    counties = regions.descendants(all_regions, plan.region_code).filter(pl.col("level") == "county")
    return [plan.region_code, *counties["region_code"].to_list()]


def submission(plan: cat.Plan, catalogue: cat.Catalogue, codes: list[str], quarter: str) -> pl.DataFrame:
    """One office's long-format submission for a quarter: every region, every indicator its plan asks for."""
    indicators = sorted({t.indicator for t in plan.targets})
    share = 1 / max(len(codes) - 1, 1)
    rows = []
    for code in codes:
        for ind in indicators:
            indicator = catalogue.indicators[ind]
            s = series(plan, indicator, code, 1.0 if code == plan.region_code else share)
            value = value_at(s, quarter, rng(plan.plan_id, ind, code, quarter))
            low, high = indicator.bounds
            value = min(max(value, low or 0.0), high if high is not None else value)
            if indicator.unit == "亿元":
                rows.append((code, quarter, ind, round(value * 1e4, 1), "万元", ""))
            elif indicator.unit in COUNT_UNITS:
                rows.append((code, quarter, ind, float(round(value)), indicator.unit, ""))
            else:
                rows.append((code, quarter, ind, round(value, 2), indicator.unit, ""))
    columns = ["region_code", "period", "indicator_code", "value", "unit", "note"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def write_submissions(catalogue: cat.Catalogue, out_dir: Path, last_quarter: str) -> list[tuple[Path, str]]:
    """Write every office's quarterly files; returns (file, submitting office) in the order to ingest."""
    all_regions = regions.load()
    files = []
    for plan in catalogue.plans.values():
        codes = plan_regions(plan, all_regions)
        folder = out_dir / plan.region_code
        folder.mkdir(parents=True, exist_ok=True)
        for quarter in periods.quarters(FIRST_QUARTER, last_quarter):
            path = folder / f"{plan.region_code}-{quarter}.csv"
            submission(plan, catalogue, codes, quarter).write_csv(path)
            files.append((path, plan.region_code))
    return files


def flawed_copy(path: Path) -> Path:
    """A copy of a submission with a mistyped region code (line 3), as offices do send: rejected whole."""
    lines = path.read_text("utf-8").splitlines()
    fields = lines[2].split(",")
    fields[0] += "1"
    lines[2] = ",".join(fields)
    flawed = path.with_name(path.stem + "-draft.csv")
    flawed.write_text("\n".join(lines) + "\n", "utf-8")
    return flawed
