"""A submitted file in: its identity (sha256), its limits checked, its cells read (ipwatch/intake/reading.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ipwatch.intake.reading import Limits, RawTable, ReadError, read_table


def sha256(path: Path) -> str:
    """The file's SHA-256, the identity of a submission (streamed: a large file is never held whole)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_limits(path: Path, limits: Limits) -> None:
    """Refuse a file too large to be a quarterly submission before reading it."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ReadError(f"文件过大（{size / 1048576:.1f} MB，上限 {limits.max_bytes / 1048576:.0f} MB）"
                        f" (file too large: {size} bytes, limit {limits.max_bytes})")


def check_rows(raw: RawTable, limits: Limits) -> None:
    """A submission holds at least one data row and no more than the limit (also checked while reading)."""
    if raw.rows.height == 0:
        raise ReadError("文件只有表头，没有数据行 (the file has a header but no data rows)")
    if raw.rows.height > limits.max_rows:
        raise ReadError(f"数据行过多（{raw.rows.height}行，上限{limits.max_rows}行）"
                        f" (too many rows: {raw.rows.height}, limit {limits.max_rows})")


def read(path: Path, limits: Limits | None = None) -> RawTable:
    """A submitted file's cells within the limits, or ReadError saying why it cannot be read."""
    limits = limits or Limits()
    check_limits(path, limits)
    raw = read_table(path, limits)
    check_rows(raw, limits)
    return raw
