"""Uploads that arrive together are decided together: the portal's queue and its one gatherer.

An upload is kept on disk and recorded as waiting before its request is answered (<home>/uploads/waiting/: its
bytes under its ticket, `<ticket>.json` saying who sent it), so a server killed at any moment loses nothing: the
next one starts by deciding what was waiting. One gatherer thread per portal takes everything waiting once
IPWATCH_PORTAL_WINDOW_SECONDS have passed since an upload woke it, and decides it in one call of the pipeline in
the order it arrived (tickets sort by arrival), so an office's later file supersedes its earlier one exactly as
if they had come one at a time. Each upload's outcome is kept as uploads/done/<ticket>.json, which its waiting
page asks for, for DONE_KEPT_DAYS.

A batch notes the tickets it takes and the last submission id before it (uploads/batch.json) before it starts.
One that stopped (a crash, a kill -9) is finished by the next: each of its uploads that a submission after that
id with the same bytes from the same office answers was decided then and is not decided again; the rest the
pipeline takes up (a file registered but undecided is resumed), so nothing is lost or doubled.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import duckdb

from ipwatch import config, files, warehouse
from ipwatch.intake import pipeline
from ipwatch.portal import users, views

TICKET = re.compile(r"[0-9]{20}-[0-9a-f]{8}")
RETRY_SECONDS = 30.0  # after a batch that failed even file by file (the machine, not a file): try again later
# An upload's outcome is kept for its waiting page this long; its receipt stays at the submission's own address
# (the office's history links it). Without an end, done/ held every upload the portal ever took.
DONE_KEPT_DAYS = 30
PRUNE_EVERY_SECONDS = 3600.0
log = logging.getLogger(__name__)
# Decides the waiting uploads of a workspace's home by their tickets: `decide` itself, or the flow that runs it.
Runner = Callable[[str, list[str]], object]
_clock = threading.Lock()
_last = [0]
_listed: dict[Path, tuple[int, float, list[str]]] = {}  # waiting folder -> (its mtime, when listed, tickets)


def waiting_folder(ws: config.Workspace) -> Path:
    return ws.uploads / "waiting"


def done_folder(ws: config.Workspace) -> Path:
    return ws.uploads / "done"


def batch_note(ws: config.Workspace) -> Path:
    return ws.uploads / "batch.json"


def new_ticket() -> str:
    """A name that sorts in the order tickets were made in this process: nanoseconds, then chance."""
    with _clock:
        _last[0] = max(time.time_ns(), _last[0] + 1)
        return f"{_last[0]:020d}-{secrets.token_hex(4)}"


def enqueue(ws: config.Workspace, upload: BinaryIO, name: str | None, office: str, user_name: str,
            client: str) -> str:
    """The upload on disk, durably, and recorded as waiting: its ticket (over the size limit: views.TooLarge)."""
    ticket = new_ticket()
    folder = waiting_folder(ws)
    folder.mkdir(parents=True, exist_ok=True)
    stored = views.store(ws, upload, name=f"waiting/{ticket}")
    files.make_durable([stored])
    note = {"office": office, "file_name": views.client_name(name), "user_name": user_name, "client": client}
    files.publish(folder / f"{ticket}.json", json.dumps(note, ensure_ascii=False))
    return ticket


def waiting(ws: config.Workspace) -> list[str]:
    """The tickets waiting, first come first."""
    folder = waiting_folder(ws)
    return sorted(p.stem for p in folder.glob("*.json") if TICKET.fullmatch(p.stem)) if folder.exists() else []


def note_of(ws: config.Workspace, ticket: str) -> dict:
    return {**json.loads((waiting_folder(ws) / f"{ticket}.json").read_text("utf-8")), "ticket": ticket}


def status(ws: config.Workspace, ticket: str) -> dict | None:
    """Where an upload stands: done (with its outcome), waiting (with its place, 1 for the first), or None."""
    if not TICKET.fullmatch(ticket):
        return None
    try:
        note = note_of(ws, ticket)
    except FileNotFoundError:  # decided (its outcome is written before its record goes), or never was
        return outcome_of(ws, ticket)
    return {"state": "waiting", "place": bisect.bisect_left(listed(ws), ticket) + 1, "office": note["office"],
            "file_name": note["file_name"]}


def listed(ws: config.Workspace) -> list[str]:
    """The tickets waiting, as the waiting pages' places count them: listed again when the folder changed or a
    second has passed (a change within the same tick of the folder's clock shows at the latest then). Every
    waiting office asks each second: with hundreds waiting, listing the folder for each was most of the portal's
    work between batches."""
    folder = waiting_folder(ws)
    changed = folder.stat().st_mtime_ns if folder.exists() else 0
    now = time.monotonic()
    with _clock:
        seen = _listed.get(folder)
    if seen is None or seen[0] != changed or now - seen[1] > 1.0:
        seen = (changed, now, waiting(ws))
        with _clock:
            _listed[folder] = seen
    return seen[2]


def outcome_of(ws: config.Workspace, ticket: str) -> dict | None:
    done = done_folder(ws) / f"{ticket}.json"
    return {"state": "done", **json.loads(done.read_text("utf-8"))} if done.is_file() else None


def made_at(ticket: str) -> float:
    """When a ticket was made (seconds since the epoch): its first 20 digits are nanoseconds."""
    return int(ticket[:20]) / 1e9


def prune_done(ws: config.Workspace) -> None:
    """Remove the outcomes of uploads made more than DONE_KEPT_DAYS ago."""
    cutoff = time.time() - DONE_KEPT_DAYS * 86400
    for path in done_folder(ws).glob("*.json"):  # none while the folder does not exist
        if TICKET.fullmatch(path.stem) and made_at(path.stem) < cutoff:
            path.unlink(missing_ok=True)


def decide(home: str, tickets: list[str], step: pipeline.Step = pipeline.call) -> list[dict]:
    """The waiting uploads of `tickets` through the pipeline in one batch, each with its receipt kept and its
    outcome marked done; first those a stopped batch already decided are marked from what it decided."""
    ws = config.workspace(home)
    with warehouse.connect(ws.warehouse) as conn:
        finish_all(ws, recovered(ws, conn))
        notes = [note_of(ws, t) for t in tickets if (waiting_folder(ws) / f"{t}.json").is_file()]
        files.publish(batch_note(ws), json.dumps({"tickets": [n["ticket"] for n in notes],
                                                  "after": last_submission(conn)}))
        outcomes = pipeline.process(conn, ws, [incoming(ws, n) for n in notes], step=step)
        results = [{**r, "file": n["file_name"]} for n, r in zip(notes, outcomes, strict=True)]  # not its ticket
        users.record_all(conn, [{"user_name": n["user_name"], "action": "upload", "outcome": r["status"],
                                 "detail": f"#{r['submission_id']} {n['office']} {n['file_name']}",
                                 "client": n["client"]} for n, r in zip(notes, results, strict=True)])
    finish_all(ws, list(zip(notes, results, strict=True)))
    batch_note(ws).unlink(missing_ok=True)
    told(ws)
    return results


# The listeners of each workspace's gatherer (by its home), told as soon as a batch's outcomes are on disk: the
# batch's Prefect run still winds down after (its report task, its last state, its heartbeat thread: about a
# second), which the waiting offices need not wait for. Told once a batch: told twice, every office still waiting
# would ask again twice: 200 uploads at once, p95 12.0 s told twice, 8.1 s told once (2026-12-07).
_listening: dict[Path, list[Callable[[], object]]] = {}


def told(ws: config.Workspace) -> None:
    """Tell the workspace's gatherer's listeners that uploads were decided (and the others' places moved)."""
    for listener in list(_listening.get(ws.home.resolve(), [])):
        try:
            listener()
        except Exception:  # noqa: BLE001 - a listener's failure must not fail the batch, whose outcomes are kept
            log.exception("门户批次通知失败 (telling the waiting pages failed)")


def incoming(ws: config.Workspace, note: dict) -> pipeline.Incoming:
    return pipeline.Incoming(waiting_folder(ws) / note["ticket"], note["office"], name=note["file_name"])


def last_submission(conn: duckdb.DuckDBPyConnection) -> int:
    found = conn.execute(warehouse.sql("last_id"), {"name": "submission_ids"}).fetchone()
    return found[0] if found else 0


def recovered(ws: config.Workspace, conn: duckdb.DuckDBPyConnection) -> list[tuple[dict, dict]]:
    """The uploads a stopped batch had decided, each with the outcome its submission recorded: matched in arrival
    order to that batch's decisions of the same bytes from the same office, each decision used once."""
    if not batch_note(ws).is_file():
        return []
    stopped = json.loads(batch_note(ws).read_text("utf-8"))
    decided = warehouse.query(conn, "portal_decided_since", after=stopped["after"]).to_dicts()
    found = []
    for ticket in stopped["tickets"]:
        if not (waiting_folder(ws) / f"{ticket}.json").is_file():
            continue
        note = note_of(ws, ticket)
        digest = hashlib.sha256((waiting_folder(ws) / ticket).read_bytes()).hexdigest()
        match = next((d for d in decided if (d["sha256"], d["office_code"]) == (digest, note["office"])), None)
        if match is not None:
            decided.remove(match)
            found.append((note, {"submission_id": match["submission_id"], "status": match["status"]}))
    return found


def finish_all(ws: config.Workspace, decided: list[tuple[dict, dict]]) -> None:
    """Uploads decided (each note with its result): every receipt kept, then every outcome marked done, then their
    waiting records and bytes removed; each step on disk for all of them before the next (one folder sync a step,
    not one an upload), so a crash between leaves each upload waiting or done, never neither."""
    receipts = [kept(ws, note, result) for note, result in decided]
    files.make_durable([ws.receipts / f"{result['submission_id']}.json" for _, result in decided
                        if "errors" in result and result["submission_id"] is not None])
    done = [files.publish(done_folder(ws) / f"{note['ticket']}.json", json.dumps(
        {**result, "office": note["office"], "file_name": note["file_name"]}, ensure_ascii=False), durable=False)
        for (note, _), result in zip(decided, receipts, strict=True)]
    files.make_durable(done)
    for note, _ in decided:
        (waiting_folder(ws) / f"{note['ticket']}.json").unlink(missing_ok=True)
        (waiting_folder(ws) / note["ticket"]).unlink(missing_ok=True)


def kept(ws: config.Workspace, note: dict, result: dict) -> dict:
    """An upload's receipt, kept (not yet durable) under its submission id; a recovered one's is read from the
    warehouse (views.receipt), as it has no findings here."""
    return views.kept_receipt(ws, result, note["file_name"], durable=False) if "errors" in result else result


class Gatherer:
    """The one thread of a portal that decides what waits: woken by an upload, it lets the window pass, then takes
    everything waiting as one batch (through `runner`: a Prefect flow under `ipwatch web`), in the warehouse's
    long turn; a batch that fails is tried again file by file, so one bad file delays no other."""

    def __init__(self, ws: config.Workspace, runner: Runner | None = None) -> None:
        self.ws, self.runner = ws, runner or decide
        self.wake, self.started, self.lock = threading.Event(), False, threading.Lock()
        self.listeners: list[Callable[[], object]] = []  # the waiting pages' questions, told by each batch (`told`)
        _listening[ws.home.resolve()] = self.listeners

    def start(self) -> None:
        """Start the thread once; it begins with whatever a previous server left waiting."""
        with self.lock:
            if not self.started:
                self.started = True
                threading.Thread(target=self.loop, name="portal-gatherer", daemon=True).start()
        self.wake.set()

    def loop(self) -> None:
        pruned_at = -PRUNE_EVERY_SECONDS
        while True:
            self.wake.wait()
            self.wake.clear()
            time.sleep(config.settings().portal_window_seconds)
            while tickets := waiting(self.ws):
                if not self.batch(tickets):
                    time.sleep(RETRY_SECONDS)
            if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:  # between batches, at most hourly
                pruned_at = time.monotonic()
                prune_done(self.ws)

    def batch(self, tickets: list[str]) -> bool:
        """Decide `tickets` together, else one by one; whether every one was decided."""
        if self.attempt(tickets):
            return True
        return all([self.attempt([ticket]) for ticket in tickets])

    def attempt(self, tickets: list[str]) -> bool:
        try:
            with views.TURNS.turn(short=False):
                self.runner(str(self.ws.home), tickets)
        except Exception:  # noqa: BLE001 - the run's failure is in its log (and Prefect's); the uploads still wait
            log.exception("门户批次处理失败 (portal batch of %d failed)", len(tickets))
            return False
        return True
