"""The progress view against numbers worked out by hand (see README, "Progress")."""

from __future__ import annotations

import pytest

from ipwatch import warehouse

from .conftest import submit as submit_file
from .conftest import write_csv


def submit(conn, ws, catalogue, tmp_path, office: str, rows: list[str]) -> None:
    """Receive, validate and decide a file through the same functions the ingest flow names."""
    path = write_csv(tmp_path / f"{office}-{len(list(tmp_path.iterdir()))}.csv", rows)
    assert submit_file(conn, ws, catalogue, path, office).startswith("accepted")


def progress(conn, plan_id: str, target_id: str, region: str, period: str) -> dict:
    rows = conn.execute(
        "select * from progress where plan_id = ? and target_id = ? and region_code = ? and period = ?",
        [plan_id, target_id, region, period]).pl().to_dicts()
    assert len(rows) == 1
    return rows[0]


# Hefei: high-value invention patents per 10,000, baseline 10.66 (2020), target 20 (2025).
# 2023Q2 ends at t = 2022.5, so expected = (2022.5 - 2020) / (2025 - 2020) = 0.5.
@pytest.mark.parametrize(("value", "completion", "status"), [
    (15.33, 0.5, "on_track"),                      # (15.33 - 10.66) / 9.34 = 0.5, pace 1.0
    (14.00, 0.357602, "needs_acceleration"),       # 3.34 / 9.34, pace 0.715
    (12.00, 0.143469, "lagging"),                  # 1.34 / 9.34, pace 0.287
    (10.00, -0.070664, "regressing"),              # -0.66 / 9.34
    (20.50, 1.053533, "achieved"),
])
def test_level_target_completion_and_status(conn, ws, catalogue, tmp_path, value, completion, status):
    submit(conn, ws, catalogue, tmp_path, "340100", [f"340100,2023Q2,high_value_invention_patents_per_10k,{value},,"])
    row = progress(conn, "hefei-2022", "high-value-invention-patents-per-10k", "340100", "2023Q2")
    assert row["expected"] == pytest.approx(0.5)
    assert row["completion"] == pytest.approx(completion, abs=1e-6)
    assert row["status"] == status


def test_annual_flow_target_is_paced_by_quarter(conn, ws, catalogue, tmp_path):
    # Jiangjin: pledge financing over 5000万元 a year = 0.5亿元; 2000万元 by Q2: 0.4 done, 0.5 expected.
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2025Q2,ip_pledge_financing_amount,2000,万元,"])
    row = progress(conn, "jiangjin-2024", "ip-pledge-financing-annual", "500116", "2025Q2")
    assert (row["completion"], row["expected"], row["pace"], row["status"]) == (
        pytest.approx(0.4), pytest.approx(0.5), pytest.approx(0.8), "needs_acceleration")


def test_cumulative_target_counts_new_since_the_base_year(conn, ws, catalogue, tmp_path):
    # Jiangjin: 221 new high-tech firms in 2024-2026; 500 at end 2023, 610 at 2025Q2 -> 110 new.
    # t = 2024.5, t0 = 2023, T = 2026: expected 0.5; completion 110/221 = 0.497738.
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2023Q4,high_tech_enterprises,500,家,",
                                                     "500116,2025Q2,high_tech_enterprises,610,家,"])
    row = progress(conn, "jiangjin-2024", "new-high-tech-enterprises", "500116", "2025Q2")
    assert (row["baseline"], row["baseline_period"], row["completion"], row["expected"], row["status"]) == (
        500, "2023Q4", pytest.approx(0.497738, abs=1e-6), pytest.approx(0.5), "on_track")


@pytest.mark.parametrize(("period", "before", "now", "growth", "status"), [
    ("2015Q4", 100, 120, 20.0, "achieved"),             # the year's growth 20% >= 15%
    ("2015Q2", 50, 55, 10.0, "needs_acceleration"),     # 10 / 15 = 0.667
])
def test_annual_growth_compares_year_to_date_with_last_year(conn, ws, catalogue, tmp_path, period, before,
                                                            now, growth, status):
    # Shandong 2015: invention patent applications to grow 15% in the plan's one year (per_year: target_year)
    last_year = f"{int(period[:4]) - 1}{period[4:]}"
    submit(conn, ws, catalogue, tmp_path, "370000", [f"370000,{last_year},invention_patent_applications,{before},件,",
                                                     f"370000,{period},invention_patent_applications,{now},件,"])
    row = progress(conn, "shandong-2015", "invention-patent-applications-growth", "370000", period)
    assert (row["growth"], row["status"]) == (pytest.approx(growth), status)


