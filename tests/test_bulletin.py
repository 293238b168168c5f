"""Bulletin context as data, and the rendered HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.bulletin import bulletin_flow
from ipwatch import warehouse
from ipwatch.bulletins import bulletin
from ipwatch.domain import target_text
from ipwatch.warehouse import reference

from .conftest import submit, write_csv


@pytest.fixture
def hefei(conn, ws, catalogue, tmp_path):
    """Hefei 2023Q2: one target on track, one achieved, one with a note that tries to inject HTML."""
    path = write_csv(tmp_path / "hefei.csv", [
        "340100,2023Q2,high_value_invention_patents_per_10k,15.33,,",
        "340100,2023Q2,patent_attorneys,800,人,<script>alert(1)</script>",
    ])
    submit(conn, ws, catalogue, path, "340100")
    return conn


def test_headline_counts_statuses_in_chinese(hefei):
    context = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")
    [region] = context["regions"]
    assert region["region_name"] == "合肥市"
    assert region["headline"] == "截至2023年第二季度，27项指标中已完成1项、正常推进1项、无数据25项。"


def test_targets_are_grouped_by_category_in_plan_order(hefei):
    [region] = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["regions"]
    assert [g["category"] for g in region["categories"]][:3] == ["创造", "运用", "保护"]


@pytest.mark.parametrize(("value", "text"), [(None, "—"), (1234.5, "1,234.5"), (20.0, "20"), (0.125, "0.12")])
def test_number_format(value, text):
    assert target_text.format_number(value) == text


def test_rendered_bulletin_names_region_and_escapes_text(hefei, tmp_path):
    [path] = [p for p in bulletin.render(hefei, "2023-07", tmp_path / "out") if "hefei" in p.name]
    html = path.read_text("utf-8")
    assert "合肥市" in html and "截至2023年第二季度" in html
    assert "<script>alert" not in html
    assert "注：&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editions_cover_the_plans_in_force_and_ended_plans_get_their_final_evaluation(hefei, tmp_path):
    """July 2023 reports 2023Q2: Hefei (2021-2025) is in force; Liaoning and Shanwei (to 2020) and Shandong (2015)
    have ended and get their final evaluation on their target year instead; Jiangjin (from 2024) has not begun."""
    paths = bulletin.render(hefei, "2023-07", tmp_path / "out")
    assert sorted(p.name for p in paths) == ["2015-final-shandong-2015.html", "2020-final-liaoning-2017.html",
                                             "2020-final-shanwei-2016.html", "2023-07-hefei-2022.html"]
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    month = index[index.index("2023年7月月报"):index.index("终期评估：")]
    assert month.count("<a href=") == 1 and "合肥市" in month
    finals = index[index.index("终期评估："):index.index("全部通报")]
    ended = ["辽宁省", "汕尾市", "山东省"]
    assert [name for name in (*ended, "合肥市") if name in finals] == ended
    assert "2020年终期评估" in finals and "江津区" not in index
    final = (tmp_path / "out" / "2015-final-shandong-2015.html").read_text("utf-8")
    assert "山东省知识产权建设终期评估" in final and "规划期 2015年" in final and "数据截至2015年第四季度" in final
    # the masthead says 终期评估; the title says what is evaluated (a plan of one year: not "2015—2015年")
    assert '<p class="edition-title">2015年规划实施情况</p>' in final


def test_same_warehouse_renders_the_same_bytes(hefei, tmp_path):
    first = [p.read_bytes() for p in bulletin.render(hefei, "2023-07", tmp_path / "a")]
    second = [p.read_bytes() for p in bulletin.render(hefei, "2023-07", tmp_path / "b")]
    assert first == second


@pytest.mark.usefixtures("prefect_harness")
def test_bulletin_flow_writes_one_file_per_plan(ws, tmp_path):
    paths = bulletin_flow("2024-07", home=str(ws.home))
    assert sorted(p.name for p in paths) == ["2015-final-shandong-2015.html", "2020-final-liaoning-2017.html",
                                             "2020-final-shanwei-2016.html", "2024-07-hefei-2022.html",
                                             "2024-07-jiangjin-2024.html"]


@pytest.mark.usefixtures("prefect_harness")
def test_bulletin_flow_takes_an_output_folder_relative_to_where_it_runs(ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    paths = bulletin_flow("2024-07", region="340100", out_dir=Path("out"), home=str(ws.home))
    assert [p.parent for p in paths] == [tmp_path / "out"] and (tmp_path / "out" / "index.html").exists()


def test_figures_carry_svg_and_the_numbers_behind_them(hefei, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "counties.csv", ["340102,2023Q2,high_value_invention_patents_per_10k,9,,",
                                                 "340103,2023Q2,high_value_invention_patents_per_10k,12,,",
                                                 "340100,2022Q4,high_value_invention_patents_per_10k,14,,"])
    submit(hefei, ws, catalogue, path, "340100")
    context = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")
    (status,) = context["status_figures"]  # Hefei's targets are all the city's own: one figure, its 27 targets
    assert [(c["label"], c["n"]) for c in status["table"]] == [("已完成", 1), ("正常推进", 1), ("无数据", 25)]
    assert status["caption"] == "图1 合肥市各状态指标数（共27项）"
    key = context["key_figures"][0]
    assert key["title"] == "每万人口高价值发明专利拥有量"
    assert [(p["period"], p["value"]) for p in key["trend_table"]] == [("2022Q4", 14.0), ("2023Q2", 15.33)]
    assert [(r["name"], r["value"], r["rank"]) for r in key["ranking_table"]] == [("合肥市庐阳区", 12.0, 1),
                                                                                  ("合肥市瑶海区", 9.0, 2)]
    for svg in (key["trend_svg"], key["ranking_svg"], status["svg"],
                context["regions"][0]["progress_figure"]["svg"]):
        assert svg.startswith("<svg") and "<script" not in svg
    assert "庐阳区" in key["ranking_svg"] and "已完成" in status["svg"]


def test_changes_since_last_quarter_and_the_state_of_the_data(hefei, ws, catalogue, tmp_path):
    # 2023Q1 at 12 is behind the path (completion 0.143 against 0.45 expected: lagging); 2023Q2 at 15.33 is on it.
    path = write_csv(tmp_path / "q1.csv", ["340100,2023Q1,high_value_invention_patents_per_10k,12,,",
                                           "340100,2023Q1,patent_attorneys,780,人,"],
                     header="region_code,period,indicator_code,value,unit,status")
    submit(hefei, ws, catalogue, path, "340100")
    context = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")
    assert [(c["wording"], c["label_before"], c["label_now"]) for c in context["changes"]] == [
        ("每万人口高价值发明专利拥有量", "明显滞后", "正常推进")]
    assert {v["item"]: v["n"] for v in context["value_states"]} == {"正常": 2}
    assert [s["item"] for s in context["submissions"]] == ["hefei.csv"]
    # the changes are the city's own: named once in the sentence, not in a column repeating it on every row
    [page] = bulletin.render(hefei, "2023-07", tmp_path / "out", region="340100")
    html = page.read_text("utf-8")
    changes = html[html.index("<h2>本期变化</h2>"):html.index("<h2>数据质量</h2>")]
    assert "与上季度相比，合肥市1项指标状态发生变化" in changes and "<th>地区</th>" not in changes
    assert changes.count("合肥市") == 1


def test_quarterly_bulletin_shows_change_on_quarter_and_year(hefei, ws, catalogue, tmp_path):
    # 15.33 at 2023Q2 against 14.6 at 2023Q1 (+5.0%) and 12.775 at 2022Q2 (+20.0%)
    path = write_csv(tmp_path / "past.csv", ["340100,2023Q1,high_value_invention_patents_per_10k,14.6,,",
                                             "340100,2022Q2,high_value_invention_patents_per_10k,12.775,,"])
    submit(hefei, ws, catalogue, path, "340100")
    [path] = [p for p in bulletin.render(hefei, "2023Q2", tmp_path / "q") if "hefei" in p.name]
    html = path.read_text("utf-8")
    assert path.name == "2023Q2-hefei-2022.html" and "2023年第二季度季报" in html
    row = html[html.index("每万人口高价值发明专利拥有量 <span"):]
    assert row.index("5.0%") < row.index("20.0%") < row.index("</tr>")
    rows = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["regions"][0]["categories"][0]["targets"]
    first = next(r for r in rows if r["indicator_code"] == "high_value_invention_patents_per_10k")
    assert (first["change_on_quarter"], first["change_on_year"]) == (pytest.approx(0.05), pytest.approx(0.2))


def test_bad_bulletin_period_is_refused(hefei, tmp_path):
    with pytest.raises(ValueError, match="2025-10"):
        bulletin.render(hefei, "October", tmp_path)


def test_each_bulletin_has_its_excel_annex_and_county_pages(hefei, tmp_path):
    out = tmp_path / "out"
    bulletin.render(hefei, "2019-10", out)
    assert (out / "2019-10-liaoning-2017.xlsx").exists()
    liaoning = (out / "2019-10-liaoning-2017.html").read_text("utf-8")
    county = (out / "2019-10-liaoning-2017" / "210102.html").read_text("utf-8")
    assert 'href="2019-10-liaoning-2017/210102.html"' in liaoning
    assert "沈阳市和平区知识产权建设进展" in county and 'href="../2019-10-liaoning-2017.html"' in county
    # the province's masthead (its office issues it), the county named once under it
    assert '<h1 class="masthead-title">辽宁省知识产权建设进度通报</h1>' in county
    assert '<p class="edition-title">沈阳市和平区各项指标进展</p>' in county
    assert county.count("沈阳市和平区知识产权") == 1  # the page's <title> alone
    assert len(list((out / "2019-10-liaoning-2017").glob("*.html"))) == 100


def test_values_under_open_audit_are_marked(hefei, ws, catalogue, tmp_path):
    # a jump of more than 3x on the last accepted quarter is a warning held for audit
    for name, value, period in (("q1.csv", 10, "2023Q1"), ("q2b.csv", 40, "2023Q2")):
        path = write_csv(tmp_path / name, [f"340100,{period},ip_trusteeship_smes,{value},家,"])
        submit(hefei, ws, catalogue, path, "340100")
    rows = [t for region in bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["regions"]
            for group in region["categories"] for t in group["targets"]]
    marked = {r["indicator_code"]: r["audit_rules"] for r in rows if r["audit_rules"]}
    assert marked == {"ip_trusteeship_smes": "change_against_last_quarter"}


def test_offices_on_time_late_or_missing(hefei, ws, catalogue, tmp_path):
    """Due: the 15th of the month after the quarter. The fixture's file arrives today, long after 2023Q2's
    due date (2023-07-15): late. Hefei's office sent nothing for 2023Q3: missing."""
    late = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["timeliness"]
    assert [(t["office_code"], str(t["due_date"]), t["timeliness"]) for t in late] == [
        ("340100", "2023-07-15", "late")]
    missing = bulletin.plan_context(hefei, "hefei-2022", "2023Q3")["timeliness"]
    assert [(t["office_code"], str(t["due_date"]), t["timeliness"]) for t in missing] == [
        ("340100", "2023-10-15", "missing")]


