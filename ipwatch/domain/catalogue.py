"""The plan catalogue: indicators and plans with their targets, read from data/ (see data/CATALOGUE.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

from ipwatch import config
from ipwatch.domain.cells import text
from ipwatch.domain.plan_checks import (  # noqa: F401 - the kinds are the catalogue's, kept with their rules
    ANNUAL_KINDS,
    CATEGORIES,
    FREQUENCIES,
    PER_YEAR,
    QUANTITY_KINDS,
    TARGET_KINDS,
    plan_problems,
)
from ipwatch.domain.units import convert, counts_whole

# Units of values that do not add up over regions (a share, a score, a duration).
INTENSIVE_UNITS = ("%", "‰", "分", "个工作日")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    category: str
    unit: str
    measure: str
    direction: str
    bounds: tuple[float | None, float | None]
    numerator: str | None = None
    denominator: str | None = None
    scale: float | None = None
    aliases: tuple[str, ...] = ()
    definition: str = ""  # 指标解释: what is counted, as the form tells the clerk
    frequency: str = "quarterly"

    @property
    def annual(self) -> bool:
        """Reported once a year, on the fourth quarter's form (the year's total or year-end value)."""
        return self.frequency == "annual"

    def asked_in(self, period: str) -> bool:
        """Whether a quarter's form asks for it: an annual indicator only in the fourth quarter."""
        return not self.annual or period.endswith("Q4")

    @property
    def additive(self) -> bool:
        """Counts and amounts add up over regions (a city's is its counties' sum); ratios, shares, scores do not."""
        return self.measure in ("stock", "flow_ytd") and not self.denominator and self.unit not in INTENSIVE_UNITS


@dataclass(frozen=True)
class Target:
    plan_id: str
    target_id: str
    indicator: str
    wording: str
    kind: str
    direction: str
    comparison: str
    applies_to: str
    target_year: int
    target_value: float | None
    unit: str | None
    source: str
    target_value_high: float | None = None
    baseline_year: int | None = None
    baseline_value: float | None = None
    relative_to_baseline: float | None = None
    attribute: str | None = None
    peer_scope: str | None = None
    basis: str = "total"
    read_as: str | None = None  # the unit the target is read in where the plan's names another measure (分 for %)
    per_year: str | None = None  # annual kinds only: each | average | target_year (PER_YEAR)


@dataclass(frozen=True)
class Plan:
    plan_id: str
    title: str
    issuer: str
    document_number: str | None
    region_code: str
    period_start: int
    period_end: int
    applies_to: str
    seed: str
    targets: tuple[Target, ...] = field(default=())
    key_targets: tuple[str, ...] = ()
    bulletin_office: str | None = None


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]
    plans: dict[str, Plan]

    def targets(self) -> list[Target]:
        """Every target of every plan, in plan order."""
        return [t for plan in self.plans.values() for t in plan.targets]

    def base_year(self) -> int:
        """The earliest year any plan measures from: a baseline's year, or the year before a plan took force."""
        years = [p.period_start - 1 for p in self.plans.values()]
        return min(years + [t.baseline_year for t in self.targets() if t.baseline_year])


def _indicator(raw: dict) -> Indicator:
    low, high = raw.get("bounds") or (None, None)
    return Indicator(
        code=raw["code"], name_zh=raw["name_zh"], name_en=raw["name_en"], category=raw["category"],
        unit=raw["unit"], measure=raw["measure"], direction=raw["direction"], bounds=(low, high),
        numerator=raw.get("numerator"), denominator=raw.get("denominator"), scale=raw.get("scale"),
        aliases=tuple(raw.get("aliases") or ()), definition=raw.get("definition", ""),
        frequency=raw.get("frequency", "quarterly"),
    )


def _target(plan: dict, raw: dict) -> Target:
    baseline = raw.get("baseline") or {}
    goal = raw["target"]
    return Target(
        plan_id=plan["plan_id"], target_id=raw["id"], indicator=raw["indicator"], wording=raw["wording"],
        kind=raw["kind"], direction=raw["direction"], comparison=raw.get("comparison", ">="),
        applies_to=raw.get("applies_to") or plan["applies_to"], target_year=int(goal["year"]),
        target_value=goal.get("value"), target_value_high=goal.get("value_high"), unit=raw.get("unit"),
        source=raw["source"], baseline_year=baseline.get("year"), baseline_value=baseline.get("value"),
        relative_to_baseline=raw.get("relative_to_baseline"), attribute=raw.get("attribute"),
        peer_scope=raw.get("peer_scope"), basis=raw.get("basis", "total"), read_as=raw.get("read_as"),
        per_year=raw.get("per_year"),
    )


def _plan(raw: dict) -> Plan:
    return Plan(
        plan_id=raw["plan_id"], title=raw["title"], issuer=raw["issuer"],
        document_number=raw.get("document_number"), region_code=str(raw["region_code"]),
        period_start=int(raw["period"]["start"]), period_end=int(raw["period"]["end"]),
        applies_to=raw.get("applies_to", "plan_region"), seed=raw["seed"],
        targets=tuple(_target(raw, t) for t in raw.get("targets") or ()),
        key_targets=tuple(raw.get("key_targets") or ()), bulletin_office=raw.get("bulletin_office"),
    )


class CatalogueError(ValueError):
    """A plan file breaks the catalogue's rules: every problem named, `ipwatch plan check FILE` gives the lines."""


