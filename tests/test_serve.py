"""Scheduled runs on a real Prefect server on loopback: `ipwatch serve` starts one of its own, and a killed serve
takes it along. (prefect.yaml deployed to a server and run by process workers: tests/test_scale_out.py.)

The serve test starts real processes (a Prefect server, `ipwatch serve`) with their own PREFECT_HOME, triggers the
inbox deployment, and reads the outcome from the server's REST API and from the warehouse.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ipwatch import config, warehouse

from .conftest import BIN, api, clean_env, deployments, start_serve, write_csv

pytestmark = pytest.mark.slow


def run_inbox(url: str, env: dict) -> str:
    """Trigger the inbox deployment and wait for its end (Completed, else fail); returns the flow run's id."""
    done = subprocess.run([str(BIN / "prefect"), "deployment", "run", "inbox/inbox", "--watch",
                           "--watch-timeout", "240"], env={**env, "PREFECT_API_URL": url},
                          capture_output=True, text=True, timeout=300)
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", done.stdout)
    assert run_id, done.stdout + done.stderr
    run = httpx.get(f"{url}/flow_runs/{run_id[1]}", timeout=30).json()
    assert run["state_name"] == "Completed", done.stdout + done.stderr
    return run["id"]


def summaries_naming(url: str, file_name: str) -> set[str]:
    """The keys of the artifacts whose text names the file. Whichever inbox run took it (ours, or one the
    schedule started at a quarter past) left them."""
    return {a["key"] for a in api(url, "/artifacts/filter") if file_name in str(a.get("data"))}


def drop_submission(home: Path, tmp_path: Path) -> None:
    folder = home / "inbox" / "340100"
    folder.mkdir(parents=True, exist_ok=True)
    path = write_csv(folder / "2025Q3.csv", ["340102,2025Q3,pct_applications,7,件,"])
    os.utime(path, (time.time() - 300, time.time() - 300))  # settled: the deployment waits 60 s for a new file


def decided(home: Path) -> list[tuple]:
    """The submissions decided. A scheduled inbox run may meet the same file at a quarter past: it then finds it
    decided and records a duplicate, which changes nothing."""
    with warehouse.connect(config.workspace(home).warehouse, read_only=True) as conn:
        return conn.sql("select office_code, file_name, status from submissions where status <> 'duplicate'"
                        ).fetchall()


def test_ipwatch_serve_schedules_the_deployments_and_runs_the_inbox(tmp_path):
    home = tmp_path / "home"
    env = clean_env(tmp_path)
    serve = start_serve(home, env)
    url = serve.url
    try:
        # the UI calls the API at the address its server reports: the real port, not Prefect's default 4200
        ui_settings = httpx.get(f"{url.removesuffix('/api')}/ui-settings", timeout=30).json()
        assert ui_settings["api_url"] == url
        monthly = deployments(url)["monthly-bulletin"]
        [schedule] = monthly["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 8 5 * *", "Asia/Shanghai")
        assert monthly["parameters"] == {"edition": "monthly"}
        # the settle time is a setting, IPWATCH_INBOX_SETTLE_SECONDS, the same for a manual run
        assert deployments(url)["inbox"]["parameters"] == {}

        drop_submission(home, tmp_path)
        run_inbox(url, env)
        assert decided(home) == [("340100", "2025Q3.csv", "accepted")]
        assert list((home / "inbox" / "340100").iterdir()) == []
        assert summaries_naming(url, "2025Q3.csv") == {"inbox-summary", "ingest-summary"}
        assert "ingest-findings" in {a["key"] for a in api(url, "/artifacts/filter")}
    finally:
        serve.stop()
    with pytest.raises(httpx.TransportError):  # SIGTERM stopped the server serve started
        httpx.get(f"{url}/health", timeout=5)
    # and the workspace no longer names it: commands run by hand go back to Prefect's ephemeral mode
    assert not (home / "prefect-server" / "serve.json").exists()


def test_a_killed_parent_takes_its_prefect_server_with_it(tmp_path):
    """kill -9 of the process that started the server (as of `ipwatch serve`): the server goes too."""
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from ipwatch.ops import serving\n"
        f"with serving.local_server(Path({str(tmp_path / 'server')!r}), port=0) as url:\n"
        "    print(url, flush=True)\n"
        "    time.sleep(600)\n")], env=clean_env(tmp_path), stdout=subprocess.PIPE, text=True)
    url = parent.stdout.readline().strip()
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=2)
        except httpx.TransportError:
            return
        time.sleep(0.5)
    pytest.fail("the Prefect server outlived the process that started it")
