"""Files that others read while we write them: archive copies, bulletins, reports, annexes.

Each is written to a temporary file beside its final name, flushed to disk, and moved into place, so a reader,
a run killed halfway or a power cut never leaves a half-written file under the final name; the rerun writes it
again. A killed writer may leave its hidden `.<name>.*.part` behind: nothing reads those, and `sweep` removes
them once they are old enough that no writer can still be at work on them.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def publish(path: Path, content: str | bytes) -> Path:
    """Write `content` to `path` whole or not at all (UTF-8 for text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)  # mkstemp makes it private; these are shared documents
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
    return path


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX keeps directory entries in the folder's own metadata)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep(folder: Path, older_than_seconds: float = 3600) -> list[Path]:
    """Remove the temporary files killed writers left in `folder`; returns what was removed."""
    cutoff = time.time() - older_than_seconds
    left = [p for p in folder.glob(".*.part") if p.is_file() and p.stat().st_mtime < cutoff]
    for path in left:
        path.unlink(missing_ok=True)
    return left
