"""A clerk's one file through `ipwatch ingest` (#30 item 2): what a command loads, what it starts and what it
leaves behind. Each check runs in a fresh process, as a command does: what one test imported must not hide what
another loads. Times are for `make bench` (tests/bench_single.py), never asserted here."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ipwatch import config
from ipwatch.ops import handoff

from .conftest import BIN, api, clean_env, start_serve, web_process, write_csv

HEAVY = ("great_expectations", "scipy", "prefect", "polars", "openpyxl")
LOADED = f"""
import json, sys
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}} & set({HEAVY!r}))))
"""


def loaded_by(code: str, env: dict | None = None) -> list[str]:
    """The heavy packages a fresh process has imported after running `code`."""
    done = subprocess.run([sys.executable, "-c", code + LOADED], capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library():
    assert loaded_by("import ipwatch.cli") == []


def test_help_loads_no_heavy_library():
    code = "from ipwatch import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
    assert loaded_by(code) == []


def test_approval_status_loads_neither_great_expectations_nor_prefect(ws):
    code = f"from ipwatch import cli\nassert cli.main(['--home', {str(ws.home)!r}, 'approval', 'status']) == 0\n"
    loaded = loaded_by(code, clean_env(ws.home))
    assert not {"great_expectations", "scipy", "prefect"} & set(loaded), loaded


DEFERRED = """
import json, sys
from ipwatch.intake import gx_duckdb
gx_duckdb.great_expectations()
import great_expectations.expectations.core.expect_column_kl_divergence_to_be_less_than as kl
print(json.dumps({
    "kinds": [type(sys.modules[name]).__name__ for name in gx_duckdb.DEFERRED],
    "stats_loaded": any(name.startswith("scipy.stats.") for name in sys.modules),
    "gx_holds_deferred": [isinstance(kl.stats, gx_duckdb.Deferred), isinstance(kl.alt, gx_duckdb.Deferred)],
}))
"""


def test_great_expectations_loads_without_running_scipy_stats_or_altair():
    done = subprocess.run([sys.executable, "-c", DEFERRED], capture_output=True, text=True, timeout=300)
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "kinds": ["Deferred", "Deferred"], "stats_loaded": False, "gx_holds_deferred": [True, True]}, done.stderr


KL = """
import json
import pandas as pd
from ipwatch.intake.gx_duckdb import great_expectations
gx = great_expectations()
import great_expectations.expectations as gxe
context = gx.get_context(mode="ephemeral")
batch = (context.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("b")
         .get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": ["a", "a", "b", "b"]})}))
results = [batch.validate(gxe.ExpectColumnKLDivergenceToBeLessThan(
    column="x", partition_object={"values": ["a", "b"], "weights": [0.25, 0.75]}, threshold=threshold))
    for threshold in (0.2, 0.1)]
print(json.dumps([[r.success, r.result["observed_value"]] for r in results]))
"""


def test_an_expectation_that_needs_scipy_gets_the_real_module():
    """GX's own KL-divergence expectation, run by GX after the deferral: SciPy loads whole at its first use.
    Observed a, a, b, b against weights 0.25 / 0.75: 0.5·ln(0.5/0.25) + 0.5·ln(0.5/0.75)
    = 0.5·0.693147 − 0.5·0.405465 = 0.143841, below 0.2 and above 0.1."""
    done = subprocess.run([sys.executable, "-c", KL], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (passed, first), (failed, second) = json.loads(done.stdout.splitlines()[-1])
    assert (passed, failed) == (True, False)
    assert first == pytest.approx(0.143841, abs=1e-6) and second == pytest.approx(0.143841, abs=1e-6)


ONE_FILE = """
import atexit, json, os, sys
from ipwatch import cli

RECORD = sys.argv[1]


def leave_record():  # registered first, so it runs last: after Prefect's handlers and the server's stop
    record = {name: type(sys.modules[name]).__name__ if name in sys.modules else None
              for name in ("scipy.stats", "altair", "prefect.server.api.server")}
    record["api"] = os.environ.get("PREFECT_API_URL")
    with open(RECORD, "w") as out:
        json.dump(record, out)

atexit.register(leave_record)
sys.argv = ["ipwatch", *sys.argv[2:]]
cli.main()
"""


@pytest.mark.slow
def test_one_file_is_a_recorded_flow_run_on_a_server_that_goes_with_the_command(ws, tmp_path):
    """No server is up: the command starts Prefect's ephemeral one itself (without importing the server app), the
    run is recorded in the workspace's Prefect database to its last log line, the server ends with the command,
    the command's output and exit code arrive whole though it skips the interpreter's teardown, and SciPy never
    ran."""
    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,700,件,",
                                           "340102,2025Q3,ip_pledge_financing_amount,250000,万元,"])
    record = tmp_path / "record.json"
    env = {k: v for k, v in clean_env(tmp_path).items() if k != "PREFECT_HOME"}  # ipwatch chooses <home>/prefect
    done = subprocess.run([sys.executable, "-c", ONE_FILE, str(record), "--home", str(ws.home), "ingest", str(path),
                           "--as", "340100", "--json"], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = [json.loads(line) for line in done.stdout.splitlines()]
    assert (result["status"], result["rows"]) == ("accepted", 2)
    left = json.loads(record.read_text())
    assert (left["scipy.stats"], left["altair"], left["prefect.server.api.server"]) == ("Deferred", "Deferred", None)
    assert not listening(left["api"])
    assert flow_runs(config.workspace(ws.home)) == [("ingest", "Completed")]
    # the run's last log line reached the server before it stopped (it was lost, and the command waited 5 s more)
    assert last_log(config.workspace(ws.home)) == ("prefect.flow_runs", "Finished in state Completed()")
    # no heartbeat to a server that ends with the command (its thread was joined at the run's end: 0.5 s)
    kinds = events(config.workspace(ws.home))
    assert "prefect.flow-run.Completed" in kinds and "prefect.flow-run.heartbeat" not in kinds, kinds


def test_init_makes_the_workspace_s_prefect_database_so_that_its_first_run_does_not(tmp_path):
    """Prefect makes its database at its server's first start: 8 s of migrations on this machine, paid by a new
    workspace's first run (a deadline day's first ingest) unless `ipwatch init`, which sets the workspace up,
    has made it."""
    env = {k: v for k, v in clean_env(tmp_path).items() if k != "PREFECT_HOME"}  # ipwatch chooses <home>/prefect
    done = subprocess.run([str(BIN / "ipwatch"), "--home", str(tmp_path / "new"), "init"], capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == f"Prefect ready: {config.workspace(tmp_path / 'new').prefect_home}"
    with sqlite3.connect(Path(config.workspace(tmp_path / "new").prefect_home) / "prefect.db") as db:
        [(revision,)] = db.execute("select version_num from alembic_version").fetchall()
        tables = {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}
    assert revision and {"flow", "flow_run", "log", "deployment"} <= tables


@pytest.mark.slow
def test_prefect_s_block_types_are_registered_in_a_new_prefect_database_and_again_at_each_init(tmp_path):
    """Notices go through a Prefect block (IPWATCH_NOTIFY_BLOCK), which the operator makes from its type in the UI:
    the first server on a workspace's Prefect database registers the types, and every `ipwatch init` again (a new
    Prefect's new ones); a lone command's server on a database that has them skips Prefect's check, which
    imports every installed Prefect collection (0.8 s of the command's wait)."""
    home = tmp_path / "new"
    env = {k: v for k, v in clean_env(tmp_path).items() if k != "PREFECT_HOME"}  # ipwatch chooses <home>/prefect
    prefect_db = config.workspace(home).prefect_home / "prefect.db"

    def ipwatch(*args: str) -> None:
        done = subprocess.run([str(BIN / "ipwatch"), "--home", str(home), *args], capture_output=True, text=True,
                              timeout=600, env=env)
        assert done.returncode == 0, done.stderr[-2000:]

    def block_types() -> int:
        with sqlite3.connect(prefect_db) as db:
            return db.execute("select count(*) from block_type").fetchone()[0]

    def forget_block_types() -> None:
        with sqlite3.connect(prefect_db) as db:
            db.executescript("delete from block_schema_reference; delete from block_schema; delete from block_type")

    path = write_csv(tmp_path / "q3.csv", ["340102,2025Q3,pct_applications,700,件,"])
    ipwatch("ingest", str(path), "--as", "340100")  # a new workspace's first command: nothing registered before
    assert block_types() > 10
    forget_block_types()
    ipwatch("ingest", str(path), "--as", "340100")
    assert block_types() == 0
    ipwatch("init")
    assert block_types() > 10
    assert (prefect_db.parent / "memo_store.toml").is_file()  # remembered: the next command's server skips the check


def events(ws: config.Workspace) -> set[str]:
    """The kinds of event kept in the workspace's own Prefect database."""
    with sqlite3.connect(Path(ws.prefect_home) / "prefect.db") as db:
        return {kind for (kind,) in db.execute("select distinct event from events")}


def last_log(ws: config.Workspace) -> tuple[str, str]:
    """The logger and message of the last log line kept in the workspace's own Prefect database."""
    with sqlite3.connect(Path(ws.prefect_home) / "prefect.db") as db:
        return db.execute("select name, message from log order by timestamp desc limit 1").fetchone()


def listening(api_url: str) -> bool:
    """Whether anything accepts connections at the address of a Prefect API."""
    address = urlsplit(api_url)
    with socket.socket() as probe:
        return probe.connect_ex((address.hostname, address.port)) == 0


def flow_runs(ws: config.Workspace) -> list[tuple[str, str]]:
    """Each flow run in the workspace's own Prefect database: its flow's name and its state."""
    with sqlite3.connect(Path(ws.prefect_home) / "prefect.db") as db:
        return db.execute("select flow.name, flow_run.state_name from flow_run join flow on flow.id = flow_run.flow_id"
                          ).fetchall()


HANDED = """
import atexit, json, sys
from ipwatch import cli

RECORD = sys.argv[1]


def leave_record():
    with open(RECORD, "w") as out:
        json.dump(sorted({name.partition(".")[0] for name in sys.modules} & {"great_expectations", "prefect"}), out)

atexit.register(leave_record)
sys.argv = ["ipwatch", *sys.argv[2:]]
cli.main()
"""


def wait_for_listener(ws: config.Workspace, alive, said) -> None:
    """Until a serving process takes hand-offs (once it has loaded GX and built its validator)."""
    deadline = time.monotonic() + 300
    while not handoff.listening(ws):
        assert time.monotonic() < deadline and alive(), said()[-2000:]
        time.sleep(0.5)


def handed_ingest(ws: config.Workspace, tmp_path: Path, env: dict, rows: list[str]) -> tuple[dict, list[str]]:
    """`ipwatch ingest` of a file of `rows` as 340100 in a fresh process: its one outcome, and which of GX and
    Prefect it loaded."""
    path = write_csv(tmp_path / "q3.csv", rows)
    record = tmp_path / "loaded.json"
    done = subprocess.run([sys.executable, "-c", HANDED, str(record), "--home", str(ws.home), "ingest", str(path),
                           "--as", "340100", "--json"], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = [json.loads(line) for line in done.stdout.splitlines()]
    return result, json.loads(record.read_text())


@pytest.mark.slow
def test_a_file_is_handed_to_the_running_serve_and_recorded_on_its_server(ws, tmp_path):
    """With `ipwatch serve` up, `ipwatch ingest FILE` loads neither GX nor Prefect: the serving process runs the
    ingest flow (a Completed run on its own Prefect server) and the command prints its outcome. Once serve is
    killed, nothing listens and a command does the work itself."""
    env = clean_env(tmp_path)
    serve = start_serve(ws.home, env)
    try:
        wait_for_listener(ws, lambda: serve.process.poll() is None, lambda: "".join(serve.said))
        result, loaded = handed_ingest(ws, tmp_path, env, ["340102,2025Q3,pct_applications,700,件,",
                                                           "340102,2025Q3,ip_pledge_financing_amount,250000,万元,"])
        assert (result["status"], result["rows"], result["office"]) == ("accepted", 2, "340100")
        assert loaded == []
        runs = api(serve.url, "/flow_runs/filter", {"flow_runs": {"state": {"name": {"any_": ["Completed"]}}}})
        flows = {f["id"]: f["name"] for f in api(serve.url, "/flows/filter")}
        assert [flows[r["flow_id"]] for r in runs] == ["ingest"]
        serve.process.kill()
        serve.process.wait(60)
        assert not handoff.listening(ws)
    finally:
        serve.stop()


def test_a_refusal_and_an_interruption_reach_the_command_in_one_line(tmp_path):
    """What the serving side raises comes back as the command's own error; a serve that ends before it answers
    is told as such, never as a result."""
    ws = config.workspace(tmp_path / "home")

    def work(request: dict) -> list[dict]:
        if request["office"] == "end":
            raise SystemExit  # the process ends mid-request: the connection closes unanswered
        raise ValueError(f"不受理 {request['office']} (refused)")

    close = handoff.listen(ws, work, lambda: None)
    try:
        while not handoff.listening(ws):
            time.sleep(0.01)
        with pytest.raises(ValueError, match=r"^不受理 340100 \(refused\)$"):
            handoff.hand(ws, {"files": [], "office": "340100", "inbox": False})
        with pytest.raises(handoff.Interrupted, match="重新运行"):
            handoff.hand(ws, {"files": [], "office": "end", "inbox": False})
    finally:
        close()


@pytest.mark.slow
def test_a_file_is_handed_to_the_running_portal(ws, tmp_path):
    """With `ipwatch web` up (deadline day), a clerk's `ipwatch ingest FILE` is decided by the portal's process, in
    its turn at the warehouse, and the command loads neither GX nor Prefect."""
    env = clean_env(tmp_path)
    with web_process([str(BIN / "ipwatch"), "--home", str(ws.home)], env, tmp_path):
        wait_for_listener(ws, lambda: True, lambda: (tmp_path / "web.log").read_text())
        result, loaded = handed_ingest(ws, tmp_path, env, ["340102,2025Q3,pct_applications,700,件,"])
        assert (result["status"], result["rows"]) == ("accepted", 1)
        assert loaded == []
    assert not handoff.listening(ws)
