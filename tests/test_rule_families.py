"""Each family of catalogue rules, broken by a real submission and passed by another (issue: validation)."""

from __future__ import annotations

import pytest

from ipwatch import audit
from ipwatch.warehouse import load

from .conftest import checked, write_csv

HEFEI_COUNTIES = ("340102", "340103", "340104", "340111", "340121", "340122")


def run(conn, ws, catalogue, tmp_path, rows: list[str], name: str = "f.csv", accept: bool = False) -> list[tuple]:
    """The findings of a file of `rows` from Hefei's office, other than the completeness warning."""
    path = write_csv(tmp_path / name, rows)
    entry = checked(conn, ws, catalogue, path)
    found = list(entry.findings)
    if accept:
        load.decide(conn, {entry.submission_id: found})
    return [(f.rule, f.severity, f.line, f.column) for f in found if f.rule != "required_indicator_reported"]


@pytest.mark.parametrize(("rows", "expected"), [
    (["340102,2025Q3,pct_applications,3.5,件,"], [("count_whole", "error", 2, "value")]),
    (["340102,2025Q3,pct_applications,3,件,"], []),
    (["340102,2025Q3,invention_patents_per_10k,2.0,件/万人,", "340102,2025Q3,invention_patents_in_force,100,件,",
      "340102,2025Q3,population,60,万人,"], [("ratio_matches_parts", "error", 2, "value")]),
    (["340102,2025Q3,invention_patents_per_10k,1.67,件/万人,", "340102,2025Q3,invention_patents_in_force,100,件,",
      "340102,2025Q3,population,60,万人,"], []),
    (["340102,2025Q3,high_value_invention_patents_in_force,50,件,", "340102,2025Q3,invention_patents_in_force,40,件,"],
     [("consistency_high_value_within_in_force", "error", 2, "value")]),
    (["340102,2025Q3,high_value_invention_patents_in_force,30,件,", "340102,2025Q3,invention_patents_in_force,40,件,"],
     []),
    (["340100,2025Q3,patent_attorneys,100,人,", "340102,2025Q3,patent_attorneys,80,人,",
      "340103,2025Q3,patent_attorneys,40,人,"], [("children_within_parent", "warning", 2, "value")]),
    (["340100,2025Q3,patent_attorneys,130,人,", "340102,2025Q3,patent_attorneys,80,人,",
      "340103,2025Q3,patent_attorneys,40,人,"], []),
])
def test_rules_within_one_file(conn, ws, catalogue, tmp_path, rows, expected):
    assert run(conn, ws, catalogue, tmp_path, rows) == expected


def test_year_to_date_falling_against_last_quarter_is_a_warning(conn, ws, catalogue, tmp_path):
    run(conn, ws, catalogue, tmp_path, ["340102,2025Q2,pct_applications,100,件,"], "q2.csv", accept=True)
    assert run(conn, ws, catalogue, tmp_path, ["340102,2025Q3,pct_applications,80,件,"], "q3.csv") == [
        ("ytd_not_falling", "warning", 2, "value")]
    assert run(conn, ws, catalogue, tmp_path, ["340102,2025Q3,pct_applications,120,件,"], "q3b.csv") == []


def test_stock_jumping_against_last_accepted_quarter_is_a_warning(conn, ws, catalogue, tmp_path):
    run(conn, ws, catalogue, tmp_path, ["340102,2025Q2,invention_patents_in_force,100,件,"], "q2.csv", accept=True)
    assert run(conn, ws, catalogue, tmp_path, ["340102,2025Q3,invention_patents_in_force,400,件,"], "q3.csv") == [
        ("change_against_last_quarter", "warning", 2, "value")]
    assert run(conn, ws, catalogue, tmp_path, ["340102,2025Q3,invention_patents_in_force,250,件,"], "ok.csv") == []


def hefei(period: str, values: tuple[float, ...]) -> list[str]:
    """One row of patent_attorneys per Hefei county, in HEFEI_COUNTIES' order."""
    return [f"{code},{period},patent_attorneys,{v},人," for code, v in zip(HEFEI_COUNTIES, values, strict=True)]


