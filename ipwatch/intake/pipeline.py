"""Intake as a pipeline: a batch of submitted files through named stages, each a plain function of plain values.

    STAGES = (receive, read, normalise, stage, validate, explain, decide, release)

`process(conn, ws, files)` is the one way in, whatever door a file came by: the CLI, the inbox flow and the tests
call it; the flows hand each stage to Prefect as a task of the same name. Files are processed in waves: the
k-th file of every office together (`waves`), so that an office's later file is judged after its earlier one
is decided, exactly as if they had come one at a time; within a wave each file is judged as if it had come
alone, against the warehouse as it stood.

Containment: whatever goes wrong with one file (a parser's exception, a value no rule foresaw) becomes that
file's outcome, a `system` error: it is rejected and quarantined like any other, and the run goes on. A file that
cannot even be copied in is `refused` and left where it is. A fault of the machine (the warehouse, a full disk)
is not the file's: the run stops with SystemFault, and every file not yet decided stays in the inbox.

Crash safety: a file is archived before anything else (receive), registered with its rows in one transaction
(stage), and decided in one transaction per file after its quarantine copy is written (decide); a rerun finds a
file registered but undecided and takes it up again, or a file decided and records the same bytes as a
duplicate.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Callable
from dataclasses import replace

import duckdb
import polars as pl

from ipwatch import config, files, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import labels
from ipwatch.domain.finding import Finding, verdict
from ipwatch.intake import archive, inbox, submission
from ipwatch.intake import explain as explaining
from ipwatch.intake import normalise as normalising
from ipwatch.intake import validate as validating
from ipwatch.intake.batch import Batch, Entry, Incoming
from ipwatch.intake.reading import Limits, RawTable, ReadError
from ipwatch.warehouse import load

# Failures of the machine rather than of a file: they stop the run instead of becoming a file's outcome.
MACHINE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}
log = logging.getLogger(__name__)
MACHINE_ERRORS = (duckdb.IOException, duckdb.FatalException, duckdb.OutOfMemoryException, duckdb.ConnectionException,
                  duckdb.TransactionException)


class SystemFault(RuntimeError):
    """The warehouse or the disk failed, not a file: the run stops, and undecided files stay in the inbox."""


def receive(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch) -> Batch:
    """Keep a byte-for-byte copy of each file, then recognise bytes this office sent before: a duplicate is
    recorded at once with what became of the original; a file a stopped run registered is taken up again."""
    entries = []
    for entry in batch.entries:
        got = attempt(lambda e=entry: archive.archive(ws, e.path, follow=not e.incoming.from_inbox, durable=False))
        entries.append(refused(entry, got) if isinstance(got, Finding) else
                       replace(entry, stored=got[0], sha256=got[1]))
    files.make_durable([e.stored for e in entries if e.stored])  # before the warehouse refers to any of them
    prior = load.previous(conn, [(e.sha256, e.incoming.office) for e in entries if e.sha256])
    duplicates = []
    for i, entry in enumerate(entries):
        sid, status, kind = prior.get((entry.sha256, entry.incoming.office), (None, None, None))
        if status == "received":
            entries[i] = replace(entry, submission_id=sid, resumed=True)
        elif sid is not None:  # told again what the original was told (its findings as stored, fixes and all)
            entries[i] = replace(entry, duplicate_of=sid, original_status=status, original_kind=kind,
                                 status="duplicate", findings=tuple(load.findings_of(conn, sid)),
                                 kept=tuple(load.kept(conn, [sid]).get(sid, ())))
            duplicates.append(i)
    ids = load.register(conn, [registration(entries[i], "duplicate") for i in duplicates],
                        [normalising.empty()] * len(duplicates))
    for i, sid in zip(duplicates, ids, strict=True):
        entries[i] = replace(entries[i], submission_id=sid)
    return batch.with_entries(entries)


def attempt(work: Callable[[], object]) -> object:
    """`work()`, or a `system` finding telling the office, in Chinese, that its file is kept and what to do; what
    went wrong goes to the operator's log only (its text may hold SQL, paths or a traceback). A fault of the
    machine stops the run."""
    try:
        return work()
    except Exception as exc:  # noqa: BLE001 - whatever one file causes must not stop the others
        stop_if_machine(exc)
        log.error("a file could not be processed: %s", exc, exc_info=exc)
        return system_finding(exc)


def system_finding(exc: Exception) -> Finding:
    """What an office is told of a failure no rule foresaw: where, when a rule names its column, and what to do."""
    column = exc.column if isinstance(exc, validating.RuleFailed) else None
    where = (f"本文件的“{labels.rule(exc.rule)}”一项无法核对，请检查各行的"
             f"“{explaining.column_name(column, None)}”是否按填报说明填写"
             if column else "本文件未能处理完毕")
    return Finding("system", "error", None, column, None,
                   f"{where}；文件已退回并保留，请核对后重新报送，如仍出现本提示请联系数据管理员"
                   " (the file could not be processed; it is kept and rejected: check it and send it again, or ask"
                   " the data administrator)")


def stop_if_machine(exc: Exception) -> None:
    """Re-raise a failure of the warehouse or the disk as the run's; a busy warehouse as itself (it is retried)."""
    if isinstance(exc, warehouse.WarehouseBusy | SystemFault):
        raise exc
    if machine_fault(exc):
        log.error("the warehouse or the disk failed: %s", exc, exc_info=exc)
        raise SystemFault(system_message(exc)) from exc


