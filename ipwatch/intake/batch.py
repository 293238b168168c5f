"""What travels through the intake pipeline (ipwatch/intake/pipeline.py): each file as it was handed in
(`Incoming`), what is known of it so far (`Entry`), and a wave of them with their rows (`Batch`). Plain frozen
values: each stage returns new ones."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from ipwatch.domain import catalogue as cat
from ipwatch.domain.finding import Finding
from ipwatch.intake import normalise as normalising
from ipwatch.intake.reading import RawTable


@dataclass(frozen=True)
class Incoming:
    """A file handed in, by the office that submits it; `from_inbox` files leave the inbox once decided. `name` is
    the sender's own name for it where that is not the path's (the portal stores an upload by its hash): metadata
    the warehouse and the reports show, never used as a path. `arrived_at` is the moment a demo file would have
    arrived (ipwatch/ops/demo_events.py), set by the demo alone: every real door (the CLI, the inbox, the portal)
    leaves it None, and the file is stamped with the moment it is received."""

    path: Path
    office: str
    from_inbox: bool = False
    name: str | None = None
    arrived_at: datetime | None = None

    @property
    def file_name(self) -> str:
        return self.name or self.path.name


@dataclass(frozen=True)
class Entry:
    """One file's way through the stages: what is known of it so far."""

    incoming: Incoming
    stored: Path | None = None  # the archived copy: the bytes that are read and judged
    sha256: str | None = None
    submission_id: int | None = None
    resumed: bool = False  # registered by a run that stopped before deciding it
    duplicate_of: int | None = None
    original_status: str | None = None
    original_kind: str | None = None  # how the original of a duplicate was read: its report names columns so
    source: RawTable | None = None
    rows: int = 0
    findings: tuple[Finding, ...] = ()
    status: str | None = None  # set once decided
    kept: tuple[dict, ...] = ()  # its blank rows that left the value in force as it was (load.kept), once decided

    @property
    def path(self) -> Path:
        return self.incoming.path

    @property
    def readable(self) -> bool:
        """Read and normalised without a fault of the file as a whole."""
        return self.source is not None

    @property
    def kind(self) -> str | None:
        """How the file was read (xlsx-form, csv, ...); a duplicate's, as its original was."""
        return self.source.kind if self.source else self.original_kind


@dataclass(frozen=True)
class Batch:
    """The files of one wave and, once normalised, all their rows in one frame (`entry` indexes `entries`)."""

    entries: tuple[Entry, ...]
    rows: pl.DataFrame = field(default_factory=normalising.empty)
    catalogue: cat.Catalogue | None = None

    @classmethod
    def of(cls, files: list[Incoming], catalogue: cat.Catalogue | None = None) -> Batch:
        """A batch of files not yet received."""
        return cls(entries=tuple(Entry(f) for f in files), catalogue=catalogue)

    def with_entries(self, entries: list[Entry], **changes: object) -> Batch:
        return replace(self, entries=tuple(entries), **changes)

    def open(self) -> list[int]:
        """Indexes of the entries still to be decided."""
        return [i for i, e in enumerate(self.entries) if e.status is None]
