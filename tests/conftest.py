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
    """A file through the intake pipeline, as the flows take it; returns its status."""
    return process(conn, ws, catalogue, [(path, office)])[0]["status"]


def process(conn, ws: config.Workspace, catalogue: cat.Catalogue, files: list[tuple[Path, str]]) -> list[dict]:
    """Files (path, office) through the intake pipeline, as the flows take them; returns their outcomes."""
    from ipwatch import pipeline

    return pipeline.process(conn, ws, [pipeline.Incoming(p, o) for p, o in files], catalogue)


def through(conn, ws: config.Workspace, path: Path, office: str, last: str, catalogue: cat.Catalogue | None = None):
    """A file through the intake pipeline's stages up to and including `last`, as a run that stopped there would
    leave it; returns its pipeline entry."""
    from ipwatch import pipeline

    names = [stage.__name__ for stage in pipeline.STAGES]
    stages = pipeline.STAGES[:names.index(last) + 1]
    batch = pipeline.run(conn, ws, pipeline.Batch.of([pipeline.Incoming(path, office)], catalogue), stages=stages)
    return batch.entries[0]


def checked(conn, ws: config.Workspace, catalogue: cat.Catalogue, path: Path, office: str = "340100"):
    """A file validated but left undecided: its pipeline entry, findings and all."""
    return through(conn, ws, path, office, "validate", catalogue)
