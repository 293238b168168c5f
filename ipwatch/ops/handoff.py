"""A file handed to the workspace's running `ipwatch serve`, whose process has Great Expectations and Prefect loaded.

A clerk's one corrected file costs a fresh `ipwatch ingest` seconds of imports (GX alone about 4 s of CPU) for
about two seconds of work. While `ipwatch serve` runs on a workspace it listens on a Unix socket named after the
workspace, and `ipwatch ingest` hands its files to it: the serving process runs the same ingest flow, recorded on
its Prefect server as any run, and answers with the outcomes. With no serve listening the command does the work
itself.

The socket is in Linux's abstract namespace: no file to outlive a killed serve, and no limit on how deep the
workspace lies (a socket file's path may not pass 107 bytes). Anyone on the machine could connect to it, so the
serve answers only its own user (the peer's credentials, SO_PEERCRED) and root: nobody hands it a file they could
not have ingested themselves.

Protocol: one JSON object a line each way: the request {"files": [...], "office": ..., "inbox": bool}, the answer
{"results": [...]} or {"error": "one line"}.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from contextlib import suppress

from ipwatch import config

log = logging.getLogger(__name__)

PEERCRED = struct.Struct("3i")  # pid, uid, gid


class Interrupted(RuntimeError):
    """The serving process ended before it answered: whether the files were decided is not known here."""


def address(ws: config.Workspace) -> bytes:
    """The workspace's socket: an abstract name (leading NUL) from its resolved path."""
    return b"\0ipwatch-intake-" + hashlib.sha256(str(ws.home.resolve()).encode()).hexdigest()[:32].encode()


def listening(ws: config.Workspace) -> bool:
    """Whether a serve accepts hand-offs on this workspace now."""
    with socket.socket(socket.AF_UNIX) as probe:
        return probe.connect_ex(address(ws)) == 0


def hand(ws: config.Workspace, request: dict) -> list[dict]:
    """The outcomes of `request` decided by the serving process; ValueError with its one line when it refused."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(address(ws))
        conn.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        with conn.makefile("rb") as answer:
            line = answer.readline()
    if not line:
        raise Interrupted("ipwatch serve 在处理时中止，请查看 ipwatch audit 或重新运行本命令（同一文件不会重复入库）"
                          " (the serving process ended before answering; run the command again: the same file is"
                          " never stored twice)")
    reply = json.loads(line)
    if "error" in reply:
        raise ValueError(reply["error"])
    return reply["results"]


def listen(ws: config.Workspace, work: Callable[[dict], list[dict]], warm: Callable[[], None]) -> Callable[[], None]:
    """Accept hand-offs on the workspace's socket in a daemon thread, one at a time (a process holds one turn at
    the warehouse), after `warm()` has loaded what the work needs; returns `close`."""
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(address(ws))
    except OSError:  # another process listens for the workspace: commands hand their files to that one
        server.close()
        log.warning("another process takes hand-offs for %s; ipwatch ingest hands its files to it", ws.home)
        return lambda: None

    def serve_forever() -> None:
        warm()
        try:
            server.listen(16)
        except OSError:  # closed while warming (a portal stopped at once)
            return
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed
                return
            with conn:
                if trusted(conn):
                    answer_one(conn, work)

    threading.Thread(target=serve_forever, name="ipwatch-handoff", daemon=True).start()

    return server.close


def trusted(conn: socket.socket) -> bool:
    """Whether the peer runs as this process's user, or as root."""
    _, uid, _ = PEERCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEERCRED.size))
    return uid in (os.getuid(), 0)


def answer_one(conn: socket.socket, work: Callable[[dict], list[dict]]) -> None:
    """Read one request, do it, answer; a failure is answered in one line, never ends the listener."""
    with conn.makefile("rb") as incoming:
        line = incoming.readline()
    if not line:  # a command asking whether anyone listens (`listening`)
        return
    try:
        reply: dict = {"results": work(json.loads(line))}
    except Exception as exc:  # noqa: BLE001 - the command prints it as its own error
        log.exception("hand-off failed")
        reply = {"error": " ".join(str(exc).split()) or type(exc).__name__}
    with suppress(OSError):  # the command was interrupted: the outcome is in the warehouse and the run's page
        conn.sendall(json.dumps(reply, ensure_ascii=False, default=str).encode() + b"\n")
