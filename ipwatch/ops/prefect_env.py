"""Which Prefect a command talks to, chosen here and nowhere else.

PREFECT_API_URL, when set, wins. Else, while `ipwatch serve` runs on the workspace, its server: serve records the
API's address in <home>/prefect-server/serve.json, so that runs started by hand (`ipwatch ingest`, `bulletin`)
show in the same UI beside the scheduled ones. Else a server of the command's own in Prefect's ephemeral mode
(start_server_early), with its state under <home>/prefect/.
How much of a run's log the console shows is set here too; Prefect keeps the whole log either way.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from pathlib import Path

from ipwatch import config, files

RECORD = "serve.json"
HEALTH_SECONDS = 5
# Two commands starting at once on a busy two-core machine can take longer than Prefect's default 20 s to bring up
# their servers; waiting longer costs nothing when the server comes up sooner.
STARTUP_SECONDS = 120
STARTUP_TRIES = 3
PR_SET_PDEATHSIG = 1


def configure(ws: config.Workspace, env: MutableMapping[str, str] | None = None, *, verbose: bool = False,
              service: bool = False) -> str | None:
    """Set up Prefect's environment for this process (or in `env`); returns the API it talks to (None: ephemeral)."""
    set_here = config.set_defaults({
        # The UI gets each run's whole log; the console of an office running a command gets the outcome only.
        # A service is the exception: `serve` logs what its runs do, as any daemon's log would.
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO" if verbose or service else "WARNING",
        # The ephemeral server is a child process writing to our stderr: when it cannot start (a full disk) it
        # would print a traceback a minute long, every retry. The command says why it stopped in one line instead.
        "PREFECT_SERVER_LOGGING_LEVEL": "INFO" if verbose or service else "CRITICAL",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_SECONDS),
        "PREFECT_HOME": str(ws.prefect_home),
    }, env)
    if "PREFECT_HOME" in set_here:
        ws.prefect_home.mkdir(parents=True, exist_ok=True)  # Prefect cannot start when its home's parent is missing
    given = config.settings(env).prefect_api_url
    if given or service:  # serve chooses its server itself (ipwatch.ops.serving)
        return given
    url = live_server(ws)
    if url:
        config.set_defaults({"PREFECT_API_URL": url}, env)
    return url


