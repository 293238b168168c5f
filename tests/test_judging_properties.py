"""Status agrees with completion and the comparison for any values: generated warehouses full of ties, values at
and around their targets, 每年 years met and missed, and growth exactly at its rate (README, "Progress")."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import submit, write_csv

COUNTIES = 12
# few distinct values: ties at every place, the cut-off of a top-30% target included
pct = st.integers(min_value=0, max_value=4)
# 1,000 -> 1,331 over 3 years is exactly 10% a year, the target; the others around it
applications = st.sampled_from([1000, 1100, 1210, 1331, 1332, 1330, 900])
# 75% is the target: at it, just short of it (74.98 / 75 would print as 100.0%) and past it
coverage = st.sampled_from([74.98, 75, 75.01, 60, 90])
# 超过5,000万元 a year: exactly 5,000 is short of it
pledge = st.sampled_from([4999.99, 5000, 5000.01, 3300, 6000])
# 超过2家: 2 is short of it
institutions = st.integers(min_value=0, max_value=4)

liaoning = st.fixed_dictionaries({
    "pct": st.lists(pct, min_size=COUNTIES, max_size=COUNTIES),
    "apps": st.lists(st.tuples(applications, applications), min_size=COUNTIES, max_size=COUNTIES),
    "coverage": st.lists(coverage, min_size=COUNTIES, max_size=COUNTIES),
})
jiangjin = st.fixed_dictionaries({
    "pledge": st.lists(pledge, min_size=3, max_size=3),
    "institutions": st.lists(institutions, min_size=3, max_size=3),
})


def liaoning_rows(counties: list[str], drawn: dict) -> list[str]:
    rows = []
    for code, rank_value, (start, end), share in zip(counties, drawn["pct"], drawn["apps"], drawn["coverage"],
                                                     strict=True):
        rows += [f"{code},2019Q4,pct_applications,{rank_value},件,",
                 f"{code},2016Q4,invention_patent_applications,{start},件,",
                 f"{code},2019Q4,invention_patent_applications,{end},件,",
                 f"{code},2019Q4,tech_enterprise_patent_coverage,{share},%,"]
    return rows


def jiangjin_rows(drawn: dict) -> list[str]:
    periods = ("2024Q4", "2025Q4", "2026Q3")
    return ([f"500116,{p},ip_pledge_financing_amount,{v},万元," for p, v in zip(periods, drawn["pledge"], strict=True)]
            + [f"500116,{p},patent_open_license_pilot_institutions,{v},家,"
               for p, v in zip(periods, drawn["institutions"], strict=True)])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(north=liaoning, south=jiangjin)
def test_no_row_s_status_contradicts_its_completion_or_comparison(conn, ws, catalogue, tmp_path, north, south):
    counties = [c for (c,) in conn.sql(f"""select region_code from regions where level = 'county'
                                           and region_code like '21%' order by 1 limit {COUNTIES}""").fetchall()]
    n = len(list(tmp_path.iterdir()))
    for office, rows in (("210000", liaoning_rows(counties, north)), ("500116", jiangjin_rows(south))):
        assert submit(conn, ws, catalogue, write_csv(tmp_path / f"{office}-{n}.csv", rows), office) != "rejected"
    assert conn.sql("from judgement_contradictions").fetchall() == []
