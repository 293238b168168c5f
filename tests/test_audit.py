"""The audit workflow on real submissions: open and closed findings, the append-only log, context, report, CLI."""

from __future__ import annotations

import getpass
import json
import re
import socket
import statistics
from datetime import datetime

import pytest

import ipwatch
from ipwatch import audit, cli, config, warehouse
from ipwatch.cli import audit as audit_cli
from ipwatch.domain import labels
from ipwatch.intake import validate

from .conftest import submit as submit_file
from .conftest import write_csv


def submit(conn, ws, catalogue, tmp_path, office: str, rows: list[str]) -> str:
    """Receive, validate and decide a file through the functions the ingest flow names; returns its status."""
    path = write_csv(tmp_path / f"{office}-{len(list(tmp_path.iterdir()))}.csv", rows)
    return submit_file(conn, ws, catalogue, path, office)


def finding(conn, rule: str, region: str | None = None) -> dict:
    """The one finding of `rule` (about `region`), as the findings view has it."""
    rows = [f for f in audit.list_findings(conn) if f["rule"] == rule and region in (None, f["region_code"])]
    assert len(rows) == 1
    return rows[0]


def status(conn, finding_id: int) -> str:
    return audit.show(conn, finding_id)["audit_status"]


def log_rows(conn) -> list[tuple]:
    return conn.sql("select * from audit_log order by log_id").fetchall()


@pytest.fixture
def missing(conn, ws, catalogue, tmp_path) -> int:
    """A county's value sent as '/': accepted, with a value_missing warning; returns the finding id."""
    assert submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,"]) == (
        "accepted_with_warnings")
    return finding(conn, "value_missing")["finding_id"]


def test_warning_without_decision_is_open_and_linked_to_its_row(conn, missing):
    found = audit.show(conn, missing)
    assert (found["audit_status"], found["decision"], found["history"]) == ("open", None, [])
    assert (found["region_code"], found["period"], found["indicator_code"], found["line"]) == (
        "340102", "2025Q3", "pct_applications", 2)
    assert [f["finding_id"] for f in audit.list_findings(conn, "open")] == [missing]
    assert audit.list_findings(conn, "closed") == []


def test_override_closes_the_finding_with_one_log_row(conn, missing):
    row = audit.decide(conn, missing, "override", "本季度确无申请", "张三")
    assert (row["decision"], row["decided_by"], row["audit_status"]) == ("override", "张三", "closed")
    assert [(r[1], r[2], r[3], r[4]) for r in log_rows(conn)] == [(missing, "override", "本季度确无申请", "张三")]
    found = finding(conn, "value_missing")
    assert (found["decision"], found["decided_by"], found["audit_status"]) == ("override", "张三", "closed")


def test_the_latest_of_two_decisions_wins_and_both_are_kept(conn, missing):
    audit.decide(conn, missing, "override", "先认可", "张三")
    audit.decide(conn, missing, "correct-requested", "复核后要求更正", "李四")
    assert len(log_rows(conn)) == 2
    found = audit.show(conn, missing)
    assert (found["decision"], found["decided_by"], found["audit_status"]) == ("correct-requested", "李四", "open")
    assert [h["decision"] for h in found["history"]] == ["override", "correct-requested"]


def test_correction_request_stays_open_until_a_later_accepted_submission(conn, ws, catalogue, tmp_path, missing):
    audit.decide(conn, missing, "correct-requested", "请补报", "张三")
    assert status(conn, missing) == "open"
    rejected = ["340102,2025Q3,pct_applications,12,件,", "999999,2025Q3,pct_applications,1,件,"]
    assert submit(conn, ws, catalogue, tmp_path, "340100", rejected) == "rejected"
    assert status(conn, missing) == "open"
    assert submit(conn, ws, catalogue, tmp_path, "340100", ["340103,2025Q3,pct_applications,5,件,"]) == "accepted"
    assert status(conn, missing) == "open"
    assert submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,12,件,"]) == "accepted"
    assert status(conn, missing) == "closed"
    assert audit.show(conn, missing)["superseded"] is True


