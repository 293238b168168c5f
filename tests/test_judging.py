"""How targets are judged: 每年 targets year by year, 年均 targets on the average growth since the base year, status
agreeing with completion and the comparison, and ranks with ties (README, "Progress"). Numbers worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ipwatch import warehouse
from ipwatch.bulletins import bulletin
from ipwatch.warehouse import reference

from .test_progress import progress, submit


def bulletin_row(conn, plan_id: str, quarter: str, target_id: str, region: str) -> dict:
    rows = [t for r in bulletin.plan_context(conn, plan_id, quarter)["regions"] if r["region_code"] == region
            for group in r["categories"] for t in group["targets"] if t["target_id"] == target_id]
    assert len(rows) == 1
    return rows[0]


def with_target(ws, catalogue, plan_id: str, target_id: str, **changes):
    """The warehouse initialised with one target of the shipped catalogue changed (a kind no seed plan has)."""
    plan = catalogue.plans[plan_id]
    targets = tuple(replace(t, **changes) if t.target_id == target_id else t for t in plan.targets)
    changed = replace(catalogue, plans={**catalogue.plans, plan_id: replace(plan, targets=targets)})
    reference.initialise(ws, changed)
    return changed


# --- 每年: every year binds, a missed year stays missed ------------------------------------------------------------

PLEDGE = "ip-pledge-financing-annual"  # 江津: 知识产权质押融资额每年超过5000万元, 2024-2026


def pledge(year_values: dict[str, float]) -> list[str]:
    return [f"500116,{period},ip_pledge_financing_amount,{value},万元," for period, value in year_values.items()]


def test_a_year_missed_stays_missed_while_this_year_is_shown(conn, ws, catalogue, tmp_path):
    # 2024: 3,300 and 2025: 4,400 are not over 5,000. At 2026Q3, 3,900 of 5,000 = 0.78 done against 3/4 expected
    # (pace 1.04, on track for this year alone), but the row is 到期未完成 for 2024 and 2025.
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2024Q4": 3300, "2025Q4": 4400, "2026Q3": 3900}))
    row = progress(conn, "jiangjin-2024", PLEDGE, "500116", "2026Q3")
    assert (row["completion"], row["expected"], row["met"], row["missed_years"], row["status"]) == (
        pytest.approx(0.78), pytest.approx(0.75), False, [2024, 2025], "missed")


def test_a_row_with_a_year_missed_names_the_years_and_shows_this_year(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2024Q4": 3300, "2025Q4": 4400, "2026Q3": 3900}))
    row = bulletin_row(conn, "jiangjin-2024", "2026Q3", PLEDGE, "500116")
    assert (row["judged_text"], row["target_text"], row["margin_text"], row["beside_text"], row["status_label"]) == (
        "本年累计 3,900 万元", "每年超过 5,000 万元", "78.0%", "2024年、2025年未达到目标", "到期未完成")


def test_every_year_met_leaves_the_status_to_this_year(conn, ws, catalogue, tmp_path):
    # 6,000 and 5,500 beat 5,000: nothing missed; 3,900 at Q3 is 0.78 against 0.75 expected, pace 1.04: on track
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2024Q4": 6000, "2025Q4": 5500, "2026Q3": 3900}))
    row = progress(conn, "jiangjin-2024", PLEDGE, "500116", "2026Q3")
    assert (row["missed_years"], row["status"]) == ([], "on_track")


def test_a_year_is_missed_at_its_own_year_end(conn, ws, catalogue, tmp_path):
    # 2024Q4 is the year's whole: 3,300 of over 5,000 is missed then, not "needs acceleration" at 0.66
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2024Q4": 3300}))
    row = progress(conn, "jiangjin-2024", PLEDGE, "500116", "2024Q4")
    assert (row["completion"], row["missed_years"], row["status"]) == (pytest.approx(0.66), [2024], "missed")


@pytest.mark.parametrize(("first", "status"), [(6000, "achieved"), (3300, "missed")])
def test_after_its_last_year_a_yearly_target_is_achieved_only_if_every_year_met_it(ws, catalogue, tmp_path, first,
                                                                                   status):
    # the target made to end in 2025 (2026Q4 is not yet reportable): 2025's 5,500 meets it, 2024 decides
    changed = with_target(ws, catalogue, "jiangjin-2024", PLEDGE, target_year=2025)
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, changed, tmp_path, "500116", pledge({"2024Q4": first, "2025Q4": 5500, "2026Q3": 100}))
        row = progress(conn, "jiangjin-2024", PLEDGE, "500116", "2026Q3")
    assert (row["final"], row["actual_period"], row["status"]) == (True, "2025Q4", status)


def test_a_year_without_a_year_end_value_is_not_judged(conn, ws, catalogue, tmp_path):
    # 2024 unknown, 2025 met: nothing missed
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2025Q4": 5500, "2026Q3": 3900}))
    assert progress(conn, "jiangjin-2024", PLEDGE, "500116", "2026Q3")["missed_years"] == []


def test_a_yearly_growth_target_is_judged_year_by_year(ws, catalogue, tmp_path):
    # 江津's high-value patents made a 每年 target (each year over 20%): 100 (2023) -> 110 (2024, +10%: missed)
    # -> 150 (2025, +36.4%). 2025Q3 140 -> 2026Q3 180: +28.571429% meets it this year, beaten by 8.57 points.
    changed = with_target(ws, catalogue, "jiangjin-2024", "high-value-invention-patents-growth", per_year="each")
    values = {"2023Q4": 100, "2024Q4": 110, "2025Q3": 140, "2025Q4": 150, "2026Q3": 180}
    rows = [f"500116,{p},high_value_invention_patents_in_force,{v},件," for p, v in values.items()]
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, changed, tmp_path, "500116", rows)
        row = progress(conn, "jiangjin-2024", "high-value-invention-patents-growth", "500116", "2026Q3")
        text = bulletin_row(conn, "jiangjin-2024", "2026Q3", "high-value-invention-patents-growth", "500116")
    assert (row["growth"], row["met"], row["missed_years"], row["status"]) == (
        pytest.approx(28.571429, abs=1e-6), True, [2024], "missed")
    assert (text["target_text"], text["margin_text"], text["beside_text"]) == (
        "每年增长超过20%", "本年超出目标 8.57个百分点", "2024年未达到目标；180 件")


# --- 年均: the average growth since the base year ------------------------------------------------------------------

AVERAGE = "invention-patent-applications-growth"  # 辽宁: 发明专利申请年均递增10%以上, 2017-2020, base year 2016


def applications(year_values: dict[str, float]) -> list[str]:
    return [f"210102,{period},invention_patent_applications,{value},件," for period, value in year_values.items()]


def test_an_average_growth_target_is_judged_on_the_average_since_the_base_year(conn, ws, catalogue, tmp_path):
    # 1,000 in 2016, 1,331 in 2019: (1331 / 1000) ^ (1 / 3) - 1 = 1.1 - 1 = 10% a year, which meets 10%, though
    # 2019 alone fell from 1,400 (-4.93%). At 2020Q2 the latest full year is 2019 (t - t0 = 2019 - 2016 = 3).
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2016Q4": 1000, "2018Q4": 1400, "2019Q4": 1331,
                                                                  "2020Q2": 500}))
    row = progress(conn, "liaoning-2017", AVERAGE, "210102", "2020Q2")
    assert (row["actual"], row["actual_period"], row["baseline"], row["growth"], row["status"]) == (
        1331, "2019Q4", 1000, pytest.approx(10.0), "achieved")


def test_one_good_year_does_not_make_an_average(conn, ws, catalogue, tmp_path):
    # 1,000 (2016) -> 1,000 (2018) -> 1,200 (2019): 2019 alone grew 20%, the average 1.2 ^ (1 / 3) - 1 = 6.2659%;
    # completion 6.2659 / 10 = 0.626586 (expected 1, pace 0.63): needs acceleration, not achieved
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2016Q4": 1000, "2018Q4": 1000, "2019Q4": 1200}))
    row = progress(conn, "liaoning-2017", AVERAGE, "210102", "2019Q4")
    assert (row["growth"], row["completion"], row["status"]) == (
        pytest.approx(6.265857, abs=1e-6), pytest.approx(0.626586, abs=1e-6), "needs_acceleration")


def test_an_average_growth_row_reads_as_an_average_from_its_base(conn, ws, catalogue, tmp_path):
    # the base is 2016's total (a flow's year, not a year-end stock); 6.27% of 10% is 62.7% done
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2016Q4": 1000, "2018Q4": 1000, "2019Q4": 1200}))
    row = bulletin_row(conn, "liaoning-2017", "2019Q4", AVERAGE, "210102")
    assert (row["target_text"], row["judged_text"], row["baseline_text"], row["margin_text"]) == (
        "年均增长10%", "年均增长 6.27%（2016—2019年）", "1,000 件（2016年）", "62.7%")


def test_an_average_growth_is_final_on_its_target_year(conn, ws, catalogue, tmp_path):
    # 10,000 (2016) -> 14,641 (2020) = 10,000 x 1.1 ^ 4: 10% a year, met; 2021's 13,000 is shown, not judged
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2016Q4": 10000, "2020Q4": 14641,
                                                                  "2021Q4": 13000}))
    row = progress(conn, "liaoning-2017", AVERAGE, "210102", "2021Q4")
    assert (row["final"], row["actual_period"], row["growth"], row["status"]) == (
        True, "2020Q4", pytest.approx(10.0), "achieved")


def test_an_average_growth_before_a_full_year_since_the_base_is_no_data(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2016Q4": 1000, "2017Q2": 600}))
    assert progress(conn, "liaoning-2017", AVERAGE, "210102", "2017Q2")["status"] == "no_data"


def test_an_average_growth_without_a_base_year_value_says_so(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "210000", applications({"2019Q4": 1200}))
    assert progress(conn, "liaoning-2017", AVERAGE, "210102", "2019Q4")["status"] == "no_baseline"


def test_every_annual_target_says_which_years_bind_it_in_the_plan_s_words(catalogue):
    # 年均 is an average, 每年 every year; anything else the target year's figure
    for target in catalogue.targets():
        if target.kind not in ("annual_growth", "annual_flow"):
            assert target.per_year is None, target.target_id
            continue
        words = "average" if "年均" in target.source else "each" if "每年" in target.source else "target_year"
        assert target.per_year == words, (target.plan_id, target.target_id)


# --- status agrees with completion and the comparison ---------------------------------------------------------------

def test_more_than_a_count_is_first_met_at_the_next_whole_item(conn, ws, catalogue, tmp_path):
    # 江津: 超过2家 institutions in the open-licence pilot by 2026. 2 is 2 of the 3 that first exceed 2: 0.666667,
    # expected (2025.5 - 2023) / 3 = 0.833333, pace 0.8: needs acceleration; 3 is achieved (3 / 3 = 1).
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2026Q2,patent_open_license_pilot_institutions,2,家,",
                                                     "500116,2026Q3,patent_open_license_pilot_institutions,3,家,"])
    two = progress(conn, "jiangjin-2024", "open-license-pilot-institutions", "500116", "2026Q2")
    three = progress(conn, "jiangjin-2024", "open-license-pilot-institutions", "500116", "2026Q3")
    assert (two["completion"], two["met"], two["status"]) == (pytest.approx(2 / 3), False, "needs_acceleration")
    assert (three["completion"], three["met"], three["status"]) == (pytest.approx(1.0), True, "achieved")


def test_more_than_an_amount_at_exactly_the_amount_is_short_of_it(conn, ws, catalogue, tmp_path):
    # 5,000万元 is not 超过5,000万元: not met, and its completion never reads 100%
    submit(conn, ws, catalogue, tmp_path, "500116", pledge({"2025Q4": 5000}))
    row = progress(conn, "jiangjin-2024", PLEDGE, "500116", "2025Q4")
    assert (row["met"], row["completion"], row["status"]) == (False, pytest.approx(0.999), "missed")


def test_a_figure_just_short_of_its_target_never_reads_100_percent(conn, ws, catalogue, tmp_path):
    # 辽宁: tech-firm patent coverage 75% by 2020, no baseline: 74.98 / 75 = 0.999733 would print as 100.0%
    submit(conn, ws, catalogue, tmp_path, "210000", ["210102,2018Q4,tech_enterprise_patent_coverage,74.98%,%,"])
    row = bulletin_row(conn, "liaoning-2017", "2018Q4", "tech-enterprise-patent-coverage", "210102")
    assert (row["met"], row["margin_text"], row["status"]) == (False, "99.9%", "on_track")


def test_a_growth_meeting_its_rate_within_the_year_is_achieved_not_on_track(conn, ws, catalogue, tmp_path):
    # 江津 high-value patents, growth over 20% in 2026 (its target year): 2025Q2 100 -> 2026Q2 125 is +25%, completion
    # 25 / 20 = 1.25: a row at 125% is achieved (合肥's 质押笔数 read 113.3% and on_track: growth within a year
    # was never achieved, only a fourth quarter's)
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2025Q2,high_value_invention_patents_in_force,100,件,",
                                                     "500116,2026Q2,high_value_invention_patents_in_force,125,件,"])
    row = progress(conn, "jiangjin-2024", "high-value-invention-patents-growth", "500116", "2026Q2")
    assert (row["completion"], row["status"]) == (pytest.approx(1.25), "achieved")


def test_a_baseline_already_past_the_target_measures_from_zero(ws, catalogue, tmp_path):
    # A level target of 20 from a baseline of 25 (higher is better): 22 meets it; (22 - 25) / (20 - 25) = 0.6
    # would call it 60% done, so completion is 22 / 20 = 1.1
    changed = with_target(ws, catalogue, "hefei-2022", "high-value-invention-patents-per-10k",
                          baseline_value=25.0)
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, changed, tmp_path, "340100", ["340100,2023Q2,high_value_invention_patents_per_10k,22,,"])
        row = progress(conn, "hefei-2022", "high-value-invention-patents-per-10k", "340100", "2023Q2")
    assert (row["completion"], row["status"]) == (pytest.approx(1.1), "achieved")


# --- ranks: competition ranking, a tie counts only within the places ---------------------------------------------

def liaoning_counties(conn, n: int) -> list[str]:
    return [c for (c,) in conn.sql(
        f"select region_code from regions where level = 'county' and region_code like '21%' order by 1 limit {n}"
    ).fetchall()]


def test_ties_share_the_best_place_and_the_next_skips(conn, ws, catalogue, tmp_path):
    # 10, 9, 9, 7: competition ranking 1, 2, 2, 4
    counties = liaoning_counties(conn, 4)
    submit(conn, ws, catalogue, tmp_path, "210000", [f"{c},2019Q4,pct_applications,{v},件,"
                                                     for c, v in zip(counties, (10, 9, 9, 7), strict=True)])
    rows = [progress(conn, "liaoning-2017", "pct-applications-rank", c, "2019Q4") for c in counties]
    assert [(r["rank"], r["tied"]) for r in rows] == [(1, 1), (2, 2), (2, 2), (4, 1)]


@pytest.mark.parametrize(("values", "met"), [
    # top 30% of 10 = 3 places. 10, 9, 8, 8, ...: the tie at 3rd takes places 3-4, straddling the cut: neither counts
    ((10, 9, 8, 8, 6, 5, 4, 3, 2, 1), [True, True, False, False] + [False] * 6),
    # 10, 9, 9, 7, ...: the tie at 2nd takes places 2-3, within the 3 places: both count
    ((10, 9, 9, 7, 6, 5, 4, 3, 2, 1), [True, True, True, False] + [False] * 6),
])
def test_a_tie_counts_for_a_top_n_target_only_within_its_places(conn, ws, catalogue, tmp_path, values, met):
    counties = liaoning_counties(conn, 10)
    submit(conn, ws, catalogue, tmp_path, "210000", [f"{c},2019Q4,pct_applications,{v},件,"
                                                     for c, v in zip(counties, values, strict=True)])
    rows = [progress(conn, "liaoning-2017", "pct-applications-rank", c, "2019Q4") for c in counties]
    assert [r["met"] for r in rows] == met
    assert {r["places"] for r in rows} == {3}
    assert [r["status"] for r in rows][:4] == [("achieved" if m else "lagging") for m in met[:4]]


def test_a_straddling_tie_says_why_it_does_not_count(conn, ws, catalogue, tmp_path):
    counties = liaoning_counties(conn, 10)
    submit(conn, ws, catalogue, tmp_path, "210000", [f"{c},2019Q4,pct_applications,{v},件," for c, v in
                                                     zip(counties, (10, 9, 8, 8, 6, 5, 4, 3, 2, 1), strict=True)])
    row = bulletin_row(conn, "liaoning-2017", "2019Q4", "pct-applications-rank", counties[2])
    assert (row["judged_text"], row["target_text"], row["beside_text"]) == (
        "并列第3名（2个并列，共10个）", "全省前30%（前3名）", "并列名次跨过第3名，不计为进入前3名")


def test_places_are_counted_exactly(ws, catalogue, tmp_path):
    # top 7% of 100: 7 places (7 / 100 * 100 is 7.000000000000001 in floating point, whose ceiling is 8)
    changed = with_target(ws, catalogue, "liaoning-2017", "pct-applications-rank", target_value=7)
    with warehouse.connect(ws.warehouse) as conn:
        counties = liaoning_counties(conn, 100)
        submit(conn, ws, changed, tmp_path, "210000", [f"{c},2019Q4,pct_applications,{200 - n},件,"
                                                       for n, c in enumerate(counties)])
        eighth = progress(conn, "liaoning-2017", "pct-applications-rank", counties[7], "2019Q4")
    assert (eighth["rank"], eighth["places"], eighth["met"]) == (8, 7, False)