def machine_fault(exc: BaseException) -> bool:
    """Whether a failure is the machine's (the warehouse, a full or broken disk) rather than a file's."""
    return isinstance(exc, MACHINE_ERRORS) or (isinstance(exc, OSError) and exc.errno in MACHINE_ERRNOS)


def system_message(exc: BaseException) -> str:
    """What a user is told of a fault of the machine, never its text (the operator's log keeps that)."""
    return ("数据仓库或磁盘故障，本次运行已停止，未处理的文件留在收件箱，请检查磁盘空间并查看运行日志"
            " (warehouse or disk failure: the run stopped; undecided files stay in the inbox; the log has the details)")


def refused(entry: Entry, finding: Finding) -> Entry:
    """A file that could not even be copied in: reported, not registered, and left where it is."""
    return replace(entry, status="refused", findings=(finding,))


def failed(entry: Entry, finding: Finding) -> Entry:
    """A file whose handling failed: it is judged unreadable, with the finding saying what happened."""
    return replace(entry, source=None, findings=(finding,))


def registration(entry: Entry, status: str) -> dict:
    """A file's submission record: who sent what, where its copy is, and how it was read."""
    return {"file_name": entry.incoming.file_name, "sha256": entry.sha256, "office_code": entry.incoming.office,
            "stored_path": str(entry.stored), "status": status, "received_at": entry.incoming.arrived_at,
            **details(entry.source)}


def read(batch: Batch) -> Batch:
    """Read each archived file as a table of text cells, within the limits; a file that cannot be read gets one
    finding saying why, and is rejected."""
    entries = list(batch.entries)
    limits = Limits()  # here, not per file: a setting that cannot be used stops the run, rejecting nothing
    for i in batch.open():
        got = attempt(lambda e=entries[i]: read_one(e, limits))
        entries[i] = failed(entries[i], got) if isinstance(got, Finding) else got
    return batch.with_entries(entries)


def read_one(entry: Entry, limits: Limits) -> Entry:
    """One file read, or its one finding saying why it cannot be."""
    try:
        return replace(entry, source=submission.read(entry.stored, limits))
    except ReadError as exc:
        return replace(entry, findings=(Finding("file_readable", "error", exc.line, exc.column, None, str(exc)),))


def normalise(batch: Batch) -> Batch:
    """Every readable file's rows, typed and converted to the indicators' units, in one frame."""
    catalogue = batch.catalogue or cat.default()
    aliases = normalising.alias_index(catalogue)
    entries, frames = list(batch.entries), []
    for i in [i for i in batch.open() if batch.entries[i].readable]:
        got = attempt(lambda e=entries[i]: normalising.rows(e.source, catalogue, aliases))
        if isinstance(got, Finding):
            entries[i] = failed(entries[i], got)
        else:
            frames.append(got.with_columns(entry=pl.lit(i, pl.Int32)))
    rows = pl.concat(frames) if frames else normalising.empty().with_columns(entry=pl.lit(0, pl.Int32))
    counts = dict(rows.group_by("entry").len().iter_rows())
    entries = [replace(e, rows=counts.get(i, 0)) for i, e in enumerate(entries)]
    return batch.with_entries(entries, rows=rows)


