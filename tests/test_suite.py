"""The validation suite is generated from the rule files and the catalogue and checked in; each rule is one file."""

from __future__ import annotations

import ast
import random
import re
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.domain import labels, rules
from ipwatch.domain.finding import Finding
from ipwatch.intake import explain, normalise, suite, validate

from .conftest import checked, write_csv


def test_checked_in_suite_is_what_the_catalogue_generates(catalogue):
    assert suite.SUITE_FILE.read_text("utf-8") == suite.render(catalogue), "run: ipwatch expectations"


def test_every_indicator_has_its_bounds_in_the_suite(catalogue):
    text = suite.SUITE_FILE.read_text("utf-8")
    assert all(f"('{code}', " in text for code in catalogue.indicators)


def test_a_new_bound_in_the_catalogue_changes_the_rules_and_the_outcome(conn, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "f.csv", ["340102,2025Q3,patent_attorneys,900,人,"])
    entry = checked(conn, ws, catalogue, path)
    assert entry.findings == ()
    attorneys = catalogue.indicators["patent_attorneys"]
    tighter = replace(catalogue, indicators={**catalogue.indicators,
                                             "patent_attorneys": replace(attorneys, bounds=(0, 500))})
    rules_file = suite.write(tighter, tmp_path / "submission_rows.yaml")
    assert suite.render(tighter) != suite.render(catalogue)
    found = validate.Validator(conn, rules_file).run(conn, [entry.submission_id])[entry.submission_id]
    assert [(f.rule, f.line, f.value) for f in found] == [("value_in_bounds", 2, "900（合理范围 0–500 人）")]


# One file per rule (expectations/rules/<code>.yaml): complete, and the only place a rule is defined.

