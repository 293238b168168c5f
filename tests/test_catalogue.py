"""The catalogue against the seeds: every quantitative target, typed in by hand from the documents."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.domain.catalogue import TARGET_KINDS

from .conftest import GOLDEN

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
CATEGORIES = {"创造", "运用", "保护", "管理", "服务", "人才", "基础"}
MEASURES = {"stock", "flow_ytd", "rate", "score", "share"}


def golden() -> list[dict]:
    return yaml.safe_load((GOLDEN / "seed_targets.yaml").read_text("utf-8"))


def matches(entry: dict, record: dict) -> bool:
    """A catalogue record is the golden entry: same plan, year, kind, numbers, unit, direction, wording."""
    same = (
        record["plan_region_code"] == entry["region_code"]
        and record["target_year"] == entry["target_year"]
        and record["kind"] == entry["kind"]
        and record["target_value"] == entry["value"]
        and record["target_value_high"] == entry["value_high"]
        and record["unit"] == entry["unit"]
        and record["direction"] == entry["direction"]
        and record["baseline_value"] == entry["baseline_value"]
        and record["relative_to_baseline"] == entry.get("relative_to_baseline")
    )
    named = entry["keyword"] in record["source"] or entry["keyword"] in record["wording"]
    return same and named


@pytest.fixture(scope="module")
def records(catalogue) -> list[dict]:
    return [cat.target_record(t, catalogue) for t in catalogue.targets()]


def test_every_seed_target_is_in_the_catalogue(records):
    unmatched = list(records)
    missing = []
    for entry in golden():
        found = next((r for r in unmatched if matches(entry, r)), None)
        if found is None:
            missing.append(entry)
        else:
            unmatched.remove(found)
    assert missing == []
    assert unmatched == []


def test_targets_per_plan_region_match_the_seeds(records):
    assert Counter(r["plan_region_code"] for r in records) == Counter(e["region_code"] for e in golden())
    assert Counter(r["plan_region_code"] for r in records) == {
        "210000": 17, "441500": 11, "340100": 27, "370000": 3, "500116": 22,
    }


@pytest.mark.parametrize(("target_id", "baseline", "value"), [
    ("national-ip-advantage-demo-enterprises", 75, 150),
    ("provincial-ip-info-service-outlets", 6, 20),
    ("patent-attorneys", 350, 700),
])
def test_hefei_table_pairs_are_split_as_the_plan_means(catalogue, target_id, baseline, value):
    target = next(t for t in catalogue.plans["hefei-2022"].targets if t.target_id == target_id)
    assert (target.baseline_year, target.baseline_value, target.target_value) == (2020, baseline, value)


def test_a_range_keeps_both_ends(catalogue):
    staff = [t for t in catalogue.plans["liaoning-2017"].targets if t.indicator == "ip_fulltime_staff"]
    assert [(t.target_value, t.target_value_high, t.unit) for t in staff] == [(2, 3, "名")]


def test_rank_target_names_its_peers(catalogue):
    ranks = [t for t in catalogue.plans["liaoning-2017"].targets if t.kind == "rank"]
    assert len(ranks) == 3
    assert {(t.target_value, t.unit, t.peer_scope) for t in ranks} == {(30, "%", "province")}


def test_every_source_is_verbatim_seed_text(catalogue):
    for plan in catalogue.plans.values():
        seed = (SEEDS / plan.seed).read_text("utf-8", errors="replace")
        assert [t.target_id for t in plan.targets if t.source not in seed] == [], plan.plan_id


def test_every_target_has_explicit_direction_and_known_kind(catalogue):
    for target in catalogue.targets():
        assert target.direction in ("up", "down")
        assert target.kind in TARGET_KINDS


def test_indicators_are_complete_and_consistent(catalogue):
    for indicator in catalogue.indicators.values():
        assert indicator.category in CATEGORIES, indicator.code
        assert indicator.measure in MEASURES, indicator.code
        assert indicator.direction in ("up", "down"), indicator.code
        low, high = indicator.bounds
        assert low is not None and high is not None and low < high, indicator.code
        for part in (indicator.numerator, indicator.denominator):
            assert part is None or part in catalogue.indicators, (indicator.code, part)


def test_every_indicator_has_a_definition_and_a_known_frequency(catalogue):
    from ipwatch.domain.catalogue import FREQUENCIES

    for indicator in catalogue.indicators.values():
        assert len(indicator.definition) >= 10, indicator.code
        assert indicator.frequency in FREQUENCIES, indicator.code


def test_a_ratio_of_an_annual_part_is_annual_and_population_is_asked_only_in_q4(catalogue):
    indicators = catalogue.indicators
    assert indicators["population"].annual and not indicators["gdp"].annual
    assert indicators["patent_intensive_industry_gdp_share"].annual  # its numerator is published once a year
    assert [indicators["population"].asked_in(q) for q in ("2025Q1", "2025Q3", "2025Q4")] == [False, False, True]


def test_every_target_indicator_exists_and_plan_wording_is_an_alias(catalogue):
    for target in catalogue.targets():
        indicator = catalogue.indicators[target.indicator]
        assert target.wording in (indicator.name_zh, *indicator.aliases), target.target_id


def test_one_code_for_invention_patents_per_10k_across_plans(catalogue):
    plans = {t.plan_id for t in catalogue.targets() if t.indicator == "invention_patents_per_10k"}
    assert plans == {"liaoning-2017", "shanwei-2016", "shandong-2015", "jiangjin-2024"}


def test_money_targets_convert_to_the_indicator_unit(records):
    pledge = [r for r in records if r["plan_region_code"] == "500116" and r["unit"] == "万元"]
    assert [(r["target_value"], r["target_value_std"], r["indicator_unit"]) for r in pledge] == [
        (5000, pytest.approx(0.5), "亿元"),
    ]


def test_catalogue_json_prints_every_target():
    out = subprocess.run([sys.executable, "-m", "ipwatch.cli", "catalogue", "--json"],
                         capture_output=True, text=True, check=True)
    targets = json.loads(out.stdout)
    assert len(targets) == 80
    hefei = next(t for t in targets if t["target_id"] == "pct-applications")
    assert (hefei["plan_region_code"], hefei["target_year"], hefei["indicator_code"], hefei["unit"],
            hefei["baseline_value"], hefei["target_value"], hefei["kind"]) == (
        "340100", 2025, "pct_applications", "件", 365, 880, "level")
    assert hefei["indicator_name_zh"] and hefei["indicator_name_en"]
    assert (hefei["indicator_category"], hefei["indicator_measure"], hefei["plan_period"]) == ("创造", "flow_ytd",
                                                                                             [2021, 2025])
    assert (hefei["indicator_frequency"], hefei["indicator_definition"]) == (
        "quarterly", "本地区申请人提交并经受理的专利合作条约（PCT）国际专利申请件数")


def test_only_what_the_plan_calls_new_counts_from_the_base_year(catalogue):
    new = sorted(t.target_id for t in catalogue.targets() if t.basis == "new")
    assert new == ["new-high-tech-enterprises", "new-national-ip-advantage-demo-enterprises",
                   "new-national-little-giants", "new-tech-based-enterprises"]
    assert all(t.kind == "cumulative" for t in catalogue.targets() if t.basis == "new")


def test_every_plan_names_key_targets_it_has(catalogue):
    for plan in catalogue.plans.values():
        ids = {t.target_id for t in plan.targets}
        assert plan.key_targets and set(plan.key_targets) <= ids, plan.plan_id


def test_wordings_are_chinese_and_tell_targets_apart_with_their_kind(catalogue):
    # 汕尾's wording copied the source's stray English "and" into every bulletin; a bulletin tells two targets of one
    # wording apart by their kind (bulletin.target_names), so a plan may not have two of one wording and one kind
    from ipwatch.bulletins import invariants

    for target in catalogue.targets():
        latin = set(invariants.LATIN_WORD.findall(target.wording)) - invariants.LATIN_ALLOWED
        assert not latin, (target.target_id, latin)
    for plan in catalogue.plans.values():
        kinds = [(t.wording, t.kind, t.basis) for t in plan.targets]
        assert len(kinds) == len(set(kinds)), plan.plan_id


def test_a_long_running_process_reads_a_plan_added_since_it_started(tmp_path, monkeypatch):
    """default() is read once, and again when a file of the catalogue changed: a serve taking hand-offs or the
    portal judges by a plan added after it started."""
    plans = tmp_path / "plans"
    shutil.copytree(config.PLANS_DIR, plans)
    monkeypatch.setattr(config, "PLANS_DIR", plans)
    before = cat.default()
    assert cat.default() is before  # not read again while nothing changed
    text = (plans / "hefei-2022.yaml").read_text("utf-8").replace("plan_id: hefei-2022", "plan_id: hefei-2026")
    (plans / "hefei-2026.yaml").write_text(text, "utf-8")
    assert set(cat.default().plans) == set(before.plans) | {"hefei-2026"}
