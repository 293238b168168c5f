"""Telling people when something needs them: a run failed, or an office's file was rejected.

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
