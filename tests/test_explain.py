"""What a clerk is told: each fault of a filled form, through a real ingest, names its indicator and a fix."""

from __future__ import annotations

import re

from openpyxl import load_workbook

from ipwatch.intake import template

from .conftest import process
from .test_template_intake import fill


def rows_by_code(path) -> dict[str, int]:
    """The sheet row of each indicator on the form."""
    sheet = load_workbook(path)[template.FORM_SHEET]
    return {sheet.cell(row=r, column=1).value: r for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)}


def ingested(conn, ws, catalogue, tmp_path, values: dict, office: str = "340100", statuses: dict | None = None,
             period: str = "2025Q3"):
    """Hefei's form for `period` with `values` typed in, ingested as `office`; its outcome and the form's rows."""
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", period), values, statuses)
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


def test_an_approximate_number_with_a_magnitude_gets_its_number_in_the_rows_unit(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"pct_applications": "约3.4万"})
    found = fault(result, "value_numeric", f"填报表!E{rows['pct_applications']}")
    # 3.4 × 10,000 = 34,000 件; 约 makes it an estimate, which the form's 数据状态 calls 估计
    assert found["fix"] == "约3.4万 应填 34000（单位：件），只填数字；是估计数请将“数据状态”选为“估计”"


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


def long_table(conn, ws, catalogue, tmp_path, lines: list[str]) -> dict:
    """A long CSV of Hefei's 2025Q3 rows, ingested by Hefei's office."""
    from .conftest import write_csv

    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "q3.csv", lines), "340100")])
    return result


def test_a_ratio_apart_from_its_parts_names_both_cells_and_the_quotient(conn, ws, catalogue, tmp_path):
    result, rows = ingested(conn, ws, catalogue, tmp_path, {"high_value_invention_patents_in_force": 9000,
                                                            "population": 960,
                                                            "high_value_invention_patents_per_10k": 25},
                           period="2025Q4")  # 常住人口 is on the fourth quarter's form
    found = fault(result, "ratio_matches_parts", f"填报表!E{rows['high_value_invention_patents_per_10k']}")
    assert found["indicator_name"] == "每万人口高价值发明专利拥有量"
    assert found["fix"] == (f"每万人口高价值发明专利拥有量应等于高价值发明专利拥有量"
                            f"（E{rows['high_value_invention_patents_in_force']}：9000件）÷常住人口"
                            f"（E{rows['population']}：960万人），即 9.38（单位：件/万人），填的是 25："
                            f"请核对这三个数，改正有误的一个")


def test_a_part_larger_than_its_whole_names_the_whole_and_its_line(conn, ws, catalogue, tmp_path):
    result = long_table(conn, ws, catalogue, tmp_path, ["340100,2025Q3,invention_patent_applications,5000,件,",
                                                        "340100,2025Q3,patent_applications,4000,件,"])
    [found] = [e for e in result["errors"] if e["rule"].startswith("consistency_")]
    assert (found["line"], found["indicator"]) == (2, "invention_patent_applications")
    assert found["fix"] == ("发明专利申请量 5000件大于同表专利申请量（第3行：4000件），"
                            "而发明专利申请量不应大于专利申请量：请核对两个数，改正有误的一个")


def test_a_key_given_twice_names_both_lines_and_asks_to_keep_one(conn, ws, catalogue, tmp_path):
    result = long_table(conn, ws, catalogue, tmp_path, ["340100,2025Q3,pct_applications,700,件,",
                                                        "340100,2025Q3,patent_attorneys,70,人,",
                                                        "340100,2025Q3,PCT国际专利申请量,710,件,"])
    found = [(e["line"], e["fix"]) for e in result["errors"] if e["rule"] == "key_unique"]
    fix = "合肥市 2025年第三季度 的PCT国际专利申请量填了2次（第2行、第4行）：只保留正确的一行，删除其余各行"
    assert found == [(2, fix), (4, fix)]


