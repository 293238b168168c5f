"""Uploads gathered into batches (ipwatch/portal/gather.py) on a real `ipwatch web` process, with real concurrent
clients: each upload gets exactly one receipt, its own; a later file of a region-quarter supersedes an earlier
one of the same batch; a server killed (SIGKILL) in the middle of a batch loses and doubles nothing once started
again; an upload's status is its office's alone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ipwatch import warehouse
from ipwatch.ops import serving

from .conftest import BIN, PORTAL_ACCOUNTS, PORTAL_PASSWORD, clean_env, web_process

pytestmark = pytest.mark.slow
WINDOW = "2"  # long enough that uploads sent together on a loaded machine land in one batch
HEADER = "region_code,period,indicator_code,value,unit,note\n"


def form(region: str, value: object, unit: str = "件") -> bytes:
    return f"{HEADER}{region},2025Q3,pct_applications,{value},{unit},\n".encode()


def make_home(folder: Path) -> tuple[Path, dict]:
    """A workspace with the portal's accounts (`ipwatch users add`), and the environment its server runs with."""
    home, env = folder / "home", {**clean_env(folder), "IPWATCH_PORTAL_WINDOW_SECONDS": WINDOW}
    for name, (role, region) in PORTAL_ACCOUNTS.items():
        subprocess.run([str(BIN / "ipwatch"), "--home", str(home), "users", "add", name, "--role", role,
                        *(["--region", region] if region else []), "--password-stdin"],
                       input=PORTAL_PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    return home, env


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("gather")
    home, env = make_home(folder)
    with web_process([str(BIN / "ipwatch"), "--home", str(home)], env, folder) as url:
        yield url, home


def signed_in(url: str, name: str) -> tuple[httpx.Client, str]:
    """A client signed in as `name`, and the CSRF token of its forms."""
    client = httpx.Client(base_url=url, timeout=600)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
    reply = client.post("/login", data={"user_name": name, "password": PORTAL_PASSWORD, "csrf": token})
    assert reply.status_code == 303
    return client, re.search(r'name="csrf" value="([^"]+)"', client.get("/", follow_redirects=True).text)[1]


def post(client: httpx.Client, csrf: str, region: str, content: bytes, name: str) -> str:
    """An upload: its waiting page's address."""
    reply = client.post(f"/regions/{region}/submissions", data={"csrf": csrf},
                        files={"file": (name, content, "text/csv")})
    assert reply.status_code == 303, reply.text[:300]
    return reply.headers["location"]


def receipt(client: httpx.Client, waiting: str) -> tuple[int, str]:
    """The submission id and verdict an upload ends with, asked as its waiting page's script asks."""
    while (found := client.get(f"{waiting}/status").json())["state"] == "waiting":
        assert found["place"] >= 1
        time.sleep(0.5)
    page = client.get(found["receipt"]).text
    sid = int(re.search(r"/submissions/(\d+)$", found["receipt"])[1])
    return sid, re.search(r'class="verdict verdict-(\w+)"', page)[1]


def values(home: Path, ids: list[int]) -> dict[int, tuple]:
    """Each submission's status and the value its one row carried."""
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as conn:
        rows = conn.execute("select s.submission_id, s.status, r.value from submissions s left join "
                            "submission_rows r using (submission_id) where s.submission_id in (select unnest($1))",
                            [ids]).fetchall()
    return {sid: (status, value) for sid, status, value in rows}


def test_a_good_file_and_a_bad_file_in_one_batch_each_get_their_own_receipt(portal):
    url, home = portal
    client, csrf = signed_in(url, "hefei")
    sent = {"good.csv": form("340100", 4321), "bad.csv": form("340100", 55, unit="公斤")}
    with ThreadPoolExecutor(2) as pool:
        waiting = dict(zip(sent, pool.map(lambda n: post(client, csrf, "340100", sent[n], n), sent), strict=True))
    page = client.get(waiting["bad.csv"])  # at once: still gathering, 处理中 with its place
    assert "处理中" in page.text and re.search(r"排在第[12]位", page.text)
    with ThreadPoolExecutor(2) as pool:
        (good_id, good), (bad_id, bad) = pool.map(lambda n: receipt(client, waiting[n]), sent)
    assert good.startswith("accepted") and bad == "rejected"
    found = values(home, [good_id, bad_id])
    assert found[good_id][1] == 4321 and found[bad_id][0] == "rejected"
    assert "计量单位" in client.get(f"/regions/340100/submissions/{bad_id}").text
    assert "计量单位" not in client.get(f"/regions/340100/submissions/{good_id}").text
    # the batch was a run of the portal flow on the portal's own Prefect server, which sent it no heartbeat
    kinds = prefect_events(home.parent / "prefect-client" / "prefect.db", until="prefect.flow-run.Completed")
    assert "prefect.flow-run.heartbeat" not in kinds, kinds


def prefect_events(db: Path, until: str) -> set[str]:
    """The kinds of event a Prefect database keeps, once it keeps `until` (the server records events a moment
    after they are sent)."""
    import sqlite3

    deadline = time.monotonic() + 120
    while True:
        with sqlite3.connect(db) as conn:
            kinds = {kind for (kind,) in conn.execute("select distinct event from events")}
        if until in kinds or time.monotonic() > deadline:
            assert until in kinds, kinds
            return kinds
        time.sleep(0.5)


def test_twenty_concurrent_uploads_of_two_offices_get_one_receipt_each_and_their_own(portal):
    url, home = portal
    offices = {"hefei": "340100", "liaoning": "210000"}
    clients = {name: signed_in(url, name) for name in offices}
    work = [(name, 100 + n) for n in range(10) for name in offices]

    def upload(item: tuple[str, int]) -> tuple[int, str]:
        name, value = item
        client, csrf = clients[name]
        return receipt(client, post(client, csrf, offices[name], form(offices[name], value), f"{name}-{value}.csv"))

    with ThreadPoolExecutor(len(work)) as pool:
        outcomes = list(pool.map(upload, work))
    ids = [sid for sid, _ in outcomes]
    assert len(set(ids)) == len(work) and {verdict for _, verdict in outcomes} <= {"accepted",
                                                                                    "accepted_with_warnings"}
    found = values(home, ids)
    assert [found[sid][1] for sid in ids] == [value for _, value in work]


def test_a_later_file_of_the_same_quarter_in_the_same_batch_supersedes_the_earlier(portal):
    url, home = portal
    client, csrf = signed_in(url, "hefei")
    first = post(client, csrf, "340100", form("340100", 7001), "first.csv")
    second = post(client, csrf, "340100", form("340100", 7002), "second.csv")
    (first_id, _), (second_id, _) = receipt(client, first), receipt(client, second)
    assert first_id < second_id
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as conn:
        in_force = conn.execute("select submission_id, value from current_observations where region_code = "
                                "'340100' and period = '2025Q3' and indicator_code = 'pct_applications'").fetchall()
    assert in_force == [(second_id, 7002)]


def test_an_upload_is_its_offices_alone(portal):
    url, _ = portal
    hefei, csrf = signed_in(url, "hefei")
    waiting = post(hefei, csrf, "340100", form("340100", 9001), "mine.csv")
    liaoning, _ = signed_in(url, "liaoning")
    assert liaoning.get(f"{waiting}/status").status_code == 403
    assert liaoning.get(waiting.replace("340100", "210000") + "/status").status_code == 404
    assert httpx.get(f"{url}{waiting}/status").status_code == 401
    assert receipt(hefei, waiting)[1].startswith("accepted")


def test_a_held_question_is_answered_once_its_batch_is_decided(portal):
    """The waiting page asks with ?wait=: the server answers when a batch has been decided, not at once, so the one
    question asked while the upload waits in the window comes back with its receipt."""
    url, _ = portal
    hefei, csrf = signed_in(url, "hefei")
    waiting = post(hefei, csrf, "340100", form("340100", 9101), "held.csv")
    held = hefei.get(f"{waiting}/status", params={"wait": 600}).json()
    assert held["state"] == "done" and held["receipt"].startswith("/regions/340100/submissions/")
    assert hefei.get(f"{waiting}/status", params={"wait": 600}).json() == held  # decided: answered at once


def test_a_server_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(tmp_path):
    home, env = make_home(tmp_path)
    port = serving.free_port()
    command = [str(BIN / "ipwatch"), "--home", str(home), "web", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=(tmp_path / "first.log").open("w"), start_new_session=True)
    while True:
        assert server.poll() is None, (tmp_path / "first.log").read_text()
        try:
            if httpx.get(f"{url}/login", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    client, csrf = signed_in(url, "hefei")
    with ThreadPoolExecutor(12) as pool:
        waiting = list(pool.map(lambda n: post(client, csrf, "340100", form("340100", 500 + n), f"k{n}.csv"),
                                range(12)))
    while not (home / "uploads" / "batch.json").exists():  # the batch has begun
        assert server.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    client.close()
    with web_process([str(BIN / "ipwatch"), "--home", str(home)], env, tmp_path) as again:
        client, _ = signed_in(again, "hefei")
        outcomes = [receipt(client, address) for address in waiting]
    ids = [sid for sid, _ in outcomes]
    found = values(home, ids)
    assert len(set(ids)) == 12 and [found[sid][1] for sid in ids] == [500 + n for n in range(12)]
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as conn:
        statuses = conn.execute("select status, count(*) from submissions group by status").fetchall()
    assert dict(statuses).keys() <= {"accepted", "accepted_with_warnings"} and sum(c for _, c in statuses) == 12
    assert list((home / "uploads" / "waiting").iterdir()) == []


def test_the_waiting_pages_are_told_when_a_batch_is_decided_not_when_its_run_has_wound_down(tmp_path):
    """A batch's Prefect run winds down for about a second after its outcomes are kept (its report task, its
    last state, its heartbeat thread); the waiting offices hear as soon as the outcomes are on disk, and once:
    told again, every office still waiting would ask again."""
    import io
    import threading

    from ipwatch import config
    from ipwatch.portal import gather

    home, _ = make_home(tmp_path)
    ws = config.workspace(home)
    ticket = gather.enqueue(ws, io.BytesIO(form("340100", 9202)), "early.csv", "340100", "hefei", "test")
    heard, wound_down = [], threading.Event()

    def runner(home: str, tickets: list[str]) -> None:  # a run that winds down after deciding, as Prefect's does
        gather.decide(home, tickets)
        assert wound_down.wait(120)

    gatherer = gather.Gatherer(ws, runner)
    gatherer.listeners.append(lambda: heard.append(gather.status(ws, ticket)["state"]))
    attempt = threading.Thread(target=gatherer.attempt, args=([ticket],))
    attempt.start()
    deadline = time.monotonic() + 120
    while not heard:
        assert time.monotonic() < deadline and attempt.is_alive(), "not told while the run winds down"
        time.sleep(0.05)
    assert heard == ["done"]
    wound_down.set()
    attempt.join()
    assert heard == ["done"]


def test_outcomes_older_than_they_are_kept_are_pruned_between_batches(tmp_path):
    """done/ kept every upload's outcome the portal ever took. After a batch the gatherer removes those of uploads
    made more than DONE_KEPT_DAYS ago (their receipts stay at their submissions' addresses), and only those."""
    import io
    import json

    from ipwatch import config, files
    from ipwatch.portal import gather

    ws = config.workspace(tmp_path / "home")
    now = time.time()
    old, recent = (f"{int((now - days * 86400) * 1e9):020d}-0000000{n}" for n, days in ((1, 31), (2, 29)))
    outcome = json.dumps({"submission_id": 7, "status": "accepted", "office": "340100", "file_name": "a.csv"})
    for ticket in (old, recent):
        files.publish(gather.done_folder(ws) / f"{ticket}.json", outcome)
    other = gather.done_folder(ws) / "notes.json"
    other.write_text("{}")
    ticket = gather.enqueue(ws, io.BytesIO(form("340100", 5)), "a.csv", "340100", "hefei", "test")
    decided = []

    def runner(home: str, tickets: list[str]) -> None:  # takes the uploads off the queue, as a decision does
        decided.extend(tickets)
        for taken in tickets:
            (gather.waiting_folder(ws) / f"{taken}.json").unlink()

    gather.Gatherer(ws, runner).start()
    deadline = time.monotonic() + 120
    while (gather.done_folder(ws) / f"{old}.json").exists():
        assert time.monotonic() < deadline, "the old outcome was not pruned"
        time.sleep(0.1)
    assert decided == [ticket]
    assert gather.status(ws, old) is None and gather.status(ws, recent)["state"] == "done" and other.exists()