def test_undecided_warning_closes_when_its_value_is_superseded(conn, ws, catalogue, tmp_path, missing):
    assert audit.show(conn, missing)["outcome_name"] == "待审核"
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,12,件,补报"])
    assert (status(conn, missing), audit.show(conn, missing)["decision"]) == ("closed", None)
    # the list says why it closed without a decision, never 待审核 beside 已结
    assert audit.show(conn, missing)["outcome_name"] == "已被新报送值取代"


def test_findings_of_a_rejected_file_are_closed(conn, ws, catalogue, tmp_path):
    rows = ["340102,2025Q3,pct_applications,/,件,", "999999,2025Q3,pct_applications,1,件,"]
    assert submit(conn, ws, catalogue, tmp_path, "340100", rows) == "rejected"
    found = audit.list_findings(conn)
    assert {(f["rule"], f["audit_status"]) for f in found} == {("value_missing", "closed"), ("region_known", "closed")}
    assert {f["outcome_name"] for f in found} == {"文件已退回，无需审核"}
    assert conn.sql("from values_under_audit").fetchall() == []
    # and no decision is recorded on them: there is nothing to decide
    with pytest.raises(ValueError, match="已结（文件已退回，无需审核），不能再作审核结论"):
        audit.decide(conn, found[0]["finding_id"], "confirm", "数值无误", "张三")
    assert conn.sql("select count(*) from audit_log").fetchone() == (0,)


def test_summary_finding_links_to_no_row_and_closes_only_by_a_decision(conn, ws, catalogue, tmp_path):
    assert submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2025Q3,pct_applications,700,件,"]) == (
        "accepted_with_warnings")
    summary = [f for f in audit.list_findings(conn) if f["rule"] == "required_indicator_reported"]
    assert summary and all(f["line"] is None and f["region_code"] is None for f in summary)
    first = summary[0]["finding_id"]
    audit.decide(conn, first, "correct-requested", "请补报", "张三")
    assert status(conn, first) == "open"
    audit.decide(conn, first, "confirm", "该指标本期不统计", "张三")
    assert status(conn, first) == "closed"


@pytest.mark.parametrize(("finding_id", "decision", "reason", "by", "message"), [
    (999, "override", "理由", "张三", "问题编号不存在"),
    (None, "approve", "理由", "张三", "审核结论应为"),
    (None, "override", "  ", "张三", "须写明审核理由"),
    (None, "override", "理由", "", "须写明审核人"),
])
def test_decide_refuses_unknown_ids_decisions_and_empty_reason_or_name(conn, missing, finding_id, decision, reason,
                                                                       by, message):
    with pytest.raises(ValueError, match=message):
        audit.decide(conn, finding_id or missing, decision, reason, by)
    assert log_rows(conn) == []


def test_show_gives_the_last_accepted_value_and_the_peers_median(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", [
        "340102,2025Q1,pct_applications,90,件,", "340102,2025Q2,pct_applications,100,件,",
        "340103,2025Q3,pct_applications,10,件,", "340104,2025Q3,pct_applications,20,件,",
        "340111,2025Q3,pct_applications,40,件,", "340121,2025Q3,pct_applications,55,件,",
        "340122,2025Q3,pct_applications,/,件,",  # a peer without a value does not count
        "340123,2025Q2,pct_applications,999,件,",  # nor does another quarter
    ])
    submit(conn, ws, catalogue, tmp_path, "340100", ["340100,2025Q3,pct_applications,700,件,"])  # not a county
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,"])
    found = audit.show(conn, finding(conn, "value_missing", "340102")["finding_id"])
    assert (found["previous_period"], found["previous_value"]) == ("2025Q2", 100)
    assert (found["peer_median"], found["peer_count"]) == (statistics.median([10, 20, 40, 55]), 4)
    assert (found["file_name"], found["office_code"], found["office_name"], found["value_raw"]) == (
        "340100-3.csv", "340100", "合肥市", "/")


def test_values_under_audit_lists_open_warnings_not_overridden_ones(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,",
                                                     "340103,2025Q3,pct_applications,/,件,"])
    overridden = finding(conn, "value_missing", "340103")["finding_id"]
    audit.decide(conn, overridden, "override", "确认为零", "张三")
    kept = finding(conn, "value_missing", "340102")["finding_id"]
    assert conn.sql("from values_under_audit").fetchall() == [
        ("340102", "2025Q3", "pct_applications", kept, "value_missing")]


