"""kill -9 during an inbox run of many files, at several points, then run again: nothing lost, nothing doubled.

Each run is a real `ipwatch ingest --inbox` process (with Prefect's ephemeral server under it), killed with
SIGKILL to its whole process group, as a power cut or the OOM killer would end it.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ipwatch import config, warehouse
from ipwatch.warehouse import reference

from .conftest import write_csv

pytestmark = pytest.mark.slow

# One file per county of Hefei; the value each should leave current, None for the rejected one.
FILES = {"340102": "11", "340103": "12", "340104": "/", "340111": "abc", "340121": "15", "340122": "16",
         "340123": "17", "340124": "18"}
EXPECTED = {code: (None if value == "/" else float(value)) for code, value in FILES.items() if value != "abc"}


def start(home: Path) -> subprocess.Popen:
    return subprocess.Popen([str(Path(sys.executable).with_name("ipwatch")), "--home", str(home), "ingest",
                             "--inbox"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def kill_when(run: subprocess.Popen, ready: Callable[[], bool], limit: float = 120) -> bool:
    """SIGKILL the run's process group as soon as `ready()`; False if the run ended first."""
    deadline = time.monotonic() + limit
    while run.poll() is None and time.monotonic() < deadline:
        if ready():
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
            return True
        time.sleep(0.005)
    run.wait()
    return False


def state(ws: config.Workspace) -> dict:
    """What the warehouse holds, read by opening it as the next run would (after replaying its WAL)."""
    with warehouse.connect(ws.warehouse) as conn:
        submissions = conn.sql("""
            select s.sha256, s.status, s.row_count,
                   (select count(*) from observation_versions as o where o.submission_id = s.submission_id)
            from submissions as s""").fetchall()
        current = dict(conn.sql("select region_code, value from observations where period = '2025Q3'").fetchall())
    return {"submissions": submissions, "current": {k: None if v is None else float(v) for k, v in current.items()}}


def check_invariants(ws: config.Workspace, shas: set[str]) -> None:
    held = state(ws)
    for sha, status, rows, versions in held["submissions"]:
        # never half a submission: all of an accepted file's rows are versions, none of anyone else's
        assert versions == (rows if status.startswith("accepted") else 0), (sha, status, rows, versions)
    decided = {sha for sha, status, _, _ in held["submissions"] if status in ("accepted", "accepted_with_warnings",
                                                                              "rejected")}
    waiting = {hashlib.sha256(p.read_bytes()).hexdigest() for p in ws.inbox.rglob("*.csv")}
    assert shas <= decided | waiting, "a file left the inbox before its decision was stored"


def test_kill_9_at_several_points_then_rerun_processes_every_file_once(tmp_path):
    ws = config.workspace(tmp_path / "home")
    reference.initialise(ws)
    folder = ws.inbox / "340100"
    folder.mkdir(parents=True)
    shas = set()
    for i, (code, value) in enumerate(FILES.items()):
        path = write_csv(folder / f"{i:02d}-{code}.csv", [f"{code},2025Q3,pct_applications,{value},件,"])
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))  # the inbox takes files oldest first
        shas.add(hashlib.sha256(path.read_bytes()).hexdigest())

    def archived(n: int) -> Callable[[], bool]:
        return lambda: len([p for p in ws.archive.iterdir() if not p.name.startswith(".")]) >= n

    def inbox_left(n: int) -> Callable[[], bool]:
        return lambda: len(list(folder.iterdir())) <= n

    def quarantined() -> bool:
        return any(ws.quarantine.glob("*.errors.json"))

    points = [("during startup", lambda: time.monotonic() - started > 1.0),
              ("while receiving the first file", archived(1)),
              ("after a decision, before the inbox is cleared", inbox_left(len(FILES) - 1)),
              ("while the rejected file is quarantined", quarantined),
              ("in the middle of the run", archived(len(FILES) - 2))]
    killed = []
    for name, ready in points:
        started = time.monotonic()
        if kill_when(start(ws.home), ready):
            killed.append(name)
        check_invariants(ws, shas)
    assert len(killed) >= 3, f"only killed at {killed}: the points came too late to test"

    final = start(ws.home)
    final.wait(300)
    assert final.returncode in (0, 1), final.stderr.read().decode()  # 1: the rejected file
    check_invariants(ws, shas)
    assert list(folder.iterdir()) == []
    held = state(ws)
    decided = [(sha, status) for sha, status, _, _ in held["submissions"] if status != "duplicate"]
    assert sorted(sha for sha, _ in decided) == sorted(shas), "every file decided exactly once"
    assert sorted(status for _, status in decided) == sorted(
        ["accepted"] * 6 + ["accepted_with_warnings", "rejected"])
    assert held["current"] == EXPECTED
    [rejected] = [p for p in ws.quarantine.iterdir() if p.suffix == ".csv"]
    assert rejected.name.endswith("340111.csv") and rejected.read_text("utf-8").count("abc") == 1
    assert rejected.with_name(rejected.name + ".errors.html").exists()
    assert sorted(p.name[17:] for p in ws.archive.iterdir() if not p.name.startswith(".")) == sorted(
        f"{i:02d}-{code}.csv" for i, code in enumerate(FILES))
