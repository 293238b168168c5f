"""The intake pipeline: named stages over a batch of files, each file judged as if it had come alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ipwatch import config, warehouse
from ipwatch.intake import pipeline
from ipwatch.intake.batch import Batch, Incoming
from ipwatch.warehouse import reference

from .conftest import process, write_csv

# Hefei's counties; the city's office (340100) reports for all of them.
HISTORY = [  # a year of 100 for every county: each has a pace of its own beside its peers (outlier_min_history)
    f"{county},{period},patent_applications,100,件,"
    for county in ("340102", "340103", "340104", "340111", "340121", "340122", "340123")
    for period in ("2024Q3", "2024Q4", "2025Q1", "2025Q2")
] + [
    "340104,2025Q3,patent_applications,100,件,",
    "340111,2025Q3,patent_applications,105,件,",
    "340121,2025Q3,patent_applications,110,件,",
    "340122,2025Q3,patent_applications,115,件,",
    "340123,2025Q3,patent_applications,120,件,",
]


def workspace_with_history(tmp_path: Path, catalogue) -> config.Workspace:
    ws = config.workspace(tmp_path / "base")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        [history] = process(conn, ws, catalogue, [(write_csv(tmp_path / "history.csv", HISTORY), "340100")])
    assert history["status"].startswith("accepted")
    return ws


def copy_of(ws: config.Workspace, home: Path) -> config.Workspace:
    shutil.copytree(ws.home, home)
    return config.workspace(home)


def quarter_files(tmp_path: Path) -> list[tuple[Path, str]]:
    """2025Q3 from two county offices and from the city, in one drop."""
    return [
        (write_csv(tmp_path / "a.csv", ["340102,2025Q3,patent_applications,5000,件,"]), "340102"),
        (write_csv(tmp_path / "b.csv", ["340103,2025Q3,patent_applications,100,件,"]), "340103"),
        (write_csv(tmp_path / "c.csv", ["340100,2025Q3,patent_applications,1000,件,"]), "340100"),
    ]


def judged(results: list[dict]) -> list[list[tuple]]:
    """Each file's findings, as comparable values."""
    return [sorted((f["rule"], f["line"], f["column"], f["value"]) for f in r["errors"] + r["warnings"])
            for r in results]


def run_alone(ws: config.Workspace, catalogue, files: list[tuple[Path, str]]) -> list[dict]:
    with warehouse.connect(ws.warehouse) as conn:
        return process(conn, ws, catalogue, files)


def test_a_batch_judges_each_file_as_if_it_came_alone(tmp_path, catalogue):
    base = workspace_with_history(tmp_path, catalogue)
    files = quarter_files(tmp_path)
    together = run_alone(copy_of(base, tmp_path / "together"), catalogue, files)
    alone = [run_alone(copy_of(base, tmp_path / f"alone{n}"), catalogue, [f])[0] for n, f in enumerate(files)]
    assert judged(together) == judged(alone)
    assert [r["status"] for r in together] == [r["status"] for r in alone]
    # by hand: 340102's 100 -> 5000 against its peers' changes since 2025Q2, x1.00, 1.05, 1.10, 1.15, 1.20: five
    # peers, median x1.10 (with 340103's 100 of the other file it would be six, median x1.075)
    [outlier] = [f for f in judged(together)[0] if f[0] == "change_outlier"]
    assert "5 个同级地区变化中位数 ×1.10" in outlier[3]
    # the city's 1000 is above its counties' accepted 550: the counties' files of the same drop do not count
    assert "children_within_parent" not in {rule for rule, *_ in judged(together)[2]}


def test_one_at_a_time_the_same_files_would_see_each_other(tmp_path, catalogue):
    """The control for the test above: its files do interact when each is decided before the next is read."""
    base = workspace_with_history(tmp_path, catalogue)
    ws = copy_of(base, tmp_path / "sequential")
    with warehouse.connect(ws.warehouse) as conn:
        one_by_one = [process(conn, ws, catalogue, [f])[0] for f in quarter_files(tmp_path)]
    assert "children_within_parent" in {rule for rule, *_ in judged(one_by_one)[2]}