def test_rank_target_among_counties_of_the_province(conn, ws, catalogue, tmp_path):
    counties = [c for (c,) in conn.sql(
        "select region_code from regions where level = 'county' and region_code like '21%' order by 1 limit 10"
    ).fetchall()]
    rows = [f"{code},2019Q4,invention_patents_per_10k,{10 - n},件/万人," for n, code in enumerate(counties)]
    submit(conn, ws, catalogue, tmp_path, "210000", rows)
    third = progress(conn, "liaoning-2017", "invention-patents-per-10k-rank", counties[2], "2019Q4")
    fourth = progress(conn, "liaoning-2017", "invention-patents-per-10k-rank", counties[3], "2019Q4")
    # top 30% of 10 reporting counties = the first ceil(3.0) = 3
    assert (third["rank"], third["peer_count"], third["status"]) == (3, 10, "achieved")
    assert (fourth["rank"], fourth["status"]) == (4, "lagging")


def test_target_without_data_is_no_data_never_behind(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2023Q2,pct_applications,500,件,"])
    rows = warehouse.query(conn, "bulletin_progress", plan_id="hefei-2022", period="2023Q2")
    status = dict(zip(rows["target_id"], rows["status"], strict=True))
    assert status["patent-attorneys"] == "no_data"
    assert rows.height == 27


def test_level_target_on_a_flow_is_judged_on_the_latest_full_year(conn, ws, catalogue, tmp_path):
    # Hefei PCT applications: 365 (2020) -> 880 a year (2025). At 2024Q2 the latest full year is 2023: 600.
    # completion (600 - 365) / 515 = 0.456311, paced at the time of that observation (2023Q4 ends at t = 2023.0):
    # expected 3 / 5 = 0.6, pace 0.760518: completion, pace and status all belong to the row's 2023Q4.
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2023Q4,pct_applications,600,件,",
                                                     "340100,2024Q2,pct_applications,400,件,"])
    row = progress(conn, "hefei-2022", "pct-applications", "340100", "2024Q2")
    assert (row["actual"], row["actual_period"], row["completion"], row["expected"], row["pace"], row["status"]) == (
        600, "2023Q4", pytest.approx(0.456311, abs=1e-6), pytest.approx(0.6), pytest.approx(0.760518, abs=1e-6),
        "needs_acceleration")


@pytest.mark.parametrize(("final", "later", "status"), [(18.0, 21.0, "missed"), (21.0, 18.0, "achieved")])
def test_after_the_target_year_a_target_is_judged_on_its_year_end(conn, ws, catalogue, tmp_path, final, later,
                                                                  status):
    # Hefei: 20 by 2025. The 2025Q4 value decides once and for all (终期); 2026Q3's is shown beside it, never judged:
    # 18 at the end of 2025 stays missed when 2026 reaches 21, and 21 stays achieved when 2026 falls to 18.
    # completion (18 - 10.66) / 9.34 = 0.785867, (21 - 10.66) / 9.34 = 1.107066; expected 1 (t = 2025.0).
    submit(conn, ws, catalogue, tmp_path, "340100", [f"340100,2025Q4,high_value_invention_patents_per_10k,{final},,",
                                                     f"340100,2026Q3,high_value_invention_patents_per_10k,{later},,"])
    row = progress(conn, "hefei-2022", "high-value-invention-patents-per-10k", "340100", "2026Q3")
    assert (row["final"], row["actual"], row["actual_period"], row["latest_actual"], row["latest_period"],
            row["completion"], row["expected"], row["status"]) == (
        True, final, "2025Q4", later, "2026Q3", pytest.approx((final - 10.66) / 9.34), pytest.approx(1.0), status)