def test_an_unknown_indicator_is_offered_the_nearest_name(conn, ws, catalogue, tmp_path):
    result = long_table(conn, ws, catalogue, tmp_path, ["340100,2025Q3,专利申请数,700,件,"])
    [found] = [e for e in result["errors"] if e["rule"] == "indicator_known"]
    assert found["indicator"] is None and found["value"] == "专利申请数"
    assert found["fix"] == ("“专利申请数”不是可识别的指标名称或代码：是否指“专利申请量”（patent_applications）？"
                            "请照抄报表中的指标代码或名称（全部指标见 ipwatch catalogue）")


def test_a_missing_required_indicator_is_named_with_what_to_add(conn, ws, catalogue, tmp_path):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"), {"pct_applications": 700})
    book = load_workbook(path)
    sheet = book[template.FORM_SHEET]
    sheet.delete_rows(rows_by_code(path)["patent_attorneys"])
    book.save(path)
    [result] = process(conn, ws, catalogue, [(path, "340100")])
    [found] = [e for e in result["warnings"] if e["rule"] == "required_indicator_reported"]
    assert (found["indicator"], found["indicator_name"], found["cell"]) == ("patent_attorneys", "专利代理师数量", None)
    assert found["value"] is None  # nothing was typed: the row is missing (the finding keeps the key it misses)
    # where the row stands on the form as written: its row and the names on the rows either side of it
    blank = load_workbook(template.write_template(tmp_path / "blank.xlsx", "340100", "2025Q3"))[template.FORM_SHEET]
    row = rows_by_code(tmp_path / "blank.xlsx")["patent_attorneys"]
    after, before = (blank.cell(row=r, column=2).value for r in (row - 1, row + 1))
    assert found["fix"] == (f"本表缺少合肥市 2025年第三季度 的“专利代理师数量”（patent_attorneys）：它在报表第{row}行"
                            f"（“{after}”与“{before}”之间），请勿删除报表中的指标行；"
                            "请补报这一行（单位：人）；确无数据也请列出，本期数值留空，数据状态选“缺失”")
    [audited] = conn.sql("select indicator_code from findings where rule = 'required_indicator_reported'").fetchall()
    assert audited == ("patent_attorneys",)


def test_every_fault_of_a_faulty_file_has_a_fix_beyond_its_message(conn, ws, catalogue, tmp_path):
    result = long_table(conn, ws, catalogue, tmp_path, [
        "340100,2025Q3,invention_patent_applications,5000,件,", "340100,2025Q3,patent_applications,4000,件,",
        "340100,2025Q3,pct_applications,700,件,", "340100,2025Q3,pct_applications,710,件,",
        "340100,2025Q3,专利申请数,700,件,", "340100,2025Q3,patent_attorneys,70,公斤,",
        "340100,2025Q3,patent_grants,1,5,件,", "340100,2025Q3,ip_talent,3,人,大概,",
        "340100,2025Q3,patent_grants,abc,件,",
    ])
    faults = result["errors"] + result["warnings"]
    assert {e["rule"] for e in faults} >= {"consistency_invention_applications_within_applications", "key_unique",
                                           "indicator_known", "unit_convertible", "row_shape", "value_numeric",
                                           "required_indicator_reported"}
    assert [e for e in faults if not e["fix"] or e["fix"] in e["message"]] == []
    # the clerk's words: the quarter as the form names it, the bulletin by its name (通报)
    assert [e["fix"] for e in faults if re.search(r"\d{4}\s*Q\d", e["fix"]) or "简报" in e["fix"]] == []
    assert [e["message"] for e in faults if "简报" in e["message"]] == []


def test_no_rule_tells_an_office_of_a_jianbao():
    from ipwatch.domain import rules

    assert [r.code for r in rules.index().values() if "简报" in (r.message_zh or "") + r.fix] == []


