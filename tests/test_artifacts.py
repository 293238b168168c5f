"""What a flow run shows in Prefect's UI, from outcomes written by hand."""

from __future__ import annotations

from ipwatch.ops import artifacts

FINDING = {"line": 3, "column": "value", "cell": "E3", "rule": "value_numeric", "value": "12a", "message": "数值非数字"}
RESULTS = [
    {"office": "340100", "file": "/inbox/340100/a.csv", "status": "accepted", "rows": 20, "errors": [],
     "warnings": []},
    {"office": "340100", "file": "/inbox/340100/b.csv", "status": "rejected", "rows": 2, "errors": [FINDING],
     "warnings": [{**FINDING, "rule": "value_missing"}]},
]


def test_the_ingest_summary_counts_outcomes_and_faults_and_lists_each_file():
    text = artifacts.ingest_markdown(RESULTS)
    assert "共 2 个文件：已接收 1，退回 1；错误 1 处，警告 1 处。" in text
    assert "| 340100 | b.csv | 退回 | 2 | 1 | 1 |" in text


def test_the_findings_table_has_one_row_per_error_and_warning_with_its_severity():
    rows = artifacts.findings_table(RESULTS)
    assert [(r["file"], r["severity"], r["rule"]) for r in rows] == [("b.csv", "error", "value_numeric"),
                                                                      ("b.csv", "warning", "value_missing")]


def test_a_file_with_thousands_of_findings_shows_its_first_ones_and_counts_the_rest():
    many = {**RESULTS[1], "errors": [{**FINDING, "line": n} for n in range(1, 5001)], "warnings": []}
    rows = artifacts.findings_table([RESULTS[0], many, RESULTS[1]])
    assert [r["line"] for r in rows[:100]] == list(range(1, 101))
    assert rows[100]["severity"] is None and rows[100]["message"].startswith("另有 4900 处未列出")
    assert [(r["file"], r["rule"]) for r in rows[101:]] == [("b.csv", "value_numeric"), ("b.csv", "value_missing")]


def test_rows_a_report_does_not_list_count_as_the_faults_they_stand_for():
    """A rule's rows beyond those a report lists are one item of rule rows_not_listed with `faults`: the run's
    summary and its table's last row count them as faults, not as one."""
    rest = {**FINDING, "line": None, "rule": "rows_not_listed", "value": None, "faults": 199_000}
    wrong = {**RESULTS[1], "errors": [{**FINDING, "line": n, "faults": 1} for n in range(2, 1002)] + [rest],
             "warnings": []}
    assert "| 340100 | b.csv | 退回 | 2 | 200000 | 0 |" in artifacts.ingest_markdown([wrong])
    rows = artifacts.findings_table([wrong])
    assert len(rows) == 101 and rows[100]["message"].startswith("另有 199900 处未列出")