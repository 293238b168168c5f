"""Files that others read while we write them: archive copies, bulletins, reports, annexes.

Each is written to a temporary file beside its final name, flushed to disk, and moved into place, so a reader,
a run killed halfway or a power cut never leaves a half-written file under the final name; the rerun writes it
again. A killed writer may leave its hidden `.<name>.*.part` behind: nothing reads those, and `sweep` removes
them once they are old enough that no writer can still be at work on them.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from ipwatch import config

# File names are at most 255 bytes; a stored name leaves room for the report suffix (".errors.html") and the
# hidden temporary name `publish` writes first (".<name>.<random>.part").
NAME_BYTES = 200


def publish(path: Path, content: str | bytes | Iterable[str], durable: bool = True) -> Path:
    """Write `content` to `path` whole or not at all (UTF-8 for text). Text may come in pieces (a JSON encoder's
    `iterencode`, a template's `generate`): written as they come, never whole in memory (a hostile file's report
    of 100,000 findings was a 400 MB string). Not `durable`: the caller makes a batch of files durable at once
    (`make_durable`)."""
    if isinstance(content, bytes):
        return put(path, lambda out: out.write(content), durable)
    return put(path, lambda out: write_text(out, [content] if isinstance(content, str) else content), durable)


def write_text(out: BinaryIO, pieces: Iterable[str]) -> None:
    """`pieces` into `out` as UTF-8, through a buffer (an encoder's pieces are a few bytes each)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    for piece in pieces:
        text.write(piece)
    text.flush()
    text.detach()  # `out` stays open for put to flush and sync


def publish_copy(path: Path, source: Path, follow: bool = True, durable: bool = True) -> Path:
    """Copy the file `source` to `path` whole or not at all, streamed (never held in memory); a symbolic link
    as `source` is refused unless `follow`. Not `durable`: the caller makes a batch of copies durable at once
    (`make_durable`) before anything refers to them."""
    with opened(source, follow) as handle:
        return put(path, lambda out: shutil.copyfileobj(handle, out), durable)


def opened(source: Path, follow: bool = True) -> BinaryIO:
    """`source` open for reading; O_NOFOLLOW makes a link an error (ELOOP) rather than a way out of a folder."""
    return os.fdopen(os.open(source, os.O_RDONLY | (0 if follow else os.O_NOFOLLOW)), "rb")


def put(path: Path, write: Callable[[BinaryIO], object], durable: bool = True) -> Path:
    """Let `write` fill a temporary file beside `path`, flush it to disk (when `durable`) and move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.chmod(partial, 0o644)  # mkstemp makes it private; these are shared documents
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(path.parent)
    return path


def make_durable(paths: list[Path]) -> None:
    """On disk before anything refers to them: each file, then each of their folders once. A batch of copies
    costs one folder sync instead of one a file (the disk's slowest operation, two a file before)."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in {path.parent for path in paths}:
        sync_folder(folder)


def short_name(name: str, limit: int = NAME_BYTES) -> str:
    """`name` cut to `limit` bytes of UTF-8 at a character boundary, keeping its extension: a stored copy is found
    by the hash or id in front of it, and the whole original name stays in the warehouse."""
    if len(name.encode()) <= limit:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix.encode()) <= 16 else ""
    stem = name[: len(name) - len(suffix)].encode()[: limit - len(suffix.encode())]
    return stem.decode("utf-8", "ignore") + suffix


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


def require_space(home: Path) -> None:
    """Refuse to start a run when the workspace's disk is (nearly) full: one clear line instead of a failure
    halfway, in the warehouse or in Prefect's ephemeral server, which retries its start for minutes."""
    need = config.settings().min_free_mb
    existing = next(p for p in (home, *home.resolve().parents) if p.exists())
    free = shutil.disk_usage(existing).free / 1024**2
    if free < need:
        raise RuntimeError(f"磁盘空间不足，本次运行未开始：工作区 {home} 所在磁盘仅剩 {free:,.0f} MB，"
                           f"至少需要 {need:,.0f} MB（IPWATCH_MIN_FREE_MB）；请清理磁盘后重试"
                           " (disk nearly full: the run was not started)")
