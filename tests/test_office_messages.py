"""No exception text reaches an office (#26, item 5): a failure no rule foresaw is a Chinese sentence naming the
column and the fix, in the receipt, the quarantined report and the CLI's outcome; the detail is in the log only."""

from __future__ import annotations

import errno
import json
import logging

import duckdb
import pytest
import yaml

from ipwatch import warehouse
from ipwatch.cli.intake import outcome_text
from ipwatch.intake import pipeline, validate
from ipwatch.intake.batch import Incoming
from ipwatch.intake.pipeline import process

from .conftest import write_csv

# What may never reach an office: SQL, a traceback, an exception's name, a path of the machine.
LEAKS = ("select", "SELECT", "Traceback", "Exception", "Error:", "ConversionException", "RuntimeError", "[SQL",
         "/tmp", "/work", "batch_rows", "{batch}")


@pytest.fixture
def failing_rule(conn, tmp_path):
    """The warehouse's validator runs the real suite and one rule more whose SQL fails on what an office typed
    (a cast of 本期数值 to an integer): a real failure inside DuckDB, through Great Expectations."""
    suite = yaml.safe_load(validate.SUITE_FILE.read_text("utf-8"))
    suite["rules"].append({"id": "value_in_bounds", "severity": "error", "column": "value",
                           "message_zh": "数值超出合理范围", "message_en": "value out of bounds",
                           "query": "with b as (select * from {batch})\n"
                                    "select submission_id, line, cast(value_raw as integer) as value from b\n"})
    suite["rules"] = [r for r in suite["rules"][:-1] if r["id"] != "value_in_bounds"] + suite["rules"][-1:]
    rules_file = tmp_path / "failing.yaml"
    rules_file.write_text(yaml.safe_dump(suite, allow_unicode=True), "utf-8")
    folder = warehouse.folder(conn)
    validate.pin(folder, validate.Validator(conn, rules_file, validate.results_dir(folder)))
    yield
    validate.pin(folder, None)


def test_a_rule_failing_inside_sql_reaches_the_office_as_a_chinese_sentence(conn, ws, tmp_path, failing_rule,
                                                                           caplog):
    path = write_csv(tmp_path / "hefei.csv", ["340100,2025Q3,pct_applications,7 百,件,"])
    with caplog.at_level(logging.ERROR, logger="ipwatch.intake.pipeline"):
        (result,) = process(conn, ws, [Incoming(path, "340100")])
    assert result["status"] == "rejected"
    (error,) = result["errors"]
    assert error["rule"] == "system" and error["column_name"] == "数值"
    assert "“数值超出合理范围”一项无法核对" in error["message"] and "“数值”" in error["message"]
    report = next(ws.quarantine.glob("*.errors.json"))
    page = report.with_name(report.name.removesuffix(".json") + ".html")
    shown = {"result": json.dumps({**result, "file": None}, ensure_ascii=False),
             "report": json.dumps({**json.loads(report.read_text("utf-8")), "file": None}, ensure_ascii=False),
             "page": page.read_text("utf-8"), "cli": outcome_text(result)}
    for where, text in shown.items():
        leaked = [word for word in LEAKS if word in text]
        assert leaked == [], (where, leaked)
    assert "ConversionException" in caplog.text  # the operator's log keeps what happened


@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device", "/work/data/archive/x.csv"),
                                 duckdb.IOException("Could not write file \"/work/data/warehouse.duckdb\"")])
def test_a_fault_of_the_machine_is_told_without_its_text(exc):
    message = pipeline.system_message(exc)
    assert message.startswith("数据仓库或磁盘故障") and "留在收件箱" in message
    assert [word for word in (*LEAKS, "No space", "Could not") if word in message] == []
