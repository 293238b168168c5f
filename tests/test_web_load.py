"""50 uploads at once to a real `ipwatch web` on loopback (bounded: 50 requests, one office, small files): each
file is processed exactly once, whatever order they land in, and the warehouse is consistent afterwards.

40 distinct files and 10 sent twice at the same moment, gathered into batches (ipwatch/portal/gather.py): every
one gets a receipt; each distinct content is judged once (its twin is recorded as a duplicate); the value in
force is that of the last file accepted. The figures (wall time, latency percentiles) are printed and kept beside
the workspace, in `<basetemp>/portal<N>/figures.json`.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ipwatch import warehouse

from .conftest import PORTAL_PASSWORD

pytestmark = pytest.mark.slow
DISTINCT, TWINS = 40, 10


def csv_file(n: int) -> bytes:
    return f"region_code,period,indicator_code,value,unit,note\n340100,2025Q3,pct_applications,{700 + n},件,\n".encode()


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=600)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
    reply = client.post("/login", data={"user_name": "hefei", "password": PORTAL_PASSWORD, "csrf": csrf})
    assert reply.status_code == 303
    return client


def receipt_address(client: httpx.Client, waiting: str) -> str:
    """Where an upload's waiting page sends it once decided, asked as its script asks (every half second)."""
    while (found := client.get(f"{waiting}/status").json())["state"] == "waiting":
        time.sleep(0.5)
    return found["receipt"]


def test_fifty_concurrent_uploads_are_each_processed_once(portal_url, portal_folder):
    client = signed_in(portal_url)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/regions/340100").text)[1]
    files = [csv_file(n) for n in range(DISTINCT)] + [csv_file(n) for n in range(TWINS)]

    def send(content: bytes) -> tuple[float, str]:
        started = time.monotonic()
        reply = client.post("/regions/340100/submissions", data={"csrf": csrf},
                            files={"file": ("hefei.csv", content, "text/csv")})
        assert reply.status_code == 303, reply.text[:500]
        reply = client.get(receipt_address(client, reply.headers["location"]))
        verdict = re.search(r'class="verdict verdict-(\w+)"', reply.text)[1]
        return time.monotonic() - started, verdict

    began = time.monotonic()
    with ThreadPoolExecutor(len(files)) as pool:
        outcomes = list(pool.map(send, files))
    wall = time.monotonic() - began
    client.close()

    verdicts = [v for _, v in outcomes]
    assert verdicts.count("duplicate") == TWINS and len(verdicts) == DISTINCT + TWINS
    home = portal_folder / "home"
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as conn:
        judged = conn.sql("select sha256, count(*) from submissions where status <> 'duplicate' and file_name = "
                          "'hefei.csv' group by sha256 having count(*) <> 1").fetchall()
        (count,) = conn.sql("select count(*) from submissions where file_name = 'hefei.csv'").fetchone()
        (last,) = conn.sql("select max(submission_id) from submissions where file_name = 'hefei.csv' and status "
                           "like 'accepted%'").fetchone()
        in_force = conn.sql("select submission_id from current_observations where region_code = '340100' and "
                            "period = '2025Q3' and indicator_code = 'pct_applications'").fetchall()
        derived = conn.sql("select submission_id from observations_all where is_current and region_code = "
                           "'340100' and period = '2025Q3' and indicator_code = 'pct_applications'").fetchall()
        undecided = conn.sql("select count(*) from submissions where status = 'received'").fetchone()[0]
    assert judged == [] and count == DISTINCT + TWINS and undecided == 0
    assert in_force == derived == [(last,)]
    assert list((home / "uploads" / "waiting").iterdir()) == []  # none left waiting, no stray bytes beside
    assert sorted(p.name for p in (home / "uploads").iterdir()) == ["done", "waiting"]
    latencies = sorted(t for t, _ in outcomes)
    figures = {"uploads": len(files), "wall_seconds": round(wall, 2), "per_second": round(len(files) / wall, 2),
               "latency_p50": round(statistics.median(latencies), 2),
               "latency_p95": round(latencies[int(0.95 * len(latencies)) - 1], 2),
               "latency_max": round(latencies[-1], 2)}
    (portal_folder / "figures.json").write_text(json.dumps(figures, indent=1))
    print(f"\nportal load: {figures}")