def test_a_file_sent_again_is_told_the_same_indicators_cells_and_fixes(conn, ws, catalogue, tmp_path):
    path = fill(template.write_template(tmp_path / "hefei.xlsx", "340100", "2025Q3"),
                {"pct_applications": "588件", "ip_pledge_financing_amount": "4500万元"})
    first, again = process(conn, ws, catalogue, [(path, "340100"), (path, "340100")])
    assert (first["status"], again["status"]) == ("rejected", "duplicate")
    assert again["errors"] == first["errors"] and again["warnings"] == first["warnings"]
    assert {e["fix"] for e in again["errors"]} == {"去掉单位“件”，只填数字：588",
                                                   "4500万元 应填 0.45（单位：亿元），只填数字"}


def test_an_older_warehouse_gets_its_findings_indicators_on_upgrade(ws, catalogue, tmp_path):
    from ipwatch import warehouse
    from ipwatch.warehouse import reference

    from .conftest import write_csv

    with warehouse.connect(ws.warehouse) as conn:
        process(conn, ws, catalogue, [(write_csv(tmp_path / "a.csv", ["340100,2025Q3,pct_applications,abc,件,"]),
                                       "340100")])
        for column in ("indicator_code", "fix", "cell"):  # as a version-2 warehouse was
            conn.execute(f"alter table validation_findings drop column {column}")
        conn.execute("update schema_version set version = 2")
    reference.initialise(ws)
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        found = conn.sql("select rule, indicator_code, fix from validation_findings where line = 2").fetchall()
        assert found == [("value_numeric", "pct_applications", None)]
        assert warehouse.schema_version(conn) == warehouse.SCHEMA_VERSION


def test_a_fault_without_a_fix_is_not_said_twice_in_the_report(conn, ws, catalogue, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    [result] = process(conn, ws, catalogue, [(empty, "340100")])
    [found] = result["errors"]
    assert (found["rule"], found["fix"]) == ("file_readable", None)
    [html] = ws.quarantine.glob("*.errors.html")
    assert html.read_text("utf-8").count("文件为空") == 1


def test_an_annual_indicator_is_asked_for_only_in_the_fourth_quarter(conn, ws, catalogue, tmp_path):
    from .conftest import write_csv

    def missing(period: str, lines: list[str]) -> list[str]:
        path = write_csv(tmp_path / f"{period}.csv", [f"340100,{period},{line}" for line in lines])
        [result] = process(conn, ws, catalogue, [(path, "340100")])
        return sorted(e["indicator"] for e in result["warnings"]
                      if e["rule"] in ("required_indicator_reported", "value_missing") and e["indicator"] in
                      ("population", "ip_protection_satisfaction", "pct_applications"))

    asked = ["pct_applications,/,件,", "ip_protection_satisfaction,,分,"]
    assert missing("2025Q3", asked) == ["pct_applications"]  # a blank annual value before Q4 is as the form asks
    assert missing("2025Q4", asked) == ["ip_protection_satisfaction", "pct_applications", "population"]


def test_no_finding_of_a_real_file_names_a_raw_quarter_code(conn, ws, catalogue, tmp_path):
    """The seen 报告期 2013Q3（最早 2014 年） through a real ingest: a quarter before the plans, one not over yet, a row
    given twice; what the report shows (填报内容, 怎样改, 问题) names each quarter as the form does."""
    from .conftest import write_csv

    path = write_csv(tmp_path / "q.csv", ["340100,2013Q3,pct_applications,700,件,",
                                          "340100,2027Q1,pct_applications,7,件,",
                                          "340100,2025Q3,pct_applications,700,件,",
                                          "340100,2025Q3,pct_applications,710,件,"])
    [result] = process(conn, ws, catalogue, [(path, "340100")])
    faults = result["errors"] + result["warnings"]
    assert {"period_not_before", "period_not_future", "key_unique"} <= {f["rule"] for f in faults}
    assert fault(result, "period_not_before", None)["fix"].startswith("报告期 2013年第三季度")
    said = [(f["rule"], f[key]) for f in faults for key in ("value", "fix", "message") if f[key]]
    assert [(rule, text) for rule, text in said if re.search(r"\b\d{4}Q[1-4]\b", text)] == []
