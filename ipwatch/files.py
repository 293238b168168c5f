"""Files that others read while we write them: bulletins on a shared folder, reports, annexes.

Each is written beside its final name and moved into place, so a reader (or a run killed halfway) never leaves a
half-written page behind; the rerun simply writes it again.
"""

from __future__ import annotations

import os
from pathlib import Path


def publish(path: Path, content: str | bytes) -> Path:
    """Write `content` to `path` whole or not at all (UTF-8 for text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(partial, path)
    return path
