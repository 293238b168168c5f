"""One Prefect per workspace, as a user meets it: `ipwatch serve` on a free port, and `ipwatch ingest` run by
hand while it serves.

The serve and the run by hand are started once for the module; each test checks one thing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ipwatch import config, prefect_env

from .conftest import BIN, Serve, api, clean_env, start_serve, write_csv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The module's folder: the workspace and the submission."""
    return tmp_path_factory.mktemp("ui")


@pytest.fixture(scope="module")
def served(folder) -> Serve:
    """`ipwatch serve --port 0` on a fresh workspace, stopped after the module."""
    serve = start_serve(folder / "home", clean_env(folder))
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def ingested(served, folder) -> dict:
    """`ipwatch ingest` run by hand on the served workspace, as an office would: no Prefect setting given."""
    path = write_csv(folder / "hefei-2025Q3.csv", ["340102,2025Q3,pct_applications,7,件,"])
    done = subprocess.run([str(BIN / "ipwatch"), "--home", str(folder / "home"), "ingest", str(path),
                           "--as", "340100", "--json"], env=clean_env(folder), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def hand_run(served, ingested) -> dict:
    """The flow run of that ingest, as the server knows it."""
    [run] = api(served.url, "/flow_runs/filter", {"flows": {"name": {"any_": ["ingest"]}}})
    return run


@pytest.fixture(scope="module")
def summary(served, hand_run) -> dict:
    """The run's ingest-summary artifact, as the server keeps it."""
    artifacts = api(served.url, "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [hand_run["id"]]}}})
    return {a["key"]: a for a in artifacts}["ingest-summary"]


def test_serve_records_its_api_in_the_workspace(served, folder):
    record = prefect_env.read_record(config.workspace(folder / "home").prefect_server / prefect_env.RECORD)
    assert record == (served.url, served.process.pid)


def test_a_command_run_by_hand_is_pointed_at_the_served_api(served, folder):
    env: dict[str, str] = {}
    assert prefect_env.configure(config.workspace(folder / "home"), env) == served.url
    assert env["PREFECT_API_URL"] == served.url


def test_prefect_api_url_when_set_wins_over_the_served_api(served, folder):
    env = {"PREFECT_API_URL": "http://prefect.example:4200/api"}
    assert prefect_env.configure(config.workspace(folder / "home"), env) == "http://prefect.example:4200/api"
    assert env["PREFECT_API_URL"] == "http://prefect.example:4200/api"


def test_a_second_serve_of_the_workspace_is_refused(served, folder):
    done = subprocess.run([str(BIN / "ipwatch"), "--home", str(folder / "home"), "serve", "--port", "0"],
                          env=clean_env(folder), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert f"already served at {served.url}" in done.stderr


def test_the_run_by_hand_is_on_the_served_server_with_its_summary_and_log(served, ingested, hand_run, summary):
    assert ingested["status"] == "accepted"
    assert hand_run["state_name"] == "Completed" and hand_run["deployment_id"] is None
    assert "hefei-2025Q3.csv" in summary["data"]
    logs = api(served.url, "/logs/filter", {"logs": {"flow_run_id": {"any_": [hand_run["id"]]}}})
    # the whole log, INFO included, though the command's console showed only the outcome
    assert any(log["message"].startswith("Finished in state Completed") for log in logs), logs
