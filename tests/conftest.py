"""Shared fixtures: a real DuckDB warehouse per test, one Prefect test harness per session."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import polars as pl
import pytest

from ipwatch import config, warehouse
from ipwatch.domain import catalogue as cat
from ipwatch.intake import normalise, submission
from ipwatch.intake.reading import Limits, RawTable
from ipwatch.ops import serving
from ipwatch.warehouse import reference

# Tests drop a file in the inbox and ingest it at once; the settle time has tests of its own (tests/test_inbox.py),
# and a process started with clean_env waits the real 60 s.
config.set_defaults({"IPWATCH_INBOX_SETTLE_SECONDS": "0"})

GOLDEN = Path(__file__).parent / "golden"
BIN = Path(sys.executable).parent
SERVED = {"inbox", "monthly-bulletin", "quarterly-bulletin", "audit-report"}  # the deployments of prefect.yaml


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests first, each file's tests kept together: `make test`'s workers take whole files in this
    order, and a long file begun last would leave one worker finishing it while the other waits."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(scope="session")
def catalogue() -> cat.Catalogue:
    return cat.default()


@pytest.fixture(scope="session")
def initialised_home(tmp_path_factory) -> Path:
    """A workspace initialised once for the session (`ipwatch init`: the schema, the catalogue, the regions)."""
    home = tmp_path_factory.mktemp("initialised") / "home"
    reference.initialise(config.workspace(home))
    return home


@pytest.fixture
def ws(tmp_path: Path, initialised_home: Path) -> config.Workspace:
    """A fresh workspace whose warehouse holds the shipped catalogue and regions: a copy of the session's
    initialised one, byte for byte (5 ms, where initialising each anew took 0.2 s for each of several hundred
    tests; tests of `init` itself initialise their own)."""
    shutil.copytree(initialised_home, tmp_path / "home")
    return config.workspace(tmp_path / "home")


@pytest.fixture
def conn(ws: config.Workspace):
    with warehouse.connect(ws.warehouse) as connection:
        yield connection


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster of the session's own (tests/postgres.py), stopped at its end."""
    from tests.postgres import Cluster

    cluster = Cluster.start()
    yield cluster
    cluster.stop()


_lakes = itertools.count(1)


