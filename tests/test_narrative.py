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