def rule_codes_named_in_code() -> set[str]:
    """Every rule code the code base names: labels, the suite, and any code a finding's rule is compared with."""
    named = set(labels.RULES) | {r.id for r in validate.rules()}
    for path in [*(config.ROOT / "ipwatch").rglob("*.py"), *(config.ROOT / "flows").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Compare) and getattr(node.left, "attr", getattr(node.left, "id", None)) == "rule":
                named |= {c.value for part in node.comparators for c in ast.walk(part)
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return named


def files_defining(folder: Path, code: str) -> list[str]:
    """The rule files of `folder` that define `code`: its own, or its family's ('consistency_<pair>')."""
    pairs = {p["id"] for p in cat.consistency_pairs()}
    return [r.code for r in rules.load(folder) if r.code == code or r.member(code) in pairs]


def undefined(folder: Path) -> list[str]:
    """Each rule code named in the code base without exactly one file in `folder` (findings no rule makes, such as
    an unreadable file's, have none)."""
    return sorted(f"{code}: {len(files)} files" for code in rule_codes_named_in_code()
                  if len(files := files_defining(folder, code)) != (code not in labels.OTHER_FINDINGS))


def planted(tmp_path: Path, change) -> Path:
    """A copy of the rules folder with `change(folder)` made to it."""
    folder = shutil.copytree(rules.RULES_DIR, tmp_path / "rules")
    change(folder)
    return folder


def test_every_rule_file_is_complete():
    for rule in rules.load():
        assert rule.label and rule.severity in ("error", "warning") and rule.column and rule.fix, rule.code
        assert (rule.query is None) != (rule.query_template is None), rule.code
        assert rule.per or (rule.message_zh and rule.message_en), rule.code


def test_every_rule_code_the_code_base_names_has_exactly_one_file():
    assert undefined(rules.RULES_DIR) == []
    assert {"ytd_not_falling", "consistency_high_value_within_in_force", "file_readable"} <= rule_codes_named_in_code()


def test_each_fix_names_a_function_explain_has_and_each_function_serves_a_rule():
    named = {r.fix_facts for r in rules.default() if r.fix_facts}
    assert named == set(explain.FACT_FINDERS)


@pytest.mark.parametrize(("change", "says"), [
    (lambda f: (f / "ytd_not_falling.yaml").write_text(
        re.sub(r"(?ms)^fix: .*?(?=^\S)", "", (f / "ytd_not_falling.yaml").read_text("utf-8")), "utf-8"),
     "ytd_not_falling: no fix"),
    (lambda f: (f / "count_whole.yaml").write_text(
        (f / "count_whole.yaml").read_text("utf-8").replace("message_en:", "message_english:"), "utf-8"),
     "count_whole: unknown field message_english"),
    (lambda f: shutil.copy(f / "key_unique.yaml", (f / "again").mkdir() or f / "again" / "key_unique.yaml"),
     "key_unique: defined by 2 files"),
    (lambda f: shutil.copy(f / "key_unique.yaml", f / "key_unique.yml"), "key_unique.yml: not a rule file"),
    (lambda f: shutil.copy(f / "count_whole.yaml", f / "consistency_high_value_within_in_force.yaml"),
     "inside family consistency's codes"),
    (lambda f: (f / "count_whole.yaml").write_text(
        (f / "count_whole.yaml").read_text("utf-8").replace("order: 180", "order: 170"), "utf-8"),
     "order 170 used by more than one rule"),
])
def test_a_planted_incomplete_or_duplicate_rule_file_is_refused(tmp_path, change, says):
    folder = planted(tmp_path, change)
    with pytest.raises(ValueError, match=re.escape(says)):
        rules.load(folder)


def test_a_planted_missing_rule_file_is_found(tmp_path):
    folder = planted(tmp_path, lambda f: (f / "count_whole.yaml").unlink())
    assert undefined(folder) == ["count_whole: 0 files"]


def test_every_rule_s_fix_is_written_for_a_finding_of_its_kind(catalogue):
    pair = cat.consistency_pairs()[0]
    ratio = next(i for i in catalogue.indicators.values() if i.numerator)
    asked = (pair["left"], pair["right"], ratio.code, ratio.numerator, ratio.denominator)
    rows = [{"line": 1, "region_code": "340100", "period": "2025Q3", "indicator_raw": "pct_applications",
             "indicator_code": "pct_applications", "value_raw": "588件", "status_raw": "缺失",
             "indicator_conflict": "有效注册商标量"},
            *({"line": n, "region_code": "340100", "period": "2025Q3", "indicator_raw": code, "indicator_code": code,
               "value_raw": str(n), "value": Decimal(n)} for n, code in enumerate(asked, start=2)),
            {"line": 7, "region_code": "340100", "period": "2025Q3", "indicator_raw": "专利申请",
             "indicator_candidates": "、".join(asked[:2])}]
    frame = pl.DataFrame(rows, schema=normalise.ROW_SCHEMA)
    facts = explain.Facts(frame, None, "340100", catalogue)
    by_line = {r["line"]: r for r in frame.iter_rows(named=True)}
    cases = {"consistency": (2, "1"), "ratio_matches_parts": (4, "1"), "indicator_known": (7, None),
             "ratio_against_known_parts": (4, "填 4 件/万人；有效发明专利拥有量 5 件（本表第5行）÷ 常住人口 74.19 万人"
                                               "（2025年第四季度已接收）= 0.07"),
             "indicator_unambiguous": (7, None),
             "required_indicator_reported": (None, "340100 2025Q3 pct_applications")}
    for rule in rules.default():
        line, value = cases.get(rule.code, (1, "588件"))
        code = f"{rule.code}_{pair['id']}" if rule.per else rule.code
        finding = Finding(code, rule.severity, line, rule.column, value, "")
        assert explain.advice(finding, by_line.get(line), facts), code


RAW_QUARTER = re.compile(r"\b\d{4}Q[1-4]\b")


def test_no_rule_s_message_names_a_quarter_as_no_person_reads_it(catalogue):
    """What the report's 问题 column says, in Chinese and English beside, of every rule and family member."""
    messages = [(r.code, m) for r in rules.default() for m in (r.message_zh, r.message_en) if m]
    messages += [(p["id"], p[key]) for p in cat.consistency_pairs() for key in ("message_zh", "message_en")]
    assert [(code, m) for code, m in messages if RAW_QUARTER.search(m)] == []


@pytest.mark.parametrize("seed", range(5))
def test_no_rule_s_fix_puts_a_raw_quarter_code_before_a_clerk(catalogue, seed):
    """Every rule's fix (怎样改) rendered for generated failing rows: any quarter, and a value carrying quarter codes
    as rules' SQL returns them (the seen 在用 19.19，2026Q2 of target_status_moved, 2013Q3（最早 2014 年） of
    period_not_before) reaches the clerk as the form names quarters, 2026年第二季度."""
    r = random.Random(seed)

    def quarter() -> str:
        return f"{r.randint(2014, 2026)}Q{r.randint(1, 4)}"

    pair = cat.consistency_pairs()[0]
    ratio = next(i for i in catalogue.indicators.values() if i.numerator)
    asked = (pair["left"], pair["right"], ratio.code, ratio.numerator, ratio.denominator)
    period = quarter()
    rows = [{"line": 1, "region_code": "340100", "period": period, "indicator_raw": "pct_applications",
             "indicator_code": "pct_applications", "value_raw": f"588件 {quarter()}", "status_raw": "缺失",
             "unit_raw": "件", "indicator_conflict": "有效注册商标量"},
            *({"line": n, "region_code": "340100", "period": period, "indicator_raw": code, "indicator_code": code,
               "value_raw": str(n), "value": Decimal(n)} for n, code in enumerate(asked, start=2)),
            {"line": 7, "region_code": "340100", "period": period, "indicator_raw": "专利申请",
             "indicator_candidates": "、".join(asked[:2])}]
    frame = pl.DataFrame(rows, schema=normalise.ROW_SCHEMA)
    facts = explain.Facts(frame, None, "340100", catalogue)
    by_line = {row["line"]: row for row in frame.iter_rows(named=True)}
    said = []
    for rule in rules.default():
        values = [quarter(), f"25 件/万人（在用 19.19，{quarter()}）：“每万人发明专利拥有量”>= 24 由未完成变为完成",
                  f"{quarter()}（最早 2014 年）", f"500 亿元（上年同期 {quarter()} 为 0.05，×10000）",
                  f"340100 {quarter()} pct_applications"]
        line = {"consistency": 2, "ratio_matches_parts": 4, "indicator_known": 7, "indicator_unambiguous": 7,
                "ratio_against_known_parts": 4, "required_indicator_reported": None}.get(rule.code, 1)
        if rule.code == "ratio_against_known_parts":  # its fix reads the parts' places as its SQL writes them
            values = ["填 4 件/万人；有效发明专利拥有量 5 件（本表第5行）÷ 常住人口 74.19 万人"
                      "（2025年第四季度已接收）= 0.07"]
        code = f"{rule.code}_{pair['id']}" if rule.per else rule.code
        for value in values:
            fix = explain.advice(Finding(code, rule.severity, line, rule.column, value, ""), by_line.get(line), facts)
            said += [(code, fix)] if fix else []
    assert {code for code, _ in said} >= {r.code for r in rules.default() if not r.per}  # every rule said something
    assert [(code, fix) for code, fix in said if RAW_QUARTER.search(fix)] == []
