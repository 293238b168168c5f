"""The whole job end to end: plausible offices' files in, bulletins out, on real Prefect, GX and DuckDB."""

from __future__ import annotations

import pytest

from flows.demo import demo_flow
from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.ops import demo

PLAN_REGIONS = {"liaoning-2017": "辽宁省", "shanwei-2016": "汕尾市", "hefei-2022": "合肥市",
                "shandong-2015": "山东省", "jiangjin-2024": "江津区"}


@pytest.mark.parametrize(("plan_id", "first", "last", "n"), [
    ("liaoning-2017", "2016Q1", "2020Q4", 20),   # base year 2016 to the plan's end
    ("shandong-2015", "2014Q1", "2015Q4", 8),    # a one-year plan and its base year
    ("hefei-2022", "2020Q1", "2025Q4", 24),
    ("jiangjin-2024", "2023Q1", "2026Q3", 15),   # still in force: to the latest quarter
])
def test_demo_covers_each_plan_in_its_own_years(plan_id, first, last, n):
    quarters = demo.plan_quarters(cat.default().plans[plan_id], "2026Q3")
    assert (quarters[0], quarters[-1], len(quarters)) == (first, last, n)


def test_demo_renders_each_ended_plan_in_force_then_every_plan_for_the_latest_month():
    assert demo.editions(cat.default(), "2026Q3") == [("2015-10", "370000"), ("2020-10", "210000"),
                                                      ("2020-10", "441500"), ("2025-10", "340100"), ("2026-10", None)]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, prefect_harness):
    home = tmp_path_factory.mktemp("demo")
    return home, demo_flow(home=str(home), last_quarter="2026Q3", most=4)


@pytest.mark.slow
def test_demo_shows_every_plan_in_force_and_each_ended_plan_s_final_evaluation(demo_run):
    _, summary = demo_run
    pages = {p.name: p.read_text("utf-8") for p in summary["bulletins"]}
    assert sorted(pages) == [
        "2015-10-shandong-2015.html", "2015-final-shandong-2015.html", "2020-10-liaoning-2017.html",
        "2020-10-shanwei-2016.html", "2020-final-liaoning-2017.html", "2020-final-shanwei-2016.html",
        "2025-10-hefei-2022.html", "2025-final-hefei-2022.html", "2026-10-jiangjin-2024.html"]
    for plan_id, name in PLAN_REGIONS.items():
        assert all(name in html for page, html in pages.items() if plan_id in page)
    index = summary["index"].read_text("utf-8")
    assert all(name in index for name in PLAN_REGIONS.values())


@pytest.mark.slow
def test_demo_draft_is_rejected_and_every_quarterly_file_accepted(demo_run):
    _, summary = demo_run
    assert (summary["accepted"], summary["rejected"]) == (5 * 4, 1)


@pytest.mark.slow
def test_demo_covers_every_county_of_the_plan_regions(demo_run):
    home, _ = demo_run
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        counts = dict(conn.sql("""
            select left(region_code, 2), count(distinct region_code) from observations
            where period in ('2020Q4', '2015Q4', '2026Q3') group by 1""").fetchall())
    # Liaoning 1 + 100 counties; Shandong 1 + the 137 counties in force at the end of 2015 (136 today: the
    # registry's dated changes, data/region_history.csv); Chongqing: Jiangjin alone
    assert (counts["21"], counts["37"], counts["50"]) == (101, 138, 1)


@pytest.mark.slow
def test_demo_files_are_complete_and_ratios_agree_with_their_parts(demo_run):
    home, _ = demo_run
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        warnings = conn.sql("""select count(*) from findings inner join submissions using (submission_id)
                               where rule = 'required_indicator_reported' and status <> 'rejected'""").fetchone()[0]
        gaps = conn.sql("""
            select count(*) from observations as ratio
            inner join observations as num using (region_code, period)
            inner join observations as pop using (region_code, period)
            where ratio.indicator_code = 'invention_patents_per_10k'
              and num.indicator_code = 'invention_patents_in_force' and pop.indicator_code = 'population'
              and abs(ratio.value - num.value / pop.value) > 0.01""").fetchone()[0]
    assert (warnings, gaps) == (0, 0)


@pytest.mark.slow
def test_demo_hefei_targets_all_have_a_status_from_data(demo_run):
    home, _ = demo_run
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        statuses = dict(conn.sql("""select target_id, status from progress
                                    where plan_id = 'hefei-2022' and period = '2025Q4'""").fetchall())
    assert len(statuses) == 27
    # This short run holds 2025 alone: 翻一番 and +30% need the 2020 baseline, growth needs 2024's figures and the
    # 2021-2025 total every year's
    assert {t for t, s in statuses.items() if s in ("no_data", "no_baseline")} == {
        "ip-talent-doubling", "trademarks-per-10k-market-entities", "ip-pledge-financing-deals-growth",
        "ip-transfers-licenses-growth", "ip-pledge-financing-amount-growth", "ip-pledge-financing-total"}


@pytest.mark.slow
def test_demo_data_is_plausible_enough_to_hold_nothing_for_audit(demo_run):
    """Plausible data: nothing an office would be refused for, and nothing an auditor need look at. A flow such as
    GDP rises through each year (it is the year to date), and a level's first quarters are not a straight line back
    towards zero; the demo once held 33 such warnings of its own making, each a false alarm in the queue."""
    home, _ = demo_run
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        errors = conn.sql("""select count(*) from findings where severity = 'error'
                             and file_name not like '%draft%'""").fetchone()[0]
        warnings, rows = conn.sql("""select (select count(*) from findings where severity = 'warning'),
                                            (select count(*) from submission_rows)""").fetchone()
    assert (errors, warnings) == (0, 0) and rows > 0


@pytest.mark.slow
def test_demo_status_agrees_with_completion_and_comparison_on_every_row(demo_run):
    # every progress row of every plan, region and quarter (README, "Progress"): none contradicts itself, and no
    # top-N target has more regions meeting it than places
    home, _ = demo_run
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        assert conn.sql("from judgement_contradictions").fetchall() == []
