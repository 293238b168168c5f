"""The ingest flow, run for real under Prefect, against a real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.ingest import ingest_flow
from ipwatch import cli, config, warehouse
from ipwatch.domain.finding import Finding
from ipwatch.warehouse import load

from .conftest import through, write_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def home(tmp_path):
    return str(tmp_path / "home")


def current(home: str) -> list[tuple]:
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        return conn.sql("select region_code, period, indicator_code, value from observations order by all").fetchall()


def test_accepted_file_becomes_current(tmp_path, home):
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,700,件,",
                                           "340102,2025Q3,ip_pledge_financing_amount,250000,万元,"])
    [result] = ingest_flow([path], office="340100", home=home)
    assert (result["status"], result["rows"], result["errors"]) == ("accepted", 2, [])
    assert current(home) == [("340102", "2025Q3", "ip_pledge_financing_amount", 25.0),
                             ("340102", "2025Q3", "pct_applications", 700.0)]


def test_rejected_file_loads_nothing_and_is_kept_with_a_report(tmp_path, home):
    path = write_csv(tmp_path / "bad.csv", ["340102,2025Q3,pct_applications,700,件,",
                                            "340102,2025Q3,pct_applications,abc,件,"])
    [result] = ingest_flow([path], office="340100", home=home)
    assert result["status"] == "rejected"
    assert current(home) == []
    ws = config.workspace(home)
    kept = list(ws.quarantine.glob("*bad.csv"))
    assert [p.read_bytes() for p in kept] == [path.read_bytes()]
    report = json.loads(kept[0].with_name(kept[0].name + ".errors.json").read_text("utf-8"))
    html = kept[0].with_name(kept[0].name + ".errors.html").read_text("utf-8")
    assert "本文件有 3 处错误" in html and "value_numeric" in html
    assert [(f["line"], f["column"], f["rule"]) for f in report["errors"]] == [
        (2, "indicator", "key_unique"), (3, "indicator", "key_unique"), (3, "value", "value_numeric")]


def test_warning_only_file_is_accepted_with_warnings(tmp_path, home):
    path = write_csv(tmp_path / "na.csv", ["340102,2025Q3,pct_applications,/,件,"])
    [result] = ingest_flow([path], office="340100", home=home)
    assert (result["status"], [w["rule"] for w in result["warnings"]]) == ("accepted_with_warnings", ["value_missing"])
    assert current(home) == [("340102", "2025Q3", "pct_applications", None)]


def test_correction_supersedes_and_keeps_the_old_version(tmp_path, home):
    first = write_csv(tmp_path / "v1.csv", ["340102,2025Q3,pct_applications,700,件,"])
    second = write_csv(tmp_path / "v2.csv", ["340102,2025Q3,pct_applications,710,件,修正"])
    ingest_flow([first, second], office="340100", home=home)
    assert current(home) == [("340102", "2025Q3", "pct_applications", 710.0)]
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        versions = conn.sql("select value, is_current from observations_all order by submission_id").fetchall()
    assert versions == [(700.0, False), (710.0, True)]


def test_same_file_twice_is_a_duplicate_and_recorded(tmp_path, home):
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,700,件,"])
    statuses = [r["status"] for r in ingest_flow([path, path], office="340100", home=home)]
    assert statuses == ["accepted", "duplicate"]
    with warehouse.connect(config.workspace(home).warehouse) as conn:
        assert conn.sql("select status from submissions order by submission_id").fetchall() == [
            ("accepted",), ("duplicate",)]


def test_unreadable_file_is_rejected_at_line_one(tmp_path, home):
    path = write_csv(tmp_path / "h.csv", ["340102,2025Q3,700"], header="region_code,period,value")
    [result] = ingest_flow([path], office="340100", home=home)
    assert (result["status"], result["errors"][0]["line"], result["errors"][0]["rule"]) == (
        "rejected", 1, "file_readable")


def test_crash_after_receiving_is_completed_by_the_next_run(tmp_path, home):
    """A run that died after registering the file: the rerun validates it once, no second submission."""
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,700,件,"])
    ws = config.workspace(home)
    ingest_flow([], office="340100", home=home)
    with warehouse.connect(ws.warehouse) as conn:
        through(conn, ws, path, "340100", "stage")
    [result] = ingest_flow([path], office="340100", home=home)
    assert (result["submission_id"], result["status"]) == (1, "accepted")
    assert current(home) == [("340102", "2025Q3", "pct_applications", 700.0)]


def test_cli_exit_status_is_1_when_a_file_is_rejected(tmp_path, home, capsys):
    good = write_csv(tmp_path / "good.csv", ["340102,2025Q3,pct_applications,700,件,"])
    bad = write_csv(tmp_path / "bad.csv", ["999999,2025Q3,pct_applications,700,件,"])
    assert cli.main(["--home", home, "ingest", str(good), str(bad), "--as", "340100", "--json"]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["status"], r["errors"][:1]) for r in lines] == [
        ("accepted", []),
        ("rejected", [{"line": 2, "column": "region_code", "column_name": "行政区划代码", "cell": None,
                       "indicator": "pct_applications", "indicator_name": "PCT国际专利申请量", "rule": "region_known",
                       "value": "999999", "message": lines[1]["errors"][0]["message"],
                       "fix": "行政区划代码“999999”不存在：请填六位行政区划代码（GB/T 2260），如本单位的 340100",
                       "faults": 1}]),
    ]
    assert "行政区划代码不存在" in lines[1]["errors"][0]["message"]


def test_cli_usage_error_exits_2(tmp_path, home, capsys):
    assert cli.main(["--home", home, "ingest", "x.csv"]) == 2
    assert "--as" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["--home", home, "ingest", "--bogus"])
    assert exc.value.code == 2


def test_inbox_files_are_submitted_by_their_folder_office_and_cleared(tmp_path, home):
    from flows.ingest import inbox_flow

    ws = config.workspace(home).ensure()
    (ws.inbox / "340102").mkdir()
    (ws.inbox / "340100").mkdir()
    write_csv(ws.inbox / "340102" / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    write_csv(ws.inbox / "340100" / "q3.csv", ["340102,2025Q3,patent_attorneys,9,人,"])
    write_csv(ws.inbox / "340102" / "city.csv", ["340100,2025Q3,pct_applications,700,件,"])
    results = inbox_flow(home=home)
    assert sorted((r["office"], Path(r["file"]).name, r["status"]) for r in results) == [
        ("340100", "q3.csv", "accepted"), ("340102", "city.csv", "rejected"), ("340102", "q3.csv", "accepted")]
    assert list(ws.inbox.rglob("*.csv")) == []
    assert len(list(ws.archive.iterdir())) == 3


def test_inbox_leaves_a_file_still_arriving_for_the_next_run(tmp_path, home, monkeypatch):
    import os
    import time

    from flows.ingest import inbox_flow

    ws = config.workspace(home).ensure()
    (ws.inbox / "340102").mkdir()
    settled = write_csv(ws.inbox / "340102" / "old.csv", ["340102,2025Q3,pct_applications,5,件,"])
    os.utime(settled, (time.time() - 120, time.time() - 120))
    arriving = write_csv(ws.inbox / "340102" / "new.csv", ["340102,2025Q2,pct_applications,4,件,"])
    monkeypatch.setenv("IPWATCH_INBOX_SETTLE_SECONDS", "60")
    assert [Path(r["file"]).name for r in inbox_flow(home=home)] == ["old.csv"]
    assert arriving.exists() and not settled.exists()


def test_inbox_run_leaves_the_inbox_to_a_run_already_at_work(tmp_path, home):
    import fcntl

    from flows.ingest import inbox_flow

    ws = config.workspace(home).ensure()
    (ws.inbox / "340102").mkdir()
    waiting = write_csv(ws.inbox / "340102" / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    with open(ws.inbox / ".lock", "a+") as other_run:  # another process's claim, as flock sees it
        fcntl.flock(other_run, fcntl.LOCK_EX)
        assert inbox_flow(home=home) == []
    assert waiting.exists() and current(home) == []
    assert [r["status"] for r in inbox_flow(home=home)] == ["accepted"]


def test_a_submission_decided_by_another_run_keeps_that_verdict(tmp_path, conn, ws):
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    entry = through(conn, ws, path, "340102", "stage")
    assert load.decide(conn, {entry.submission_id: []}) == {entry.submission_id: "accepted"}
    late = [Finding("value_numeric", "error", 2, "value", "x", "m")]  # the other run's late verdict
    assert load.decide(conn, {entry.submission_id: late}) == {entry.submission_id: "accepted"}
    assert conn.sql("select count(*) from observation_versions").fetchone() == (1,)
    assert conn.sql("select count(*) from validation_findings").fetchone() == (0,)


def test_inbox_file_decided_before_a_crash_is_a_duplicate_on_rerun(tmp_path, home):
    from flows.ingest import inbox_flow

    ws = config.workspace(home).ensure()
    (ws.inbox / "340102").mkdir()
    path = write_csv(ws.inbox / "340102" / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    ingest_flow([path], office="340102", home=home)  # decided, then the run died before clearing the inbox
    [result] = inbox_flow(home=home)
    assert result["status"] == "duplicate" and not path.exists()
    assert current(home) == [("340102", "2025Q3", "pct_applications", 5.0)]


def test_resending_a_rejected_file_reports_its_faults_again_and_exit_1(tmp_path, home, capsys):
    bad = write_csv(tmp_path / "bad.csv", ["999999,2025Q3,pct_applications,700,件,"])
    cli.main(["--home", home, "ingest", str(bad), "--as", "340100", "--json"])
    capsys.readouterr()
    assert cli.main(["--home", home, "ingest", str(bad), "--as", "340100", "--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert (again["status"], again["duplicate_of"], again["original_status"]) == ("duplicate", 1, "rejected")
    assert [e["rule"] for e in again["errors"]] == ["region_known"]


def test_crash_after_receiving_an_unreadable_file_is_completed_by_the_next_run(tmp_path, home):
    path = write_csv(tmp_path / "h.csv", ["340100,2025Q3,700"], header="region_code,period,value")
    ws = config.workspace(home)
    ingest_flow([], office="340100", home=home)
    with warehouse.connect(ws.warehouse) as conn:
        through(conn, ws, path, "340100", "stage")
    [result] = ingest_flow([path], office="340100", home=home)
    assert (result["submission_id"], result["status"], result["errors"][0]["rule"]) == (1, "rejected", "file_readable")


def test_missing_file_or_unknown_office_is_a_usage_error_before_anything_runs(tmp_path, home, capsys):
    good = write_csv(tmp_path / "good.csv", ["340102,2025Q3,pct_applications,5,件,"])
    assert cli.main(["--home", home, "ingest", str(good), str(tmp_path / "nosuch.csv"), "--as", "340100"]) == 2
    assert cli.main(["--home", home, "ingest", str(good), "--as", "99"]) == 2
    assert "文件不存在" in capsys.readouterr().err
    assert not config.workspace(home).warehouse.exists()


def test_ingest_correct_then_reingest_leaves_the_correction_current_and_the_chain(tmp_path, home, capsys):
    first = write_csv(tmp_path / "v1.csv", ["340102,2025Q3,pct_applications,700,件,",
                                            "340102,2025Q3,patent_attorneys,90,人,"])
    fix = write_csv(tmp_path / "v2.csv", ["340102,2025Q3,pct_applications,710,件,更正"])
    results = ingest_flow([first, fix, first], office="340100", home=home)
    assert [r["status"] for r in results] == ["accepted", "accepted", "duplicate"]
    assert current(home) == [("340102", "2025Q3", "patent_attorneys", 90.0),
                             ("340102", "2025Q3", "pct_applications", 710.0)]
    assert cli.main(["--home", home, "history", "--region", "340102", "--indicator", "PCT国际专利申请量",
                     "--json"]) == 0
    chain = json.loads(capsys.readouterr().out)
    assert [(r["value"], r["is_current"], r["submission_id"], r["file_name"]) for r in chain] == [
        (710.0, True, 2, "v2.csv"), (700.0, False, 1, "v1.csv")]


def test_cli_in_a_new_workspace_runs_prefect_there(tmp_path):
    """A fresh --home several folders deep: Prefect's own state goes under it, and the command works."""
    import subprocess
    import sys

    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    home = tmp_path / "new" / "deeper"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PREFECT_")}
    done = subprocess.run([sys.executable, "-m", "ipwatch.cli", "--home", str(home), "ingest", str(path),
                           "--as", "340100", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["status"] == "accepted"
    assert (home / "prefect").is_dir() and done.stderr == ""


@pytest.mark.slow
def test_two_processes_ingesting_at_once_take_turns(tmp_path):
    """DuckDB lets one process open the warehouse: a second ipwatch waits for its turn, it does not fail."""
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    runs = []
    for region in ("340102", "340103"):
        files = [write_csv(tmp_path / f"{region}-{q}.csv", [f"{region},2025Q{q},pct_applications,{q},件,"])
                 for q in (1, 2, 3)]
        runs.append(subprocess.Popen([sys.executable, "-m", "ipwatch.cli", "--home", str(home), "ingest",
                                      *map(str, files), "--as", "340100", "--json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outcomes = [run.communicate(timeout=600) + (run.returncode,) for run in runs]
    assert [rc for _, _, rc in outcomes] == [0, 0], [err[-1500:] for _, err, _ in outcomes]
    statuses = [json.loads(line)["status"] for out, _, _ in outcomes for line in out.splitlines()]
    assert statuses == ["accepted"] * 6
    assert len(current(str(home))) == 6
