"""Shared fixtures: a real DuckDB warehouse per test, one Prefect test harness per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipwatch import catalogue as cat
from ipwatch import config, reference, warehouse

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def catalogue() -> cat.Catalogue:
    return cat.default()


@pytest.fixture
def ws(tmp_path: Path) -> config.Workspace:
    """A fresh workspace whose warehouse holds the shipped catalogue and regions."""
    workspace = config.workspace(tmp_path / "home")
    reference.initialise(workspace)
    return workspace


@pytest.fixture
def conn(ws: config.Workspace):
    with warehouse.connect(ws.warehouse) as connection:
        yield connection


@pytest.fixture(scope="session")
def prefect_harness():
    """Real Prefect flow runs against a temporary local API, started once for the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


def write_csv(path: Path, rows: list[str], header: str = "region_code,period,indicator_code,value,unit,note") -> Path:
    """A submission file with the given data lines under a header."""
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return path


def submit(conn, ws: config.Workspace, catalogue: cat.Catalogue, path: Path, office: str) -> str:
    """Receive, validate and decide a file through the functions the ingest flow names; returns the status."""
    from ipwatch import ingest, load, validate

    received = ingest.receive(conn, ws, path, office, catalogue)
    return load.decide(conn, received.submission_id, validate.run(conn, received.submission_id))
