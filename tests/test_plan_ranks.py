"""Ranks by place (进入全省前3位) drafted as the catalogue measures ranks, a top share of the registry's peers, so that
`plan check` accepts them and progress gives them the plan's places. Sentences typed in; peer counts by hand."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ipwatch import warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import regions
from ipwatch.plans import check, draft, naming, ranks, targets

from .test_judging import with_target
from .test_progress import progress, submit

FIVE_YEARS = targets.Period(2026, 2030)


@pytest.fixture(scope="module")
def aliases() -> list[tuple[str, str]]:
    return naming.alias_spans(cat.default())


@pytest.fixture(scope="module")
def registry():
    return regions.load()


def restated(sentence: str, aliases, registry, region: str, each_county: bool = False) -> list[tuple]:
    return [(p.indicator, p.value, p.unit, p.peer_scope) for p in
            (ranks.restated(p, registry, region, each_county) for p in targets.propose(sentence, FIVE_YEARS, aliases))]


@pytest.mark.parametrize(("sentence", "region", "each_county", "expected"), [
    # 广东 has 21 地级市: 3 of 21 = 14.2857…%, down to 14.28 (14.29% of 21 would be 3.0009 places, rounded up to 4)
    ("到2030年，全市有效发明专利拥有量进入全省前3位。", "441500", False,
     [("invention_patents_in_force", 14.28, "%", "province")]),
    # 安徽 has 16 地级市: 5 / 16 = 31.25% exactly; the place written in Chinese numerals
    ("到2030年，每万人口高价值发明专利拥有量排名全省前五位。", "340100", False,
     [("high_value_invention_patents_per_10k", 31.25, "%", "province")]),
    # a 强县 plan of 汕尾: each of its 4 counties (城区, 海丰, 陆丰, 陆河) among the city's 4: 3 / 4 = 75%
    ("到2030年，各县发明专利授权量位居全市前3名。", "441500", True,
     [("invention_patent_grants", 75.0, "%", "prefecture")]),
    # 合肥 among 安徽's 16, 前2强: 2 / 16 = 12.5%
    ("力争到2028年PCT国际专利申请量进入全省前2强", "340100", False, [("pct_applications", 12.5, "%", "province")]),
])
def test_a_rank_by_place_is_restated_as_the_top_share_of_its_peers(sentence, region, each_county, expected, aliases,
                                                                     registry):
    assert restated(sentence, aliases, registry, region, each_county) == expected


def test_a_top_share_stays_as_written(aliases, registry):
    assert restated("到2030年，专利授权量达到全省前30%水平", aliases, registry, "441500") == [
        ("patent_grants", 30, "%", "province")]


def test_a_rank_without_its_scope_stays_in_places_for_the_reviewer(aliases, registry):
    (p,) = [ranks.restated(p, registry, "441500", False) for p in
            targets.propose("到2030年，有效发明专利拥有量进入前3位", FIVE_YEARS, aliases)]
    assert (p.value, p.unit, p.peer_scope) == (3, "位", None)
    assert any("peer_scope" in r for r in p.reasons)


def test_the_restatement_is_said_with_its_count(aliases, registry):
    (p,) = [ranks.restated(p, registry, "441500", False) for p in
            targets.propose("到2030年，全市有效发明专利拥有量进入全省前3位。", FIVE_YEARS, aliases)]
    assert p.reasons == ["原文为前3位：全省21个地级市中的前3位，按前14.28%衡量（21个全部报送时为3个名次）"
                         "(a rank by place restated as a top share of 21 peers)"]
    assert p.confidence == "medium"


def test_a_share_for_places_gives_exactly_those_places_for_any_count():
    # the class: any place count among any number of peers, as progress counts places (ceil(p · n / 100))
    rng = random.Random(31)
    for _ in range(5000):
        n = rng.randint(1, 3000)
        places = rng.randint(1, n)
        assert ranks.places_of(ranks.share_for_places(places, n), n) == places, (places, n)


def test_peers_are_counted_as_peer_ranks_partitions_them(registry):
    # 沈阳's 和平区 (210102): Liaoning's counties, 100 in the registry; under 沈阳 (210100) alone, 13
    province = ranks.peers(registry, "210102", "province")
    assert len(province) == len(registry.filter(
        (registry["level"] == "county") & registry["region_code"].str.starts_with("21")))
    assert set(ranks.peers(registry, "210102", "prefecture")) == set(registry.filter(
        registry["parent_code"] == "210100")["region_code"])


def test_a_restated_rank_is_judged_with_the_places_the_plan_names(ws, catalogue, tmp_path, registry):
    # 沈阳's counties ranked among themselves (peer_scope prefecture), 前3位 restated for their count n: the third
    # best meets it, the fourth does not, and progress counts 3 places
    shenyang = sorted(ranks.peers(registry, "210102", "prefecture"))
    share = ranks.share_for_places(3, len(shenyang))
    changed = with_target(ws, catalogue, "liaoning-2017", "pct-applications-rank", target_value=share,
                          peer_scope="prefecture")
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, changed, tmp_path, "210000", [f"{c},2019Q4,pct_applications,{100 - n},件,"
                                                       for n, c in enumerate(shenyang)])
        third, fourth = (progress(conn, "liaoning-2017", "pct-applications-rank", c, "2019Q4") for c in shenyang[2:4])
    assert (third["rank"], third["places"], third["met"]) == (3, 3, True)
    assert (fourth["rank"], fourth["places"], fourth["met"]) == (4, 3, False)


def test_a_drafted_rank_by_place_passes_plan_check(tmp_path):
    document = tmp_path / "汕尾市知识产权强市建设实施方案.txt"
    document.write_text("汕尾市知识产权强市建设实施方案（2026—2030年）\n汕尾市人民政府\n"
                        "到2030年，全市有效发明专利拥有量进入全省前3位。\n", "utf-8")
    made = draft.as_dict(draft.draft(document))
    (target,) = made["targets"]
    assert (target["kind"], target["target"]["value"], target["unit"]) == ("rank", 14.28, "%")
    path = tmp_path / "draft.yaml"
    path.write_text(draft.yaml_text(made), "utf-8")
    assert [p.where for p in check.check(Path(path))] == []
