"""A blank cell is "not reported in this file": it never erases the value in force (#26, item 4). Only 缺失 in
数据状态, or /, —, 无 ... in the value, records a missing value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ipwatch.intake import template
from ipwatch.intake.batch import Incoming
from ipwatch.intake.pipeline import process

from .conftest import fill


def form_codes(path: Path) -> list[str]:
    """The indicator codes of a form's table, top to bottom."""
    sheet = load_workbook(path)[template.FORM_SHEET]
    codes = [sheet.cell(row=r, column=1).value for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)]
    return [c for c in codes[:codes.index(None)]]


def full_values(codes: list[str]) -> dict[str, Decimal]:
    """A plausible value for every indicator of Hefei's 2025Q3 form, each a different number (typed by hand: small
    counts within every count's bounds, and a ratio equal to its parts)."""
    values = {code: Decimal(10 + i) for i, code in enumerate(codes)}
    values["registered_trademarks_in_force"] = Decimal(50000)
    values["market_entities"] = Decimal(100)  # 万户
    values["trademarks_per_10k_market_entities"] = Decimal(500)  # 50000 件 / 100 万户 = 500 件/万户
    values["ip_civil_first_instance_acceptance_rate"] = Decimal("95.5")
    return values


def in_force(conn, period: str = "2025Q3") -> dict[str, tuple[Decimal | None, str]]:
    rows = conn.execute("select indicator_code, value, status from observations "
                        "where region_code = '340100' and period = ?", [period]).fetchall()
    return {code: (value, status) for code, value, status in rows}


def submitted(conn, ws, path: Path) -> dict:
    return process(conn, ws, [Incoming(path, "340100")])[0]


@pytest.fixture
def quarter_in_force(conn, ws, tmp_path) -> dict[str, Decimal]:
    """Hefei's 2025Q3 form filled whole and accepted: every value in force."""
    path = template.write_template(tmp_path / "full.xlsx", "340100", "2025Q3")
    values = full_values(form_codes(path))
    result = submitted(conn, ws, fill(path, {k: str(v) for k, v in values.items()}))
    assert result["status"] == "accepted", result["errors"] + result["warnings"]
    return values


def test_a_one_cell_correction_leaves_every_other_value_in_force(conn, ws, tmp_path, quarter_in_force):
    path = fill(template.write_template(tmp_path / "one.xlsx", "340100", "2025Q3"), {"pct_applications": "777"})
    result = submitted(conn, ws, path)
    assert result["status"] == "accepted" and result["warnings"] == []
    expected = {code: (value, "正常") for code, value in quarter_in_force.items()} | {
        "pct_applications": (Decimal(777), "正常")}
    assert in_force(conn) == expected
    assert len(result["kept"]) == len(quarter_in_force) - 1
    assert "pct_applications" not in {k["indicator_code"] for k in result["kept"]}
    assert {k["indicator_name"] for k in result["kept"]} >= {"有效注册商标量", "市场主体数量"}


def test_blank_rows_are_no_versions_where_a_value_is_in_force(conn, ws, tmp_path, quarter_in_force):
    path = fill(template.write_template(tmp_path / "one.xlsx", "340100", "2025Q3"), {"pct_applications": "777"})
    sid = submitted(conn, ws, path)["submission_id"]
    (versions,) = conn.execute("select count(*) from observation_versions where submission_id = ?", [sid]).fetchone()
    assert versions == 1
    # observations_all derives the value in force from the versions alone: it agrees with observations
    current = conn.execute("select indicator_code, value from observations_all where is_current "
                           "and region_code = '340100' and period = '2025Q3'").fetchall()
    assert dict(current) == {code: value for code, (value, _) in in_force(conn).items()}


def test_an_explicit_missing_status_records_a_missing_value(conn, ws, tmp_path, quarter_in_force):
    path = fill(template.write_template(tmp_path / "gone.xlsx", "340100", "2025Q3"), {},
                statuses={"pct_applications": "缺失"})
    result = submitted(conn, ws, path)
    assert [w["rule"] for w in result["warnings"]] == ["value_missing"]
    assert in_force(conn)["pct_applications"] == (None, "缺失")
    assert in_force(conn)["patent_attorneys"] == (quarter_in_force["patent_attorneys"], "正常")


@pytest.mark.parametrize("word", ["/", "—", "无", "不适用"])
def test_a_not_available_word_records_a_missing_value(conn, ws, tmp_path, quarter_in_force, word):
    path = fill(template.write_template(tmp_path / "gone.xlsx", "340100", "2025Q3"), {"ip_talent": word})
    submitted(conn, ws, path)
    assert in_force(conn)["ip_talent"] == (None, "缺失")
    assert in_force(conn)["patent_attorneys"] == (quarter_in_force["patent_attorneys"], "正常")


def test_a_blank_with_nothing_in_force_is_still_value_missing(conn, ws, tmp_path):
    path = fill(template.write_template(tmp_path / "one.xlsx", "340100", "2025Q3"), {"pct_applications": "777"})
    result = submitted(conn, ws, path)
    codes = form_codes(path)
    assert result["kept"] == []
    assert sorted(w["indicator"] for w in result["warnings"] if w["rule"] == "value_missing") == sorted(
        c for c in codes if c != "pct_applications")
    assert in_force(conn)["ip_talent"] == (None, "缺失")


def test_a_long_table_blank_row_keeps_the_value_in_force(conn, ws, tmp_path, quarter_in_force):
    # one more 专利代理师 than in force: a correction that moves no target (a jump to 901 would be held for audit by
    # target_status_moved, which is not what this test is about)
    corrected = quarter_in_force["patent_attorneys"] + 1
    path = tmp_path / "long.csv"
    path.write_text("region_code,period,indicator_code,value,unit,status\n"
                    "340100,2025Q3,pct_applications,,件,\n"
                    f"340100,2025Q3,patent_attorneys,{corrected},人,\n", "utf-8")
    result = submitted(conn, ws, path)
    assert result["status"] == "accepted", result["warnings"]
    assert [(k["line"], k["indicator_code"]) for k in result["kept"]] == [(2, "pct_applications")]
    assert in_force(conn)["pct_applications"] == (quarter_in_force["pct_applications"], "正常")
    assert in_force(conn)["patent_attorneys"] == (corrected, "正常")


def test_the_receipt_says_which_values_were_kept(conn, ws, tmp_path, quarter_in_force, capsys):
    from ipwatch.cli.intake import outcome_text

    path = fill(template.write_template(tmp_path / "one.xlsx", "340100", "2025Q3"), {"pct_applications": "777"})
    text = outcome_text(submitted(conn, ws, path))
    assert "这些指标本次未填报，沿用已接收的数值：" in text
    assert "有效注册商标量（registered_trademarks_in_force）" in text
    again = submitted(conn, ws, path)  # the same bytes again: told the same
    assert again["status"] == "duplicate" and len(again["kept"]) == len(quarter_in_force) - 1


def test_the_form_says_a_blank_keeps_the_value_in_force(tmp_path):
    path = template.write_template(tmp_path / "form.xlsx", "340100", "2025Q3")
    book = load_workbook(path)
    note = book[template.FORM_SHEET].cell(row=template.NOTE_ROW, column=1).value
    assert "视为本次未填报，已接收的数值继续有效" in note
    guide = " ".join(str(c.value) for row in book.worksheets[-1].iter_rows() for c in row if c.value)
    assert "留空的指标沿用已接收的数值" in guide
