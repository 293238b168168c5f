"""The bulletin's opening paragraph, from target rows written by hand."""

from __future__ import annotations

from ipwatch.bulletins import narrative


def row(wording: str, status: str, completion: float | None = None, expected: float | None = None,
        pace: float | None = None, region: str = "340100") -> dict:
    return {"wording": wording, "status": status, "completion": completion, "expected": expected, "pace": pace,
            "region_code": region}


def test_the_paragraph_counts_each_status_and_names_its_targets():
    rows = [row("甲", "achieved"), row("乙", "on_track"), row("丙", "lagging", 0.4, 0.75, pace=0.5),
            row("丁", "needs_acceleration", 0.6, 0.75, pace=0.8), row("戊", "no_data")]
    text = narrative.paragraph(rows, [], "2025Q3")
    assert text == ("截至2025年第三季度，纳入监测的5项指标中，1项已完成目标（甲）；1项达到序时进度（乙）；"
                    "2项落后于序时进度，需加快推进（丙（完成40%，序时进度75%）、丁（完成60%，序时进度75%））；"
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
