"""Great Expectations rules, run for real inside the DuckDB warehouse."""

from __future__ import annotations

import pytest

from ipwatch.intake import validate

from .conftest import checked, write_csv

CLEAN = [
    "340102,2025Q3,pct_applications,700,件,",
    "340103,2025Q3,pct_applications,120,件,",
    "340102,2025Q3,high_value_invention_patents_per_10k,15.3,件/万人,",
]


def findings(conn, ws, catalogue, path, office="340100"):
    return [(f.rule, f.line, f.column, f.value) for f in checked(conn, ws, catalogue, path, office).findings]


def test_clean_file_has_no_findings(conn, ws, catalogue, tmp_path):
    assert findings(conn, ws, catalogue, write_csv(tmp_path / "ok.csv", CLEAN)) == []


@pytest.mark.parametrize(("row", "expected"), [
    ("999999,2025Q3,pct_applications,1,件,", ("region_known", 5, "region_code", "999999")),
    ("210102,2025Q3,pct_applications,1,件,", ("region_in_jurisdiction", 5, "region_code", "210102")),
    ("340102,2025Q3,no_such_indicator,1,件,", ("indicator_known", 5, "indicator", "no_such_indicator")),
    ("340100,Q3-2025,pct_applications,1,件,", ("period_format", 5, "period", "Q3-2025")),
    # a year of two or three digits passed later rules' looser guard and failed inside them (#26, item 5)
    ("340102,25Q3,pct_applications,1,件,", ("period_format", 5, "period", "25Q3")),
    ("340102,999Q3,pct_applications,1,件,", ("period_format", 5, "period", "999Q3")),
    ("340102,2099Q1,pct_applications,1,件,", ("period_not_future", 5, "period", "2099年第一季度")),
    ("340102,2025Q2,ip_pledge_financing_amount,3,件,", ("unit_convertible", 5, "unit", "件")),
    ("340102,2025Q2,pct_applications,abc,件,", ("value_numeric", 5, "value", "abc")),
    ("340102,2025Q2,pct_applications,-4,件,", ("value_in_bounds", 5, "value", "-4（合理范围 0–50000 件）")),
    ("340102,2025Q2,pct_applications,/,件,", ("value_missing", 5, "value", "/")),
])
def test_each_rule_names_line_column_and_value(conn, ws, catalogue, tmp_path, row, expected):
    path = write_csv(tmp_path / "bad.csv", [*CLEAN, row])
    assert [f for f in findings(conn, ws, catalogue, path) if f[0] != "required_indicator_reported"] == [expected]


def test_duplicate_key_flags_both_lines(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [*CLEAN, "340102,2025-Q3,pct_applications,701,件,"])
    assert [(rule, line) for rule, line, *_ in findings(conn, ws, catalogue, path)] == [
        ("key_unique", 2), ("key_unique", 5)]


def test_county_office_may_not_submit_for_its_city(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "up.csv", ["340100,2025Q3,pct_applications,1,件,"])
    assert findings(conn, ws, catalogue, path, office="340102")[0][0] == "region_in_jurisdiction"


def test_province_office_may_submit_for_a_county_two_levels_down(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "down.csv", ["340102,2025Q3,pct_applications,1,件,"])
    assert findings(conn, ws, catalogue, path, office="340000") == []


def test_rows_of_other_submissions_are_not_judged(conn, ws, catalogue, tmp_path):
    findings(conn, ws, catalogue, write_csv(tmp_path / "bad.csv", ["999999,2025Q3,pct_applications,1,件,"]))
    assert findings(conn, ws, catalogue, write_csv(tmp_path / "ok.csv", CLEAN)) == []


def test_rules_file_has_severity_and_bilingual_messages():
    for rule in validate.rules():
        assert rule.severity in ("error", "warning")
        assert rule.message_zh and rule.message_en and "{batch}" in rule.query


def test_more_failing_rows_than_gx_lists_are_all_found(conn, ws, catalogue, tmp_path):
    rows = [f"340102,2025Q3,no_such_indicator_{n},1,件," for n in range(250)]  # GX lists at most 200 rows
    found = checked(conn, ws, catalogue, write_csv(tmp_path / "many.csv", rows)).findings
    assert [f.line for f in found if f.rule == "indicator_known"] == list(range(2, 252))


def test_indicators_the_plan_asks_for_but_missing_are_warnings(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "part.csv", ["340100,2025Q3,pct_applications,700,件,"])
    missing = {value for rule, line, _, value in findings(conn, ws, catalogue, path)
               if rule == "required_indicator_reported"}
    assert "340100 2025Q3 patent_attorneys" in missing
    assert "340100 2025Q3 pct_applications" not in missing
    # the numerator and denominator of a ratio the plan targets are asked for too
    assert "340100 2025Q3 high_value_invention_patents_in_force" in missing
    assert "340100 2025Q3 population" not in missing  # annual: asked for on the fourth quarter's form only


@pytest.mark.parametrize(("row", "expected"), [
    ("340102,2025Q3,pct_applications,7,件,不清楚", ("status_known", 2, "status", "不清楚")),
    ("340102,2025Q3,pct_applications,7,件,缺失", ("status_consistent", 2, "status", "7")),
])
def test_status_rules(conn, ws, catalogue, tmp_path, row, expected):
    path = write_csv(tmp_path / "s.csv", [row], header="region_code,period,indicator_code,value,unit,status")
    assert findings(conn, ws, catalogue, path) == [expected]


def test_a_blank_value_beside_a_status_nobody_knows_is_not_quietly_taken_for_missing(conn, ws, catalogue, tmp_path):
    """大概 beside a blank cell: the status is reported as unknown, and the blank value asks for a number or 缺失,
    where both used to pass as 缺失 without a word."""
    path = write_csv(tmp_path / "s.csv", ["340102,2025Q3,pct_applications,,件,大概"],
                     header="region_code,period,indicator_code,value,unit,status")
    assert sorted(findings(conn, ws, catalogue, path)) == [("status_known", 2, "status", "大概"),
                                                           ("value_numeric", 2, "value", "")]


def test_each_run_is_kept_with_its_suite_version_and_rule_outcomes(conn, ws, catalogue, tmp_path):
    import hashlib

    from ipwatch.intake import suite

    findings(conn, ws, catalogue, write_csv(tmp_path / "bad.csv", [*CLEAN, "999999,2025Q3,pct_applications,1,件,"]))
    run = conn.sql("select submission_id, suite_version, rules, failed_rules, failing_rows from validation_runs"
                   ).fetchall()
    version = hashlib.sha256(suite.SUITE_FILE.read_bytes()).hexdigest()[:12]
    assert run == [(1, version, len(validate.rules()), 1, 1)]
    failed = conn.sql("select rule, failing_rows from validation_rule_outcomes where not success").fetchall()
    assert failed == [("region_known", 1)]
