"""What a clerk is told: each fault of a filled form, through a real ingest, names its indicator and a fix."""

from __future__ import annotations

from openpyxl import load_workbook

from ipwatch import template

from .conftest import process
from .test_template_intake import fill


def rows_by_code(path) -> dict[str, int]:
    """The sheet row of each indicator on the form."""
    sheet = load_workbook(path)[template.FORM_SHEET]
    return {sheet.cell(row=r, column=1).value: r for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)}


def ingested(conn, ws, catalogue, tmp_path, values: dict, office: str = "340100", statuses: dict | None = None):
    """Hefei's 2025Q3 form with `values` typed in, ingested as `office`; its outcome and the form's rows."""
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), values, statuses)
    [result] = process(conn, ws, catalogue, [(path, office)])
    return result, rows_by_code(path)


def fault(result: dict, rule: str, cell: str, key: str = "errors") -> dict:
    """The one finding of `rule` at `cell`."""
    [found] = [e for e in result[key] if e["rule"] == rule and e["cell"] == cell]
    return found


def test_a_unit_typed_after_the_value_is_named_and_asked_away(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"pct_applications": "588件"})
    found = fault(result, "value_numeric", f"填报表!E{rows['pct_applications']}")
    assert (found["indicator"], found["indicator_name"]) == ("pct_applications", "PCT国际专利申请量")
    assert found["column_name"] == "本期数值"
    assert (found["value"], found["fix"]) == ("588件", "去掉单位“件”，只填数字：588")


def test_a_value_in_wan_yuan_for_a_yi_yuan_indicator_is_converted_in_the_fix(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"ip_pledge_financing_amount": "4500万元"})
    found = fault(result, "value_numeric", f"填报表!E{rows['ip_pledge_financing_amount']}")
    assert found["indicator_name"] == "知识产权质押融资额"
    assert found["fix"] == "4500万元 应填 0.45（单位：亿元），只填数字"


def test_a_value_out_of_range_is_told_the_range_and_unit(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"patent_attorneys": -5})
    found = fault(result, "value_in_bounds", f"填报表!E{rows['patent_attorneys']}")
    assert found["indicator_name"] == "专利代理师数量"
    assert "0–60000（单位：人）" in found["fix"] and "-5" in found["fix"]


def test_a_blank_is_told_to_choose_missing(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"pct_applications": 700})
    found = fault(result, "value_missing", f"填报表!E{rows['patent_attorneys']}", key="warnings")
    assert found["indicator_name"] == "专利代理师数量"
    assert found["fix"].startswith("如确无数据，请将“数据状态”选为“缺失”") and "单位：人" in found["fix"]


def test_words_in_the_value_follow_the_form_instructions_not_a_slash(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"pct_applications": "七百"})
    found = fault(result, "value_numeric", f"填报表!E{rows['pct_applications']}")
    assert "选为“缺失”" in found["fix"] and "/" not in found["fix"] + found["message"].split("(")[0]


def test_a_form_of_another_office_is_one_error_at_b4(conn, ws, catalogue, tmp_path):
    result, _ = ingested(conn, ws, catalogue, tmp_path, {"pct_applications": 700}, office="340102")
    assert [(e["rule"], e["cell"]) for e in result["errors"]] == [("region_in_jurisdiction", "填报表!B4")]
    [found] = result["errors"]
    assert found["column_name"] == "行政区划代码" and found["indicator"] is None
    assert "合肥市（340100）的报表" in found["fix"] and "瑶海区（340102）" in found["fix"]


def test_rows_of_a_long_table_keep_one_error_each(conn, ws, catalogue, tmp_path):
    from .conftest import write_csv

    path = write_csv(tmp_path / "q3.csv", ["340103,2025Q3,pct_applications,700,件,",
                                           "340103,2025Q3,patent_attorneys,5,人,"])
    [result] = process(conn, ws, catalogue, [(path, "340102")])
    assert [(e["rule"], e["line"]) for e in result["errors"]] == [("region_in_jurisdiction", 2),
                                                                  ("region_in_jurisdiction", 3)]


def test_cli_prints_the_outcome_once_in_chinese_with_each_fix(tmp_path, capsys, prefect_harness):
    from ipwatch import cli

    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": "588件"})
    code = cli.main(["--home", str(tmp_path / "home"), "ingest", str(path), "--as", "340100"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.count("hefei.xlsx：退回 (rejected)") == 1 and "被退回" not in out + err
    assert "PCT国际专利申请量（pct_applications） 本期数值 “588件”：去掉单位“件”，只填数字：588" in out


def test_rejection_report_shows_the_indicator_and_the_fix(conn, ws, catalogue, tmp_path):
    result, _ = ingested(conn, ws, catalogue, tmp_path, {"ip_pledge_financing_amount": "4500万元"})
    [html] = ws.quarantine.glob("*.errors.html")
    text = html.read_text("utf-8")
    assert "知识产权质押融资额" in text and "4500万元 应填 0.45（单位：亿元），只填数字" in text and "本期数值" in text
