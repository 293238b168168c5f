"""One row, one truth: each target row of a bulletin shows the figure it is judged on, in the plan's own terms and
unit, with completion, pace and status from that same observation. Numbers worked out by hand."""

from __future__ import annotations

import re

import pytest

from ipwatch.bulletins import bulletin

from .conftest import submit, write_csv

JIANGJIN = [
    # 国家知识产权优势示范企业, 新增5家 over 2024-2026 (base year 2023): 4 at the end of 2023, 5 now -> 新增 1 of 5.
    "500116,2023Q4,national_ip_advantage_demo_enterprises,4,家,",
    "500116,2026Q3,national_ip_advantage_demo_enterprises,5,家,",
    # 知识产权质押融资 over 5,000万元 a year: 3,900万元 by Q3, stored as 0.39亿元, shown in the plan's 万元.
    "500116,2026Q3,ip_pledge_financing_amount,3900,万元,",
    # 满意度 90% in the plan, a score of 94.82分 in the data: read as 90分 (data/plans/jiangjin-2024.yaml).
    "500116,2026Q3,ip_protection_satisfaction,94.82,分,",
    # 有效注册商标量 30,000: 29,097 at the end of 2023, 34,193 now: beaten by 4,193 (not "564.3%").
    "500116,2023Q4,registered_trademarks_in_force,29097,件,",
    "500116,2026Q3,registered_trademarks_in_force,34193,件,",
]


@pytest.fixture
def jiangjin(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, write_csv(tmp_path / "jiangjin.csv", JIANGJIN), "500116")
    return conn


def target_row(conn, plan_id: str, quarter: str, target_id: str) -> dict:
    rows = [t for region in bulletin.plan_context(conn, plan_id, quarter)["regions"]
            for group in region["categories"] for t in group["targets"] if t["target_id"] == target_id]
    assert len(rows) == 1
    return rows[0]


def html_row(html: str, wording: str) -> str:
    """The text of the table row whose first cell is `wording`, tags removed (an inline one, such as the span that
    keeps a number with its unit, without a space in its place)."""
    match = re.search(rf"<tr>\s*<td>{re.escape(wording)}.*?</tr>", html, re.S)
    assert match, wording
    inline = re.sub(r"</?(?:span|wbr)\b[^>]*>", "", match[0])
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline)).strip()


def test_progress_counts_what_was_added_since_the_base_year(jiangjin):
    # t = 2025.75 (2026Q3), t0 = 2023, T = 2026: expected 2.75 / 3 = 0.916667; completion 1 / 5 = 0.2; pace 0.218
    row = jiangjin.execute("""select accumulated, reached, baseline, completion, expected, status from progress
                              where target_id = 'new-national-ip-advantage-demo-enterprises'
                                and period = '2026Q3'""").fetchone()
    assert row == (1, 1, 4, pytest.approx(0.2), pytest.approx(0.916667, abs=1e-6), "lagging")


def test_a_new_target_row_shows_what_was_added_against_what_is_to_be_added(jiangjin):
    row = target_row(jiangjin, "jiangjin-2024", "2026Q3", "new-national-ip-advantage-demo-enterprises")
    assert (row["judged_text"], row["target_text"], row["beside_text"], row["margin_text"]) == (
        "新增 1 家", "新增 5 家", "现有 5 家", "20.0%")


