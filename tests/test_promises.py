"""Whatever a notice promises the office, the bulletin does (#27, item 2): each promise of a rule's message, fix or
the receipt, and the rendered bulletin of that quarter checked against it."""

from __future__ import annotations

import random
import re

import pytest

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


def test_a_file_of_missing_values_only_is_judged_on_the_latest_earlier_quarter_as_its_notice_says(conn, ws, catalogue,
                                                                                                 tmp_path):
    """A quarter whose only rows say 缺失: no value of it is accepted, yet the notice's promise holds as for a file
    with other values beside (the test above): Q1's 12 judged, Q1 named, the quarter counted 缺失."""
    load(conn, ws, catalogue, tmp_path, "q1.csv", ["340100,2023Q1,high_value_invention_patents_per_10k,12,,"])
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,high_value_invention_patents_per_10k,,,缺失"])
    row = target_row(conn, tmp_path, KEY)
    assert "无数据" not in row
    assert "12 件/万人" in row and "2023年第一季度" in row
    assert "缺失 1 个" in page(conn, tmp_path)


def test_a_year_to_date_reported_missing_is_judged_on_the_year_s_latest_earlier_quarter(conn, ws, catalogue,
                                                                                        tmp_path):
    """Seen on the demo: a file whose only row says 缺失 for a flow's quarter. Hefei's 知识产权质押融资 累计 target
    adds the full years since 2021 and this year's year-to-date: 2021's 30 亿元, 2022's 40 and 2023Q1's 10 give
    80 at Q1, named; the bulletin showed 无数据, as if nothing had ever been reported."""
    load(conn, ws, catalogue, tmp_path, "y.csv", ["340100,2021Q4,ip_pledge_financing_amount,30,亿元,",
                                                  "340100,2022Q4,ip_pledge_financing_amount,40,亿元,",
                                                  "340100,2023Q1,ip_pledge_financing_amount,10,亿元,"])
    load(conn, ws, catalogue, tmp_path, "q2.csv", ["340100,2023Q2,ip_pledge_financing_amount,,,缺失"])
    [(actual_period, reached)] = conn.sql(
        "select actual_period, reached from progress where target_id = 'ip-pledge-financing-total' "
        "and region_code = '340100' and period = '2023Q2'").fetchall()
    assert (actual_period, reached) == ("2023Q1", 80)  # 30 + 40 + 10
    [path] = [p for p in bulletin.render(conn, "2023Q2", tmp_path / "out", region="340100") if "hefei" in p.name]
    html = path.read_text("utf-8")
    [row] = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r))
             for r in re.findall(r"<tr>\s*<td>知识产权质押融资总额</td>.*?</tr>", html, re.S)]
    assert "无数据" not in row and "累计 80 亿元" in row and "2023年第一季度" in row


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_quarter_reported_missing_is_judged_on_its_year_s_latest_earlier_quarter(conn, ws, catalogue, tmp_path,
                                                                                      seed):
    """The class of the test above, on generated years: each quarter of 2023 reported (year-to-date 10 亿元 a
    quarter) or 缺失 at random; every quarter's judgement of the 累计 target is the latest reported quarter of 2023 at
    or before it, 30 + 40 + its year-to-date, or no value at all: never another year's, never skipped."""
    r = random.Random(seed)
    reported = {q: r.random() < 0.5 for q in range(1, 5)}
    lines = ["340100,2021Q4,ip_pledge_financing_amount,30,亿元,", "340100,2022Q4,ip_pledge_financing_amount,40,亿元,"]
    lines += [f"340100,2023Q{q},ip_pledge_financing_amount,{10 * q if on else ''},{'亿元' if on else ''},"
              f"{'' if on else '缺失'}" for q, on in reported.items()]
    load(conn, ws, catalogue, tmp_path, "generated.csv", lines)
    judged = dict(conn.sql("select period, [actual_period, reached::varchar] from progress "
                           "where target_id = 'ip-pledge-financing-total' and region_code = '340100' "
                           "and period like '2023%'").fetchall())
    for q in range(1, 5):
        latest = max((k for k in range(1, q + 1) if reported[k]), default=None)
        expected = [f"2023Q{latest}", str(70.0 + 10 * latest)] if latest else [None, None]
        assert judged[f"2023Q{q}"] == expected, (reported, q)
