"""The inbox as offices fill it: a file still being written is left for a later run, whoever starts the run, and
anything not directly in an office's folder is reported as refused, every run, and left where it is (#26, item 8).

Real parts: the intake's own flow and `ipwatch ingest --inbox` in process under a Prefect test harness, a real
warehouse, a file written by a real thread while the run works."""

from __future__ import annotations

import json
import threading
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from flows.ingest import inbox_flow
from ipwatch import cli, config, warehouse

from .conftest import write_csv

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADER = "region_code,period,indicator_code,value,unit,note"
SETTLE = 2.0  # seconds; IPWATCH_INBOX_SETTLE_SECONDS for these tests (60 in service)


def manual_run(ws: config.Workspace) -> list[dict]:
    """`ipwatch ingest --inbox --json`, as an operator types it."""
    out = StringIO()
    with redirect_stdout(out):
        cli.main(["--home", str(ws.home), "ingest", "--inbox", "--json"])
    return [json.loads(line) for line in out.getvalue().splitlines()]


def scheduled_run(ws: config.Workspace) -> list[dict]:
    """The inbox deployment's flow, called as prefect.yaml calls it (no parameters)."""
    return inbox_flow(home=str(ws.home))


def rows_in_force(ws: config.Workspace) -> int:
    """How many values of 340102 are in force."""
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        return conn.sql("select count(*) from observations where region_code = '340102'").fetchone()[0]


class SlowWriter(threading.Thread):
    """Writes a submission a piece every 0.3 s, until told to finish: a copy arriving over a slow share. Eight rows,
    2019Q1 to 2020Q4 of one indicator (values 10 to 17); the last row's note grows a character at a time while the
    run works, so the file is never whole before `finish`."""

    ROWS = 8

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.finish, self.pieces = path, threading.Event(), 0

    def run(self) -> None:
        lines = [f"340102,{2019 + n // 4}Q{n % 4 + 1},pct_applications,{10 + n},件," for n in range(self.ROWS)]
        with self.path.open("w", encoding="utf-8") as out:
            for piece in [HEADER + "\n", *(line + "\n" for line in lines[:-1]), lines[-1]]:
                self.write(out, piece)
            while not self.finish.is_set():
                self.write(out, "注")
            out.write("\n")

    def write(self, out, piece: str) -> None:
        out.write(piece)
        out.flush()
        self.pieces += 1
        time.sleep(0.3)


@pytest.mark.parametrize("run", [manual_run, scheduled_run], ids=["manual", "scheduled"])
def test_a_file_still_being_written_is_left_until_it_has_settled(ws, monkeypatch, run):
    monkeypatch.setenv("IPWATCH_INBOX_SETTLE_SECONDS", str(SETTLE))
    (ws.inbox / "340102").mkdir(parents=True)
    path = ws.inbox / "340102" / "arriving.csv"
    writer = SlowWriter(path)
    writer.start()
    while writer.pieces < 3:  # the copy has begun
        time.sleep(0.05)
    first = run(ws)  # the writer goes on all through this run
    writer.finish.set()
    writer.join(10)
    assert first == [] and path.exists() and rows_in_force(ws) == 0  # nothing of it taken, half or whole
    assert not ws.archive.exists() or list(ws.archive.iterdir()) == []
    time.sleep(SETTLE + 0.5)
    [taken] = run(ws)
    # whole: its eight rows, the last one's value 17 (10 + 7) with the note as long as the writer made it
    assert taken["status"].startswith("accepted") and taken["rows"] == SlowWriter.ROWS
    assert rows_in_force(ws) == SlowWriter.ROWS and not path.exists()
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        value, note = conn.sql("select value, note from observations where period = '2020Q4'").fetchone()
    assert value == 17 and note == "注" * (writer.pieces - SlowWriter.ROWS - 1)


def test_the_settle_time_is_one_setting_the_deployment_does_not_override():
    text = config.PREFECT_YAML.read_text("utf-8")
    assert "settle" not in text.split("- name: inbox")[1].split("- name:")[0].split("#")[0]
    assert config.settings({}).inbox_settle_seconds == 60


def test_a_file_in_a_sub_folder_of_an_office_is_reported_as_refused_at_every_run(ws):
    office = ws.inbox / "340102"
    (office / "2025" / "九月").mkdir(parents=True)
    (office / "empty").mkdir()
    nested = write_csv(office / "2025" / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    deeper = write_csv(office / "2025" / "九月" / "q3-fix.csv", ["340102,2025Q3,pct_applications,6,件,"])
    direct = write_csv(office / "q2.csv", ["340102,2025Q2,pct_applications,4,件,"])
    for _ in range(2):  # reported again by the next run: nothing is silently left behind
        results = {Path(r["file"]).relative_to(office).as_posix(): r for r in manual_run(ws)}
        refused = {name: r["errors"][0]["message"] for name, r in results.items() if r["status"] == "refused"}
        assert set(refused) == {"2025/q3.csv", "2025/九月/q3-fix.csv", "empty"}
        assert "子文件夹 2025 中" in refused["2025/q3.csv"] and "inbox/340102/" in refused["2025/q3.csv"]
        assert "子文件夹 2025/九月 中" in refused["2025/九月/q3-fix.csv"]
        assert nested.exists() and deeper.exists()  # left where they are, nothing lost
    assert not direct.exists() and rows_in_force(ws) == 1  # the file directly in the folder was taken, once


def test_the_run_says_it_refused_a_nested_file(ws, capsys):
    (ws.inbox / "340102" / "sub").mkdir(parents=True)
    write_csv(ws.inbox / "340102" / "sub" / "q3.csv", ["340102,2025Q3,pct_applications,5,件,"])
    assert cli.main(["--home", str(ws.home), "ingest", "--inbox"]) == 1  # a refusal is not a success
    out = capsys.readouterr().out
    assert "q3.csv" in out and "子文件夹 sub" in out
