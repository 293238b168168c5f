"""The bulletin's Excel annex, written from a real warehouse's context and read back with openpyxl."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from openpyxl import load_workbook

from ipwatch import config, warehouse
from ipwatch.bulletins import annex, bulletin
from ipwatch.domain import target_text
from ipwatch.domain.catalogue import QUANTITY_KINDS
from ipwatch.intake import pipeline
from ipwatch.ops import demo

from .conftest import submit, write_csv

INJECTION = '=HYPERLINK("http://x")'


@pytest.fixture
def context(conn, ws, catalogue, tmp_path):
    """Hefei 2023Q2's bulletin context: one value with a note that tries to run a formula."""
    path = write_csv(tmp_path / "hefei.csv", [
        '340100,2023Q2,high_value_invention_patents_per_10k,15.33,,"=HYPERLINK(""http://x"")"',
        "340100,2023Q2,patent_attorneys,800,人,",
    ])
    submit(conn, ws, catalogue, path, "340100")
    return {**bulletin.plan_context(conn, "hefei-2022", "2023Q2"), "version": bulletin.data_version(conn)}


@pytest.fixture
def book(context, tmp_path):
    return load_workbook(annex.write_annex(context, tmp_path / "annex" / "hefei.xlsx"))


@pytest.fixture
def table(book):
    return book[annex.TABLE_SHEET]


def row_of(table, indicator_code: str) -> dict:
    """The annex row of one indicator, keyed by header, as cells."""
    headers = [c.value for c in table[1]]
    [row] = [r for r in table.iter_rows(min_row=2) if r[headers.index("指标代码")].value == indicator_code]
    return dict(zip(headers, row, strict=True))


def test_sheets_are_guide_then_table(book):
    assert book.sheetnames == ["说明", "指标进展"]


def test_header_is_the_documented_columns(table):
    assert [c.value for c in table[1]] == [header for header, _, _ in annex.COLUMNS]


def test_one_row_per_target(table):
    assert table.max_row - 1 == 27


