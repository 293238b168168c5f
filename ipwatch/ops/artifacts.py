"""What a flow run leaves in Prefect's UI, built as plain text and rows (the flows publish them)."""

from __future__ import annotations

from pathlib import Path

from ipwatch.domain.finding import fault_count
from ipwatch.domain.labels import OUTCOMES


def ingest_markdown(results: list[dict]) -> str:
    """A summary of an ingest run: each file with its outcome, then the totals."""
    counts = {status: sum(r["status"] == status for r in results) for status in OUTCOMES}
    errors, warnings = (sum(fault_count(r[key]) for r in results) for key in ("errors", "warnings"))
    lines = ["# 报送处理结果 (ingest summary)", "",
             f"共 {len(results)} 个文件：" + "，".join(f"{OUTCOMES[s]} {n}" for s, n in counts.items() if n)
             + f"；错误 {errors} 处，警告 {warnings} 处。",
             "", "| 报送单位 | 文件 | 结果 | 行数 | 错误 | 警告 |", "| --- | --- | --- | ---: | ---: | ---: |"]
    lines += [f"| {r['office']} | {Path(r['file']).name} | {OUTCOMES.get(r['status'], r['status'])} | {r['rows']} "
              f"| {fault_count(r['errors'])} | {fault_count(r['warnings'])} |" for r in results]
    return "\n".join(lines) + "\n"


# A file's first findings in the run's table; the rest are counted in one row. A file of 200,000 wrong rows sent
# every one to Prefect's server, which held them all (2 GB).
TABLE_ROWS_PER_FILE = 100


def findings_table(results: list[dict]) -> list[dict]:
    """The errors and warnings of the run, one row each, as the office would look it up: a file's first
    TABLE_ROWS_PER_FILE, then a row saying how many more its rejection report and `ipwatch audit` list."""
    rows = []
    for r in results:
        found = [(severity, f) for severity, key in (("error", "errors"), ("warning", "warnings")) for f in r[key]]
        shown = {"office": r["office"], "file": Path(r["file"]).name, "status": r["status"]}
        rows += [{**shown, "severity": severity, "line": f["line"], "column": f["column"], "cell": f["cell"],
                  "rule": f["rule"], "value": f["value"], "message": f["message"]}
                 for severity, f in found[:TABLE_ROWS_PER_FILE]]
        if len(found) > TABLE_ROWS_PER_FILE:
            more = fault_count([f for _, f in found[TABLE_ROWS_PER_FILE:]])  # a rows_not_listed item counts its rows
            rows.append({**shown, "severity": None, "line": None, "column": None, "cell": None, "rule": None,
                         "value": None, "message": f"另有 {more} 处未列出，见退回报告与"
                         " ipwatch audit (more not listed here: see the rejection report and ipwatch audit)"})
    return rows


def bulletin_markdown(period: str, pages: list[Path]) -> str:
    """The bulletins a run rendered."""
    return "\n".join([f"# 进展通报 {period} (bulletins)", "", *[f"- {p.name}" for p in pages]]) + "\n"