def stage(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch) -> Batch:
    """Register the new files with their rows, all in one transaction (the warehouse never holds half a file)."""
    entries = list(batch.entries)
    new = [i for i in batch.open() if not entries[i].resumed]  # a resumed file's rows are registered already
    by_entry = batch.rows.partition_by("entry", as_dict=True, include_key=False)
    none = normalising.empty()
    rows = [by_entry.get((i,), none) for i in new]
    got = attempt(lambda: load.register(conn, [registration(entries[i], "received") for i in new], rows))
    if isinstance(got, Finding):  # one file's rows broke the batch: register each alone to find which
        got = [register_alone(conn, entries, i, part) for i, part in zip(new, rows, strict=True)]
    for i, sid in zip(new, got, strict=True):
        entries[i] = replace(entries[i], submission_id=sid)
    return batch.with_entries(entries)


def register_alone(conn: duckdb.DuckDBPyConnection, entries: list[Entry], i: int, rows: pl.DataFrame) -> int:
    """Register one file with its rows; a file whose rows cannot be stored is registered without them, failed."""
    got = attempt(lambda: load.register(conn, [registration(entries[i], "received")], [rows])[0])
    if isinstance(got, Finding):
        entries[i] = replace(failed(entries[i], got), rows=0)
        got = load.register(conn, [registration(entries[i], "received")], [normalising.empty()])[0]
    return got


def details(source: RawTable | None) -> dict:
    """How a file was read, as the submission records it."""
    if source is None:
        return {}
    letters = json.dumps(source.letters, ensure_ascii=False) if source.letters else None
    return {"kind": source.kind, "encoding": source.encoding, "sheet": source.sheet, "column_letters": letters,
            **source.form}


def validate(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch) -> Batch:
    """Run the Great Expectations suite once over every readable file of the batch."""
    entries = list(batch.entries)
    ids = [entries[i].submission_id for i in batch.open() if entries[i].readable]
    found = attempt(lambda: validating.run(conn, ids))
    if isinstance(found, Finding):  # one file broke the batch's run: validate each alone to find which
        found = {sid: attempt(lambda sid=sid: validating.run(conn, [sid])[sid]) for sid in ids}
    for i in [i for i in batch.open() if entries[i].readable]:
        got = found[entries[i].submission_id]
        entries[i] = failed(entries[i], got) if isinstance(got, Finding) else replace(entries[i], findings=tuple(got))
    return batch.with_entries(entries)


def explain(batch: Batch) -> Batch:
    """Name each finding's indicator and add the fix for its row; a fault of a form's header block said once, at
    its cell (ipwatch/intake/explain.py)."""
    catalogue = batch.catalogue or cat.default()
    entries = list(batch.entries)
    by_entry, none = batch.rows.partition_by("entry", as_dict=True, include_key=False), normalising.empty()
    for i in batch.open():
        entry = entries[i]
        rows = by_entry.get((i,), none)
        got = attempt(lambda e=entry, r=rows: explaining.explained(e.findings, r, e.source, e.incoming.office,
                                                                   catalogue))
        entries[i] = failed(entry, got) if isinstance(got, Finding) else replace(entry, findings=got)
    return batch.with_entries(entries)


def decide(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch) -> Batch:
    """Each file's verdict from its findings, recorded in one transaction; a rejected file goes to quarantine first,
    so that a stop between the two leaves it undecided and the rerun writes the same quarantine files again."""
    entries = list(batch.entries)
    for i in batch.open():
        if verdict(list(entries[i].findings)) == "rejected":
            archive.quarantine(ws, entries[i], list(entries[i].findings))
    statuses = load.decide(conn, {entries[i].submission_id: list(entries[i].findings) for i in batch.open()})
    kept = load.kept(conn, list(statuses))
    for i in batch.open():
        sid = entries[i].submission_id
        entries[i] = replace(entries[i], status=statuses[sid], kept=tuple(kept.get(sid, ())))
    return batch.with_entries(entries)


def release(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch) -> Batch:
    """Take the decided files that came from the inbox out of it (their bytes are in the archive)."""
    for entry in batch.entries:
        if entry.incoming.from_inbox and entry.status not in (None, "refused"):
            inbox.clear(entry.path)
    return batch


