"""Which Prefect a command talks to when no server is up, or only a stale record of one (ipwatch.ops.prefect_env).

With a live `ipwatch serve`, tests/test_serve_ui.py checks the rest: the record found, PREFECT_API_URL winning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ipwatch import config
from ipwatch.ops import prefect_env


def write_record(ws: config.Workspace, url: str, pid: int) -> None:
    ws.prefect_server.mkdir(parents=True, exist_ok=True)
    (ws.prefect_server / prefect_env.RECORD).write_text(json.dumps({"api_url": url, "pid": pid}), "utf-8")


def dead_pid() -> int:
    """The id of a process that has ended and been reaped."""
    done = subprocess.Popen([sys.executable, "-c", ""])
    done.wait()
    return done.pid


def nobody_listening() -> str:
    return f"http://127.0.0.1:{prefect_env.free_port()}/api"


def test_without_a_server_commands_keep_the_ephemeral_mode_in_the_workspace(tmp_path):
    ws = config.workspace(tmp_path / "new" / "home")
    env: dict[str, str] = {}
    assert prefect_env.configure(ws, env) is None
    assert "PREFECT_API_URL" not in env
    assert env["PREFECT_HOME"] == str(ws.prefect_home) and ws.prefect_home.is_dir()


def test_a_record_left_by_a_dead_serve_is_ignored_and_removed(tmp_path):
    ws = config.workspace(tmp_path)
    write_record(ws, nobody_listening(), dead_pid())
    env: dict[str, str] = {}
    assert prefect_env.configure(ws, env) is None
    assert "PREFECT_API_URL" not in env
    assert not (ws.prefect_server / prefect_env.RECORD).exists()


def test_a_live_serve_whose_api_does_not_answer_is_ignored_but_keeps_its_record(tmp_path):
    """The serve may only be busy: the next command asks again."""
    ws = config.workspace(tmp_path)
    write_record(ws, nobody_listening(), os.getpid())
    assert prefect_env.live_server(ws) is None
    assert (ws.prefect_server / prefect_env.RECORD).exists()


def test_an_unreadable_record_is_ignored(tmp_path):
    ws = config.workspace(tmp_path)
    ws.prefect_server.mkdir(parents=True)
    for text in ("", "{not json", '["http://127.0.0.1:4200/api", 1]', '{"api_url": 4200, "pid": 1}'):
        (ws.prefect_server / prefect_env.RECORD).write_text(text, "utf-8")
        assert prefect_env.live_server(ws) is None, text


def test_the_record_names_this_process_while_serving_and_goes_after(tmp_path):
    ws = config.workspace(tmp_path)
    with prefect_env.recorded(ws, "http://127.0.0.1:4321/api") as path:
        assert prefect_env.read_record(path) == ("http://127.0.0.1:4321/api", os.getpid())
    assert not path.exists()


EARLY = """
import os, sys
from ipwatch.ops import prefect_env
before = os.environ.get("PREFECT_API_URL")
ready = prefect_env.start_server_early()
ready()
url = os.environ.get("PREFECT_API_URL")
from prefect import flow

@flow
def hello():
    return 1

hello()
import httpx
runs = httpx.post(url + "/flow_runs/filter", json={}, timeout=30).json() if url != before else []
print(url == before, len(runs), "prefect.server.api.server" in sys.modules)
"""


def test_the_server_started_early_answers_once_ready_and_takes_the_runs(tmp_path):
    """A flow command starts its Prefect server as it begins, without loading the server into its own process;
    once `ready()` returns the server answers, and the command's flow runs go to it."""
    from .conftest import clean_env

    done = subprocess.run([sys.executable, "-c", EARLY], env=clean_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.split()[-3:] == ["False", "1", "False"], done.stderr[-2000:]


def test_nothing_is_started_early_when_a_server_is_chosen(tmp_path):
    from .conftest import clean_env

    env = {**clean_env(tmp_path), "PREFECT_API_URL": nobody_listening()}
    code = EARLY.split("from prefect import flow")[0] + "print(url == before, 'prefect' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-2:] == ["True", "False"], done.stderr[-2000:]


QUIET_CONSOLE = """
import io, logging
from ipwatch import config
from ipwatch.ops import prefect_env
from prefect.logging.configuration import ensure_logging_setup

prefect_env.configure(config.workspace(None))
ensure_logging_setup()
other = logging.StreamHandler(io.StringIO())  # a handler not Prefect's (a test's log capture) on the root logger
logging.getLogger().addHandler(other)
prefect_env.quiet_console()
try:
    raise OSError(27, "File too large")
except OSError:
    logging.getLogger("ipwatch.intake.pipeline").error("the warehouse or the disk failed", exc_info=True)
    logging.getLogger("prefect.flow_runs").error("Finished in state Failed", exc_info=True)
    logging.getLogger("ipwatch.ops.notify").exception("notice not sent")
    logging.getLogger("ipwatch.intake.inbox").warning("a warning of the inbox", exc_info=True)
print("OTHER", "the warehouse or the disk failed" in other.stream.getvalue())
"""


def test_a_command_s_console_shows_no_traceback_and_of_a_run_s_errors_only_a_notice_not_sent(tmp_path):
    """The class behind a full disk's traceback on the console (an error the pipeline logs for the operator, with
    its traceback, reached a command's stderr): whichever logger an error comes from, the command says what failed
    in one line of its own; the console keeps a notice that could not be sent, and warnings, without tracebacks."""
    from .conftest import clean_env

    env = {**clean_env(tmp_path), "IPWATCH_HOME": str(tmp_path / "home"),
           "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore"}  # no run here: nothing for the API
    done = subprocess.run([sys.executable, "-c", QUIET_CONSOLE], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = done.stdout + done.stderr
    assert "notice not sent" in shown and "a warning of the inbox" in shown, shown
    assert "Traceback" not in shown and "File too large" not in shown, shown
    assert "disk failed" not in done.stderr and "Finished in state Failed" not in shown, shown
    assert done.stdout.split()[-2:] == ["OTHER", "True"], shown  # Prefect's console is filtered, no other handler
