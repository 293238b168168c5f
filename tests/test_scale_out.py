"""The central set-up, real and on PostgreSQL: a Prefect server whose database is PostgreSQL, prefect.yaml's four
deployments deployed to it, a process work pool, two workers started as separate processes, each with a working
folder and workspace of its own (as on two machines), and one DuckLake warehouse they share. Two offices drop
their quarter into the inboxes at once; the inbox deployment's runs go to both workers; every file is decided
once, and the lake reads as the same files loaded into a DuckDB file, down to the bulletin."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from polars.testing import assert_frame_equal

from ipwatch import config, warehouse
from ipwatch.bulletins import bulletin
from ipwatch.ops import serving
from ipwatch.warehouse import lake, reference

from .conftest import BIN, SERVED, clean_env, deployments, process, write_csv
from .test_lake import MOMENTS, hefei_files, public_views

pytestmark = pytest.mark.slow

WORKERS = ("worker-1", "worker-2")
VERSION = re.compile(r"· [0-9a-f]{16} · ipwatch")  # the bulletin's data version (bulletin.data_version)
MOST_RUNS = 8  # inbox runs triggered at the most before both inboxes must be empty


def quarter_of_two_offices(catalogue, folder: Path) -> dict[str, list[Path]]:
    """Hefei's last four quarters (a draft rejected, a correction) and three quarters of a Shanwei county."""
    hefei = [path for path, _ in hefei_files(catalogue, folder / "340100")]
    shanwei = [write_csv(folder / f"441500-{q}.csv", [f"441521,{q},pct_applications,{n},件,"])
               for n, q in enumerate(["2025Q1", "2025Q2", "2025Q3"], start=3)]
    return {"340100": hefei, "441500": shanwei}


def drop(files: list[Path], inbox: Path, office: str) -> None:
    """Put an office's files in an inbox, settled (the deployment waits 60 s for a file still arriving), oldest
    first as they were sent."""
    folder = inbox / office
    folder.mkdir(parents=True, exist_ok=True)
    settled = time.time() - 3600
    for n, path in enumerate(files):
        copy = folder / path.name
        copy.write_bytes(path.read_bytes())
        os.utime(copy, (settled + n, settled + n))


def trigger(url: str, env: dict) -> str:
    """Start an inbox run without waiting; returns its id."""
    done = subprocess.run([str(BIN / "prefect"), "deployment", "run", "inbox/inbox"],
                          env={**env, "PREFECT_API_URL": url}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split("UUID:")[1].split()[0]


def finished(url: str, run_id: str) -> dict:
    """The run once it has ended (polled; the test has no time limit of its own)."""
    while True:
        run = httpx.get(f"{url}/flow_runs/{run_id}", timeout=30).json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(2)


def waiting(homes: list[Path]) -> list[Path]:
    return [f for home in homes for f in (home / "inbox").rglob("*.csv")]


def test_two_workers_on_a_postgres_prefect_share_the_inbox_runs_and_one_lake(tmp_path, postgres, catalogue,
                                                                            monkeypatch):
    offices = quarter_of_two_offices(catalogue, tmp_path / "sent")
    catalog = f"{config.LAKE_PREFIX}postgres:{postgres.create_database('scaled')}"
    lake_data = f"{tmp_path / 'lake-data'}/"
    reference.initialise(config.Workspace(tmp_path / "init", catalog, lake_data))
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", postgres.url(postgres_database(postgres)))
    env = clean_env(tmp_path)
    homes = [tmp_path / name / "workspace" for name in WORKERS]
    for home in homes:
        home.mkdir(parents=True)
    with serving.local_server(tmp_path / "server", port=0) as url:
        client = {**env, "PREFECT_API_URL": url}
        for args in (("work-pool", "create", "ipwatch", "--type", "process"),
                     ("--no-prompt", "deploy", "--all")):
            done = subprocess.run([str(BIN / "prefect"), *args], env=client, cwd=config.ROOT, capture_output=True,
                                  text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
        assert set(deployments(url)) == SERVED  # prefect.yaml deploys whole; the inbox's runs are tried here
        workers = [subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "ipwatch", "--name", name, "--limit", "1"],
            env={**client, "PREFECT_HOME": str(tmp_path / name / "prefect"), "IPWATCH_HOME": str(home),
                 "IPWATCH_WAREHOUSE": catalog, "IPWATCH_LAKE_DATA": lake_data},
            cwd=tmp_path / name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            for name, home in zip(WORKERS, homes, strict=True)]
        try:
            # each prefecture's intake has its own inbox: Hefei's office drops its files at one, Shanwei's at the other
            for (office, files), home in zip(offices.items(), homes, strict=True):
                drop(files, home / "inbox", office)
            runs = []
            while waiting(homes) and len(runs) < MOST_RUNS:
                started = [trigger(url, env) for _ in WORKERS]
                runs += [finished(url, run_id) for run_id in started]
            assert [r["state"]["type"] for r in runs] == ["COMPLETED"] * len(runs)
            assert waiting(homes) == []  # both workers ran the deployment: each inbox is emptied only by its own
        finally:
            for worker in workers:
                serving.stop(worker)
        flow_runs = prefect_flow_runs(postgres)
    assert flow_runs >= len(runs)  # the server kept its runs in PostgreSQL

    embedded = config.Workspace(tmp_path / "embedded")
    reference.initialise(embedded)
    with warehouse.connect(embedded.warehouse) as conn:
        process(conn, embedded, catalogue, [(p, o) for o, paths in offices.items() for p in paths])
        expected = public_views(conn, numbered=False)
        expected_page = bulletin.render(conn, "2025Q4", tmp_path / "from-file", region="340100")[0].read_text("utf-8")
    with warehouse.connect(config.Workspace(tmp_path / "reader", catalog, lake_data).warehouse,
                           read_only=True) as conn:
        got = public_views(conn, numbered=False)
        twice = conn.sql("select file_name from submissions where status <> 'duplicate' group by all "
                         "having count(*) > 1").fetchall()
        page = bulletin.render(conn, "2025Q4", tmp_path / "from-lake", region="340100")[0].read_text("utf-8")
    assert twice == [] and expected["submissions"].height == 9
    for view, frame in expected.items():
        assert_frame_equal(got[view], frame, check_exact=False, rel_tol=1e-12)
    # the same page but for the moments received and the data version's hash, which covers the submissions' numbers:
    # two workers took them in the order their files came, one warehouse in the order given
    assert unstamped(page) == unstamped(expected_page)
    assert VERSION.search(page)


def unstamped(page: str) -> str:
    return VERSION.sub("<version>", MOMENTS.sub("<moment>", page))


def postgres_database(postgres) -> str:
    """Prefect's own database in the cluster (made once)."""
    postgres.create_database("prefect")
    return "prefect"


def prefect_flow_runs(postgres) -> int:
    """How many flow runs Prefect's server has recorded in its PostgreSQL database."""
    with duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}) as conn:
        lake.load_extensions(conn)
        conn.execute(f"attach '{postgres.dsn('prefect')}' as prefect (type postgres, read_only)")
        return conn.sql("select count(*) from prefect.public.flow_run").fetchone()[0]