def test_the_files_of_a_drop_are_validated_in_one_batch(tmp_path, catalogue):
    ws = copy_of(workspace_with_history(tmp_path, catalogue), tmp_path / "w")
    run_alone(ws, catalogue, quarter_files(tmp_path))
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        batches = conn.sql("select batch_id, count(*) from validation_runs group by all order by all").fetchall()
    assert batches == [(1, 1), (2, 3)]  # the history file, then the three of the drop together


def test_an_offices_later_file_is_judged_after_its_earlier_one(conn, ws, catalogue, tmp_path):
    q2 = write_csv(tmp_path / "q2.csv", ["340102,2025Q2,patent_applications,300,件,"])
    q3 = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,patent_applications,200,件,"])  # year-to-date fell
    results = process(conn, ws, catalogue, [(q2, "340102"), (q3, "340102")])
    assert [w["rule"] for w in results[1]["warnings"]] == ["ytd_not_falling"]


def test_waves_take_the_kth_file_of_every_office_together():
    files = [Incoming(Path(name), office) for name, office in
             [("a1", "A"), ("a2", "A"), ("b1", "B"), ("a3", "A"), ("c1", "C"), ("b2", "B")]]
    assert pipeline.waves(files) == [[0, 2, 4], [1, 5], [3]]


def test_outcomes_come_back_in_the_order_given(conn, ws, catalogue, tmp_path):
    first = write_csv(tmp_path / "1.csv", ["340102,2025Q2,pct_applications,1,件,"])
    second = write_csv(tmp_path / "2.csv", ["340102,2025Q3,pct_applications,2,件,"])
    third = write_csv(tmp_path / "3.csv", ["340103,2025Q3,pct_applications,3,件,"])
    results = process(conn, ws, catalogue, [(first, "340102"), (second, "340102"), (third, "340103")])
    assert [Path(r["file"]).name for r in results] == ["1.csv", "2.csv", "3.csv"]
    assert [r["office"] for r in results] == ["340102", "340102", "340103"]


