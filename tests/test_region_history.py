"""Regions under their codes of the day, in a real DuckDB warehouse: intake, rankings and names."""

from __future__ import annotations

import pytest

from ipwatch import warehouse

from .conftest import checked, write_csv


def findings(conn, ws, catalogue, rows, tmp_path, office="370200"):
    path = write_csv(tmp_path / "qingdao.csv", rows)
    return [(f.rule, f.value) for f in checked(conn, ws, catalogue, path, office).findings
            if f.rule in ("region_known", "region_in_jurisdiction")]


@pytest.mark.parametrize(("row", "expected"), [
    ("370282,2015Q4,pct_applications,1,件,", []),  # 即墨市 in 2015, under the code of its time
    ("370215,2015Q4,pct_applications,1,件,", []),  # 即墨区's code for a past quarter: accepted, as before
    ("370215,2025Q3,pct_applications,1,件,", []),
    ("370282,2017Q4,pct_applications,1,件,", []),  # its last quarter: the 2017-11 list first shows 即墨区
    ("370282,2018Q1,pct_applications,1,件,", [("region_known", "370282")]),  # no longer a region
])
def test_a_quarter_is_accepted_under_the_codes_of_its_time_and_todays(conn, ws, catalogue, tmp_path, row, expected):
    assert findings(conn, ws, catalogue, [row], tmp_path) == expected


def test_an_office_answers_for_a_past_code_under_it_and_no_other(conn, ws, catalogue, tmp_path):
    row = "370684,2015Q4,pct_applications,1,件,"  # 蓬莱市, under 烟台市 370600, not 青岛市
    assert findings(conn, ws, catalogue, [row], tmp_path) == [("region_in_jurisdiction", "370684")]
    assert findings(conn, ws, catalogue, [row], tmp_path, office="370600") == []


def test_a_quarters_regions_and_names_are_those_of_its_last_day(conn):
    def named(period):
        rows = conn.execute("select region_code, full_name from regions_on(quarter_end($p)) "
                            "where region_code in ('370282', '370215', '371202', '370116')", {"p": period}).fetchall()
        return sorted(rows)

    assert named("2015Q4") == [("370282", "青岛市即墨市"), ("371202", "莱芜市莱城区")]
    assert named("2020Q4") == [("370116", "济南市莱芜区"), ("370215", "青岛市即墨区")]


def test_region_names_knows_a_past_code_under_its_last_name(conn):
    rows = warehouse.query(conn, "plan_list").height  # region_names still gives one row a code: plans unchanged
    assert rows == 5
    (name,) = conn.execute("select full_name from region_names where region_code = '370282'").fetchone()
    assert name == "青岛市即墨市"