def test_values_are_numeric_cells(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    for header, expected in (("最新值", 15.33), ("基期值", 10.66), ("目标值", 20), ("基期年份", 2020),
                             ("目标年份", 2025)):
        assert row[header].data_type == "n" and row[header].value == pytest.approx(expected), header


def test_completion_and_expected_are_ratios_shown_as_percent(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    for header in ("完成度(%)", "序时进度(%)"):
        assert row[header].data_type == "n" and row[header].value == pytest.approx(0.5)
        assert row[header].number_format == "0.0%"


def test_unit_column_holds_the_indicators_unit(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    assert row["计量单位"].value == "件/万人" and row["目标值单位"].value == "件/万人"


def test_growth_target_is_marked_as_a_rate(table):
    assert row_of(table, "ip_transfers_licenses")["目标值单位"].value == "%（年增长率）"


def test_target_range_keeps_its_upper_bound(table):
    row = row_of(table, "ip_intensive_industry_clusters")
    assert (row["目标值"].value, row["目标值上限"].value) == (3, 5)


def test_status_and_value_status_are_chinese_labels(table):
    row = row_of(table, "high_value_invention_patents_per_10k")
    assert (row["状态"].value, row["数据状态"].value, row["最新值报告期"].value) == ("正常推进", "正常", "2023Q2")


def test_plan_wording_explains_a_target_relative_to_baseline(table):
    row = row_of(table, "trademarks_per_10k_market_entities")
    assert row["目标值"].value is None and row["规划原文"].value


def test_missing_values_are_empty_cells_not_zero(table):
    row = row_of(table, "ip_intensive_industry_clusters")
    assert row["最新值"].value is None and row["完成度(%)"].value is None


def test_note_beginning_with_equals_is_neutralised(table):
    note = row_of(table, "high_value_invention_patents_per_10k")["备注"]
    assert note.data_type == "s" and note.value == "'" + INJECTION


def test_no_text_cell_starts_a_formula(book):
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))


def test_region_code_is_text(table):
    assert row_of(table, "high_value_invention_patents_per_10k")["地区代码"].value == "340100"


def test_header_row_is_frozen_and_filtered(table):
    assert table.freeze_panes == "A2"
    assert table.auto_filter.ref == f"A1:{table.cell(1, table.max_column).column_letter}28"


def test_columns_are_wide_enough_for_chinese_headers(table):
    for cell in table[1]:
        assert table.column_dimensions[cell.column_letter].width >= 2 * len(cell.value)


def test_guide_names_plan_quarter_and_version(book, context):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "关于推进知识产权强市建设行动方案" in text and "合肥市" in text and "hefei-2022" in text
    assert "2023年第二季度" in text and context["version"]["observations_hash"] in text


def test_guide_explains_units_and_every_status(book):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "计量单位" in text
    for label in ("已完成", "正常推进", "需加快", "明显滞后", "倒退", "到期未完成", "缺基期值", "数据不全", "无数据"):
        assert label in text


def test_guide_leaves_out_version_when_absent(context, tmp_path):
    context = {key: value for key, value in context.items() if key != "version"}
    book = load_workbook(annex.write_annex(context, tmp_path / "no-version.xlsx"))
    assert "数据版本" not in [c.value for c in book["说明"]["A"]]


def test_unknown_context_keys_are_ignored(context, tmp_path):
    path = annex.write_annex({**context, "charts": {"x": 1}}, tmp_path / "extra.xlsx")
    assert load_workbook(path)[annex.TABLE_SHEET].max_row == 28


def test_creator_is_ipwatch(book):
    assert book.properties.creator == "ipwatch"


def test_a_plan_value_is_in_the_unit_the_page_shows_it_in():
    # 5,000万元 a year is kept as 0.5亿元 (the indicator's unit) and shown, as the page shows it, in 万元
    row = {"kind": "annual_flow", "target_unit": "万元", "unit": "亿元", "target": None, "target_value": 5000.0}
    assert annex.target(row) == 5000
    assert annex.target({**row, "target": 0.5}) == 5000


# --- the annex against its page, on the five seed plans' editions ---------------------------------------------

LATEST = "2026Q3"
# each plan's edition of the month after LATEST: the plans ended by then give their final evaluation
EDITIONS = {"jiangjin-2024": ("2026-10", "2026Q3"), "hefei-2022": ("2025-final", "2025Q4"),
            "liaoning-2017": ("2020-final", "2020Q4"), "shanwei-2016": ("2020-final", "2020Q4"),
            "shandong-2015": ("2015-final", "2015Q4")}


@pytest.fixture(scope="module")
def editions(tmp_path_factory, initialised_home, catalogue):
    """The demo's last five quarters of every plan (a year back, so growth has its base), rendered for the month
    after LATEST: plan id -> (the annex written, the page's context)."""
    root = tmp_path_factory.mktemp("annex-editions")
    shutil.copytree(initialised_home, root / "home")
    ws = config.workspace(root / "home")
    with warehouse.connect(ws.warehouse) as conn:
        files, _ = demo.write_submissions(catalogue, root / "files", LATEST, demo.due_dates(conn, catalogue, LATEST),
                                          datetime.now(), most=5)
        pipeline.process(conn, ws, files, catalogue)
        bulletin.render(conn, "2026-10", root / "out")
        return {plan_id: (root / "out" / f"{period}-{plan_id}.xlsx", bulletin.plan_context(conn, plan_id, quarter))
                for plan_id, (period, quarter) in EDITIONS.items()}


def page_rows(context: dict) -> dict[tuple[str, str], dict]:
    """The page's target rows by (region code, target id)."""
    return {(r["region_code"], r["target_id"]): r for r in annex.target_rows(context)}


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", EDITIONS)
def test_every_page_row_reads_back_once(editions, plan_id):
    path, context = editions[plan_id]
    read = annex.read(path)
    assert [(r["region_code"], r["target_id"]) for r in read] == list(page_rows(context))


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", EDITIONS)
def test_each_row_is_named_and_measured_as_the_page_shows_it(editions, plan_id):
    path, context = editions[plan_id]
    page = page_rows(context)
    for row in annex.read(path):
        shown = page[row["region_code"], row["target_id"]]
        where = (row["region_code"], row["target_id"])
        assert (row["name"], row["unit"], row["target_text"], row["status_label"]) == (
            shown["wording"], shown["shown_unit"], shown["target_text"], shown["status_label"]), where
        assert row["completion"] == pytest.approx(shown["completion"]), where
        if shown["baseline_text"] != "—":
            assert shown["baseline_text"].startswith(target_text.amount(row["baseline"], row["unit"])), where
        if shown["kind"] in QUANTITY_KINDS and shown["reached"] is not None:
            assert target_text.amount(row["value"], row["unit"]) in shown["judged_text"], where
        if shown["kind"] in QUANTITY_KINDS and shown["target"] is not None:
            assert target_text.format_number(row["target"]) in shown["target_text"], where


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", EDITIONS)
def test_rows_of_one_region_are_told_apart(editions, plan_id):
    rows = annex.read(editions[plan_id][0])
    told = {(r["region_code"], r["name"], r["target_text"]) for r in rows}
    assert len(told) == len(rows)


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", EDITIONS)
def test_title_is_the_page_s_naming_the_region_once(editions, plan_id):
    path, context = editions[plan_id]
    [title] = [c.value for c in load_workbook(path)[annex.GUIDE_SHEET]["B"] if c.row == 1]
    region = context["plan"]["region_name"]
    # the page's <title> is "<region>知识产权建设进度通报（<edition>）"; the annex is its 附表
    page = (path.with_suffix(".html")).read_text("utf-8")
    assert f"<title>{title.replace('附表', '')}</title>" in page
    short = region[-3:]  # 江津区 of 重庆市江津区, 合肥市, 辽宁省: a plan's title often repeats it
    assert title.count(short) == 1 and title.startswith(region)


TABLE_CELLS = {
    "national-ip-advantage-demo-enterprises": "国家知识产权优势示范企业数量(家)｜2020年 75｜2025年 150｜预期性",
    "provincial-ip-info-service-outlets": "省级知识产权信息公共服务网点(家)｜2020年 6｜2025年 20｜预期性",
    "patent-attorneys": "专利代理师数量(人)｜2020年 350｜2025年 700｜预期性",
    "ip-pledge-financing-registered": "知识产权质押融资登记金额(亿元)｜2020年 22.08｜2025年 30｜预期性",
    "ip-protection-satisfaction": "知识产权保护社会满意度(分)｜基期 /｜2025年 85以上｜预期性",
}


@pytest.mark.slow
def test_plan_table_rows_read_as_their_cells(editions):
    sources = {row["目标编号"]: row["规划原文"] for row in table_rows(editions["hefei-2022"][0])}
    # the seed's table row "…(家) 75150 预期性" is 2020年 75 against 2025年 150; "(家)620" is 6 against 20
    assert {target: sources[target] for target in TABLE_CELLS} == TABLE_CELLS
    assert sources["ip-pledge-financing-total"] == "知识产权质押融资总额达到150亿元"  # a sentence stays as written


def table_rows(path) -> list[dict]:
    """Every row of an annex's table, keyed by header, as values."""
    book = load_workbook(path, read_only=True)
    header, *rows = book[annex.TABLE_SHEET].iter_rows(values_only=True)
    book.close()
    return [dict(zip(header, row, strict=True)) for row in rows]



@pytest.mark.slow
@pytest.mark.parametrize("plan_id", EDITIONS)
def test_no_plan_text_runs_two_numbers_together(editions, plan_id):
    path, context = editions[plan_id]
    page = page_rows(context)
    for row in table_rows(path):
        shown = page[row["地区代码"], row["目标编号"]]
        if shown["baseline_value"] is not None and shown["target_value"] is not None:
            joined = annex.plain(shown["baseline_value"]) + annex.plain(shown["target_value"])
            assert joined not in row["规划原文"].replace(" ", ""), shown["target_id"]


def test_a_table_row_whose_digits_are_not_the_catalogue_s_stays_as_written():
    row = {"source": "专利代理师数量(人) 350700 预期性", "baseline_value": 350.0, "target_value": 800.0,
           "baseline_year": 2020, "target_year": 2025}
    assert annex.source_text(row) == "专利代理师数量(人) 350700 预期性"


# --- numbers worked out by hand --------------------------------------------------------------------------------

@pytest.fixture
def by_hand(conn, ws, catalogue, tmp_path):
    """江津 2026Q3 and 合肥 2025Q4 (its final evaluation) with a money value each, sent in 万元."""
    submit(conn, ws, catalogue, write_csv(tmp_path / "jiangjin.csv", [
        "500116,2026Q3,ip_pledge_financing_amount,3900,万元,"]), "500116")
    submit(conn, ws, catalogue, write_csv(tmp_path / "hefei.csv", [
        "340100,2025Q4,ip_pledge_financing_amount,366100,万元,"]), "340100")
    out = tmp_path / "out"
    [jiangjin] = bulletin.render(conn, "2026-10", out, region="500116")
    [hefei] = bulletin.render(conn, "2026-10", out, region="340100")
    return {path.stem.split("-", 2)[-1]: {r["target_id"]: r for r in annex.read(path.with_suffix(".xlsx"))}
            for path in (jiangjin, hefei)}


def test_money_is_in_the_unit_the_page_shows_it_in(by_hand):
    # 3,900万元 of 每年超过5,000万元 (the page's unit, where 0.39亿元 is stored): 3900 / 5000 = 0.78 done
    row = by_hand["jiangjin-2024"]["ip-pledge-financing-annual"]
    assert (row["name"], row["unit"], row["latest"], row["value"], row["target"], row["target_unit"]) == (
        "知识产权质押融资额", "万元", 3900, 3900, 5000, "万元")
    assert (row["period"], row["completion"]) == ("2026Q3", pytest.approx(0.78))


def test_a_plan_in_yi_yuan_reads_in_yi_yuan(by_hand):
    # 366,100万元 = 36.61亿元 against 22.08 in 2020 and 30 by 2025: (36.61 - 22.08) / (30 - 22.08) = 14.53 / 7.92
    row = by_hand["hefei-2022"]["ip-pledge-financing-registered"]
    assert (row["unit"], row["baseline"], row["value"], row["target"], row["status_label"]) == (
        "亿元", 22.08, pytest.approx(36.61), 30, "已完成")
    assert row["completion"] == pytest.approx(14.53 / 7.92)


def test_targets_of_one_indicator_are_named_by_their_wording(by_hand):
    hefei = by_hand["hefei-2022"]
    names = [hefei[t]["name"] for t in ("ip-pledge-financing-registered", "ip-pledge-financing-total",
                                        "ip-pledge-financing-amount-growth")]
    assert names == ["知识产权质押融资登记金额", "知识产权质押融资总额", "知识产权质押融资金额"]
