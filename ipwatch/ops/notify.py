"""Telling people when something needs them: a run failed, an office's file was rejected, or its quarter was
returned (退回) in sign-off.

Off by default: the message is only logged. With IPWATCH_NOTIFY_BLOCK naming a Prefect notification block as
"<block type slug>/<block name>" (for example "custom-webhook/ipwatch", or an email, Slack or Teams block made
in Prefect's UI or with `prefect block register`/`create`), it is also sent through that block.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ipwatch import config

logger = logging.getLogger("ipwatch.ops.notify")


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
    lines = [f"- {r['office']} {Path(r['file']).name}: {len(r['errors'])} 处错误 (errors)"
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