def test_a_growth_target_after_its_year_is_judged_on_the_target_year(conn, ws, catalogue, tmp_path):
    # Hefei: pledge-financing deals to grow 30% a year on average (年均) from 2020 to 2025. 100 deals in 2020, 320 in
    # 2025: 3.2 ^ (1 / 5) - 1 = 26.191469% a year, missed; completion 26.191469 / 30 = 0.873049. 2026's 1,000 deals
    # by Q3 are no full year: judged on full years, the row's latest is 2025's too.
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2020Q4,ip_pledge_financing_deals,100,笔,",
                                                     "340100,2025Q4,ip_pledge_financing_deals,320,笔,",
                                                     "340100,2026Q3,ip_pledge_financing_deals,1000,笔,"])
    row = progress(conn, "hefei-2022", "ip-pledge-financing-deals-growth", "340100", "2026Q3")
    assert (row["actual_period"], row["growth"], row["reached"], row["completion"], row["status"],
            row["latest_actual"]) == ("2025Q4", pytest.approx(26.191469, abs=1e-6), pytest.approx(26.191469, abs=1e-6),
                                      pytest.approx(0.873049, abs=1e-6), "missed", 320)


PLEDGE_YEARS = [f"340100,{year}Q4,ip_pledge_financing_amount,{value},亿元,"
                for year, value in ((2021, 20), (2022, 25), (2023, 30), (2024, 35))]
PLEDGE_2025Q2 = "340100,2025Q2,ip_pledge_financing_amount,10,亿元,"


def test_cumulative_flow_adds_full_years_and_this_year_to_date(conn, ws, catalogue, tmp_path):
    # Hefei: 150亿元 of pledge financing over 2021-2025. 20+25+30+35 = 110 by 2024, 10 in 2025 by Q2: 120.
    # completion 120/150 = 0.8; t = 2024.5, t0 = 2020, T = 2025: expected 0.9; pace 0.889.
    submit(conn, ws, catalogue, tmp_path, "340100", [*PLEDGE_YEARS, PLEDGE_2025Q2])
    row = progress(conn, "hefei-2022", "ip-pledge-financing-total", "340100", "2025Q2")
    assert (row["accumulated"], row["completion"], row["expected"], row["status"]) == (
        pytest.approx(120), pytest.approx(0.8), pytest.approx(0.9), "needs_acceleration")


def test_cumulative_flow_stops_at_the_target_year(conn, ws, catalogue, tmp_path):
    # 110 by 2024 plus 45 in 2025 = 155 >= 150; what 2026 brings no longer counts.
    submit(conn, ws, catalogue, tmp_path, "340100", [*PLEDGE_YEARS, "340100,2025Q4,ip_pledge_financing_amount,45,亿元,",
                                                     "340100,2026Q3,ip_pledge_financing_amount,1,亿元,"])
    row = progress(conn, "hefei-2022", "ip-pledge-financing-total", "340100", "2026Q3")
    assert (row["accumulated"], row["status"]) == (pytest.approx(155), "achieved")


