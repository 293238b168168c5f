"""What scheduled runs leave behind and who they tell: Prefect artifacts, notifications, retries, idempotence.

Real flow runs under `prefect_test_harness`; the webhook is a real HTTP server on loopback, reached through
Prefect's own CustomWebhookNotificationBlock.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prefect import flow

from flows import hooks
from flows.audit import audit_report_flow, write_report
from flows.bulletin import bulletin_flow, render
from flows.ingest import ingest_flow, prepare, process
from ipwatch import config, warehouse
from ipwatch.intake.batch import Incoming
from ipwatch.warehouse import reference

from .conftest import submit, write_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")


def artifacts_of(state) -> dict[str, object]:
    """The artifacts a flow run (and its tasks) created, by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    return {a.key: a for a in found}


def test_ingest_run_leaves_a_summary_and_a_findings_table(tmp_path):
    good = write_csv(tmp_path / "good.csv", ["340102,2025Q3,pct_applications,7,件,"])
    bad = write_csv(tmp_path / "bad.csv", ["340102,2025Q3,pct_applications,abc,件,"])
    state = ingest_flow([good, bad], office="340100", home=str(tmp_path / "h"), return_state=True)
    assert state.is_completed()  # a rejected file is an outcome, not a failed run
    found = artifacts_of(state)
    summary = found["ingest-summary"].data
    assert "共 2 个文件：已接收 1，退回 1；错误 1 处，警告 0 处。" in summary
    assert "| 340100 | bad.csv | 退回 | 1 | 1 | 0 |" in summary
    table = json.loads(found["ingest-findings"].data)
    assert [(r["file"], r["severity"], r["line"], r["column"], r["rule"]) for r in table] == [
        ("bad.csv", "error", 2, "value", "value_numeric")]


class Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        Webhook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch):
    """A webhook listening on loopback, registered as a Prefect notification block that ipwatch is told to use."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Webhook.received = []
    CustomWebhookNotificationBlock(name="ops", url=f"http://127.0.0.1:{server.server_port}/hook",
                                   json_data={"subject": "{{subject}}", "body": "{{body}}"}).save(
        "ipwatch-test", overwrite=True)
    monkeypatch.setenv("IPWATCH_NOTIFY_BLOCK", "custom-webhook/ipwatch-test")
    yield Webhook.received
    server.shutdown()


def test_rejected_submission_is_sent_through_the_configured_block(tmp_path, webhook):
    bad = write_csv(tmp_path / "报送-bad.csv", ["340102,2025Q3,pct_applications,abc,件,"])
    ingest_flow([bad], office="340100", home=str(tmp_path / "h"))
    [message] = webhook
    assert message["subject"].startswith("ipwatch：1 个报送文件被退回")
    assert "340100 报送-bad.csv: 1 处错误" in message["body"] and "第2行" in message["body"]


def test_accepted_submission_sends_nothing(tmp_path, webhook):
    ingest_flow([write_csv(tmp_path / "ok.csv", ["340102,2025Q3,pct_applications,7,件,"])], office="340100",
                home=str(tmp_path / "h"))
    assert webhook == []


def test_failed_run_is_sent_through_the_configured_block(tmp_path, webhook):
    state = bulletin_flow("2025-13", home=str(tmp_path / "h"), return_state=True)
    assert state.is_failed()
    [message] = webhook
    assert "运行失败 bulletin" in message["subject"] and "Failed" in message["body"]


def test_notifications_are_off_by_default(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("IPWATCH_NOTIFY_BLOCK", raising=False)
    bad = write_csv(tmp_path / "bad.csv", ["340102,2025Q3,pct_applications,abc,件,"])
    ingest_flow([bad], office="340100", home=str(tmp_path / "h"))
    assert "1 个报送文件被退回" in caplog.text  # logged, and nothing else was needed to run


def test_busy_warehouse_is_retried_until_its_turn(tmp_path, monkeypatch):
    """The warehouse is held (as by another process) until Prefect asks whether to retry; the retry gets in."""
    import fcntl

    ws = config.workspace(tmp_path / "h")
    reference.initialise(ws)
    holder = open(str(ws.warehouse) + ".lock", "a+")  # noqa: SIM115 - released from the retry condition
    fcntl.flock(holder, fcntl.LOCK_EX)  # a second open file: flock makes this process wait as another would
    monkeypatch.setenv("IPWATCH_LOCK_WAIT_SECONDS", "0.3")
    asked = []

    def release_then_judge(task, task_run, state) -> bool:
        asked.append(type(state.result(raise_on_failure=False)).__name__)
        holder.close()  # the other process is done
        return hooks.warehouse_busy(task, task_run, state)

    @flow
    def probe() -> object:
        path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,7,件,"])
        return process.with_options(retry_delay_seconds=0, retry_condition_fn=release_then_judge)(
            ws, [Incoming(path, "340100")], return_state=True)

    state = probe()
    assert asked == ["WarehouseBusy"]
    assert state.is_completed() and state.result()[0]["rows"] == 1
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        assert client.read_task_run(state.state_details.task_run_id).run_count == 2


def test_only_a_busy_warehouse_is_worth_a_retry():
    from prefect.states import Completed, Failed

    assert hooks.warehouse_busy(None, None, Failed(data=warehouse.WarehouseBusy("busy")))
    assert not hooks.warehouse_busy(None, None, Failed(data=ValueError("a bad file stays bad")))
    assert not hooks.warehouse_busy(None, None, Completed(data=1))
    for step in (process, prepare, render, write_report):  # every task that opens the warehouse
        assert (step.retries, step.retry_condition_fn) == (2, hooks.warehouse_busy), step.name


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def warehouse_digest(ws: config.Workspace) -> list[tuple]:
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return [(t, conn.sql(f'select count(*), sum(hash(t)) from "{t}" as t').fetchone())
                for t in sorted(warehouse.tables(conn))]


def test_monthly_bulletin_twice_gives_the_same_bulletin_and_the_same_warehouse(tmp_path, catalogue):
    ws = config.workspace(tmp_path / "h")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse) as conn:
        assert submit(conn, ws, catalogue, write_csv(tmp_path / "q3.csv", [
            "340102,2025Q3,pct_applications,7,件,", "340100,2025Q3,pct_applications,70,件,"]), "340100").startswith(
            "accepted")
    bulletin_flow(home=str(ws.home), period="2025-11")
    first, stored = tree_digest(ws.bulletins), warehouse_digest(ws)
    bulletin_flow(home=str(ws.home), period="2025-11")
    assert tree_digest(ws.bulletins) == first and warehouse_digest(ws) == stored
    assert any(name.endswith(".xlsx") for name in first)  # the annex too, byte for byte


def test_audit_report_run_links_its_report(tmp_path, catalogue):
    ws = config.workspace(tmp_path / "h")
    ingest_flow([write_csv(tmp_path / "na.csv", ["340102,2025Q3,pct_applications,/,件,"])], office="340100",
                home=str(ws.home))
    state = audit_report_flow(home=str(ws.home), return_state=True)
    page = state.result()
    assert page == ws.audit / "audit.html" and "value_missing" in page.read_text("utf-8")
    assert artifacts_of(state)["audit-report"].data == f"[数据审核报告 (audit.html)]({page.as_uri()})"


def test_a_late_bulletin_run_renders_the_month_it_was_scheduled_for_in_beijing_time(tmp_path):
    """A run scheduled for 1 Feb 01:00 Beijing time (31 Jan 17:00 UTC), started late today, renders 2026-02."""
    from datetime import UTC, datetime

    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    ws = config.workspace(tmp_path / "h")
    ingest_flow([write_csv(tmp_path / "q.csv", ["340102,2025Q4,pct_applications,7,件,"])], office="340100",
                home=str(ws.home))
    with get_client(sync_client=True) as client:
        run = client.create_flow_run(bulletin_flow, parameters={"home": str(ws.home), "edition": "monthly"},
                                     state=Scheduled(scheduled_time=datetime(2026, 1, 31, 17, tzinfo=UTC)))
    state = run_flow(bulletin_flow, flow_run=run, parameters=run.parameters, return_type="state")
    # the month's plans in force, and the final evaluations of the plans ended before 2025Q4
    assert {p.name[:7] for p in state.result() if "-final-" not in p.name} == {"2026-02"}
    assert "2026-02 进展通报目录" in artifacts_of(state)["bulletin"].data
