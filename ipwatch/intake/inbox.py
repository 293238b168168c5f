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
NOT_A_FILE = "此项不是普通文件，未处理 (not a regular file: not taken)"


def nested(office: str, folder: str) -> str:
    """Why a file in a sub-folder of an office's folder is not taken, naming where to put it."""
    return (f"文件位于子文件夹 {folder} 中，未处理：请直接放在 inbox/{office}/ 下 (a file in a sub-folder of an "
            f"office's folder is not taken: put it directly in inbox/{office}/)")


def pending(ws: config.Workspace) -> dict[str, list[Path]]:
    """Files waiting in each office's folder, oldest first; hidden and partial files are left alone, and so are
    files still changing (`settled`)."""
    waiting = {}
    for folder, files in offered(ws).items():
        taken = [f for f, ready in files if ready]
        if taken:
            waiting[folder] = sorted(taken, key=lambda f: (f.stat().st_mtime, f.name))
    return waiting


def unsettled(ws: config.Workspace) -> list[Path]:
    """The files of the offices' folders still changing, left for the next run."""
    return [f for files in offered(ws).values() for f, ready in files if not ready]


def offered(ws: config.Workspace) -> dict[str, list[tuple[Path, bool]]]:
    """Each office's files for the intake (real files, not hidden nor partial), each with whether it has settled."""
    wait, now = config.settings().inbox_settle_seconds, time.time()
    return {folder.name: [(f, settled(f, wait, now)) for f in folder.iterdir() if real_file(f) and not in_progress(f)]
            for folder in sorted(p for p in ws.inbox.iterdir() if is_office(p))}


def settled(path: Path, wait: float, now: float) -> bool:
    """Whether a file has stopped changing: nothing written to it (which moves its modification time, as growing or
    cutting it does) for `wait` seconds (IPWATCH_INBOX_SETTLE_SECONDS). One rule for the scheduled and the manual
    run: a file still being copied in (over a network share, from a slow disk) is never read half-written; the
    next run takes it."""
    return path.stat().st_mtime <= now - wait


def in_progress(path: Path) -> bool:
    """A hidden file or one a program is still writing under a name of its own (Office's ~$ lock, .part, .tmp)."""
    return path.name.startswith((".", "~$")) or path.name.endswith((".part", ".tmp"))


def is_office(path: Path) -> bool:
    """An office's folder: a real folder (never a link) named by a region code."""
    return path.is_dir() and not path.is_symlink() and bool(REGION_FOLDER.match(path.name))


def real_file(path: Path) -> bool:
    """A file itself, not a link to one: a link would bring in, and then delete, a file from outside the inbox."""
    return path.is_file() and not path.is_symlink()


def refused(ws: config.Workspace) -> list[tuple[Path, str, str]]:
    """What the inbox holds that is never taken in, as (path, office or '', reason): links to files or folders,
    anything outside an office's folder, and anything not directly in one (each file of a sub-folder, at any
    depth, or the sub-folder itself when it holds none); reported at every run and left where it is."""
    found = []
    for item in sorted(p for p in ws.inbox.iterdir() if not p.name.startswith(".")):
        if not is_office(item):
            found.append((item, "", LINK if item.is_symlink() else NOT_A_REGION))
            continue
        for entry in sorted(item.iterdir()):
            if entry.is_symlink():
                found.append((entry, item.name, LINK))
            elif entry.is_dir():
                found += [(path, item.name, reason) for path, reason in within(entry, item)]
            elif not entry.is_file() and not in_progress(entry):
                found.append((entry, item.name, NOT_A_FILE))
    return found


def within(folder: Path, office: Path) -> list[tuple[Path, str]]:
    """Each file (or link) under a sub-folder of an office's folder with why it is not taken, links never followed;
    the sub-folder itself when nothing is in it."""
    found = []
    for path in sorted(folder.rglob("*")):  # rglob does not descend into linked folders
        if path.is_symlink():
            found.append((path, LINK))
        elif not path.is_dir():
            found.append((path, nested(office.name, path.parent.relative_to(office).as_posix())))
    return found or [(folder, nested(office.name, folder.relative_to(office).as_posix()))]


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
