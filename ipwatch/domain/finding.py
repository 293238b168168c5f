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
        row that is not there (its rule's `absent_row`: the value is the key it misses, '340100 2025Q3 code') or
        counts rows not listed (UNLISTED)."""
        return None if rules.absent_row(self.rule) or self.rule == UNLISTED else self.value

    @property
    def faults(self) -> int:
        """How many faults of its file this finding stands for: one, or the rows an UNLISTED finding counts."""
        return int(self.value or 0) if self.rule == UNLISTED else 1


# A rule's error rows of one file beyond those its report lists (intake/validate.py: listed_per_rule) are one
# finding of this code, whose value is how many.
UNLISTED = "rows_not_listed"


def not_listed(rule: str, column: str | None, label: str, more: int, listed: int) -> Finding:
    """The rows of `rule` a file's report does not list one by one: how many, and that they are fixed alike."""
    return Finding(UNLISTED, "error", None, column, str(more),
                   f"“{label}”另有 {more:,} 行同样的错误，未逐行列出（每条规则只列出前 {listed:,} 行）"
                   f" ({more:,} more rows failing {rule}, not listed)",
                   fix=f"改法与上面列出的“{label}”各行相同：整份文件一并改正后重新报送")


def fault_count(items: list[dict]) -> int:
    """How many faults a report's items stand for (archive.result's, with each finding's `faults`)."""
    return sum(item.get("faults", 1) for item in items)


def verdict(findings: list[Finding]) -> str:
    """A submission's status from its findings: any error rejects it whole; warnings are held for audit."""
    errors = any(f.severity == "error" for f in findings)
    return "rejected" if errors else "accepted_with_warnings" if findings else "accepted"