def test_report_context_puts_open_findings_by_office_and_rule_then_closed_ones(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,",
                                                     "340103,2025Q3,pct_applications,/,件,"])
    audit.decide(conn, finding(conn, "value_missing", "340103")["finding_id"], "confirm", "确无数据", "张三")
    context = audit.report_context(conn)
    assert [(o["office_code"], [r["rule"] for r in o["rules"]]) for o in context["offices"]] == [
        ("340100", ["value_missing"])]
    assert [f["region_code"] for f in context["offices"][0]["rules"][0]["findings"]] == ["340102"]
    assert [f["region_code"] for f in context["closed"]] == ["340103"]
    assert [(c["rule"], c["open"], c["closed"], c["total"]) for c in context["counts"]] == [
        ("value_missing", 1, 1, 2)]


def test_report_names_office_and_rule_and_escapes_text(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,<script>alert(1)</script>"])
    html = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    assert "合肥市" in html and "340100" in html and "value_missing" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def cli_json(capsys, home: str, *args: str) -> object:
    assert cli.main(["--home", home, "audit", *args]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def home(ws, catalogue, tmp_path) -> str:
    """A workspace holding one open value_missing finding, its warehouse closed for the CLI."""
    with warehouse.connect(ws.warehouse) as conn:
        submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,",
                                                         "340103,2025Q3,pct_applications,/,件,"])
    return str(ws.home)


def test_cli_lists_shows_and_reports(home, capsys):
    [first, second] = cli_json(capsys, home, "--status", "open", "--json")
    assert (first["rule"], first["audit_status"], first["region_code"]) == ("value_missing", "open", "340102")
    assert cli_json(capsys, home, "show", str(first["finding_id"]), "--json")["office_name"] == "合肥市"
    assert cli.main(["--home", home, "audit", "report"]) == 0
    assert (config.workspace(home).home / "audit" / "audit.html").read_text("utf-8").count("value_missing") >= 2
    assert cli.main(["--home", home, "audit", "show", str(second["finding_id"])]) == 0
    assert "庐阳区 (340103) 2025Q3 PCT国际专利申请量(pct_applications)" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["999", "--decision", "override", "--reason", "r", "--by", "张三"], "问题编号不存在"),
    (["1", "--decision", "approve", "--reason", "r", "--by", "张三"], "审核结论应为"),
    (["1", "--decision", "override", "--reason", "", "--by", "张三"], "须写明审核理由"),
])
def test_cli_decide_refusals_exit_2(home, capsys, args, message):
    assert cli.main(["--home", home, "audit", "decide", *args]) == 2
    assert message in capsys.readouterr().err
    assert cli_json(capsys, home, "show", "1", "--json")["history"] == []


def test_audit_log_is_append_only_through_the_cli(home, capsys):
    ws = config.workspace(home)
    snapshots = []
    for n, decision in enumerate(["correct-requested", "override", "confirm", "override"]):
        args = [str(1 + n % 2), "--decision", decision, "--reason", f"第{n}次", "--by", "张三"]
        assert cli.main(["--home", home, "audit", "decide", *args]) == 0
        with warehouse.connect(ws.warehouse, read_only=True) as conn:
            snapshots.append(log_rows(conn))
    for before, after in zip(snapshots, snapshots[1:], strict=False):
        assert after[:len(before)] == before and len(after) == len(before) + 1
    assert capsys.readouterr().out.count(" · 张三 → ") == 4
    assert [h["decision"] for h in cli_json(capsys, home, "show", "1", "--json")["history"]] == [
        "correct-requested", "confirm"]


def test_no_code_path_updates_or_deletes_the_audit_log():
    actions = next(a for a in cli.parser()._actions if a.dest == "command").choices["audit"]
    sub = next(a for a in actions._actions if a.dest == "action")
    assert set(sub.choices) == {"show", "decide", "report"}
    code = [p.read_text("utf-8") for p in [*config.SQL_DIR.rglob("*.sql"), *config.ROOT.glob("ipwatch/**/*.py")]]
    changes = re.compile(r"(update|delete\s+from|truncate|drop\s+table)\s+audit_log", re.I)
    assert [c for c in code if changes.search(c)] == []