def test_cumulative_flow_with_a_year_missing_is_no_data(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", [PLEDGE_YEARS[0], PLEDGE_YEARS[2], PLEDGE_YEARS[3], PLEDGE_2025Q2])
    row = progress(conn, "hefei-2022", "ip-pledge-financing-total", "340100", "2025Q2")
    assert (row["accumulated"], row["status"]) == (None, "no_data")


def test_new_since_the_base_year_without_a_baseline_says_so(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2025Q2,high_tech_enterprises,300,家,"])
    row = progress(conn, "jiangjin-2024", "new-high-tech-enterprises", "500116", "2025Q2")
    assert (row["completion"], row["status"]) == (None, "no_baseline")


def test_doubling_without_a_baseline_says_so(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2023Q2,ip_talent,5000,人,"])
    assert progress(conn, "hefei-2022", "ip-talent-doubling", "340100", "2023Q2")["status"] == "no_baseline"


def test_a_year_to_date_flow_missing_a_quarter_is_judged_on_its_year_so_far(conn, ws, catalogue, tmp_path):
    # no 2025Q3 figure: judged on the year so far, 2025Q2's 2000万元 = 0.2亿元, that quarter named (as the notices
    # promise: 按此前最近一季度的数值评价并注明该季度); never on another year's figure
    submit(conn, ws, catalogue, tmp_path, "500116", ["500116,2024Q4,ip_pledge_financing_amount,9000,万元,",
                                                     "500116,2025Q2,ip_pledge_financing_amount,2000,万元,",
                                                     "500116,2025Q3,high_tech_enterprises,600,家,"])
    row = progress(conn, "jiangjin-2024", "ip-pledge-financing-annual", "500116", "2025Q3")
    assert (row["actual"], row["actual_period"]) == (pytest.approx(0.2), "2025Q2")


SHANWEI_COUNTIES = ("441502", "441521", "441523", "441581")


def test_city_total_is_the_sum_of_its_counties_marked_derived(conn, ws, catalogue, tmp_path):
    # Shanwei: 200万元 of pledge financing a year. Its four counties report 10+20+30+40 = 100万元 for 2019 and
    # the city nothing: the city's value is derived, 100/200 = 0.5 done with the whole year gone: lagging.
    rows = [f"{code},2019Q4,ip_pledge_financing_amount,{v},万元," for code, v in zip(SHANWEI_COUNTIES, (10, 20, 30, 40),
                                                                                   strict=True)]
    submit(conn, ws, catalogue, tmp_path, "441500", rows)
    row = progress(conn, "shanwei-2016", "ip-pledge-financing-annual", "441500", "2019Q4")
    assert (row["actual"], row["derived"], row["value_status"], row["completion"], row["status"]) == (
        pytest.approx(0.01), True, "推算", pytest.approx(0.5), "lagging")


def test_city_total_with_a_county_missing_is_incomplete(conn, ws, catalogue, tmp_path):
    rows = [f"{code},2019Q4,ip_pledge_financing_amount,10,万元," for code in SHANWEI_COUNTIES[:3]]
    submit(conn, ws, catalogue, tmp_path, "441500", rows)
    row = progress(conn, "shanwei-2016", "ip-pledge-financing-annual", "441500", "2019Q4")
    assert (row["actual"], row["status"]) == (None, "incomplete")


def test_per_10k_ratio_of_a_city_sums_numerators_and_populations(conn, ws, catalogue, tmp_path):
    # Population at the end of 2018: 50+60+70+120 = 300万人; patents in force at 2019Q2: 60+90+100+110 = 360.
    # The city's ratio is 360 / 300 = 1.2 件/万人 (not the mean of the counties' 1.2, 1.5, 1.43, 0.92 = 1.26),
    # measured on the 2018 year-end population, and meets the target of 1.17.
    pops = dict(zip(SHANWEI_COUNTIES, (50, 60, 70, 120), strict=True))
    patents = dict(zip(SHANWEI_COUNTIES, (60, 90, 100, 110), strict=True))
    rows = [f"{c},2018Q4,population,{p},万人," for c, p in pops.items()]
    rows += [f"{c},2019Q2,invention_patents_in_force,{n},件," for c, n in patents.items()]
    submit(conn, ws, catalogue, tmp_path, "441500", rows)
    row = progress(conn, "shanwei-2016", "invention-patents-per-10k", "441500", "2019Q2")
    assert (row["actual"], row["derived"], row["denominator_period"], row["status"]) == (
        pytest.approx(1.2), True, "2018Q4", "achieved")


@pytest.mark.parametrize(("period", "value", "expected", "completion", "status"), [
    # 2021Q4 ends at t = 2021.0: e = 1/5 = 0.2; (12.528 - 10.66) / 9.34 = 0.2; pace 1.0
    ("2021Q4", 12.528, 0.2, 0.2, "on_track"),
    # 2023Q2 ends at t = 2022.5: e = 0.5; (15.33 - 10.66) / 9.34 = 0.5; pace 1.0
    ("2023Q2", 15.33, 0.5, 0.5, "on_track"),
    # 2025Q4 ends at t = 2025.0: e = 1; (19 - 10.66) / 9.34 = 0.892934; the target year's end value is final: missed
    ("2025Q4", 19.0, 1.0, 0.892934, "missed"),
])
def test_hefei_high_value_patents_at_three_quarters(conn, ws, catalogue, tmp_path, period, value, expected,
                                                    completion, status):
    submit(conn, ws, catalogue, tmp_path, "340100", [f"340100,{period},high_value_invention_patents_per_10k,{value},,"])
    row = progress(conn, "hefei-2022", "high-value-invention-patents-per-10k", "340100", period)
    assert (row["expected"], row["completion"], row["status"]) == (
        pytest.approx(expected), pytest.approx(completion, abs=1e-6), status)


def test_anticipated_progress_compares_growth_rates(conn, ws, catalogue, tmp_path):
    # q = (15.33 / 10.66) ^ (1 / 2.5) - 1 = 0.156416; Q = (20 / 10.66) ^ (1 / 5) - 1 = 0.134108; R = q / Q = 1.166338
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2023Q2,high_value_invention_patents_per_10k,15.33,,"])
    row = progress(conn, "hefei-2022", "high-value-invention-patents-per-10k", "340100", "2023Q2")
    assert (row["cagr"], row["required_cagr"], row["anticipated"]) == (
        pytest.approx(0.156416, abs=1e-6), pytest.approx(0.134108, abs=1e-6), pytest.approx(1.166338, abs=1e-6))


def test_rank_among_the_counties_of_a_city(ws, catalogue, tmp_path):
    """A plan ranking Hefei's counties within the city (peer_scope prefecture): top 50% of 4 reporting."""
    from dataclasses import replace

    from ipwatch.warehouse import reference

    hefei = catalogue.plans["hefei-2022"]
    rank = replace(hefei.targets[0], target_id="county-rank", kind="rank", target_value=50, unit="%",
                   peer_scope="prefecture", applies_to="each_county", baseline_value=None, baseline_year=None)
    plans = {**catalogue.plans, "hefei-2022": replace(hefei, targets=(*hefei.targets, rank))}
    reference.initialise(ws, replace(catalogue, plans=plans))
    with warehouse.connect(ws.warehouse) as conn:
        rows = [f"{c},2023Q2,high_value_invention_patents_per_10k,{v},,"
                for c, v in (("340102", 9), ("340103", 12), ("340104", 7), ("340111", 15))]
        submit(conn, ws, catalogue, tmp_path, "340100", rows)
        ranks = {c: progress(conn, "hefei-2022", "county-rank", c, "2023Q2") for c in ("340103", "340102")}
    # 15 (340111) first, 12 (340103) second: ceil(0.5 * 4) = 2 achieve; 9 (340102) is third
    assert [(r["rank"], r["peer_count"], r["status"]) for r in ranks.values()] == [(2, 4, "achieved"),
                                                                                  (3, 4, "lagging")]


def test_share_without_a_baseline_is_measured_against_the_target(conn, ws, catalogue, tmp_path):
    # Liaoning, each county: patent coverage of tech firms 75% by 2020, no baseline (base year 2016).
    # 2018Q4 ends at t = 2018.0: e = (2018 - 2016) / (2020 - 2016) = 0.5; completion 60 / 75 = 0.8; pace 1.6.
    submit(conn, ws, catalogue, tmp_path, "210000", ["210102,2018Q4,tech_enterprise_patent_coverage,60%,%,"])
    row = progress(conn, "liaoning-2017", "tech-enterprise-patent-coverage", "210102", "2018Q4")
    assert (row["completion"], row["expected"], row["status"]) == (pytest.approx(0.8), pytest.approx(0.5), "on_track")


@pytest.mark.parametrize(("days", "completion", "status"), [(10, 0.7, "on_track"), (6.5, 7 / 6.5, "achieved")])
def test_lower_is_better_mirrors_the_comparison(conn, ws, catalogue, tmp_path, days, completion, status):
    # Hefei: patent pre-examination within 7 working days, no baseline. 2023Q2: e = 0.5; completion 7 / days.
    submit(conn, ws, catalogue, tmp_path, "340100", [f"340100,2023Q2,patent_prereview_days,{days},个工作日,"])
    row = progress(conn, "hefei-2022", "patent-prereview-days", "340100", "2023Q2")
    assert (row["completion"], row["status"]) == (pytest.approx(completion), status)
