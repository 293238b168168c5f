"""Reading and normalising submitted CSV files."""

from __future__ import annotations

import pytest

from ipwatch import intake

from .conftest import write_csv


def read(path, catalogue):
    return intake.read_submission(path, catalogue).rows


def test_lines_are_the_file_own_lines_with_blank_lines_skipped(tmp_path, catalogue):
    rows = ["340100,2025Q3,pct_applications,700,件,", "", "340102,2025Q3,pct_applications,5,件,"]
    path = write_csv(tmp_path / "a.csv", rows)
    assert read(path, catalogue)["line"].to_list() == [2, 4]


def test_indicator_resolved_from_chinese_name_plan_wording_or_code(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", [
        "340100,2025Q3,专利代理师数量,700,人,",
        "340100,2025Q3,每万人口高价值发明专利拥有量,15,件/万人,",
        "340100,2025Q3,pct_applications,700,件,",
        "340100,2025Q3,没有这个指标,1,件,",
    ], header="region_code,period,indicator_name,value,unit,note")
    assert read(path, catalogue)["indicator_code"].to_list() == [
        "patent_attorneys", "high_value_invention_patents_per_10k", "pct_applications", None]


def test_full_width_digits_and_thousands_separators(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ['340100,２０２５Ｑ３,pct_applications,"１,２３４.５",件,'])
    row = read(path, catalogue).row(0, named=True)
    assert (row["period"], row["value"]) == ("2025Q3", 1234.5)


def test_dashed_period_is_normalised(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025-Q3,pct_applications,1,件,"])
    assert read(path, catalogue)["period"].to_list() == ["2025Q3"]


@pytest.mark.parametrize("token", ["", "/", "—", "-", "…", "无", "不适用"])
def test_not_available_is_missing_never_zero(tmp_path, catalogue, token):
    path = write_csv(tmp_path / "a.csv", [f"340100,2025Q3,pct_applications,{token},件,"])
    row = read(path, catalogue).row(0, named=True)
    assert (row["value"], row["status"]) == (None, "缺失")


def test_money_in_wan_yuan_is_stored_in_the_indicator_unit(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,ip_pledge_financing_amount,250000,万元,"])
    row = read(path, catalogue).row(0, named=True)
    assert (row["value"], row["unit"], row["unit_raw"]) == (pytest.approx(25.0), "亿元", "万元")


def test_inconvertible_unit_leaves_no_value(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,ip_pledge_financing_amount,3,件,"])
    row = read(path, catalogue).row(0, named=True)
    assert (row["value"], row["unit"]) == (None, None)


def test_missing_required_column_is_a_clear_error(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", ["340100,2025Q3,1"], header="region_code,period,value")
    with pytest.raises(intake.IntakeError, match="缺少必填列.*indicator"):
        read(path, catalogue)


def test_non_utf8_file_is_a_clear_error(tmp_path, catalogue):
    path = tmp_path / "gbk.csv"
    path.write_bytes("region_code,period,indicator_name,value\n340100,2025Q3,专利代理师数量,1\n".encode("gbk"))
    with pytest.raises(intake.IntakeError, match="UTF-8"):
        read(path, catalogue)


def test_utf8_bom_is_accepted(tmp_path, catalogue):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffregion_code,period,indicator_code,value\n340100,2025Q3,pct_applications,1\n".encode())
    assert read(path, catalogue)["region_code"].to_list() == ["340100"]