def test_the_same_bytes_twice_in_one_drop_are_a_duplicate(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,1,件,"])
    results = process(conn, ws, catalogue, [(path, "340102"), (path, "340102")])
    assert [r["status"] for r in results] == ["accepted", "duplicate"]



def test_a_batch_s_findings_stored_a_slice_at_a_time_are_each_stored_once(conn, ws, catalogue, tmp_path, monkeypatch):
    """load.decide stores a batch's findings FINDINGS_AT_ONCE at a time (a hostile file has hundreds of thousands):
    seven wrong rows in two files, three at a time, are seven findings of the right files, each with an id of its
    own, and the receipts name the same seven."""
    from ipwatch.warehouse import load

    monkeypatch.setattr(load, "FINDINGS_AT_ONCE", 3)
    wrong = [write_csv(tmp_path / "a.csv", [f"340102,2025Q3,no_such_{n},1,件," for n in range(4)]),
             write_csv(tmp_path / "b.csv", [f"340103,2025Q3,no_such_{n},1,件," for n in range(3)])]
    results = process(conn, ws, catalogue, [(wrong[0], "340102"), (wrong[1], "340103")])
    told = sorted((r["submission_id"], e["line"], e["value"]) for r in results for e in r["errors"])
    assert len(told) == 7
    stored = conn.execute("select submission_id, line, value, finding_id from validation_findings "
                          "order by submission_id, line").fetchall()
    assert [row[:3] for row in stored] == told
    assert len({row[3] for row in stored}) == 7


@pytest.mark.parametrize("wrong", [7, 210])  # GX lists up to 200 failing rows; more are read again
def test_a_rule_s_error_rows_beyond_those_listed_are_counted_in_one_line_and_told_again_alike(conn, ws, catalogue,
                                                                                             tmp_path, monkeypatch,
                                                                                             wrong):
    """A report lists `listed_per_rule` rows of an error rule and counts the rest in one finding (a hostile file's
    200,000 wrong rows, explained and held, were most of its run's memory): unknown indicators, three listed, are
    as many faults in the report, the receipt and the rule's outcome; the same bytes again are told the same."""
    from ipwatch import pages
    from ipwatch.intake import validate

    monkeypatch.setattr(validate, "listed_per_rule", lambda: 3)
    path = write_csv(tmp_path / "wrong.csv", [f"340102,2025Q3,no_such_{n},1,件," for n in range(wrong)])
    [first] = process(conn, ws, catalogue, [(path, "340102")])
    assert first["status"] == "rejected"
    assert [(e["rule"], e["line"]) for e in first["errors"]] == [("indicator_known", line) for line in (2, 3, 4)] + [
        ("rows_not_listed", None)]
    rest = first["errors"][-1]
    assert (rest["faults"], rest["value"], rest["column"]) == (wrong - 3, None, "indicator")
    assert f"另有 {wrong - 3} 行" in rest["message"] and rest["fix"]
    assert pages.environment().from_string("{{ errors | fault_count }}").render(errors=first["errors"]) == str(wrong)
    (failing,) = conn.execute("select o.failing_rows from validation_rule_outcomes as o join validation_runs as r "
                              "using (run_id) where r.submission_id = ? and o.rule = 'indicator_known'",
                              [first["submission_id"]]).fetchone()
    assert failing == wrong
    report = next(ws.quarantine.glob(f"{first['submission_id']}-*.errors.html")).read_text("utf-8")
    assert f"本文件有 {wrong} 处错误" in report and "其余各行" in report
    [again] = process(conn, ws, catalogue, [(path, "340102")])
    assert again["status"] == "duplicate" and again["errors"] == first["errors"]

def test_the_values_in_force_are_those_the_versions_rank_newest(conn, ws, catalogue, tmp_path):
    """current_observations, kept at each decision, against observations_all's ranking of every version."""
    files = [
        (write_csv(tmp_path / "a.csv", ["340102,2025Q3,pct_applications,1,件,",
                                        "340103,2025Q3,pct_applications,2,件,"]), "340100"),
        (write_csv(tmp_path / "b.csv", ["340102,2025Q3,pct_applications,5,件,"]), "340102"),  # a correction
        (write_csv(tmp_path / "c.csv", ["340103,2025Q3,pct_applications,abc,件,"]), "340103"),  # rejected
        (write_csv(tmp_path / "d.csv", ["340102,2025Q3,pct_applications,7,件,"]), "340100"),  # corrected again
    ]
    process(conn, ws, catalogue, files)
    kept = conn.sql("select region_code, value, submission_id from observations order by all").fetchall()
    ranked = conn.sql("select region_code, value, submission_id from observations_all where is_current "
                      "order by all").fetchall()
    assert kept == ranked == [("340102", 7, 4), ("340103", 2, 1)]


def test_an_older_warehouse_gets_its_values_in_force_on_upgrade(ws, catalogue, tmp_path):
    with warehouse.connect(ws.warehouse) as conn:
        process(conn, ws, catalogue, [(write_csv(tmp_path / "a.csv", ["340102,2025Q3,pct_applications,1,件,"]),
                                       "340100")])
        conn.execute("drop table current_observations cascade")  # as a version-1 warehouse was
        conn.execute("update schema_version set version = 1")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        assert conn.sql("select region_code, value from observations").fetchall() == [("340102", 1)]
        assert warehouse.schema_version(conn) == warehouse.SCHEMA_VERSION


def test_a_warehouse_from_before_counters_takes_its_next_ids_after_those_in_use(ws, catalogue, tmp_path):
    rows = ["340102,2025Q3,pct_applications,1,件,", "340102,2025Q3,no_such_indicator,1,件,"]
    with warehouse.connect(ws.warehouse) as conn:
        process(conn, ws, catalogue, [(write_csv(tmp_path / "a.csv", rows[:1]), "340100"),
                                      (write_csv(tmp_path / "b.csv", rows), "340100")])
        used = conn.sql("select max(submission_id), max(finding_id) from findings").fetchone()
        conn.execute("drop table counters")  # as a version-2 warehouse was
        conn.execute("update schema_version set version = 2")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        process(conn, ws, catalogue, [(write_csv(tmp_path / "c.csv", rows[1:]), "340100")])
        newest = conn.sql("select max(submission_id), max(finding_id) from findings").fetchone()
    assert used == (2, 1) and newest == (3, 2)


def test_a_file_that_breaks_a_stage_is_rejected_with_a_system_error_and_the_others_go_on(tmp_path, conn, ws):
    """An exception no rule foresaw (here a catalogue entry without a unit, which unit conversion cannot handle)
    becomes the outcome of the one file that met it: rejected, quarantined with its report; the others accepted."""
    from ipwatch.domain import catalogue as cat

    shipped = cat.default()
    broken = cat.Indicator(code="broken", name_zh="坏指标", name_en="broken", category="创造", unit=None,
                           measure="stock", direction="up", bounds=(0, 1))
    catalogue = cat.Catalogue(indicators={**shipped.indicators, "broken": broken}, plans=shipped.plans)
    good = write_csv(tmp_path / "good.csv", ["340102,2025Q3,pct_applications,5,件,"])
    poison = write_csv(tmp_path / "poison.csv", ["340102,2025Q2,broken,5,件,"])
    later = write_csv(tmp_path / "later.csv", ["340103,2025Q3,pct_applications,6,件,"])
    results = process(conn, ws, catalogue, [(good, "340100"), (poison, "340100"), (later, "340103")])
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    [error] = results[1]["errors"]
    assert (error["rule"], error["value"]) == ("system", None) and "已退回" in error["message"]
    assert "AttributeError" not in error["message"]  # the operator's log has it, not the office
    [kept] = [p for p in ws.quarantine.iterdir() if p.name.endswith("poison.csv")]
    assert kept.read_bytes() == poison.read_bytes() and kept.with_name(kept.name + ".errors.html").exists()


def in_parts(stage_fn: pipeline.Step, *args: object) -> Batch:
    """A stage run as `--runner dask` runs the file stages: on parts of the batch apart, then joined."""
    if stage_fn not in pipeline.FILE_STAGES:
        return stage_fn(*args)
    (batch,) = args
    return pipeline.joined(batch, [(positions, stage_fn(piece)) for positions, piece in pipeline.split(batch, 2)])


def test_file_stages_run_on_parts_of_a_batch_decide_every_file_as_on_the_whole(tmp_path, catalogue):
    rows = ["340102,2025Q3,pct_applications,1,件,", "340103,2025Q3,pct_applications,2,件,"]
    sent = tmp_path / "sent"
    sent.mkdir()
    files = [(write_csv(sent / "a.csv", rows), "340100"), (write_csv(sent / "b.csv", rows[1:]), "340100"),
             (write_csv(sent / "c.csv", ["340102,2025Q3,no_such_indicator,1,件,"]), "340100"),
             ((sent / "d.csv"), "340100"), (write_csv(sent / "e.csv", rows[:1]), "340100")]
    (sent / "d.csv").write_bytes(b"\x00\x01binary")
    outcomes = []
    for name, step in (("whole", pipeline.call), ("parts", in_parts)):
        ws = config.workspace(tmp_path / name)
        reference.initialise(ws)
        with warehouse.connect(ws.warehouse) as conn:
            got = pipeline.process(conn, ws, [Incoming(p, o) for p, o in files], catalogue, step=step)
            outcomes.append([{k: v for k, v in o.items() if k != "file"} for o in got])
            outcomes.append(conn.sql("select * exclude (received_at) from observations_all order by all").fetchall())
    assert outcomes[0] == outcomes[2] and outcomes[1] == outcomes[3]
    assert [o["status"] for o in outcomes[0]] == ["accepted", "accepted", "rejected", "rejected", "accepted"]
