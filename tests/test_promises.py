"""Whatever a notice promises the office, the bulletin does (#27, item 2): each promise of a rule's message, fix or
the receipt, and the rendered bulletin of that quarter checked against it."""

from __future__ import annotations

import re

from ipwatch import warehouse
from ipwatch.bulletins import bulletin
from ipwatch.domain import labels, rules

from .conftest import submit, write_csv

HEADER = "region_code,period,indicator_code,value,unit,status"
KEY = "每万人口高价值发明专利拥有量"  # a key target of Hefei's plan (hefei-2022)


def page(conn, tmp_path) -> str:
    """Hefei's bulletin of 2023Q2, as published, its tags taken off."""
    [path] = [p for p in bulletin.render(conn, "2023Q2", tmp_path / "out", region="340100") if "hefei" in p.name]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text("utf-8")))


def target_row(conn, tmp_path, wording: str) -> str:
    """The text of the target table's row of `wording`."""
    [path] = [p for p in bulletin.render(conn, "2023Q2", tmp_path / "out", region="340100") if "hefei" in p.name]
    rows = re.findall(r"<tr>\s*<td>" + re.escape(wording) + r".*?</tr>", path.read_text("utf-8"), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0]))


def load(conn, ws, catalogue, tmp_path, name: str, lines: list[str]) -> None:
    submit(conn, ws, catalogue, write_csv(tmp_path / name, lines, header=HEADER), "340100")


def test_a_value_reported_missing_is_judged_on_the_latest_earlier_quarter_as_its_notice_says(conn, ws, catalogue,
                                                                                            tmp_path):
    promise = rules.index()["value_missing"].message_zh
    assert "按此前最近一季度的数值评价并注明该季度" in promise and "本期计为“缺失”" in promise
    load(conn, ws, catalogue, tmp_path, "q1.csv", ["340100,2023Q1,high_value_invention_patents_per_10k,12,,"])
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,high_value_invention_patents_per_10k,,,缺失",
                                                   "340100,2023Q2,patent_attorneys,800,人,"])
    row = target_row(conn, tmp_path, KEY)
    assert "12 件/万人" in row and "2023年第一季度" in row  # judged on Q1's 12, and Q1 named
    assert "本季度数值状态（含推算值）：" in page(conn, tmp_path) and "缺失 1 个" in page(conn, tmp_path)


def test_an_indicator_never_reported_shows_no_data_as_its_notice_says(conn, ws, catalogue, tmp_path):
    assert "从未报送则为“无数据”" in rules.index()["required_indicator_reported"].message_zh
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,patent_attorneys,800,人,"])
    assert "无数据" in target_row(conn, tmp_path, KEY)


def test_a_row_left_out_is_judged_on_the_latest_earlier_quarter_as_its_notice_says(conn, ws, catalogue, tmp_path):
    assert "按此前最近一季度的数值评价并注明该季度" in rules.index()["required_indicator_reported"].message_zh
    load(conn, ws, catalogue, tmp_path, "q1.csv", ["340100,2023Q1,high_value_invention_patents_per_10k,12,,"])
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,patent_attorneys,800,人,"])
    row = target_row(conn, tmp_path, KEY)
    assert "12 件/万人" in row and "2023年第一季度" in row


def test_a_blank_row_keeps_the_value_in_force_in_the_bulletin_as_the_receipt_says(conn, ws, catalogue, tmp_path):
    assert "沿用已接收的数值" in labels.KEPT
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,high_value_invention_patents_per_10k,15.33,,"])
    load(conn, ws, catalogue, tmp_path, "again.csv", ["340100,2023Q2,high_value_invention_patents_per_10k,,,",
                                                      "340100,2023Q2,patent_attorneys,800,人,"])
    row = target_row(conn, tmp_path, KEY)
    assert "15.33 件/万人" in row and "2023年第二季度" in row


def test_a_correction_asked_for_and_sent_is_listed_as_corrected_in_the_bulletin(conn, ws, catalogue, tmp_path):
    assert labels.NEXT_STEPS["correct-requested"] == "请更正后重新报送"
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,patent_attorneys,,人,缺失"])
    [finding] = conn.sql("select finding_id from findings where rule = 'value_missing'").fetchone()
    from ipwatch import audit

    audit.decide(conn, finding, "更正", "请补报专利代理师数量", "审核员")
    load(conn, ws, catalogue, tmp_path, "fix.csv", ["340100,2023Q2,patent_attorneys,810,人,"])
    assert warehouse.query(conn, "office_decisions", offices=["340100"], submission_id=None,
                           finding_ids=None)["awaiting_correction"].to_list() == [False]
    text = page(conn, tmp_path)
    assert "本季度数据有 1 处更正" in text and "专利代理师数量" in text and "810" in text
