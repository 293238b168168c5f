"""The inbox: a folder per office (inbox/<region code>/); a file dropped there is submitted by that office."""

from __future__ import annotations

import fcntl
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ipwatch import config

REGION_FOLDER = re.compile(r"^\d{6}$")


def pending(ws: config.Workspace, settle_seconds: float = 0) -> dict[str, list[Path]]:
    """Files waiting in each office's folder, oldest first; hidden and partial files are left alone, and so are
    files changed in the last `settle_seconds` (a copy still arriving over a network share)."""
    waiting = {}
    settled = time.time() - settle_seconds
    for folder in sorted(p for p in ws.inbox.iterdir() if p.is_dir() and REGION_FOLDER.match(p.name)):
        files = [f for f in folder.iterdir() if f.is_file() and not f.name.startswith((".", "~$"))
                 and not f.name.endswith((".part", ".tmp")) and f.stat().st_mtime <= settled]
        if files:
            waiting[folder.name] = sorted(files, key=lambda f: (f.stat().st_mtime, f.name))
    return waiting


@contextmanager
def claim(ws: config.Workspace) -> Iterator[bool]:
    """Whether this run has the inbox to itself: True for the first, False while another inbox run works on it.

    Two inbox runs (a late scheduled one and a manual `ingest --inbox`) would otherwise both take the same
    file; the second simply leaves the inbox to the first. The lock goes with the process, even a killed one.
    """
    ws.inbox.mkdir(parents=True, exist_ok=True)
    with open(ws.inbox / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clear(path: Path) -> None:
    """Take a decided file out of the inbox; its bytes are already in the archive (and quarantine if rejected)."""
    path.unlink(missing_ok=True)
