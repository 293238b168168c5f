"""The inbox: a folder per office (inbox/<region code>/); a file dropped there is submitted by that office."""

from __future__ import annotations

import re
import time
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


def clear(path: Path) -> None:
    """Take a decided file out of the inbox; its bytes are already in the archive (and quarantine if rejected)."""
    path.unlink(missing_ok=True)
