"""What a flow run leaves in Prefect's UI, built as plain text and rows (the flows publish them)."""

from __future__ import annotations

from pathlib import Path

from ipwatch.domain.labels import OUTCOMES


def ingest_markdown(results: list[dict]) -> str:
    """A summary of an ingest run: each file with its outcome, then the totals."""
    counts = {status: sum(r["status"] == status for r in results) for status in OUTCOMES}
    errors, warnings = (sum(len(r[key]) for r in results) for key in ("errors", "warnings"))
    lines = ["# 报送处理结果 (ingest summary)", "",
             f"共 {len(results)} 个文件：" + "，".join(f"{OUTCOMES[s]} {n}" for s, n in counts.items() if n)
             + f"；错误 {errors} 处，警告 {warnings} 处。",
             "", "| 报送单位 | 文件 | 结果 | 行数 | 错误 | 警告 |", "| --- | --- | --- | ---: | ---: | ---: |"]
    lines += [f"| {r['office']} | {Path(r['file']).name} | {OUTCOMES.get(r['status'], r['status'])} | {r['rows']} "
              f"| {len(r['errors'])} | {len(r['warnings'])} |" for r in results]
    return "\n".join(lines) + "\n"


def findings_table(results: list[dict]) -> list[dict]:
    """Every error and warning of the run, one row each, as the office would look it up."""
    return [{"office": r["office"], "file": Path(r["file"]).name, "status": r["status"], "severity": severity,
             "line": f["line"], "column": f["column"], "cell": f["cell"], "rule": f["rule"], "value": f["value"],
             "message": f["message"]}
            for r in results for severity, key in (("error", "errors"), ("warning", "warnings")) for f in r[key]]


def bulletin_markdown(period: str, pages: list[Path]) -> str:
    """The bulletins a run rendered."""
    return "\n".join([f"# 进展通报 {period} (bulletins)", "", *[f"- {p.name}" for p in pages]]) + "\n"
