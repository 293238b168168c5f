"""Deadline day (#30 item 4): many offices upload their forms to a real `ipwatch web` on the demo workspace at once.

Each office is a portal user made with the users code, logged in before the clock starts, and uploads its own form:
its region's rows of the latest demo file of its plan region, a note changed (new bytes, judged whole). The demo has
244 regions today, so 50 and 200 uploads come from as many offices; past 244 an office sends a second version. An
upload's receipt time runs from its POST to its receipt page, asked as the waiting page's script asks. 50 and 200
uploads are sent at once; 1,000 within a minute with `--thousand`. Today's one-at-a-time path
(IPWATCH_PORTAL_WINDOW_SECONDS=0) is measured in the same run on 50 as the baseline. While the uploads run, an
office's calendar and an auditor's queue are fetched again and again and timed. Peak memory is the largest RSS of
the web process with its children (Prefect's server), sampled. Each case runs on a fresh copy of one demo workspace.
Writes reports/bench/deadline.json; a figure not measured is null. No time limits.
`python -m tests.bench_deadline [--home DEMO] [--thousand] [--single]` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path

import httpx
import psutil

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.domain import regions
from ipwatch.portal import users

from . import bench_national, bench_single, national
from .conftest import BIN, web_process

PASSWORD = "deadline day password"
OUT = config.ROOT / "reports" / "bench" / "deadline.json"
KEYS = ("uploads_50_p95_s", "uploads_200_p95_s", "uploads_1000_p95_s", "one_at_a_time_50_p95_s",
        "national_portal_s", "pages_p95_s", "errors", "peak_mb", "single_file_ingest_s")
HOLD = 20  # as reports/static/portal.js asks: held by the server until a batch is decided, at most this long


def forms(home: Path, n: int) -> list[tuple[str, str, bytes]]:
    """`n` uploads (office, file name, bytes) of as many offices as the demo has regions: each region's own rows
    of its plan region's latest demo file, as its office would send them, a note changed per round. Deadline day
    is many offices at once; the demo's five plan regions alone would make ten files from each office, decided
    in ten waves one after another (an office's later file waits for its earlier one), which no office sends."""
    latest = {}
    for path in sorted((home / "demo").glob("*/*.csv")):
        if "draft" not in path.name and path.parent.name.isdigit():
            latest[path.parent.name] = path  # sorted: the last is the latest quarter
    own: dict[str, list[str]] = {}
    for path in latest.values():
        header, *rows = path.read_text("utf-8").splitlines(keepends=True)
        for row in rows:
            own.setdefault(row.split(",", 1)[0], [header]).append(row)
    current = set(regions.load()["region_code"])  # a region since merged away has no office to log in
    offices = sorted(set(own) & current)
    made = []
    for k, office in zip(range(n), cycle(offices)):
        header, first, *rest = own[office]
        version = k // len(offices) + 1
        first = first.rstrip("\r\n").removesuffix('""') + f'"截止日第{version}版"\n'
        made.append((office, f"{office}-v{version}.csv", "".join([header, first, *rest]).encode()))
    return made


def add_users(home: Path, offices: set[str]) -> None:
    """An office user per office (named after its region) and an auditor, with the portal's own users code."""
    with warehouse.connect(home / "warehouse.duckdb") as conn:
        for office in sorted(offices):
            users.add(conn, f"o{office}", "office", office, PASSWORD, "bench")
        users.add(conn, "auditor", "auditor", None, PASSWORD, "bench")


def signed_in(url: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=900)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
    reply = client.post("/login", data={"user_name": name, "password": PASSWORD, "csrf": token})
    if reply.status_code != 303:
        raise RuntimeError(f"{name} could not log in: {reply.status_code}")
    return client, re.search(r'name="csrf" value="([^"]+)"', client.get("/", follow_redirects=True).text)[1]


def upload(client: httpx.Client, csrf: str, office: str, name: str, content: bytes) -> float:
    """Seconds from the POST to the receipt page of one upload."""
    started = time.monotonic()
    reply = client.post(f"/regions/{office}/submissions", data={"csrf": csrf},
                        files={"file": (name, content, "text/csv")})
    if reply.status_code != 303:
        raise RuntimeError(f"upload answered {reply.status_code}")
    address = reply.headers["location"]
    if "/uploads/" in address:
        while True:
            asked = time.monotonic()
            if (found := client.get(f"{address}/status", params={"wait": HOLD}).json())["state"] != "waiting":
                break
            time.sleep(max(0.0, 1.0 - (time.monotonic() - asked)))  # never more than once a second
        address = found["receipt"]
    if client.get(address).status_code != 200:
        raise RuntimeError("no receipt")
    return time.monotonic() - started


@contextmanager
def sampled(pid: int) -> Iterator[dict]:
    """The peak RSS (MB) of process `pid` with its children while the block runs (`mb`), and of its largest
    process alone (`one_mb`: the issue's bound is a process's)."""
    peak, stop = {"mb": 0.0, "one_mb": 0.0}, threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                root = psutil.Process(pid)
                each = [p.memory_info().rss / 1048576 for p in [root, *root.children(recursive=True)]]
                peak["mb"], peak["one_mb"] = max(peak["mb"], sum(each)), max(peak["one_mb"], *each)
            except psutil.Error:
                pass
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def pages(clients: list[tuple[httpx.Client, str]], stop: threading.Event, times: list[float],
          errors: list[str]) -> None:
    """An office's calendar and an auditor's queue (signed in before the load), fetched in turn until `stop`."""
    try:
        for client, path in cycle(clients):
            if stop.is_set():
                return
            started = time.monotonic()
            if client.get(path).status_code != 200:
                errors.append(f"page {path}")
            times.append(time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - counted and said, the uploads go on
        errors.append(f"pages: {exc!r}"[:200])
        print(f"pages stopped: {exc!r}", file=sys.stderr)


def shown(r: dict) -> str:
    return (f"  {r['uploads']:5d} uploads, window {r['window_s']:g} s: p50 {r['p50_s']}  p95 {r['p95_s']}  "
            f"p99 {r['p99_s']}  last {r['last_s']}  {r['per_s']}/s  pages p95 {r['pages_p95_s']} "
            f"({r['pages']})  errors {r['errors']}  peak {r['peak_mb']} MB, one process "
            f"{r['process_peak_mb']} MB  (load {r['load']})")


def p(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else None


def case(demo: Path, folder: Path, n: int, window: str, spread_s: float = 0.0) -> dict:
    """`n` uploads to a fresh copy of the demo workspace, `spread_s` apart in all (0: at once)."""
    home = folder / f"case-{n}-{window}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(demo, home)
    sent = [(office, office, name, content) for office, name, content in forms(home, n)]
    add_users(home, {office for office, _, _, _ in sent})
    return uploaded(home, folder, sent, window, spread_s)


def uploaded(home: Path, folder: Path, sent: list[tuple[str, str, str, bytes]], window: str, spread_s: float = 0.0,
             at_once: int | None = None) -> dict:
    """`sent` (the user's office, the form's region, file name, bytes) uploaded to a real `ipwatch web` on `home`,
    `spread_s` apart in all, at most `at_once` in flight (default: all), each waiting for its receipt."""
    n = len(sent)
    env = {**bench_single.env_for(home), "IPWATCH_PORTAL_WINDOW_SECONDS": window}
    with web_process([str(BIN / "ipwatch"), "--home", str(home)], env, folder) as url:
        server = next(p for p in psutil.process_iter(["cmdline"]) if str(home) in " ".join(p.info["cmdline"] or [])
                      and "web" in (p.info["cmdline"] or []))
        offices = sorted({o for o, _, _, _ in sent})
        with ThreadPoolExecutor(8) as pool:
            clients = dict(zip(offices, pool.map(lambda o: signed_in(url, f"o{o}"), offices), strict=True))
        readers = [(signed_in(url, f"o{sent[0][0]}")[0], f"/regions/{sent[0][1]}"),
                   (signed_in(url, "auditor")[0], "/audit")]
        errors, page_times, stop = [], [], threading.Event()

        def one(k: int) -> float | None:
            time.sleep(spread_s * k / n)
            office, region, name, content = sent[k]
            try:
                return upload(*clients[office], region, name, content)
            except Exception as exc:  # noqa: BLE001 - counted, the others go on
                errors.append(repr(exc)[:200])
                return None

        with sampled(server.pid) as peak:
            watcher = threading.Thread(target=pages, args=(readers, stop, page_times, errors))
            watcher.start()
            began = time.monotonic()
            with ThreadPoolExecutor(at_once or n) as pool:
                times = [t for t in pool.map(one, range(n)) if t is not None]
            wall = time.monotonic() - began
            stop.set()
            watcher.join()
    result = {"uploads": n, "window_s": float(window), "p50_s": p(times, 0.5), "p95_s": p(times, 0.95),
            "p99_s": p(times, 0.99), "last_s": p(times, 1.0), "per_s": round(len(times) / wall, 2),
            "pages_p95_s": p(page_times, 0.95), "pages": len(page_times), "errors": len(errors),
            "peak_mb": round(peak["mb"]), "process_peak_mb": round(peak["one_mb"]),
            "load": round(os.getloadavg()[0], 1), "wall_s": round(wall, 1)}
    for error in sorted(set(errors))[:5]:
        print(f"    error: {error}", flush=True)
    print(shown(result), flush=True)
    return result


# The observations in force, without their submission ids (the two paths number the same files differently).
IN_FORCE = ("select region_code, period, indicator_code, value, status from observations "
            "order by region_code, period, indicator_code")


def national_case(folder: Path) -> dict:
    """The whole national quarter (tests/national.py: every county's form, faults and all) through the portal,
    each form uploaded by its prefecture's office (as a city's statistics bureau sends its counties'), 150 in
    flight at once; then the same files through the inbox on a copy of the same warehouse. Both warehouses must
    hold the same observations in force and give each file the same outcome; every form gets one receipt."""
    catalogue, counties = cat.default(), national.counties()
    base = national.workspace(folder / "national-base", catalogue, counties, bench_national.QUARTER).home
    bench_national.ipwatch(base, "init")  # set up as an office's is: Prefect's database made once, beforehand
    files = national.quarter_files(folder / "national-files", catalogue, counties, bench_national.QUARTER)
    parent = dict(regions.load().select("region_code", "parent_code").iter_rows())
    sent = [(parent[f.office] or f.office, f.office, f.path.name, f.path.read_bytes()) for f in files]
    home = folder / "national-portal"
    shutil.copytree(base, home)
    with warehouse.connect(base / "warehouse.duckdb", read_only=True) as conn:
        (before,) = conn.execute("select coalesce(max(submission_id), 0) from submissions").fetchone()
    add_users(home, {office for office, _, _, _ in sent})
    result = uploaded(home, folder, sent, "1", at_once=150)
    inbox = bench_national.run_a(base, files, folder / "national-inbox")
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as conn:
        portal = dict(conn.execute("select file_name, status from submissions where submission_id > ?",
                                   [before]).fetchall())
        portal_in_force = conn.execute(IN_FORCE).pl()
    with warehouse.connect(folder / "national-inbox" / "warehouse.duckdb", read_only=True) as conn:
        inbox_in_force = conn.execute(IN_FORCE).pl()
    outcomes = {name: r["status"] for name, r in inbox["results"].items()}
    result.update(forms=len(files), decided=len(portal), same_outcomes=portal == outcomes,
                  same_observations=portal_in_force.equals(inbox_in_force))
    print(f"  national quarter through the portal: {len(files)} forms in {result['wall_s']} s; "
          f"{len(portal)} decided; outcomes as the inbox's: {result['same_outcomes']}; observations as the "
          f"inbox's: {result['same_observations']}", flush=True)
    return result


def measure(demo: Path, folder: Path, thousand: bool, nation: bool) -> tuple[dict, list[dict]]:
    runs = [case(demo, folder, 50, "0"), case(demo, folder, 50, "1"), case(demo, folder, 200, "1")]
    if thousand:
        runs.append(case(demo, folder, 1000, "1", spread_s=60))
    whole = national_case(folder) if nation else None
    gathered = {r["uploads"]: r for r in runs if r["window_s"]}
    figures = dict.fromkeys(KEYS)
    figures.update(
        uploads_50_p95_s=gathered[50]["p95_s"], uploads_200_p95_s=gathered[200]["p95_s"],
        uploads_1000_p95_s=gathered[1000]["p95_s"] if 1000 in gathered else None,
        one_at_a_time_50_p95_s=runs[0]["p95_s"],
        pages_p95_s=max((r["pages_p95_s"] for r in runs if r["window_s"] and r["pages_p95_s"] is not None),
                        default=None),
        errors=sum(r["errors"] for r in runs), peak_mb=max(r["peak_mb"] for r in runs),
        process_peak_mb=max(r["process_peak_mb"] for r in runs))
    if whole:
        figures.update(national_portal_s=whole["wall_s"], errors=figures["errors"] + whole["errors"]
                       + (whole["decided"] != whole["forms"]) + (not whole["same_outcomes"])
                       + (not whole["same_observations"]), peak_mb=max(figures["peak_mb"], whole["peak_mb"]),
                       process_peak_mb=max(figures["process_peak_mb"], whole["process_peak_mb"]),
                       pages_p95_s=max(figures["pages_p95_s"] or 0, whole["pages_p95_s"] or 0) or None)
    return figures, runs


def main(argv: list[str] | None = None, single_file_ingest_s: float | None = None) -> dict:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--home", type=Path, help="a demo workspace to copy (default: `ipwatch demo` made now)")
    options.add_argument("--thousand", action="store_true", help="also 1,000 uploads within a minute")
    options.add_argument("--single", action="store_true", help="also time one file through ipwatch ingest")
    options.add_argument("--national", action="store_true", help="also the whole national quarter through the portal")
    args = options.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        demo = args.home or bench_single.demo_home(folder)
        figures, runs = measure(demo, folder, args.thousand, args.national)
    if args.single:
        single_file_ingest_s = bench_single.measure()["single_file_ingest_s"]
    figures["single_file_ingest_s"] = single_file_ingest_s
    print("deadline day: uploads to ipwatch web on the demo workspace (seconds from POST to receipt)")
    for r in runs:
        print(shown(r))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"  -> {OUT.relative_to(config.ROOT)}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
