"""Each family of catalogue rules, broken by a real submission and passed by another (issue: validation)."""

from __future__ import annotations

import pytest

from ipwatch import load

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


def test_value_far_from_its_peers_is_a_warning(conn, ws, catalogue, tmp_path):
    # peers 10, 11, 12, 10, 11, 100: median 11, absolute deviations 1, 0, 1, 1, 0, 89 -> MAD 1;
    # 100 scores 0.6745 * 89 / 1 = 60.0 > 3.5; 12 scores 0.6745 < 3.5
    values = (10, 11, 12, 10, 11, 100)
    rows = [f"{code},2025Q3,patent_attorneys,{v},人," for code, v in zip(HEFEI_COUNTIES, values, strict=True)]
    assert run(conn, ws, catalogue, tmp_path, rows) == [("peer_outlier", "warning", 7, "value")]
