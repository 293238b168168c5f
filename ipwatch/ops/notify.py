"""Telling people when something needs them: a run failed, an office's file was rejected, its quarter was
returned (退回) in sign-off, or an auditor decided on its values (what was decided, why, and what the office is
to do next).

Off by default: the message is only logged. With IPWATCH_NOTIFY_BLOCK naming a Prefect notification block as
"<block type slug>/<block name>" (for example "custom-webhook/ipwatch", or an email, Slack or Teams block made
in Prefect's UI or with `prefect block register`/`create`), it is also sent through that block.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import groupby
from pathlib import Path

import duckdb

from ipwatch import config, warehouse
from ipwatch.domain import labels
from ipwatch.domain.finding import fault_count
from ipwatch.domain.target_text import period_text
from ipwatch.portal import views

logger = logging.getLogger("ipwatch.ops.notify")
PORTAL_HINT = "详见联网直报本单位首页的“审核意见” (see the office's page in the portal)"


def send(subject: str, body: str) -> bool:
    """Log the message and, when a block is configured, send it; True if sent.

    A notification that cannot be sent is logged, never raised: the ingest it reports on has already happened.
    """
    logger.warning("%s\n%s", subject, body)
    name = config.settings().notify_block
    if name is None:
        return False
    try:
        from prefect.blocks.core import Block

        Block.load(name).notify(body=body, subject=subject)
    except Exception:
        logger.exception("通知发送失败 (could not send the notification through block %s)", name)
        return False
    return True


def rejected_message(results: list[dict]) -> tuple[str, str] | None:
    """Subject and body about the rejected files among ingest results; None when none was rejected."""
    rejected = [r for r in results if r["status"] in ("rejected", "refused")]
    if not rejected:
        return None
    lines = [f"- {r['office']} {Path(r['file']).name}: {fault_count(r['errors'])} 处错误 (errors)"
             + (f"，例如第{r['errors'][0]['line']}行 {r['errors'][0]['message']}" if r["errors"] else "")
             for r in rejected]
    return (f"ipwatch：{len(rejected)} 个报送文件被退回 ({len(rejected)} submissions rejected)",
            "\n".join([*lines, "错误报告见工作区 quarantine/ 中的 .errors.html (reports in quarantine/)"]))


def returned_message(row: dict) -> tuple[str, str] | None:
    """Subject and body telling a region's office its quarter was returned in sign-off (a row of approval_log, as
    approval.act returns it); None for any other step."""
    if row["action"] != "return":
        return None
    return (f"ipwatch：{row['region_code']} {row['quarter']} 数据被退回 (returned in sign-off)",
            f"{row['office_code']} {row['acted_by']} 退回了 {row['region_code']} 的 {row['quarter']} 数据，"
            f"理由：{row['reason']}\n请更正后重新上传并上报 (correct, upload and submit again)")


def signoff_step(row: dict) -> bool:
    """Tell the region's office of a step that needs it (a return); True if a notice was sent."""
    message = returned_message(row)
    return send(*message) if message else False


def decision_line(d: dict) -> str:
    """One decision as the office reads it: the value (quarter, region, indicator, file), the decision, the
    auditor's words, what to do next."""
    about = f"{period_text(d['period'])} {d['region_name'] or ''} {d['indicator_name'] or d['indicator_code'] or ''}"
    typed = f"，报送值 {d['value']}" if d["value"] else ""
    return (f"- {about}（第 {d['submission_id']} 号报送 {d['file_name']}{typed}）："
            f"{labels.DECISIONS.get(d['decision'], d['decision'])}。审核意见：{d['reason']}。"
            f"{labels.next_step(d['decision'], d['awaiting_correction'])}")


def decision_messages(decisions: list[dict]) -> list[tuple[str, str]]:
    """Subject and body for each office whose values the auditors decided on, a line per decision."""
    messages = []
    for office, rows in groupby(sorted(decisions, key=lambda d: (d["office_code"], d["finding_id"])),
                                key=lambda d: d["office_code"]):
        lines = [decision_line(d) for d in rows]
        messages.append((f"ipwatch：{views.region_name(office)}报送的数据有 {len(lines)} 项审核结论 "
                         f"({len(lines)} audit decisions, office {office})",
                         "\n".join([*lines, PORTAL_HINT])))
    return messages


def tell_decisions(conn: duckdb.DuckDBPyConnection, finding_ids: Iterable[int]) -> int:
    """Notify the offices whose values the given decisions are about; how many messages were sent."""
    ids = list(finding_ids)
    if not ids:
        return 0
    decided = warehouse.query(conn, "office_decisions", offices=None, submission_id=None, finding_ids=ids)
    return sum(send(*message) for message in decision_messages(decided.to_dicts()))