def test_the_annex_gives_the_figure_judged_and_what_it_is(jiangjin, tmp_path):
    from openpyxl import load_workbook

    [page] = bulletin.render(jiangjin, "2026-10", tmp_path / "out", region="500116")
    table = load_workbook(page.with_suffix(".xlsx"))["指标进展"]
    header = [c.value for c in table[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in table.iter_rows(min_row=2)]
    [firms] = [r for r in rows if r["目标编号"] == "new-national-ip-advantage-demo-enterprises"]
    assert (firms["最新值"], firms["评价值"], firms["评价口径"], firms["终期评价"]) == (5, 1, "基期以来新增", "否")


def test_a_money_row_is_in_the_unit_the_plan_states_its_target_in(jiangjin):
    # 3,900万元 of 5,000万元: 0.78 done, Q3 expects 0.75 -> on track
    row = target_row(jiangjin, "jiangjin-2024", "2026Q3", "ip-pledge-financing-annual")
    assert (row["judged_text"], row["target_text"], row["margin_text"], row["status"]) == (
        "本年累计 3,900 万元", "每年超过 5,000 万元", "78.0%", "on_track")


def test_a_score_is_never_compared_with_a_percentage(jiangjin):
    row = target_row(jiangjin, "jiangjin-2024", "2026Q3", "ip-protection-satisfaction")
    assert (row["judged_text"], row["target_text"], row["margin_text"]) == ("94.82 分", "90 分", "超出目标 4.82 分")


def test_over_achievement_reads_as_the_margin_beyond_the_target(jiangjin):
    row = target_row(jiangjin, "jiangjin-2024", "2026Q3", "registered-trademarks")
    assert (row["judged_text"], row["target_text"], row["margin_text"], row["status"]) == (
        "34,193 件", "30,000 件", "超出目标 4,193 件", "achieved")


def test_rendered_rows_carry_one_unit_and_their_period(jiangjin, tmp_path):
    [page] = bulletin.render(jiangjin, "2026-10", tmp_path / "out", region="500116")
    html = page.read_text("utf-8")
    assert html_row(html, "国家知识产权优势示范企业") == (
        "国家知识产权优势示范企业 4 家（2023年末） 新增 1 家 现有 5 家 2026年第三季度 新增 5 家 2026年 "
        "20.0% 91.7% 明显滞后")
    pledge = html_row(html, "知识产权质押融资额")
    assert "3,900 万元" in pledge and "每年超过 5,000 万元" in pledge and "亿元" not in pledge
    assert "564" not in html_row(html, "有效注册商标量")


def test_a_growth_row_after_its_target_year_is_judged_on_that_year(conn, ws, catalogue, tmp_path):
    # Shandong: invention patent applications to grow 15% in 2015. 2015 grew 10% on 2014 (missed, 10 / 15 = 66.7%);
    # 2016Q3's 145 is shown beside it as 最新, never judged.
    submit(conn, ws, catalogue, write_csv(tmp_path / "apps.csv", [
        "370000,2014Q4,invention_patent_applications,100,件,", "370000,2015Q4,invention_patent_applications,110,件,",
        "370000,2015Q3,invention_patent_applications,90,件,", "370000,2016Q3,invention_patent_applications,145,件,"]),
        "370000")
    row = target_row(conn, "shandong-2015", "2016Q3", "invention-patent-applications-growth")
    assert (row["judged_text"], row["target_text"], row["judged_at"], row["margin_text"], row["status_label"]) == (
        "增长 10%", "年增长15%", "2015年（终期）", "66.7%", "到期未完成")
    assert "最新 145 件（2016年第三季度，不计入终期评价）" in row["beside_text"]


def test_a_final_evaluation_shows_the_year_end_judgement_not_the_latest(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, write_csv(tmp_path / "hv.csv", [
        "340100,2025Q4,high_value_invention_patents_per_10k,18,,",
        "340100,2026Q3,high_value_invention_patents_per_10k,21,,"]), "340100")
    paths = bulletin.render(conn, "2026-10", tmp_path / "out", region="340100")
    assert [p.name for p in paths] == ["2025-final-hefei-2022.html"]
    row = html_row(paths[0].read_text("utf-8"), "每万人口高价值发明专利拥有量")
    # the edition stands at the end of 2025: 18, (18 - 10.66) / 9.34 = 78.6%, missed; 2026's 21 is no part of it;
    # a final shows the change since the base year, not the elapsed time: (18 - 10.66) / 10.66 = +68.9% 较基期
    assert row == ("每万人口高价值发明专利拥有量 预期性 10.66 件/万人（2020年） 18 件/万人 2025年第四季度（终期） "
                   "20 件/万人 2025年 78.6% +68.9% 到期未完成")


def test_changes_of_a_rate_are_in_percentage_points(conn, ws, catalogue, tmp_path):
    # Hefei's acceptance rate 90% -> 92.5%: +2.5 个百分点 on the quarter (not +2.8%)
    submit(conn, ws, catalogue, write_csv(tmp_path / "rate.csv", [
        "340100,2023Q1,ip_civil_first_instance_acceptance_rate,90,%,",
        "340100,2023Q2,ip_civil_first_instance_acceptance_rate,92.5,%,"]), "340100")
    [page] = bulletin.render(conn, "2023Q2", tmp_path / "q", region="340100")
    assert "+2.5个百分点" in html_row(page.read_text("utf-8"), "知识产权民事一审案件服判息诉率")


def test_a_resubmitted_unchanged_value_is_no_correction(conn, ws, catalogue, tmp_path):
    # 41人 sent again unchanged corrects nothing; 10家 -> 12家 is the one correction
    first = ["340100,2023Q2,patent_attorneys,41,人,", "340100,2023Q2,ip_trusteeship_smes,10,家,"]
    for name, rows in (("first.csv", first), ("again.csv", ["340100,2023Q2,patent_attorneys,41,人,"]),
                       ("fix.csv", ["340100,2023Q2,ip_trusteeship_smes,12,家,"])):
        submit(conn, ws, catalogue, write_csv(tmp_path / name, rows), "340100")
    corrections = bulletin.plan_context(conn, "hefei-2022", "2023Q2")["corrections"]
    # named as the plan's one target on the indicator is named in the table above it (one name per edition)
    assert [(c["indicator_name"], c["old_value"], c["new_value"]) for c in corrections] == [
        ("专业知识产权托管服务累计覆盖中小企业", 10.0, 12.0)]


def test_key_trends_are_in_the_plan_s_unit_with_its_path(jiangjin, ws, catalogue, tmp_path):
    # 5,000万元 a year: the path is flat at 5,000 over 2024-2026; the yearly totals 4,000 and 4,500万元, not 0.4亿元,
    # and the 3,900万元 of 2026 so far that the row is judged on
    submit(jiangjin, ws, catalogue, write_csv(tmp_path / "years.csv", [
        "500116,2024Q4,ip_pledge_financing_amount,4000,万元,", "500116,2025Q4,ip_pledge_financing_amount,4500,万元,"]),
        "500116")
    [pledge] = [f for f in bulletin.plan_context(jiangjin, "jiangjin-2024", "2026Q3")["key_figures"]
                if f["title"] == "知识产权质押融资额"]
    assert (pledge["unit"], [(p["period"], p["value"]) for p in pledge["trend_table"]], pledge["path"]) == (
        "万元", [("2024Q4", 4000), ("2025Q4", 4500), ("2026Q3", 3900)],
        [{"t": 2024.0, "value": 5000}, {"t": 2026.0, "value": 5000}])
