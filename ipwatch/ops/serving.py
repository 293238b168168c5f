"""`ipwatch serve`: the deployments of prefect.yaml, on their schedules, served by this one process.

Prefect's ephemeral server registers deployments but never schedules runs, so unless PREFECT_API_URL names a
server, serve starts one of its own: loopback only, its SQLite under <home>/prefect-server/, stopped on exit.
Flow runs go to subprocesses that inherit IPWATCH_HOME and PREFECT_API_URL from here. While serving, the
workspace records the API's address, so commands run by hand on it use the same server (ipwatch.ops.prefect_env).
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

import yaml

from ipwatch import config
from ipwatch.ops import handoff, prefect_env
from ipwatch.ops.prefect_env import die_with_parent, free_port

SERVER_START_SECONDS = 120
INGEST_FLOW, INBOX_FLOW = "flows/ingest.py:ingest_flow", "flows/ingest.py:inbox_flow"


def deployment_specs(path: Path = config.PREFECT_YAML) -> list[dict]:
    """The deployments as prefect.yaml declares them (entrypoint, parameters, schedules with time zones)."""
    return yaml.safe_load(path.read_text("utf-8"))["deployments"]


def load_flow(entrypoint: str) -> Any:
    """The flow object of an entrypoint written as in prefect.yaml: 'flows/ingest.py:inbox_flow'."""
    module_path, name = entrypoint.split(":")
    return getattr(importlib.import_module(module_path.removesuffix(".py").replace("/", ".")), name)


def runner_deployments(specs: list[dict]) -> list[Any]:
    """prefect.yaml's deployments as Prefect runner deployments, each with its cron schedules and time zone."""
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    return [load_flow(spec["entrypoint"]).to_deployment(
        name=spec["name"], description=spec.get("description"), parameters=spec.get("parameters") or {},
        concurrency_limit=spec.get("concurrency_limit"),
        schedules=[Cron(s["cron"], timezone=s["timezone"]) for s in spec.get("schedules") or []],
        # by module, so the runner's subprocesses import the installed package from any working directory
        entrypoint_type=EntrypointType.MODULE_PATH,
    ) for spec in specs]


def port_taken(port: int) -> bool:
    """Whether something already listens on the loopback port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def local_server(prefect_home: Path, port: int = 4200) -> Iterator[str]:
    """A Prefect server on 127.0.0.1 with its own PREFECT_HOME; yields its API URL; stops it on exit."""
    port = port or free_port()
    if port_taken(port):
        raise RuntimeError(f"端口 {port} 已被占用；如已有 Prefect 服务器，请设置 PREFECT_API_URL，或用 --port 另选端口 "
                           f"(port {port} is in use: set PREFECT_API_URL to use that server, or pick --port)")
    prefect_home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}/api"
    # `prefect server start --port` binds the port but leaves the UI's API address at its default (port 4200,
    # from PREFECT_SERVER_API_PORT): the UI would call a port nobody listens on. It is told the real one.
    env = config.environment({
        "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_API_URL": url, "PREFECT_API_URL": None,
        "PREFECT_UI_API_URL": None,  # the older name of the same setting
    })
    with open(prefect_home / "server.log", "ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
    try:
        wait_until_healthy(url, server, prefect_home / "server.log")
        yield url
    finally:
        stop(server)


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Block until the server answers /health; fail with its log's tail if it exits or takes too long."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text("utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"Prefect 服务器未能启动 (the Prefect server exited, code {server.returncode}):\n{tail}")
        if prefect_env.answers(url, timeout=2):
            return
        time.sleep(0.5)
    stop(server)
    raise RuntimeError(f"Prefect 服务器 {SERVER_START_SECONDS} 秒内未就绪 (server not ready); see {log}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (the server and its services), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


class AlreadyServed(OSError):
    """The workspace has a live `ipwatch serve` already (an OSError: the CLI reports it as a user's error)."""


def refuse_if_served(ws: config.Workspace) -> None:
    """AlreadyServed when a live `ipwatch serve` has the workspace: a second would run every job twice."""
    running = prefect_env.live_server(ws)
    if running:
        raise AlreadyServed(f"工作区 {ws.home} 已在运行 ipwatch serve（{running}），请使用其界面，或先停止它 "
                            f"(this workspace is already served at {running}: use its UI, or stop that serve)")


def serve(ws: config.Workspace, port: int = 4200, specs: list[dict] | None = None) -> None:
    """Serve the deployments until interrupted (Ctrl-C or SIGTERM), on a server of our own unless one is set."""
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    specs = specs or deployment_specs()
    # Prefect's runner stops itself from its SIGTERM handler without awaiting the coroutine; harmless noise.
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    ws.ensure()
    refuse_if_served(ws)
    config.export({"IPWATCH_HOME": str(ws.home)})  # the runs' subprocesses find the workspace through it
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)  # the terminal closed: stop the server too
    given = config.settings().prefect_api_url
    with nullcontext(given) if given else local_server(ws.prefect_server, port) as url, \
            prefect_env.recorded(ws, url):
        config.export({"PREFECT_API_URL": url})
        print(f"Prefect API: {url}  (界面 UI: {url.removesuffix('/api')})", flush=True)
        for spec in specs:
            when = "; ".join(f"{s['cron']} {s['timezone']}" for s in spec.get("schedules") or [])
            print(f"  {spec['name']:<20} {when}", flush=True)
        print("按 Ctrl-C 停止 (Ctrl-C stops serving and the server)", flush=True)
        close = handoff.listen(ws, lambda request: ingest(ws, url, request), lambda: warm(ws))
        try:
            with temporary_settings(updates={PREFECT_API_URL: url}), suppress(KeyboardInterrupt):
                prefect_serve(*runner_deployments(specs), pause_on_shutdown=False, print_starting_message=False)
        finally:
            close()


def warm(ws: config.Workspace) -> None:
    """Load what a handed-off ingest runs, before the first clerk waits for it: the flow's modules and the
    process's GX validator (its context takes seconds to build; see ipwatch.intake.validate)."""
    from ipwatch import warehouse
    from ipwatch.intake import validate

    load_flow(INGEST_FLOW)
    if isinstance(ws.warehouse, Path) and ws.warehouse.exists():  # a lake's validator is made at its first file
        with warehouse.connect(ws.warehouse) as conn:
            validate.run(conn, [])


def ingest(ws: config.Workspace, url: str | None, request: dict) -> list[dict]:
    """A hand-off (ipwatch.ops.handoff) run here, in this process, as the command would have run it, recorded on
    the server at `url` (serve's: Prefect's settings are per thread, and this one is not the runner's), else on the
    one this process's environment names."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url} if url else {}):
        if request.get("inbox"):
            return load_flow(INBOX_FLOW)(home=str(ws.home))
        return load_flow(INGEST_FLOW)([Path(f) for f in request["files"]], office=request["office"],
                                      home=str(ws.home))


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP (a service manager, a closed terminal) ends serving as Ctrl-C does, server included."""
    raise KeyboardInterrupt