def test_an_office_with_nothing_before_the_due_date_is_not_yet_due(hefei):
    """The quarter running today is due on the 15th after it ends: nothing sent yet is not (yet) missing."""
    from datetime import date

    today = date.today()
    running = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    [office] = bulletin.plan_context(hefei, "hefei-2022", running)["timeliness"]
    assert (office["timeliness"], office["timeliness_label"]) == ("not_due", "未到报送期限")
    assert office["due_date"] > today


def test_corrections_of_the_quarter_are_listed_with_old_and_new_value(hefei, ws, catalogue, tmp_path):
    path = write_csv(tmp_path / "fix.csv", ["340100,2023Q2,patent_attorneys,810,人,更正"])
    submit(hefei, ws, catalogue, path, "340100")
    corrections = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["corrections"]
    assert [(c["indicator_name"], c["old_value"], c["new_value"], c["new_file"]) for c in corrections] == [
        ("专利代理师数量", 800.0, 810.0, "fix.csv")]


def test_two_successive_corrections_are_two_rows_each_with_its_own_file(hefei, ws, catalogue, tmp_path):
    # 800 (hefei.csv) -> 810 (fix.csv) -> 820 (fix2.csv): both were attributed to fix2.csv, as 800 -> 820 and
    # 810 -> 820; each change is its own row, from the value before it
    for name, value in (("fix.csv", 810), ("fix2.csv", 820)):
        submit(hefei, ws, catalogue, write_csv(tmp_path / name, [f"340100,2023Q2,patent_attorneys,{value},人,"]),
               "340100")
    corrections = bulletin.plan_context(hefei, "hefei-2022", "2023Q2")["corrections"]
    assert [(c["old_value"], c["new_value"], c["old_file"], c["new_file"]) for c in corrections] == [
        (800.0, 810.0, "hefei.csv", "fix.csv"), (810.0, 820.0, "fix.csv", "fix2.csv")]


