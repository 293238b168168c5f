"""A proposed target: what a person would write in `targets:`, with how sure the drafter is and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Proposal:
    source: str  # the sentence or table row, exactly as the document has it
    wording: str
    indicator: str
    known: bool  # an indicator the catalogue already has
    kind: str
    year: int
    value: float | None
    unit: str | None
    direction: str = "up"
    comparison: str = ">="
    value_high: float | None = None
    baseline: tuple[int, float | None] | None = None
    relative_to_baseline: float | None = None
    attribute: str | None = None
    peer_scope: str | None = None
    per_year: str | None = None
    basis: str | None = None
    indicator_unit: str | None = None  # a new indicator's proposed unit
    from_table: bool = False
    position: int = 0  # the block of the document it comes from: proposals are listed in the document's order
    reasons: list[str] = field(default_factory=list)  # why the drafter is unsure, in Chinese

    @property
    def key(self) -> tuple:
        """What makes two proposals one target: stated in prose and again in a table."""
        return (self.indicator, self.kind, self.year, self.value, self.value_high, self.relative_to_baseline)

    @property
    def confidence(self) -> str:
        """high, medium or low, from the reasons to doubt."""
        return "high" if not self.reasons else "medium" if len(self.reasons) == 1 else "low"