@pytest.mark.parametrize("action", ["show", "decide", "report"])
def test_every_audit_action_has_help_and_a_readme_entry(action):
    audit_parser = next(a for a in cli.parser()._actions if a.dest == "command").choices["audit"]
    sub = next(a for a in audit_parser._actions if a.dest == "action")
    assert {a.dest: a.help for a in sub._choices_actions}[action]
    assert f"`ipwatch audit {action}" in (config.ROOT / "README.md").read_text("utf-8")


def test_report_shows_failures_over_runs_and_offices_timeliness(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2023Q2,pct_applications,/,件,"])
    submit(conn, ws, catalogue, tmp_path, "340100", ["340103,2023Q2,pct_applications,/,件,"])
    context = audit.report_context(conn)
    missing_values = [t for t in context["trend"] if t["rule"] == "value_missing"]
    assert [(t["failed_runs"], t["runs"], t["failing_rows"]) for t in missing_values] == [(2, 2, 2)]
    # both files arrived long after 2023Q2's due date (2023-07-15)
    assert [(o["office_code"], o["quarters"], o["on_time"], o["late"]) for o in context["offices_record"]] == [
        ("340100", 1, 0, 1)]


def test_report_builds_gx_data_docs_with_a_page_per_validation_run(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,3.5,件,"])  # not whole
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,3,件,"])
    kept = sorted(p.relative_to(ws.home).parts[:3] for p in (ws.home / "gx" / "validations").rglob("*.json"))
    assert kept == [("gx", "validations", "submission_rows")] * 2
    html = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    assert 'href="data_docs/index.html"' in html
    docs = tmp_path / "audit" / "data_docs"
    [failed] = (docs / "validations" / "submission_rows" / "batch-1").rglob("*.html")
    [passed] = (docs / "validations" / "submission_rows" / "batch-2").rglob("*.html")
    text = [re.sub(r"<[^>]+>|\s+", " ", page.read_text("utf-8")) for page in (failed, passed)]
    assert re.search(r"Unsuccessful Expectations\s+1\b", text[0]) and "[count_whole]" in text[0]
    assert re.search(r"Unsuccessful Expectations\s+0\b", text[1])
    assert "batch-1" in (docs / "index.html").read_text("utf-8")
    # the auditor reaches a finding's GX page from its file name
    assert f'<a href="{failed.relative_to(tmp_path / "audit").as_posix()}"' in html


def test_a_result_cut_short_by_a_crash_is_set_aside_and_the_docs_still_built(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,3,件,"])
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q2,pct_applications,2,件,"])
    [cut, whole] = sorted((ws.home / "gx" / "validations").rglob("*.json"))
    cut.write_bytes(cut.read_bytes()[:100])  # as a kill -9 in the middle of GX's write leaves it
    html = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    assert 'href="data_docs/index.html"' in html
    assert [p.name for p in (ws.home / "gx" / "unreadable").rglob("*.json")] == [cut.name]
    docs = tmp_path / "audit" / "data_docs" / "validations" / "submission_rows"
    assert [p.name for p in docs.iterdir()] == [whole.relative_to(ws.home / "gx" / "validations").parts[1]]


# Hefei's counties; patent_attorneys of 2024Q3-2025Q2 accepted, then 2025Q3 with 340102 jumping from 20 to 50.
HEFEI = ("340102", "340103", "340104", "340111", "340121", "340122")


def hefei(period: str, values: tuple[float, ...]) -> list[str]:
    return [f"{code},{period},patent_attorneys,{v},人," for code, v in zip(HEFEI, values, strict=True)]


@pytest.fixture
def queue(conn, ws, catalogue, tmp_path) -> dict[str, int]:
    """A warehouse with a queue: a change_outlier (340102 2025Q3) and value_missing findings in two periods and
    two offices; returns the ids by name."""
    for period in ("2024Q3", "2024Q4", "2025Q1", "2025Q2"):  # a pace of their own (outlier_min_history)
        submit(conn, ws, catalogue, tmp_path, "340100", hefei(period, (20, 22, 24, 20, 22, 200)))
    submit(conn, ws, catalogue, tmp_path, "340100", hefei("2025Q3", (50, 24, 24, 20, 22, 210)))
    submit(conn, ws, catalogue, tmp_path, "340100", ["340103,2025Q3,pct_applications,/,件,",
                                                     "340104,2025Q2,pct_applications,/,件,"])
    submit(conn, ws, catalogue, tmp_path, "340102", ["340102,2025Q3,pct_applications,/,件,"])
    found = {(f["rule"], f["region_code"], f["period"]): f["finding_id"] for f in audit.list_findings(conn)
             if f["rule"] != "required_indicator_reported"}
    return {"jump": found["change_outlier", "340102", "2025Q3"],
            "missing_q3": found["value_missing", "340103", "2025Q3"],
            "missing_q2": found["value_missing", "340104", "2025Q2"],
            "own_office": found["value_missing", "340102", "2025Q3"]}


def ids(conn, **filters) -> set[int]:
    return {f["finding_id"] for f in audit.list_findings(conn, filters=audit.Filters(**filters))
            if f["rule"] != "required_indicator_reported"}


def test_filters_pick_by_rule_region_period_office_indicator_and_severity(conn, queue):
    q = queue
    assert ids(conn, rule="value_missing") == {q["missing_q3"], q["missing_q2"], q["own_office"]}
    assert ids(conn, region="340102") == {q["jump"], q["own_office"]}
    assert ids(conn, region="340100") == set(q.values())  # a city stands for its counties
    assert ids(conn, period="2025Q2") == {q["missing_q2"]}
    assert ids(conn, period="2025") == set(q.values())
    assert ids(conn, office="340102") == {q["own_office"]}
    assert ids(conn, indicator="专利代理师数量") == ids(conn, indicator="patent_attorneys") == {q["jump"]}
    assert ids(conn, severity="警告", status="待审核") == set(q.values())
    assert ids(conn, severity="error") == set()
    assert ids(conn, rule="value_missing", period="2025Q3", office="340100") == {q["missing_q3"]}


def test_a_filter_with_an_unknown_status_or_severity_is_refused(conn, queue):
    with pytest.raises(ValueError, match="状态应为"):
        audit.list_findings(conn, filters=audit.Filters(status="pending"))
    with pytest.raises(ValueError, match="级别应为"):
        audit.list_findings(conn, filters=audit.Filters(severity="严重"))


def test_a_decision_on_many_appends_one_log_row_per_open_finding(conn, queue):
    audit.decide(conn, queue["missing_q2"], "认可", "确无数据", "张三")  # closed already: not decided again
    picked = audit.Filters(rule="value_missing", office="340100")
    assert audit.chosen_for_decision(conn, picked) == [queue["missing_q3"]]
    audit.decide(conn, queue["own_office"], "更正", "请补报", "李四")  # open, other office: not picked
    decided = audit.decide_many(conn, audit.Filters(rule="value_missing"), "确认", "本季度不统计", "王五")
    assert sorted(decided) == sorted([queue["missing_q3"], queue["own_office"]])
    rows = [(r[1], r[2], r[4]) for r in log_rows(conn)]
    assert rows == [(queue["missing_q2"], "override", "张三"), (queue["own_office"], "correct-requested", "李四"),
                    *sorted([(queue["missing_q3"], "confirm", "王五"), (queue["own_office"], "confirm", "王五")])]
    assert ids(conn, status="open") == {queue["jump"]}


def test_a_decision_on_many_needs_a_filter(conn, queue):
    with pytest.raises(ValueError, match="至少给出一个筛选条件"):
        audit.decide_many(conn, audit.Filters(), "确认", "全部属实", "张三")
    assert log_rows(conn) == []


@pytest.fixture
def queue_home(ws, queue, conn) -> str:
    conn.close()
    return str(ws.home)


def test_cli_decides_many_after_a_dry_run_count(queue_home, queue, capsys):
    args = ["audit", "decide", "--rule", "value_missing", "--period", "2025Q3", "--decision", "确认",
            "--reason", "本季度不统计", "--by", "张三"]
    assert cli.main(["--home", queue_home, *args]) == 0
    assert "将对 2 项待审核问题" in capsys.readouterr().out
    ws = config.workspace(queue_home)
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        assert log_rows(conn) == []
    assert cli.main([*args, "--yes", "--home", queue_home]) == 0  # the global option after the sub-command
    assert "已记录 2 项审核结论" in capsys.readouterr().out
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        assert sorted(r[1] for r in log_rows(conn)) == sorted([queue["missing_q3"], queue["own_office"]])


def test_cli_decide_refuses_an_id_with_filters(queue_home, capsys):
    assert cli.main(["--home", queue_home, "audit", "decide", "1", "--rule", "value_missing", "--decision", "确认",
                     "--reason", "r", "--by", "张三"]) == 2
    assert "请给出一个问题编号，或用筛选条件" in capsys.readouterr().err


def test_global_options_are_taken_after_the_sub_command(queue_home, capsys):
    assert cli.main(["audit", "--home", queue_home, "--rule", "change_outlier", "--json", "-v"]) == 0
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)] == ["change_outlier"]
    assert cli.main(["audit", "show", "1", "--home", queue_home]) == 0


def test_list_show_and_report_give_one_context(queue_home, queue, capsys):
    ws = config.workspace(queue_home)
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        [context] = audit.findings(conn, finding_id=queue["jump"]).to_dicts()
    # by hand: 340102 went 20 -> 50 (x2.50); its peers 22 -> 24, 24 -> 24, 20 -> 20, 22 -> 22, 200 -> 210:
    # values now 24, 24, 20, 22, 210, median 24; changes x1.09, 1, 1, 1, 1.05, median x1.00, MAD 0 (no z-score)
    assert (context["previous_value"], context["previous_period"]) == (20, "2025Q2")
    assert (context["peer_median"], context["peer_count"]) == (24, 5)
    assert (round(context["change"], 2), round(context["peer_change"], 2), context["z_score"]) == (2.5, 1.0, None)
    words = audit_cli.context_text(context)
    assert words == "上期 20（2025Q2） · 变化 ×2.50，同级变化中位数 ×1.00 · 同级 5 个地区中位数 24"
    assert cli.main(["--home", queue_home, "audit", "--rule", "change_outlier"]) == 0
    assert words in capsys.readouterr().out
    assert cli.main(["--home", queue_home, "audit", "show", str(queue["jump"])]) == 0
    assert words in capsys.readouterr().out
    assert cli.main(["--home", queue_home, "audit", "report", "--rule", "change_outlier"]) == 0
    html = (ws.home / "audit" / "audit.html").read_text("utf-8")
    row = re.sub(r"<[^>]+>", " ", re.search(rf'<tr id="f{queue["jump"]}">.*?</tr>', html, re.S)[0]).split()
    # the row's cells: last value, change (peers' change), peers' median (count), as in the words above
    cells = row[row.index("(2025Q2)") - 1:row.index("(5个)") + 1]
    assert cells == ["20", "(2025Q2)", "×2.50", "(×1.00)", "24", "(5个)"]
    assert "value_missing" not in html.split("各规则问题数")[0]  # the filter narrowed the queue


def test_every_rule_and_decision_has_a_chinese_name():
    assert [r.id for r in validate.rules() if labels.rule(r.id) == r.id] == []
    assert set(labels.DECISIONS.values()) == {"确认", "更正", "认可"}


def test_report_groups_findings_by_office_and_rule_in_chinese(conn, queue, tmp_path):
    html = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    assert html.count('<details class="group"') == 2 + 1  # two offices, the trend (nothing closed yet)
    assert "变化与同级地区不同" in html and "数值缺报" in html and "专利代理师数量" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert "confirm" not in text and "warning" not in text


def test_report_carries_its_date_data_version_and_producer(conn, ws, catalogue, tmp_path):
    """A printed report outlives its warehouse: it says when it was made, from which data, by what and whom."""
    submit(conn, ws, catalogue, tmp_path, "340100", ["340102,2025Q3,pct_applications,/,件,"])
    before = datetime.now().replace(second=0, microsecond=0)
    html = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    made = re.findall(r"生成时间 (\d{4}-\d\d-\d\d \d\d:\d\d)", html)
    after = datetime.now()
    assert len(made) == 2 and before <= datetime.fromisoformat(made[0]) <= after
    version = warehouse.data_version(conn)  # the stamp bulletins print for the same data
    assert html.count(f"数据版本 {version['latest_submission']} · {version['observations_hash']}") == 2
    assert f"ipwatch {ipwatch.__version__} · {getpass.getuser()}@{socket.gethostname()}" in html
    # a value accepted since changes the version the next report shows
    submit(conn, ws, catalogue, tmp_path, "340100", ["340103,2025Q3,pct_applications,12,件,"])
    again = audit.report(conn, tmp_path / "audit").read_text("utf-8")
    assert version["observations_hash"] not in again
    assert warehouse.data_version(conn)["observations_hash"] in again


def test_a_queue_page_is_the_list_s_first_findings_with_how_many_match(conn, queue):
    """The portal's queue weighs only the findings it shows against their peers, and says how many match."""
    everything = audit.list_findings(conn, filters=audit.Filters(status="open"))
    assert len(everything) > 2
    assert audit.queue_page(conn, audit.Filters(status="open"), None, 2) == (len(everything), everything[:2])
    total, shown = audit.queue_page(conn, audit.Filters(rule="change_outlier"), "340100", 300)
    assert (total, [f["finding_id"] for f in shown]) == (1, [queue["jump"]])
    assert audit.queue_page(conn, audit.Filters(region="110000"), None, 300) == (0, [])


def test_a_page_of_the_queue_reads_in_a_small_duckdb_whatever_else_the_warehouse_holds(conn, queue):
    """A page weighs its findings against their regions' and peers' values. DuckDB could not know how few findings
    a page chooses, estimated them at every value in force, and built that join's hash table on the whole of
    observations: 150 MB of its memory a page on a national warehouse, 20 auditors at once 1.9 GB (2026-12-08).
    Here 600,000 values of regions no finding is about stand beside the queue, and a page reads in 64MB without
    spilling to disk, the same page as before they came; so do the other readers of the same context (one
    finding's page, the whole list the report is made of)."""
    before = audit.queue_page(conn, audit.Filters(status="open"), None, 300)
    one, whole = audit.show(conn, queue["jump"]), audit.list_findings(conn)
    conn.execute("""
        insert into current_observations
        select 'Z' || lpad(cast(i // 2000 as varchar), 5, '0'), cast(2000 + (i // 100) % 20 as varchar) || 'Q1',
               'other_indicator_' || cast(i % 100 as varchar), i, '件', 'normal', null, 1, now()
        from range(600000) as t(i)""")
    conn.execute("set memory_limit = '64MB'")
    conn.execute("set max_temp_directory_size = '0KB'")  # out of memory rather than spilled
    assert audit.queue_page(conn, audit.Filters(status="open"), None, 300) == before
    assert (audit.show(conn, queue["jump"]), audit.list_findings(conn)) == (one, whole)


def test_a_peer_now_at_zero_counts_for_the_peers_median_and_not_for_their_change(conn, ws, catalogue, tmp_path):
    for period in ("2024Q3", "2024Q4", "2025Q1", "2025Q2"):
        submit(conn, ws, catalogue, tmp_path, "340100", hefei(period, (20, 22, 24, 20, 22, 200)))
    submit(conn, ws, catalogue, tmp_path, "340100", hefei("2025Q3", ("/", 24, 24, 0, 22, 210)))
    [context] = [f for f in audit.list_findings(conn) if f["region_code"] == "340102" and f["period"] == "2025Q3"]
    assert context["rule"] == "value_missing"
    # by hand: values now 24, 24, 0, 22, 210: five peers, median 24; changes x24/22, 1, (none from 0), 1,
    # x210/200 = 1.05: median of the four (1 + 1.05) / 2 = x1.025 (with ln 0 counted it would be x1.00)
    assert (context["peer_median"], context["peer_count"]) == (24, 5)
    assert round(context["peer_change"], 3) == 1.025
