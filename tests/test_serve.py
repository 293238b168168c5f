"""Scheduled runs on a real Prefect server on loopback: `ipwatch serve`, and prefect.yaml with a worker.

Both start real processes (a Prefect server, `ipwatch serve`, a process worker) with their own PREFECT_HOME,
trigger the inbox deployment, and read the outcome from the server's REST API and from the warehouse.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from ipwatch import config, serving, warehouse

from .conftest import write_csv

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def api(url: str, path: str, body: dict | None = None) -> object:
    response = httpx.post(f"{url}{path}", json=body or {}, timeout=30)
    response.raise_for_status()
    return response.json()


def deployments(url: str) -> dict[str, dict]:
    return {d["name"]: d for d in api(url, "/deployments/filter")}


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


def clean_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IPWATCH_"))}
    return {**env, "PREFECT_HOME": str(tmp_path / "prefect-client"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_ipwatch_serve_schedules_the_deployments_and_runs_the_inbox(tmp_path):
    home = tmp_path / "home"
    env = clean_env(tmp_path)
    serve = subprocess.Popen([str(BIN / "ipwatch"), "--home", str(home), "serve", "--port", "0"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        said = []
        while not (url := re.search(r"Prefect API: (http://127\.0\.0\.1:\d+/api)", "".join(said))):
            said.append(serve.stdout.readline())
            assert said[-1] or serve.poll() is None, "".join(said)
        url = url[1]
        # the UI calls the API at the address its server reports: the real port, not Prefect's default 4200
        ui_settings = httpx.get(f"{url.removesuffix('/api')}/ui-settings", timeout=30).json()
        assert ui_settings["api_url"] == url
        # keep reading what serve logs (INFO, as a service), or a full pipe would stall it
        threading.Thread(target=lambda: said.extend(serve.stdout), daemon=True).start()
        deadline = time.monotonic() + 120
        while set(deployments(url)) != {"inbox", "monthly-bulletin", "quarterly-bulletin", "audit-report"}:
            assert time.monotonic() < deadline and serve.poll() is None, "deployments never registered"
            time.sleep(0.5)
        monthly = deployments(url)["monthly-bulletin"]
        [schedule] = monthly["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 8 5 * *", "Asia/Shanghai")
        assert monthly["parameters"] == {"edition": "monthly"}
        assert deployments(url)["inbox"]["parameters"] == {"settle_seconds": 60}

        drop_submission(home, tmp_path)
        run_inbox(url, env)
        assert decided(home) == [("340100", "2025Q3.csv", "accepted")]
        assert list((home / "inbox" / "340100").iterdir()) == []
        assert summaries_naming(url, "2025Q3.csv") == {"inbox-summary", "ingest-summary"}
        assert "ingest-findings" in {a["key"] for a in api(url, "/artifacts/filter")}
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(60)
    with pytest.raises(httpx.TransportError):  # SIGTERM stopped the server serve started
        httpx.get(f"{url}/health", timeout=5)


def test_prefect_yaml_deploys_to_a_server_and_a_process_worker_runs_it(tmp_path):
    home = tmp_path / "home"
    env = clean_env(tmp_path)
    with serving.local_server(tmp_path / "server", port=0) as url:
        client_env = {**env, "PREFECT_API_URL": url}

        def prefect(*args: str) -> str:
            done = subprocess.run([str(BIN / "prefect"), *args], env=client_env, cwd=config.ROOT,
                                  capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        prefect("work-pool", "create", "ipwatch", "--type", "process")
        prefect("--no-prompt", "deploy", "--all")
        assert set(deployments(url)) == {"inbox", "monthly-bulletin", "quarterly-bulletin", "audit-report"}
        worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "ipwatch"],
                                  env={**client_env, "IPWATCH_HOME": str(home)}, cwd=config.ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            drop_submission(home, tmp_path)
            run_inbox(url, env)
            assert decided(home) == [("340100", "2025Q3.csv", "accepted")]
            assert summaries_naming(url, "2025Q3.csv") == {"inbox-summary", "ingest-summary"}
        finally:
            serving.stop(worker)


def test_a_killed_parent_takes_its_prefect_server_with_it(tmp_path):
    """kill -9 of the process that started the server (as of `ipwatch serve`): the server goes too."""
    parent = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from ipwatch import serving\n"
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