def quiet_console() -> None:
    """Keep failed runs' errors and tracebacks off the console of a command run by hand: the command says what
    failed in one line (-v shows them); Prefect's API still receives the whole log."""
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    ensure_logging_setup()  # Prefect sets its handlers up at its first run otherwise, after this filter is placed
    # Prefect's console handler hangs on the root logger (flow and task run records propagate to it) and on the
    # server's uvicorn and fastapi loggers; the API handler, which keeps the whole log, is not touched, nor any
    # handler not Prefect's (a test's log capture: filtered, it lost the pipeline's errors the operator keeps).
    for name in ("", "uvicorn", "fastapi"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.addFilter(console_shows)  # one handler may hang on several of them: added once
                if not isinstance(handler.formatter, WithoutTraceback):
                    handler.setFormatter(WithoutTraceback(handler.formatter or logging.Formatter()))


# The loggers whose errors a command's console still shows: a notice that could not be sent (the command's own
# output says nothing of notices). Every other error of a run is the operator's log's: Prefect's, its server's, and
# ours (a file the pipeline could not process is rejected with a receipt saying so; a fault of the disk stops the
# run with the command's one line).
SHOWN = ("ipwatch.ops.notify",)


def console_shows(record: logging.LogRecord) -> bool:
    """A console filter: warnings and below pass; of the errors only those of SHOWN."""
    return record.levelno < logging.ERROR or record.name.startswith(SHOWN)


class WithoutTraceback(logging.Formatter):
    """A console's formatter, as it was, but never with a traceback: the record itself keeps it for the other
    handlers (Prefect's API log)."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "stack_info": None})
        return self.inner.format(record)


def start_server_early(*, preparing: bool = False) -> Callable[[], None]:
    """Start this command's own Prefect server now, unless one is chosen (PREFECT_API_URL, serve's record), so
    that it boots on the other core while the command loads what it needs; returns `ready`, which waits until
    the server answers and raises what stopped it. No flow may run before `ready()` returns.

    The server is Prefect's ephemeral one (its database under <home>/prefect/), started here rather than by
    Prefect's client, which would first import the whole server app into this process: 3 s of the command's
    one core, spent beside GX's imports. It lives as long as the command. Once Prefect is imported its settings
    are read (a test's harness), so then nothing is started here and Prefect does as it would.
    A `preparing` command (init) has the server register Prefect's block types anew (block_registration)."""
    if "prefect" in sys.modules or config.settings().prefect_api_url:
        return nothing_started
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    blocks = block_registration(preparing)
    servers = [launch(port, blocks)]
    # at exit, after Prefect's own handlers (registered later, run earlier) have sent the run's last logs
    atexit.register(lambda: stop(servers[-1]))
    config.export({"PREFECT_API_URL": url})

    def ready() -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if servers[-1].poll() is not None:
                # Two commands starting at once on a new workspace both create its database: the one that loses
                # stops at start-up (as Prefect's own ephemeral servers do, which it starts again); by now the
                # database is made.
                if len(servers) == STARTUP_TRIES:
                    break
                servers.append(launch(port, blocks))
            if answers(url, timeout=1):
                return
            time.sleep(0.05)
        stop(servers[-1])
        raise RuntimeError("Prefect 本地服务未能启动，请检查工作区所在磁盘是否已满或只读 (Prefect's local server did"
                           " not start: is the workspace's disk full or read-only?)")

    return ready


def nothing_started() -> None:
    """What start_server_early returns when it starts no server: nothing to wait for."""


def launch(port: int, blocks: dict[str, str]) -> subprocess.Popen:
    """Prefect's ephemeral server on 127.0.0.1:port, as Prefect's SubprocessASGIServer runs it: no UI, only the
    services a run needs (task runs are recorded from their events), its database under PREFECT_HOME; `blocks`
    are its settings for Prefect's block types (block_registration)."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        env=config.environment({"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                                "PREFECT__SERVER_FINAL": "1", "PREFECT_API_URL": None, **blocks}),
        stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


def block_registration(preparing: bool) -> dict[str, str]:
    """A command's own server's settings for Prefect's block types, which notices need (IPWATCH_NOTIFY_BLOCK names
    a block the operator makes from its type). A server registers them at every start unless told not to: even
    when they are there, Prefect's check (a hash of every installed Prefect collection, which it imports for that,
    against its memo store) was 0.8 s of a command's 3.6 s wait for its server. So: by Prefect's default (registered,
    and remembered in the memo store) on a database without a memo store (a new workspace) and at `ipwatch init`,
    which forgets the memo first (a new Prefect's new types); not at all otherwise."""
    home = config.settings().prefect_home  # configure() sets it
    memo = home / "memo_store.toml" if home is not None else None
    if preparing and memo is not None:
        memo.unlink(missing_ok=True)
    if memo is None or not memo.is_file():
        return {}
    return {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false", "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"}


@contextmanager
def on_own_server() -> Iterator[None]:
    """Flow runs in this block talk to the command's own server (start_server_early), which Prefect cannot know:
    - no heartbeats: a heartbeat tells a server that a run's process still lives; this server dies with the
      command, so nothing could miss them, and the heartbeat thread, which sleeps in one-second steps, is joined at
      each run's end (half a second of a one-file ingest, on average);
    - no version check: the server is this very Prefect, started from this interpreter; its first request is
      0.2 s of a cold server's time, spent before the run may start.
    Prefect's heartbeat setting can only be unset in the process (its environment variable takes 30 s or more)."""
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": None,
                                     "client.server_version_check_enabled": False}):
        yield


def free_port() -> int:
    """A TCP port nobody listens on at this moment (for --port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """Run in a server's process before it starts: SIGTERM it when its parent dies, even by SIGKILL, so a
    killed command does not leave a server holding the port (Linux's PR_SET_PDEATHSIG; else nothing)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop(server: subprocess.Popen) -> None:
    """End a server this process started: SIGTERM, then SIGKILL if it lingers."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def live_server(ws: config.Workspace) -> str | None:
    """The API address `ipwatch serve` recorded for the workspace, while that serve lives and the API answers."""
    path = ws.prefect_server / RECORD
    recorded = read_record(path)
    if recorded is None:
        return None
    url, pid = recorded
    if not alive(pid):
        # serve ended without removing it (kill -9, a power cut): stale for good
        path.unlink(missing_ok=True)
        return None
    # A serve that lives but whose API does not answer now (busy, stopping) keeps its record for the next command.
    return url if answers(url) else None


def read_record(path: Path) -> tuple[str, int] | None:
    """The API address and serve's process id in a record; None when there is none or it cannot be read."""
    try:
        record = json.loads(path.read_text("utf-8"))
        url, pid = record["api_url"], record["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (url, pid) if isinstance(url, str) and isinstance(pid, int) else None


def alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 asks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def answers(url: str, timeout: float = HEALTH_SECONDS) -> bool:
    """Whether a Prefect API answers at `url` (its /health)."""
    import httpx  # here, not at the top: only a command that finds a record pays for the import

    try:
        # verify only for https: making a TLS context reads the CA bundle, 35 ms a call even for plain HTTP, and
        # polled every 50 ms while a server boots that was 40% of a core beside the booting server
        return httpx.get(f"{url}/health", timeout=timeout, verify=url.startswith("https:")).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def recorded(ws: config.Workspace, url: str) -> Iterator[Path]:
    """Record `url` as the workspace's live API (with this process's id) while the block runs."""
    path = files.publish(ws.prefect_server / RECORD, json.dumps({"api_url": url, "pid": os.getpid()}))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