STAGES = (receive, read, normalise, stage, validate, explain, decide, release)
# The stages that work on the files alone (no warehouse, no workspace): they take and return the batch only.
FILE_STAGES = (read, normalise, explain)

Step = Callable[..., Batch]


def split(batch: Batch, n: int) -> list[tuple[list[int], Batch]]:
    """The batch's open files in up to `n` parts, each a batch of its own with their rows, and the positions its
    files hold in the whole: a file stage (FILE_STAGES) works on each part alone, anywhere (another process or
    machine), and `joined` puts them back."""
    opened = batch.open()
    groups = [opened[k::n] for k in range(n) if opened[k::n]]
    return [(group, part(batch, group)) for group in groups]


def part(batch: Batch, positions: list[int]) -> Batch:
    """The files at `positions` as a batch of their own, their rows' `entry` counted within it."""
    rows = renumbered(batch.rows, {old: new for new, old in enumerate(positions)})
    return replace(batch, entries=tuple(batch.entries[i] for i in positions), rows=rows)


def joined(batch: Batch, parts: list[tuple[list[int], Batch]]) -> Batch:
    """The whole batch again, each part's files and rows in their places."""
    entries = list(batch.entries)
    for positions, got in parts:
        for new, old in enumerate(positions):
            entries[old] = got.entries[new]
    others = {i: i for i in range(len(entries))} | {i: None for positions, _ in parts for i in positions}
    frames = [renumbered(batch.rows, others),
              *(renumbered(got.rows, dict(enumerate(positions))) for positions, got in parts)]
    return batch.with_entries(entries, rows=pl.concat(frames, how="diagonal_relaxed"))


def renumbered(rows: pl.DataFrame, mapping: dict[int, int | None]) -> pl.DataFrame:
    """The rows of the files `mapping` names (not None), their `entry` changed to its number there; rows not yet
    normalised have no `entry` and are left as they are."""
    if "entry" not in rows.columns:
        return rows
    kept = rows.filter(pl.col("entry").is_in([k for k, v in mapping.items() if v is not None]))
    return kept.with_columns(pl.col("entry").replace_strict(mapping, return_dtype=pl.Int32))


def call(stage_fn: Step, *args: object) -> Batch:
    """Run a stage as it is (the flows pass a step that runs it as a Prefect task)."""
    return stage_fn(*args)


def waves(files: list[Incoming]) -> list[list[int]]:
    """The positions of the k-th file of every office, for k = 0, 1, ...: one wave each."""
    grouped: list[list[int]] = []
    seen: dict[str, int] = {}
    for n, incoming in enumerate(files):
        k = seen.get(incoming.office, 0)
        seen[incoming.office] = k + 1
        if k == len(grouped):
            grouped.append([])
        grouped[k].append(n)
    return grouped


def run(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, batch: Batch, stages: tuple = STAGES,
        step: Step = call) -> Batch:
    """A batch through the stages, in order."""
    for stage_fn in stages:
        batch = step(stage_fn, batch) if stage_fn in FILE_STAGES else step(stage_fn, conn, ws, batch)
    return batch


def process(conn: duckdb.DuckDBPyConnection, ws: config.Workspace, files: list[Incoming],
            catalogue: cat.Catalogue | None = None, step: Step = call) -> list[dict]:
    """Take files through every stage, wave by wave; returns each file's outcome in the order given."""
    outcomes: dict[int, dict] = {}
    for wave in waves(files):
        batch = run(conn, ws, Batch.of([files[n] for n in wave], catalogue), step=step)
        outcomes.update(zip(wave, map(outcome, batch.entries), strict=True))
    return [outcomes[n] for n in range(len(files))]


def refusal(incoming: Incoming, reason: str) -> dict:
    """The outcome of something in the inbox that is never taken in (a link, a folder not named by a region)."""
    return outcome(refused(Entry(incoming), Finding("inbox_entry", "error", None, None, incoming.path.name, reason)))


def outcome(entry: Entry) -> dict:
    """What became of a file, as `ipwatch ingest --json` prints it."""
    return {**archive.result(entry, entry.status, list(entry.findings)), "office": entry.incoming.office}