def test_two_counties_of_one_name_are_told_apart_and_keyed_by_code(conn, ws, catalogue, tmp_path):
    """沈阳市铁西区 (210106) and 鞍山市铁西区 (210303): two rows of the county summary, never merged by name.
    Patent coverage of tech firms, 75% by 2020 in each county: 80% meets it, 60% does not."""
    path = write_csv(tmp_path / "tiexi.csv", ["210106,2019Q4,tech_enterprise_patent_coverage,80,%,",
                                              "210303,2019Q4,tech_enterprise_patent_coverage,60,%,"])
    submit(conn, ws, catalogue, path, "210000")
    context = bulletin.plan_context(conn, "liaoning-2017", "2019Q4")
    rows = {r["region_code"]: r for r in context["county_summary"]["rows"]}
    assert len(rows) == 100
    assert [(rows[c]["region_name"], rows[c]["achieved"]) for c in ("210106", "210303")] == [
        ("沈阳市铁西区", 1), ("鞍山市铁西区", 0)]
    # the headline counts the 16 targets set for each county once, then the counties meeting them (not 1,601
    # county-target pairs), and only then the province's own target: a province's reader is its counties
    assert context["summary"] == (
        "截至2019年第四季度，规划对100个县（市、区）各设16项指标：0项指标各县（市、区）均已完成，"
        "1项部分县（市、区）已完成，15项尚无县（市、区）完成；全部指标均已完成的县（市、区）0个。"
        "辽宁省本级1项指标中无数据1项。")
    # the paragraph too leads with the counties, named: 沈阳市铁西区 meets 1 target, the 99 others none
    lead = context["narrative"]
    assert lead.startswith("截至2019年第四季度，在100个县（市、区）中，已完成指标最多的是沈阳市铁西区，完成1项；"
                           "最少的是")
    assert "等99个县（市、区），各完成0项" in lead
    assert lead.index("沈阳市铁西区") < lead.index("辽宁省本级纳入监测的1项指标中")