def steady(conn, ws, catalogue, tmp_path, values: tuple[float, ...], rows: int = 6) -> None:
    """Four accepted quarters of the same values, 2024Q3 to 2025Q2: history enough (outlier_min_history)."""
    for period in ("2024Q3", "2024Q4", "2025Q1", "2025Q2"):
        run(conn, ws, catalogue, tmp_path, hefei(period, values)[:rows], f"{period}.csv", accept=True)


BASE = (20, 22, 24, 20, 22, 200)


def test_a_value_that_moved_unlike_its_peers_is_a_warning(conn, ws, catalogue, tmp_path):
    steady(conn, ws, catalogue, tmp_path, BASE)
    # by hand: 340102 went 20 -> 50, ln 2.5 = 0.92 (under change_factor 3); its peers' changes ln(24/22) = 0.087,
    # 0, 0, 0, ln(210/200) = 0.049 have median 0 and MAD 0; 0.92 > ln 1.25 = 0.22: flagged
    rows = hefei("2025Q3", (50, 24, 24, 20, 22, 210))
    assert run(conn, ws, catalogue, tmp_path, rows, "jump.csv") == [("change_outlier", "warning", 2, "value")]


def test_a_region_always_far_above_its_peers_is_not_flagged(conn, ws, catalogue, tmp_path):
    # 340122's 200 is ten times its peers' every quarter (a modified z-score of 60 on the level) but moved as they did
    steady(conn, ws, catalogue, tmp_path, BASE)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (20, 24, 24, 22, 22, 208)), "q3.csv") == []


def test_a_region_that_always_grows_faster_than_its_peers_is_not_flagged(conn, ws, catalogue, tmp_path):
    # 340102 grows by half every quarter while its peers stand still: its pace beside them is ln 1.5 = 0.405 a
    # quarter (steps 0.405, 0.405, 0.413, median 0.405); 68 -> 101 is ln 1.485 = 0.396, 0.009 from its pace
    for period, own in (("2024Q3", 20), ("2024Q4", 30), ("2025Q1", 45), ("2025Q2", 68)):
        run(conn, ws, catalogue, tmp_path, hefei(period, (own, *BASE[1:])), f"{period}.csv", accept=True)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (101, *BASE[1:])), "q3.csv") == []
    # the same x1.49 from a region with no such pace is news
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (101, 33, *BASE[2:])), "q3b.csv") == [
        ("change_outlier", "warning", 3, "value")]


def test_a_confirmed_level_is_not_flagged_again(conn, ws, catalogue, tmp_path):
    steady(conn, ws, catalogue, tmp_path, BASE)
    jumped = (50, 22, 24, 20, 22, 200)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", jumped), "q3.csv", accept=True) == [
        ("change_outlier", "warning", 2, "value")]
    [held] = [f for f in audit.list_findings(conn) if f["rule"] == "change_outlier"]
    audit.decide(conn, held["finding_id"], "确认", "新设立机构，属实", "张三")
    # the confirmed 50 is the level 2025Q4 is measured from: the same level again is no change...
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q4", jumped), "q4.csv") == []
    # ...and a fall back to the old level is one (50 -> 20 is /2.5 against peers' x1.00)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q4", BASE), "back.csv") == [
        ("change_outlier", "warning", 2, "value")]


def test_too_few_peers_say_nothing(conn, ws, catalogue, tmp_path):
    # four peers with both quarters, one short of outlier_min_peers (5)
    steady(conn, ws, catalogue, tmp_path, BASE, rows=5)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (50, 22, 24, 20, 22, 200))[:5], "q3.csv") == []


def test_a_short_history_or_a_small_count_says_nothing(conn, ws, catalogue, tmp_path):
    # one accepted quarter is not a pace (outlier_min_history 4)
    run(conn, ws, catalogue, tmp_path, hefei("2025Q2", BASE), "q2.csv", accept=True)
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (50, 22, 24, 20, 22, 200)), "q3.csv") == []
    # 4 -> 10 people is x2.5 too, but a count under outlier_min_count (20)
    steady(conn, ws, catalogue, tmp_path, (4, 22, 24, 20, 22, 200))
    assert run(conn, ws, catalogue, tmp_path, hefei("2025Q3", (10, 22, 24, 20, 22, 200)), "small.csv") == []
