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
LINK = ("收件箱中的符号链接不予处理，请放入文件本身 (a symbolic link in the inbox is never followed: put the"
        " file itself)")
NOT_A_REGION = ("收件箱中只应有以六位行政区划代码命名的文件夹 (the inbox holds only folders named by a six-digit region"
                " code)")


def pending(ws: config.Workspace, settle_seconds: float = 0) -> dict[str, list[Path]]:
    """Files waiting in each office's folder, oldest first; hidden and partial files are left alone, and so are
    files changed in the last `settle_seconds` (a copy still arriving over a network share)."""
    waiting = {}
    settled = time.time() - settle_seconds
    for folder in sorted(p for p in ws.inbox.iterdir() if is_office(p)):
        files = [f for f in folder.iterdir() if real_file(f) and not f.name.startswith((".", "~$"))
                 and not f.name.endswith((".part", ".tmp")) and f.stat().st_mtime <= settled]
        if files:
            waiting[folder.name] = sorted(files, key=lambda f: (f.stat().st_mtime, f.name))
    return waiting


def is_office(path: Path) -> bool:
    """An office's folder: a real folder (never a link) named by a region code."""
    return path.is_dir() and not path.is_symlink() and bool(REGION_FOLDER.match(path.name))


def real_file(path: Path) -> bool:
    """A file itself, not a link to one: a link would bring in, and then delete, a file from outside the inbox."""
    return path.is_file() and not path.is_symlink()


def refused(ws: config.Workspace) -> list[tuple[Path, str, str]]:
    """What the inbox holds that is never taken in, as (path, office or '', reason): links to files or folders,
    and anything outside an office's folder."""
    found = []
    for item in sorted(p for p in ws.inbox.iterdir() if not p.name.startswith(".")):
        if is_office(item):
            found += [(f, item.name, LINK) for f in sorted(item.iterdir()) if f.is_symlink()]
        else:
            found.append((item, "", LINK if item.is_symlink() else NOT_A_REGION))
    return found


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