@pytest.fixture
def lake_ws(tmp_path: Path, postgres) -> config.Workspace:
    """A fresh workspace on a DuckLake of its own (a new database of the session's cluster, its Parquet under
    tmp_path), holding the shipped catalogue and regions."""
    catalog = postgres.create_database(f"lake{next(_lakes)}")
    workspace = config.Workspace(tmp_path / "lake-home", f"{config.LAKE_PREFIX}postgres:{catalog}",
                                 f"{tmp_path / 'lake-data'}/")
    reference.initialise(workspace)
    return workspace


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, started offline as ipwatch.bulletins.pdf starts it; fails with the install hint when it is
    missing (never skipped)."""
    from playwright.sync_api import sync_playwright

    from ipwatch.bulletins import pdf

    with sync_playwright() as playwright:
        browser = pdf.launch(playwright)
        yield browser
        browser.close()


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
    from ipwatch.intake import pipeline
    from ipwatch.intake.batch import Incoming

    return pipeline.process(conn, ws, [Incoming(p, o) for p, o in files], catalogue)


def through(conn, ws: config.Workspace, path: Path, office: str, last: str, catalogue: cat.Catalogue | None = None):
    """A file through the intake pipeline's stages up to and including `last`, as a run that stopped there would
    leave it; returns its pipeline entry."""
    from ipwatch.intake import pipeline
    from ipwatch.intake.batch import Batch, Incoming

    names = [stage.__name__ for stage in pipeline.STAGES]
    stages = pipeline.STAGES[:names.index(last) + 1]
    batch = pipeline.run(conn, ws, Batch.of([Incoming(path, office)], catalogue), stages=stages)
    return batch.entries[0]


def checked(conn, ws: config.Workspace, catalogue: cat.Catalogue, path: Path, office: str = "340100"):
    """A file validated but left undecided: its pipeline entry, findings and all."""
    return through(conn, ws, path, office, "validate", catalogue)


def clean_env(tmp_path: Path) -> dict:
    """This environment without Prefect's and ipwatch's settings: a process started with it finds its own way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IPWATCH_"))}
    return {**env, "PREFECT_HOME": str(tmp_path / "prefect-client"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def api(url: str, path: str, body: dict | None = None) -> object:
    """POST to a Prefect server's REST API (its /filter endpoints) and return the JSON answer."""
    response = httpx.post(f"{url}{path}", json=body or {}, timeout=30)
    response.raise_for_status()
    return response.json()


def deployments(url: str) -> dict[str, dict]:
    return {d["name"]: d for d in api(url, "/deployments/filter")}


@dataclass
class Serve:
    """A running `ipwatch serve`: its process, the API it printed, and everything it has said so far."""

    process: subprocess.Popen
    url: str = ""
    said: list[str] = field(default_factory=list)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; serve stops its server too."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(60)


def start_serve(home: Path, env: dict) -> Serve:
    """`ipwatch serve --port 0` on `home`, returned once its four deployments are registered (else stopped)."""
    serve = Serve(subprocess.Popen([str(BIN / "ipwatch"), "--home", str(home), "serve", "--port", "0"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True))
    try:
        while not (url := re.search(r"Prefect API: (http://127\.0\.0\.1:\d+/api)", "".join(serve.said))):
            serve.said.append(serve.process.stdout.readline())
            assert serve.said[-1] or serve.process.poll() is None, "".join(serve.said)
        serve.url = url[1]
        # keep reading what serve logs (INFO, as a service), or a full pipe would stall it
        threading.Thread(target=lambda: serve.said.extend(serve.process.stdout), daemon=True).start()
        deadline = time.monotonic() + 120
        while set(deployments(serve.url)) != SERVED:
            assert time.monotonic() < deadline and serve.process.poll() is None, "deployments never registered"
            time.sleep(0.5)
    except BaseException:
        serve.stop()
        raise
    return serve


# The portal's accounts in tests/test_web_browser.py and test_web_load.py: two offices, an auditor, an admin.
PORTAL_PASSWORD = "correct horse battery"
PORTAL_ACCOUNTS = {"hefei": ("office", "340100"), "liaoning": ("office", "210000"), "shen": ("auditor", None),
                   "root": ("admin", None)}


@pytest.fixture(scope="module")
def portal_folder(tmp_path_factory) -> Path:
    """The module's folder: the workspace, the filled forms, the screenshots."""
    return tmp_path_factory.mktemp("portal")


@pytest.fixture(scope="module")
def portal_url(portal_folder) -> str:
    """`ipwatch web` on a free port, with its users made by `ipwatch users add`; stopped after the module."""
    home, env = portal_folder / "home", clean_env(portal_folder)
    for name, (role, region) in PORTAL_ACCOUNTS.items():
        subprocess.run([str(BIN / "ipwatch"), "--home", str(home), "users", "add", name, "--role", role,
                        *(["--region", region] if region else []), "--password-stdin"],
                       input=PORTAL_PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
    with web_process([str(BIN / "ipwatch"), "--home", str(home)], env, portal_folder) as url:
        yield url


@contextmanager
def web_process(command: list[str], env: dict, folder: Path, cwd: Path | None = None) -> Iterator[str]:
    """`<command> web` on a free loopback port, its log in `folder`/web.log; its address once it answers, stopped
    after."""
    port = serving.free_port()
    server = subprocess.Popen([*command, "web", "--port", str(port)], env=env, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=(folder / "web.log").open("w"), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (folder / "web.log").read_text()
            with suppress(httpx.TransportError):
                if httpx.get(f"{url}/login", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, "ipwatch web did not answer"
            time.sleep(0.3)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def fill(path: Path, values: dict[str, object], statuses: dict[str, str] | None = None,
         extra_blank_rows: int = 0) -> Path:
    """Type values into 本期数值 (and 数据状态) of the indicator rows, and the office's details: 填报单位 above the
    table, the people and date in its foot."""
    from openpyxl import load_workbook

    from ipwatch.intake import template

    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    sheet["B7"] = "合肥市统计局"
    foot = next(r for r in range(template.TABLE_HEADER_ROW, sheet.max_row + 1)
                if sheet[f"A{r}"].value == "单位负责人：")
    sheet[f"B{foot}"], sheet[f"D{foot}"], sheet[f"F{foot}"] = "李四", "王五", "张三"
    sheet[f"B{foot + 1}"], sheet[f"D{foot + 1}"] = "0551-1234567", "2025-10-08"
    for row in range(template.TABLE_HEADER_ROW + 1, foot):
        code = sheet.cell(row=row, column=1).value
        if code in values:
            sheet.cell(row=row, column=5).value = values[code]
        if statuses and code in statuses:
            sheet.cell(row=row, column=6).value = statuses[code]
    if extra_blank_rows:
        sheet.insert_rows(template.TABLE_HEADER_ROW, extra_blank_rows)  # WPS users add rows above the table
    book.save(path)
    return path


@dataclass(frozen=True)
class Submitted:
    """A file read and normalised as the pipeline's read and normalise stages do it, for tests of those stages."""

    rows: pl.DataFrame
    source: RawTable


def read_normalised(path: Path, catalogue: cat.Catalogue, limits: Limits | None = None) -> Submitted:
    """Read and normalise a submitted file, or raise ReadError saying why it cannot be read."""
    raw = submission.read(path, limits)
    return Submitted(rows=normalise.rows(raw, catalogue), source=raw)
