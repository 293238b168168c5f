"""A draft measured against a plan written by hand: recall (the hand-made targets the draft found with the right
year, value and unit) and precision (the draft's targets that are real ones), one to one."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    found: int  # hand-made targets matched by a proposal
    expected: int  # hand-made targets
    proposed: int  # proposals
    missed: tuple[str, ...]  # the sources of hand-made targets not found
    extra: tuple[str, ...]  # the sources of proposals that match no hand-made target
    cited: int  # proposals whose source is in the document
    named: int = 0  # found targets whose proposal names the hand-made one's indicator
    same_kind: int = 0  # found targets whose proposal has the hand-made one's kind

    @property
    def recall(self) -> float:
        """Hand-made targets found, as a share of all of them."""
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """Proposals that are real targets, as a share of all proposals."""
        return self.found / self.proposed if self.proposed else 1.0


def _numbers(target: dict) -> tuple:
    goal = target.get("target") or {}
    return (int(goal.get("year")), goal.get("value"), goal.get("value_high"), target.get("unit"),
            target.get("relative_to_baseline"))


def _same_place(hand: str, proposed: str) -> bool:
    """The same sentence or row, also as a PDF gives it (1.17 件 may come out as 1.17件)."""
    hand, proposed = re.sub(r"\s+", "", hand), re.sub(r"\s+", "", proposed)
    return hand in proposed or proposed in hand


def score(proposed: list[dict], hand: list[dict], document: str) -> Score:
    """Match each hand-made target to one proposal of the same numbers cited from the same sentence or row."""
    free = list(range(len(proposed)))
    missed, pairs = [], []
    for target in hand:
        candidates = [i for i in free if _numbers(proposed[i]) == _numbers(target)
                      and _same_place(target["source"], proposed[i]["source"])]
        # of two proposals of the same numbers (专利申请量和授权量…15%), the one of the same indicator
        match = next((i for i in candidates if proposed[i]["indicator"] == target["indicator"]),
                     candidates[0] if candidates else None)
        if match is None:
            missed.append(target["source"])
        else:
            free.remove(match)
            pairs.append((target, proposed[match]))
    cited = sum(1 for p in proposed if p["source"] in document)
    return Score(len(pairs), len(hand), len(proposed), tuple(missed), tuple(proposed[i]["source"] for i in free),
                 cited, named=sum(1 for h, p in pairs if h["indicator"] == p["indicator"]),
                 same_kind=sum(1 for h, p in pairs if h["kind"] == p["kind"]))