def load(indicators_file: Path | None = None, plans_dir: Path | None = None) -> Catalogue:
    """Read the catalogue from YAML files (by default data/'s), refusing a plan that breaks its rules
    (plan_checks)."""
    indicators_file, plans_dir = indicators_file or config.INDICATORS_FILE, plans_dir or config.PLANS_DIR
    raw_indicators = yaml.safe_load(indicators_file.read_text("utf-8"))
    indicators = {i.code: i for i in map(_indicator, raw_indicators)}
    with config.REGIONS_FILE.open(encoding="utf-8") as rows:
        codes = {row["code"] for row in csv.DictReader(rows)}  # csv, not polars: the catalogue loads fast
    plans = []
    for path in sorted(plans_dir.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text("utf-8"))
        problems = plan_problems(raw, {i["code"]: i for i in raw_indicators}, codes)
        if problems:
            named = "; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems[:5])
            raise CatalogueError(f"{path.name} 有 {len(problems)} 处问题 ({len(problems)} problems; "
                                 f"ipwatch plan check {path.name} lists them): {named}")
        plans.append(_plan(raw))
    return Catalogue(indicators=indicators, plans={p.plan_id: p for p in plans})


def default() -> Catalogue:
    """The catalogue shipped in data/, read again only when one of its files changed: a long-running process (a
    serve taking hand-offs, the portal) judges by a plan added since it started, as a new command would."""
    return _loaded(_signature())


def _signature() -> tuple:
    """What the catalogue is read from, each file's size and time of change."""
    paths = [config.INDICATORS_FILE, config.REGIONS_FILE, *sorted(config.PLANS_DIR.glob("*.yaml"))]
    return tuple((str(p), (st := p.stat()).st_mtime_ns, st.st_size) for p in paths)


@lru_cache(maxsize=1)
def _loaded(signature: tuple) -> Catalogue:
    return load()



def standard_value(target: Target, indicators: dict[str, Indicator], value: float | None) -> float | None:
    """A target or baseline value expressed in its indicator's unit."""
    if target.kind not in QUANTITY_KINDS:
        return value
    return convert(value, target.unit, indicators[target.indicator].unit)


def target_record(target: Target, catalogue: Catalogue) -> dict:
    """One target as a flat record: the shape of `ipwatch catalogue --json` and of the targets table."""
    indicator = catalogue.indicators[target.indicator]
    plan = catalogue.plans[target.plan_id]
    return {
        "plan_id": target.plan_id,
        "plan_region_code": plan.region_code,
        "target_id": target.target_id,
        "indicator_code": indicator.code,
        "indicator_name_zh": indicator.name_zh,
        "indicator_name_en": indicator.name_en,
        "wording": target.wording,
        "kind": target.kind,
        "direction": target.direction,
        "comparison": target.comparison,
        "applies_to": target.applies_to,
        "baseline_year": target.baseline_year,
        "baseline_value": target.baseline_value,
        "target_year": target.target_year,
        "target_value": target.target_value,
        "target_value_high": target.target_value_high,
        "relative_to_baseline": target.relative_to_baseline,
        "cumulative_basis": target.basis if target.kind == "cumulative" else None,
        "unit": target.unit,
        "read_as": target.read_as,
        "per_year": target.per_year if target.kind in ANNUAL_KINDS else None,
        # a target in whole items (a growth or a rank target is in %, whatever its indicator counts)
        "counts_whole": target.kind in QUANTITY_KINDS and counts_whole(indicator.unit),
        "indicator_unit": indicator.unit,
        "baseline_value_std": standard_value(target, catalogue.indicators, target.baseline_value),
        "target_value_std": standard_value(target, catalogue.indicators, target.target_value),
        "attribute": target.attribute,
        "peer_scope": target.peer_scope,
        "source": target.source,
    }


def described(target: Target, catalogue: Catalogue) -> dict:
    """A target with its plan and indicator spelt out: one entry of `ipwatch catalogue --json`."""
    indicator = catalogue.indicators[target.indicator]
    plan = catalogue.plans[target.plan_id]
    return {
        **target_record(target, catalogue),
        "plan_title": plan.title, "plan_issuer": plan.issuer, "plan_period": [plan.period_start, plan.period_end],
        "plan_seed": plan.seed, "indicator_category": indicator.category, "indicator_measure": indicator.measure,
        "indicator_direction": indicator.direction, "indicator_bounds": list(indicator.bounds),
        "indicator_numerator": indicator.numerator, "indicator_denominator": indicator.denominator,
        "indicator_frequency": indicator.frequency, "indicator_definition": indicator.definition,
    }


@cache
def consistency_pairs() -> tuple[dict, ...]:
    """The declared rules between indicators (data/consistency.yaml: id, left, operator, right, messages)."""
    return tuple(yaml.safe_load((config.DATA_DIR / "consistency.yaml").read_text("utf-8")))


def alias_index(catalogue: Catalogue) -> dict[str, set[str]]:
    """Every accepted name of an indicator (code, Chinese name, plan wordings) -> indicator codes."""
    index: dict[str, set[str]] = {}
    for indicator in catalogue.indicators.values():
        for name in (indicator.code, indicator.name_zh, *indicator.aliases):
            index.setdefault(text(name), set()).add(indicator.code)
    for target in catalogue.targets():
        index.setdefault(text(target.wording), set()).add(target.indicator)
    return index
