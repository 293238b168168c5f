"""One submitted file's way in: receive -> read -> stage -> validate -> decide. Plain functions; the flow names them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ipwatch import catalogue as cat
from ipwatch import config, files, intake, load
from ipwatch.bulletin import environment
from ipwatch.load import Finding
from ipwatch.reading import ReadError


@dataclass(frozen=True)
class Received:
    """A file registered in the warehouse: its submission id, or the earlier one it duplicates."""

    path: Path
    submission_id: int
    rows: int
    stored: Path | None = None  # the archived copy, the bytes that were read
    duplicate_of: int | None = None
    original_status: str | None = None
    unreadable: Finding | None = None
    sheet: str | None = None
    letters: dict[str, str] = field(default_factory=dict)


def archive(ws: config.Workspace, name: str, data: bytes) -> tuple[Path, str]:
    """A byte-for-byte copy of the file, named by its hash, before anything else happens to it; and the hash."""
    sha = hashlib.sha256(data).hexdigest()
    stored = ws.archive / f"{sha[:16]}-{name}"
    if not stored.exists() or intake.sha256(stored) != sha:  # checked, not trusted: disks and people err
        files.publish(stored, data)
    return stored, sha


def receive(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, path: Path, office: str,
            catalogue: cat.Catalogue) -> Received:
    """Keep a copy of the file, then register it and its rows (or resume a registration a crash left).

    The file is read once; the archived copy is what gets hashed, read and judged, even if the original
    changes meanwhile.
    """
    stored, sha = archive(ws, path.name, path.read_bytes())
    prior = load.previous(conn, sha, office)
    resumed = prior[0] if prior and prior[1] == "received" else None
    if prior and resumed is None:
        dup = load.record_received(conn, path.name, sha, office, stored, intake.empty_rows(), status="duplicate")
        return Received(path, dup, 0, duplicate_of=prior[0], original_status=prior[1])
    try:
        submitted = intake.read_submission(stored, catalogue)
    except ReadError as exc:
        unreadable = Finding("file_readable", "error", exc.line, exc.column, None, str(exc))
        submission_id = resumed or load.record_received(conn, path.name, sha, office, stored, intake.empty_rows())
        return Received(path, submission_id, 0, stored=stored, unreadable=unreadable)
    read = submitted.source
    details = {"kind": read.kind, "encoding": read.encoding, "sheet": read.sheet,
               "column_letters": json.dumps(read.letters, ensure_ascii=False) if read.letters else None, **read.form}
    submission_id = resumed or load.record_received(conn, path.name, sha, office, stored, submitted.rows,
                                                    details=details)
    return Received(path, submission_id, submitted.rows.height, stored=stored, sheet=read.sheet,
                    letters=read.letters)


def cell(received: Received, finding: Finding) -> str | None:
    """The spreadsheet cell of a finding ('填报表!E13'), for files read from xlsx."""
    letter = received.letters.get(finding.column or "") or (
        received.letters.get("indicator_code") or received.letters.get("indicator_name")
        if finding.column == "indicator" else None)
    if not received.sheet or finding.line is None or letter is None:
        return None
    return f"{received.sheet}!{letter}{finding.line}"


def quarantine(ws: config.Workspace, received: Received, findings: list[Finding]) -> Path:
    """Keep a rejected file beside its report (JSON and HTML) naming every fault's line and column."""
    target = ws.quarantine / f"{received.submission_id}-{received.path.name}"
    files.publish(target, (received.stored or received.path).read_bytes())
    summary = result(received, "rejected", findings)
    files.publish(target.with_name(target.name + ".errors.json"), json.dumps(summary, ensure_ascii=False, indent=1))
    html = environment().get_template("rejection.html.j2").render(result=summary, file_name=received.path.name)
    return files.publish(target.with_name(target.name + ".errors.html"), html)


def result(received: Received, status: str, findings: list[Finding]) -> dict:
    """The per-file summary `ipwatch ingest --json` prints."""
    def items(severity: str) -> list[dict]:
        return [{"line": f.line, "column": f.column, "cell": cell(received, f), "rule": f.rule, "value": f.value,
                 "message": f.message} for f in findings if f.severity == severity]

    summary = {"file": str(received.path), "submission_id": received.submission_id, "status": status,
               "rows": received.rows, "errors": items("error"), "warnings": items("warning")}
    if received.duplicate_of is not None:  # the same bytes again: say what became of them the first time
        summary.update(duplicate_of=received.duplicate_of, original_status=received.original_status)
    return summary
