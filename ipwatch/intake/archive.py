"""What happens to one submitted file on its way in: its archive copy, its quarantine copy and report, its outcome.

The stages that call these are in ipwatch/intake/pipeline.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ipwatch import config, files, pages
from ipwatch.domain import catalogue as cat
from ipwatch.domain.finding import Finding
from ipwatch.intake import submission, validate
from ipwatch.intake.batch import Entry
from ipwatch.intake.explain import column_name


def archive(ws: config.Workspace, path: Path, follow: bool = True, durable: bool = True) -> tuple[Path, str]:
    """A byte-for-byte copy of the file, named by its hash, before anything else happens to it; and the hash.
    Streamed, so a file's size costs no memory; a link is refused unless `follow` (the inbox never follows one).
    Not `durable`: the caller makes the batch's copies durable before registering them (files.make_durable); a
    copy a crash left empty or torn is found by its hash at the rerun and written again."""
    with files.opened(path, follow) as handle:
        sha = hashlib.file_digest(handle, "sha256").hexdigest()
    stored = ws.archive / files.short_name(f"{sha[:16]}-{path.name}")
    if not stored.exists() or submission.sha256(stored) != sha:  # checked, not trusted: disks and people err
        files.publish_copy(stored, path, follow, durable)
        if submission.sha256(stored) != sha:
            raise ValueError("文件在接收过程中被改动，请重新报送 (the file changed while it was being received)")
    return stored, sha


def quarantine(ws: config.Workspace, entry: Entry, findings: list[Finding]) -> Path:
    """Keep a rejected file beside its report (JSON and HTML) naming every fault's line and column."""
    target = ws.quarantine / files.short_name(f"{entry.submission_id}-{entry.path.name}")
    files.publish_copy(target, entry.stored or entry.path)
    summary = result(entry, "rejected", findings)
    # both written piece by piece: a file of the most rows a file may hold has hundreds of thousands of findings
    files.publish(target.with_name(target.name + ".errors.json"),
                  json.JSONEncoder(ensure_ascii=False, indent=1).iterencode(summary))
    html = pages.environment().get_template("rejection.html.j2").generate(
        result=summary, file_name=entry.incoming.file_name, listed=validate.listed_per_rule())
    return files.publish(target.with_name(target.name + ".errors.html"), html)


def result(entry: Entry, status: str, findings: list[Finding]) -> dict:
    """The per-file summary `ipwatch ingest --json` prints."""
    indicators = cat.default().indicators

    def items(severity: str) -> list[dict]:
        return [{"line": f.line, "column": f.column, "column_name": column_name(f.column, entry.kind),
                 "cell": f.cell, "indicator": f.indicator,
                 "indicator_name": indicators[f.indicator].name_zh if f.indicator in indicators else None,
                 "rule": f.rule, "value": f.typed, "message": f.message, "fix": f.fix, "faults": f.faults}
                for f in findings if f.severity == severity]

    summary = {"file": str(entry.path), "submission_id": entry.submission_id, "status": status,
               "rows": entry.rows, "errors": items("error"), "warnings": items("warning"),
               "kept": kept_items(list(entry.kept))}
    if entry.duplicate_of is not None:  # the same bytes again: say what became of them the first time
        summary.update(duplicate_of=entry.duplicate_of, original_status=entry.original_status)
    return summary


def kept_items(kept: list[dict]) -> list[dict]:
    """The indicators a file left blank where a value was in force (load.kept), named for its receipt:
    这些指标本次未填报，沿用已接收的数值."""
    indicators = cat.default().indicators
    return [{**k, "indicator_name": indicators[k["indicator_code"]].name_zh
             if k["indicator_code"] in indicators else k["indicator_code"]} for k in kept]
