"""A finding: one failing cell of a submitted file, what rule it broke, and what to do."""

from __future__ import annotations

from dataclasses import dataclass

from ipwatch.domain import rules


@dataclass(frozen=True)
class Finding:
    """One failing cell: what rule, where in the file, and what to do. An error rejects the file; a warning holds
    the value for audit."""

    rule: str
    severity: str
    line: int | None
    column: str | None
    value: str | None
    message: str  # the rule's own message, the same for every row it finds
    indicator: str | None = None  # the code of the row's indicator, where the row names a known one
    fix: str | None = None  # what to do about this very row (ipwatch/intake/explain.py), where one can be said
    cell: str | None = None  # the spreadsheet cell as the office finds it ('填报表!E13'), for files read from xlsx

    @property
    def typed(self) -> str | None:
        """What the office typed in the failing cell, as its reports quote it; None where the finding is about a
        row that is not there (its rule's `absent_row`: the value is the key it misses, '340100 2025Q3 code')."""
        return None if rules.absent_row(self.rule) else self.value


def verdict(findings: list[Finding]) -> str:
    """A submission's status from its findings: any error rejects it whole; warnings are held for audit."""
    errors = any(f.severity == "error" for f in findings)
    return "rejected" if errors else "accepted_with_warnings" if findings else "accepted"
