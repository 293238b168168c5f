"""The validation suite is generated from the catalogue and checked in."""

from __future__ import annotations

from dataclasses import replace

from ipwatch.intake import suite, validate

from .conftest import checked, write_csv


def test_checked_in_suite_is_what_the_catalogue_generates(catalogue):
    assert suite.SUITE_FILE.read_text("utf-8") == suite.render(catalogue), "run: ipwatch expectations"


def test_every_indicator_has_its_bounds_in_the_suite(catalogue):
    text = suite.SUITE_FILE.read_text("utf-8")
    assert all(f"('{code}', " in text for code in catalogue.indicators)


def test_a_new_bound_in_the_catalogue_changes_the_rules_and_the_outcome(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "f.csv", ["340102,2025Q3,patent_attorneys,900,人,"])
    entry = checked(conn, ws, catalogue, path)
    assert entry.findings == ()
    attorneys = catalogue.indicators["patent_attorneys"]
    tighter = replace(catalogue, indicators={**catalogue.indicators,
                                             "patent_attorneys": replace(attorneys, bounds=(0, 500))})
    rules_file = suite.write(tighter, tmp_path / "submission_rows.yaml")
    assert suite.render(tighter) != suite.render(catalogue)
    found = validate.Validator(conn, rules_file).run(conn, [entry.submission_id])[entry.submission_id]
    assert [(f.rule, f.line, f.value) for f in found] == [("value_in_bounds", 2, "900（合理范围 0–500 人）")]
