"""The bulletin's opening paragraph, from target rows written by hand, and on generated ones (seeded): a final
evaluation never looks back a quarter, and the counties it names lead and trail as said."""

from __future__ import annotations

import random
import re

import pytest

from ipwatch.bulletins import narrative


def row(wording: str, status: str, completion: float | None = None, expected: float | None = None,
        pace: float | None = None, region: str = "340100", name: str | None = None, baseline: float | None = None,
        actual: float | None = None, direction: str = "up") -> dict:
    return {"wording": wording, "status": status, "completion": completion, "expected": expected, "pace": pace,
            "region_code": region, "region_name": name or f"{region}县", "kind": "level", "baseline": baseline,
            "actual": actual, "direction": direction, "baseline_text": "—" if baseline is None else f"{baseline}"}


def test_the_paragraph_counts_each_status_and_names_its_targets():
    rows = [row("甲", "achieved"), row("乙", "on_track"), row("丙", "lagging", 0.4, 0.75, pace=0.5),
            row("丁", "needs_acceleration", 0.6, 0.75, pace=0.8), row("戊", "no_data")]
    text = narrative.paragraph(rows, [], "2025Q3")
    assert text == ("截至2025年第三季度，纳入监测的5项指标中，1项已完成目标（甲）；1项达到序时进度（乙）；"
                    "2项落后于序时进度，需加快推进：丙（完成40%，序时进度75%）、丁（完成60%，序时进度75%）；"
                    "1项尚无可评价的数据。与上期相比，各项指标状态没有变化。")


def test_a_long_list_names_four_and_counts_the_rest():
    rows = [row(name, "achieved") for name in "甲乙丙丁戊己"]
    assert "6项已完成目标（甲、乙、丙、丁等6项）" in narrative.paragraph(rows, [], "2025Q4")


def test_changes_since_the_last_edition_are_named_or_counted_by_county():
    changes = [{"wording": "甲", "label_before": "需加快", "label_now": "已完成", "status_now": "achieved",
                "region_code": "210102"},
               {"wording": "乙", "label_before": "正常推进", "label_now": "需加快", "status_now": "needs_acceleration",
                "region_code": "210103"}]
    assert narrative.change_sentence(changes) == "与上期相比，甲由“需加快”变为“已完成”；乙由“正常推进”变为“需加快”。"
    by_county = narrative.change_sentence(changes, by_region=True)
    assert by_county == "与上期相比，2个县（市、区）的2项指标状态发生变化，其中新完成1项。"


def test_the_county_paragraph_never_names_one_target_most_and_fewest_completed():
    # 汕尾: one target binding four counties, none completed; it read "最多的是甲（0个），最少的是甲（0个）"
    one = [row("甲", "missed", region=code) for code in ("441502", "441521", "441523", "441581")]
    assert narrative.county_paragraph(one, [], "2020Q4") == (
        "截至2020年第四季度，在4个县（市、区）中，尚无县（市、区）完成甲。与上期相比，各县（市、区）指标状态没有变化。")
    # three targets: 甲 done by 2 counties, 乙 by 1, 丙 by 0: one most, one fewest (not 乙 in both lists)
    rows = [row("甲", "achieved", region="1"), row("甲", "achieved", region="2"), row("乙", "achieved", region="1"),
            row("乙", "missed", region="2"), row("丙", "missed", region="1"), row("丙", "missed", region="2")]
    assert "完成县数最多的指标是甲（2个），最少的是丙（0个）。" in narrative.county_paragraph(rows, [], "")
    # 辽宁: four targets done in all 100 counties were named as two ("最多（100个）"); a tie is named whole
    tied = rows + [row("丁", "achieved", region="1"), row("丁", "achieved", region="2")]
    assert "完成县数最多的指标是甲、丁（2个），最少的是丙（0个）。" in narrative.county_paragraph(tied, [], "")
    # equal counts are not "most" and "fewest"
    same = [row(w, "achieved", region=c) for w in "甲乙" for c in "12"]
    assert "甲、乙均已有2个县（市、区）完成。" in narrative.county_paragraph(same, [], "")


