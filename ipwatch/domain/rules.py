"""The validation rules, one file each: expectations/rules/<code>.yaml is the whole of a rule, and adding a rule is
adding a file (and its test).

A file holds the rule's Chinese `label` (labels.RULES), its place in the suite (`order`), `severity` (error rejects
the whole file; warning accepts it and holds the row for audit), the `column` it judges, its messages, its SQL,
its `thresholds` and the `fix` an office is told (ipwatch/intake/explain.py fills it in). The SQL is a `query` as
Great Expectations runs it, or a `query_template` that ipwatch/intake/suite.py renders with the catalogue (its
indicators, their bounds, ...) and the rule's own thresholds; `ipwatch expectations` writes them all into
expectations/submission_rows.yaml, the suite that runs.

A query runs over a batch of submissions' rows (view batch_rows, one GX batch per batch_id) as an
UnexpectedRowsExpectation inside DuckDB; every row it returns is a finding of its `submission_id`, with the file's
own `line` and the offending `value`. `{batch}` holds the rows of every submission in the batch: a rule that
compares rows with each other joins them on submission_id, so a file is judged exactly as if it had come alone;
literal braces are doubled, and a colon before a word would be read as a bind parameter by SQLAlchemy (use printf,
not format('{:g}')).

The fix is a Jinja template of one line (its line breaks are only for reading the file) over what is known of the
finding: `value` (what the rule returned), the row's `typed` value, `status`, `unit_raw`, `indicator`, `region`,
`region_name`, `period` and `last_month`, the indicator's `name`, `unit` and `code`, the `office`, `office_name` and
whether the file is the `form`; a rule whose fix needs more names `fix_facts`, the function of explain.py that
works it out. A fix that names something unknown for a finding (no indicator, no row) is not given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

import yaml

from ipwatch import config

RULES_DIR = config.EXPECTATIONS_DIR / "rules"
SEVERITIES = ("error", "warning")
# A rule that is a family: one rule per item of the catalogue's list, each `<code>_<item id>` with its messages.
FAMILIES = ("consistency_pairs",)
# libyaml's parser where PyYAML has it: every command reads the rule files once (labels.RULES) as it starts.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class RuleFile:
    """One rule as its file defines it; `code` is the file's name."""

    code: str
    label: str
    order: int
    severity: str
    column: str
    fix: str
    message_zh: str | None = None
    message_en: str | None = None
    query: str | None = None
    query_template: str | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    fix_facts: str | None = None
    per: str | None = None  # a family's list (FAMILIES)
    absent_row: bool = False  # it finds a row the file lacks: its value is that row's key, nothing the office typed
    # it judges the moment the file is sent (a quarter not yet over, a quarter in sign-off), not the file: the same
    # bytes sent again once it no longer holds are judged anew, never answered as a duplicate
    of_the_moment: bool = False

    def member(self, code: str) -> str | None:
        """The item of a family `code` names ('consistency_x' -> 'x'); None for any other code."""
        return code.removeprefix(f"{self.code}_") if self.per and code.startswith(f"{self.code}_") else None


REQUIRED = ("label", "order", "severity", "column", "fix")
KEYS = {f.name for f in fields(RuleFile)} - {"code"}


def problems_of(code: str, raw: object) -> list[str]:
    """What is missing or wrong in one rule file's contents."""
    if not isinstance(raw, dict):
        return [f"{code}: not a mapping of fields"]
    found = [f"{code}: no {key}" for key in REQUIRED if raw.get(key) in (None, "")]
    found += [f"{code}: unknown field {key}" for key in sorted(set(raw) - KEYS)]
    if not isinstance(raw.get("order"), int):
        found.append(f"{code}: order must be a whole number")
    numbers = raw.get("thresholds", {})
    if not isinstance(numbers, dict) or not all(isinstance(v, int | float) for v in numbers.values()):
        found.append(f"{code}: thresholds must map names to numbers")
    if raw.get("severity") not in SEVERITIES:
        found.append(f"{code}: severity must be one of {', '.join(SEVERITIES)}")
    if ("query" in raw) == ("query_template" in raw):
        found.append(f"{code}: needs one of query or query_template")
    if raw.get("per") is None:
        found += [f"{code}: no {key}" for key in ("message_zh", "message_en") if not raw.get(key)]
    elif raw["per"] not in FAMILIES:
        found.append(f"{code}: per must be one of {', '.join(FAMILIES)}")
    return found


def clashes(rules: list[RuleFile], files: dict[str, list[str]]) -> list[str]:
    """Codes claimed twice (two files, or a file inside a family's names), orders and thresholds shared."""
    found = [f"{code}: defined by {len(names)} files ({', '.join(names)})"
             for code, names in files.items() if len(names) > 1]
    found += [f"{r.code}: inside family {f.code}'s codes" for f in rules if f.per for r in rules
              if r is not f and f.member(r.code)]
    for what, values in (("order", [r.order for r in rules]),
                         ("threshold", [name for r in rules for name in r.thresholds])):
        found += [f"{what} {v} used by more than one rule" for v in sorted(set(values), key=str)
                  if values.count(v) > 1]
    return found


def rule_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The files of `folder` and its subfolders named <code>.yaml, and a complaint about each other file."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    stray = [f"{p.relative_to(folder)}: not a rule file (<code>.yaml)" for p in paths if p.suffix != ".yaml"]
    return [p for p in paths if p.suffix == ".yaml"], stray


def load(folder: Path = RULES_DIR) -> tuple[RuleFile, ...]:
    """Every rule of `folder`, in suite order; ValueError listing each incomplete file, stray file or clash."""
    paths, found = rule_files(folder)
    files: dict[str, list[str]] = {}
    rules = []
    for path in paths:
        files.setdefault(path.stem, []).append(str(path.relative_to(folder)))
        raw = yaml.load(path.read_text("utf-8"), Loader=LOADER)
        wrong = problems_of(path.stem, raw)
        found += wrong
        if not wrong:
            rules.append(RuleFile(code=path.stem, **raw))
    found += clashes(rules, files)
    if found:
        raise ValueError(f"validation rules in {folder} (规则文件有误):\n  " + "\n  ".join(found))
    return tuple(sorted(rules, key=lambda r: r.order))


@cache
def default() -> tuple[RuleFile, ...]:
    """The shipped rules, read once per process."""
    return load()


@cache
def index() -> dict[str, RuleFile]:
    """The shipped rules by code."""
    return {r.code: r for r in default()}


def by_code(code: str) -> RuleFile | None:
    """The rule a finding's code names: its own file, or its family's ('consistency_x'); None for a finding no
    rule makes (a file that cannot be read)."""
    own = index().get(code)
    return own or next((r for r in default() if r.member(code)), None)


def absent_row(code: str) -> bool:
    """Whether findings of `code` are about a row the file lacks."""
    rule = by_code(code)
    return rule is not None and rule.absent_row


def of_the_moment() -> list[str]:
    """The rules whose findings may no longer hold when the same file is sent again."""
    return [rule.code for rule in default() if rule.of_the_moment]


def labels() -> dict[str, str]:
    """Code -> Chinese label of every rule findings carry the code of, in suite order (a family's members carry
    theirs: labels.rule names them)."""
    return {r.code: r.label for r in default() if not r.per}


def thresholds() -> dict[str, float]:
    """Every rule's thresholds by name (names are unique across rules)."""
    return {name: value for r in default() for name, value in r.thresholds.items()}
