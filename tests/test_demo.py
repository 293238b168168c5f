"""The whole job end to end: plausible offices' files in, bulletins out, on real Prefect, GX and DuckDB."""

from __future__ import annotations

import pytest

from flows.demo import demo_flow
from ipwatch import config, warehouse

PLAN_REGIONS = {"liaoning-2017": "辽宁省", "shanwei-2016": "汕尾市", "hefei-2022": "合肥市",
                "shandong-2015": "山东省", "jiangjin-2024": "江津区"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory, prefect_harness):
    home = tmp_path_factory.mktemp("demo")
    return home, demo_flow(home=str(home), last_quarter="2021Q2")


@pytest.mark.slow
def test_demo_renders_a_bulletin_for_every_plan_region(demo):
    _, summary = demo
    by_plan = {p.stem.removeprefix("2021-07-"): p.read_text("utf-8") for p in summary["bulletins"]}
    assert set(by_plan) == set(PLAN_REGIONS)
    for plan_id, name in PLAN_REGIONS.items():
        assert name in by_plan[plan_id]
    index = summary["index"].read_text("utf-8")
    assert all(name in index for name in PLAN_REGIONS.values())


@pytest.mark.slow
def test_demo_draft_is_rejected_and_every_quarterly_file_accepted(demo):
    _, summary = demo
    assert (summary["accepted"], summary["rejected"]) == (5 * 2, 1)


@pytest.mark.slow
def test_demo_covers_every_county_of_the_plan_regions(demo):
    home, _ = demo
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        counts = dict(conn.sql("""
            select left(region_code, 2), count(distinct region_code) from observations
            where period = '2021Q2' group by 1""").fetchall())
    # Liaoning 1 + 100 counties, Shandong 1 + 136, Chongqing: Jiangjin alone
    assert (counts["21"], counts["37"], counts["50"]) == (101, 137, 1)