def test_a_final_evaluation_states_its_completion_and_its_change_since_the_base_year():
    # 甲 10 -> 14 (up: forward), 乙 8 -> 6 (lower is better: forward), 丙 5 -> 4 (up: back), 丁 no baseline
    rows = [row("甲", "achieved", baseline=10, actual=14),
            row("乙", "achieved", baseline=8, actual=6, direction="down"),
            row("丙", "missed", baseline=5, actual=4), row("丁", "missed")]
    text = narrative.paragraph(rows, [{"wording": "甲"}], "2025Q4", final=True)
    # 2 of 4 targets met: 50.0%; 3 comparable with the baseline (甲, 乙, 丙), 2 forward, 1 back (丙)
    assert text == ("截至2025年第四季度，纳入评估的4项指标中，2项已完成目标（甲、乙）；2项到期未完成（丙、丁）。"
                    "目标完成率50.0%（已完成2项/共4项）。"
                    "与基期相比，有基期值可比的3项指标中，2项向目标推进，1项较基期倒退（丙）。")
    assert "上期" not in text


def test_the_county_paragraph_names_the_counties_ahead_and_behind_first():
    # 甲县 meets 2 of its 2 targets, 乙县 1, 丙县 and 丁县 none
    rows = [row("A", "achieved", region="1", name="甲县"), row("B", "achieved", region="1", name="甲县"),
            row("A", "achieved", region="2", name="乙县"), row("B", "lagging", region="2", name="乙县"),
            row("A", "lagging", region="3", name="丙县"), row("B", "lagging", region="3", name="丙县"),
            row("A", "lagging", region="4", name="丁县"), row("B", "lagging", region="4", name="丁县")]
    text = narrative.county_paragraph(rows, [], "2020Q3")
    assert text.startswith("截至2020年第三季度，在4个县（市、区）中，已完成指标最多的是甲县，完成2项；"
                           "最少的是丙县、丁县，各完成0项；")
    # at the end of the plan: 3 of the 8 county targets met, 37.5%
    final = narrative.county_paragraph(rows, [], "2020Q4", final=True)
    assert final.endswith("各县（市、区）合计目标完成率37.5%（已完成3项次/共8项次）。") and "上期" not in final


@pytest.mark.parametrize("seed", range(40))
def test_generated_counties_named_lead_and_trail_as_said(seed):
    """Any counts of counties and targets, ties or none: every county named has the count said, the count is the
    most (or fewest), and a list cut short says how many share it."""
    r = random.Random(seed)
    counties, targets = r.randint(1, 12), r.randint(1, 5)
    rows = [row(f"T{t}", r.choice(("achieved", "lagging", "missed")), region=str(c), name=f"{c}号县")
            for c in range(counties) for t in range(targets)]
    met = {f"{c}号县": sum(x["status"] == "achieved" for x in rows if x["region_code"] == str(c))
           for c in range(counties)}
    text = narrative.leaders(rows)
    if len(set(met.values())) == 1:
        assert text == ""
        return
    said = re.findall(r"是(.+?)，各?完成(\d+)项", text)
    assert len(said) == 2
    for (names, n), best in zip(said, (max, min), strict=True):
        assert int(n) == best(met.values())
        tied = [c for c, k in met.items() if k == int(n)]
        listed = re.sub(r"等\d+个县（市、区）$", "", names).split("、")
        assert set(listed) <= set(tied) and len(listed) == min(len(tied), narrative.NAMES_SHOWN)
        assert (f"等{len(tied)}个县" in names) == (len(tied) > narrative.NAMES_SHOWN)


@pytest.mark.parametrize("seed", range(40))
def test_generated_final_paragraphs_never_look_back_a_quarter(seed):
    r = random.Random(seed)
    rows = [row(f"T{t}", r.choice(("achieved", "missed", "no_data")), baseline=r.choice((None, 0.0, 5.0)),
                actual=r.choice((None, 0.0, 5.0, 9.0)), direction=r.choice(("up", "down"))) for t in range(8)]
    changes = [{"wording": "T0", "label_before": "需加快", "label_now": "已完成", "status_now": "achieved",
                "region_code": "1"}]
    text = narrative.paragraph(rows, changes, "2020Q4", final=True)
    achieved = sum(x["status"] == "achieved" for x in rows)
    assert "上期" not in text and f"（已完成{achieved}项/共8项）" in text