def test_charts_refuse_to_draw_without_their_font(tmp_path):
    """Measured with a fallback font, CJK labels are clipped ("E常推进"): no font, no chart, and the message says
    how to install it."""
    from ipwatch.bulletins import charts

    with pytest.raises(charts.FontMissing, match="fonts-noto-cjk"):
        charts.require_font((tmp_path,))


def test_bulletin_command_without_the_font_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    from ipwatch import cli
    from ipwatch.bulletins import charts

    monkeypatch.setattr(charts, "FONT_DIRS", ())
    monkeypatch.setenv("IPWATCH_FONT_DIR", str(tmp_path))
    charts.require_font.cache_clear()
    try:
        assert cli.main(["--home", str(tmp_path / "home"), "bulletin", "--period", "2023-07"]) == 2
    finally:
        charts.require_font.cache_clear()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Noto Sans CJK SC" in err
    assert not (tmp_path / "home" / "bulletins").exists()


def test_pdf_without_a_browser_fails_at_once_in_one_line(tmp_path, capsys, monkeypatch):
    import time

    from ipwatch import cli

    monkeypatch.setenv("IPWATCH_CHROMIUM", str(tmp_path / "no-chromium"))
    started = time.monotonic()
    assert cli.main(["--home", str(tmp_path / "home"), "bulletin", "--period", "2023-07", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert time.monotonic() - started < 5
    assert len(err.strip().splitlines()) == 1 and "Chromium" in err
    assert not (tmp_path / "home" / "bulletins").exists()


def test_a_warehouse_an_older_version_made_is_named_not_failed_on(ws, tmp_path):
    # a reader opens read-only and cannot upgrade: a version-3 warehouse lacks region_history's macros
    with warehouse.connect(ws.warehouse) as conn:
        conn.execute("drop macro table regions_on; update schema_version set version = 3")
    with warehouse.connect(ws.warehouse, read_only=True) as conn, \
            pytest.raises(warehouse.SchemaError, match=f"版本 3，当前 {warehouse.SCHEMA_VERSION}.*ipwatch init"):
        bulletin.render(conn, "2025-10", tmp_path / "out")
    reference.initialise(ws)  # what the message says to run
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        assert bulletin.render(conn, "2025-10", tmp_path / "out")


def test_two_targets_worded_alike_get_one_name_each_and_county_changes_count_per_target(conn):
    # 辽宁: 专利授权量 is both a growth target and a rank target; each binds the hundred counties. Counted by
    # wording, the changes of both made "专利授权量 | 171" counties of 100.
    frame = warehouse.query(conn, "bulletin_progress", plan_id="liaoning-2017", period="2020Q4")
    names = bulletin.target_names(frame)
    assert names["patent-grants-growth"] == "专利授权量（增速）" and names["patent-grants-rank"] == "专利授权量（排名）"
    assert names["pct-applications-rank"] == "PCT国际专利申请量"  # alone in its wording: as the plan words it
    changes = [{"target_id": t, "wording": names[t], "status_now": s} for t in ("patent-grants-growth",
                                                                                "patent-grants-rank")
               for s in ["achieved"] * 60 + ["missed"] * 10]
    assert bulletin.changes_by_target(changes) == [
        {"wording": "专利授权量（增速）", "changed": 70, "achieved": 60},
        {"wording": "专利授权量（排名）", "changed": 70, "achieved": 60}]


def test_the_data_state_counts_values_reported_as_not_available(conn, ws, catalogue, tmp_path):
    # one value and one reported "/" (缺失, no number): the state line read "正常 1 个" and forgot the 缺失 one
    path = write_csv(tmp_path / "hefei.csv", ["340100,2023Q2,high_value_invention_patents_per_10k,15.33,,",
                                              "340100,2023Q2,patent_attorneys,/,人,"])
    submit(conn, ws, catalogue, path, "340100")
    context = bulletin.plan_context(conn, "hefei-2022", "2023Q2")
    assert sorted((v["item"], v["n"]) for v in context["value_states"]) == [("正常", 1), ("缺失", 1)]


def test_a_final_evaluation_compares_the_end_with_baseline_and_target_never_the_last_quarter(hefei, tmp_path):
    """Every final evaluation said "与上期相比 N项状态变化" (辽宁 2020: 817), as if a progress bulletin."""
    out = tmp_path / "out"
    bulletin.render(hefei, "2023-07", out)
    finals = sorted(out.glob("*-final-*.html"))
    assert [p.name for p in finals] == ["2015-final-shandong-2015.html", "2020-final-liaoning-2017.html",
                                        "2020-final-shanwei-2016.html"]
    for page in finals + sorted(out.glob("*-final-*/*.html"))[:3]:  # the plans' pages and some county pages
        html = page.read_text("utf-8")
        assert not any(w in html for w in ("与上期相比", "与上季度相比", "本期变化", "序时进度</th>")), page.name
        assert "<th>较基期</th>" in html, page.name
    for page in finals:
        assert "目标完成率" in page.read_text("utf-8"), page.name
    monthly = (out / "2023-07-hefei-2022.html").read_text("utf-8")  # a progress bulletin still looks back
    assert "与上期相比" in monthly and "<h2>本期变化</h2>" in monthly and "较基期" not in monthly


def test_the_change_since_the_base_year_reads_as_the_plan_measures_it():
    """较基期: relative for counts, in 百分点 for rates, the amount added from a baseline of zero; none for a rank."""
    row = {"kind": "level", "baseline": 10.66, "actual": 15.99, "baseline_text": "10.66 件/万人（2020年）",
           "direction": "up", "change_in_points": False, "unit": "件/万人", "target_unit": None}
    assert bulletin.since_base(row) == "+50.0%"  # 15.99 / 10.66 = 1.5
    assert bulletin.since_base({**row, "baseline": 20.0, "actual": 18.0, "change_in_points": True,
                                "unit": "%"}) == "-2个百分点"  # 18% against 20%
    assert bulletin.since_base({**row, "baseline": 0.0, "actual": 3.0, "unit": "家"}) == "+3 家"
    assert bulletin.since_base({**row, "baseline": 0.0, "actual": 0.0, "unit": "个"}) == "持平"  # 辽宁's 强县: 0 to 0
    assert bulletin.since_base({**row, "kind": "rank"}) == "—"
    assert bulletin.since_base({**row, "baseline_text": "—"}) == "—"  # a 每年 growth shows no baseline


def test_a_ranking_of_more_than_thirty_regions_is_a_sortable_table_with_its_ends_charted(conn, ws, catalogue,
                                                                                        tmp_path):
    """辽宁's hundred counties were one chart about 3,000 px long: now the first and last ten are drawn, the whole
    list is a sortable table on the page and a sheet of the annex."""
    from openpyxl import load_workbook

    from ipwatch.bulletins import annex, invariants

    counties = [c for (c,) in conn.sql("select region_code from regions where level = 'county' "
                                       "and region_code like '21%' order by 1").fetchall()]
    # county n (0-99, by code) has 2 + n/10 件/万人: the last code ranks first (11.9), the first code last (2)
    rows = [f"{c},2019Q4,invention_patents_per_10k,{2 + n / 10:g},," for n, c in enumerate(counties)]
    submit(conn, ws, catalogue, write_csv(tmp_path / "liaoning.csv", rows), "210000")
    [page] = bulletin.render(conn, "2020-01", tmp_path / "out", region="210000")
    context = bulletin.plan_context(conn, "liaoning-2017", "2019Q4")
    [figure] = [f for f in context["key_figures"] if f["ranking_table"]]
    assert len(figure["ranking_table"]) == 100 and figure["ranking_ends"] == 10
    names = {r["region_code"]: r["name"] for r in figure["ranking_table"]}
    first, tenth, middle, last = counties[-1], counties[-10], counties[50], counties[0]
    svg = figure["ranking_svg"]
    assert "前10名" in svg and "后10名" in svg
    assert f"1. {names[first]}" in svg and f"10. {names[tenth]}" in svg and f"100. {names[last]}" in svg
    assert names[middle] not in svg  # the 50th place is in the table, not the chart
    html = page.read_text("utf-8")
    table = html[html.index('<table class="sortable ranking">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 101 and names[middle] in table  # the header and every county
    assert "查看全部排名（点击表头可排序" in html and "table.sortable th" in html  # the sorting script
    sheet = load_workbook(page.with_suffix(".xlsx"), read_only=True)[annex.RANKING_SHEET]
    listed = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == figure["title"]]
    assert len(listed) == 100 and listed[0][1:4] == (1, names[first], first) and listed[-1][1] == 100
    # the key target is the section's heading; its captions do not repeat it
    assert list(invariants.one_mention(invariants.Published(context, html))) == []
    section = html[html.index(f"<h3>{figure['title']}</h3>"):]
    section = section[:section.index("<h3>", 4)]
    assert section.count(figure["title"]) == 1


def test_a_city_bulletin_leads_with_its_own_targets_a_province_with_its_counties(conn):
    """汕尾 (a city: ten targets of its own, one set for each of its four counties) reads its own first; 辽宁 (a
    province: one of its own, sixteen for each of its hundred counties) its counties first."""
    city = bulletin.plan_context(conn, "shanwei-2016", "2019Q4")
    assert city["narrative"].startswith("截至2019年第四季度，纳入监测的10项指标中")
    assert city["summary"].startswith("截至2019年第四季度，10项指标中") and "规划对4个县（市、区）各设1项指标" in \
        city["summary"]
    province = bulletin.plan_context(conn, "liaoning-2017", "2019Q4")
    assert province["narrative"].startswith("截至2019年第四季度，在100个县（市、区）中")
    assert province["summary"].startswith("截至2019年第四季度，规划对100个县（市、区）各设16项指标")
