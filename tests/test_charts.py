"""The bulletin's charts as a reader takes them: each point read against the tick of its own year, every label
whole, and the value a row is judged on among its chart's points. Charts drawn by vl-convert with the real font;
trends read from a real warehouse."""

from __future__ import annotations

import random
import re

import pytest

from ipwatch.bulletins import bulletin, charts, figures
from ipwatch.domain import target_text
from ipwatch.domain.periods import index

from .conftest import submit, write_csv
from .test_bulletin_rows import JIANGJIN

HEFEI_TALENT = "知识产权师、专利代理师、知识产权专员等各类人才数量"  # 25 characters: 250 px at 10 px


def quarters(first: int, last: int) -> list[dict]:
    """Trend points of a stock, one a quarter, at progress's t (year Y ends at t = Y)."""
    return [{"t": year - 1 + q / 4, "period": f"{year}Q{q}", "value": float(year - first + q), "year_to_date": False}
            for year in range(first, last + 1) for q in range(1, 5)]


def year_labels(svg: str) -> dict[str, float]:
    """The x axis's labels ('2020年') and where they stand."""
    return {text: float(x) for x, text in re.findall(r'translate\(([\d.]+),15\)"[^>]*>(\d{4}年)</text>', svg)}


def points(svg: str) -> dict[str, float]:
    """Each point's description (its period) and where it stands."""
    found = re.findall(r'aria-label="([^"]*)"[^>]*aria-roledescription="point"[^>]*transform="translate\(([\d.]+)',
                       svg)
    return {about.split(" ")[0]: float(x) for about, x in found}


def texts(svg: str) -> list[str]:
    """Every text of an SVG, a wrapped label's lines joined."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def test_cjk_characters_measure_one_em_in_the_page_font():
    # Noto Sans CJK draws every ideograph and full-width punctuation mark on a square of 1 em: 5 × 10 px = 50
    assert charts.text_width("知识产权、", 10) == 50
    # its Latin digits are proportional, narrower than an ideograph
    assert 0 < charts.text_width("2026", 10) < 40


def test_a_long_label_wraps_between_the_items_it_lists():
    # 25 × 10 px = 250 px > 220: two lines; at 125 px and 130 px each the first ends at the 、 after 代理师 (the
    # 12th character, in the line's second half), leaving 13 characters, 130 px, for the second
    assert charts.wrap(HEFEI_TALENT) == ["知识产权师、专利代理师、", "知识产权专员等各类人才数量"]


def test_a_wrapped_line_never_starts_with_closing_punctuation():
    # 9 characters, 90 px, in two even lines of 45 px: the 、 after 四 stays on its line rather than open the next
    assert charts.wrap("一二三四、五六七八", width=80) == ["一二三四、", "五六七八"]


def test_wrapped_lines_are_even_not_one_character_left_over():
    """Before: 汕尾's '高等院校、科研机构和国有企业知识产权实施转化' with '率' alone on a second line."""
    # 23 characters, 230 px: lines of 115 px take three (11, 11, 1); of 120 px, two (12 and 11)
    assert charts.wrap("高等院校、科研机构和国有企业知识产权实施转化率") == [
        "高等院校、科研机构和国有", "企业知识产权实施转化率"]


def test_a_number_or_a_latin_word_is_never_split_across_lines():
    for line in (lines := charts.wrap("每万人口高价值发明专利拥有量目标值12345.67件以及PCT申请", width=120)):
        assert charts.text_width(line) <= 120 or " " not in line
    assert any("12345.67" in line for line in lines) and any("PCT" in line for line in lines), lines


def test_the_completion_chart_draws_a_long_target_name_whole():
    """Before: the axis cut it at 220 px to '知识产权师、专利代理师、知识产权专员等各…'."""
    svg = charts.progress_bars([{"wording": HEFEI_TALENT, "completion": 0.5, "expected": 0.75,
                                 "status": "needs_acceleration", "status_label": "需加快"}])
    assert not [t for t in texts(svg) if t.endswith("…")]
    assert "知识产权师、专利代理师、知识产权专员等各类人才数量" in "".join(texts(svg))


def test_two_targets_of_one_wording_get_a_bar_each():
    assert charts.wrapped_labels(["专利授权量", "专利授权量"]) == (["专利授权量", "专利授权量（2）"], 1)


@pytest.mark.parametrize("first", [2016, 2020, 2023])
def test_each_trend_point_stands_nearest_the_tick_of_its_own_year(first):
    """Before: ticks at year ends, so 2020年第一季度 stood just after a '2019' tick."""
    svg = charts.trend(quarters(first, first + 2), [], "件")
    ticks, placed = year_labels(svg), points(svg)
    # three years of quarters: a label for each of them and no other
    assert sorted(ticks) == [f"{first}年", f"{first + 1}年", f"{first + 2}年"]
    assert len(placed) == 12
    for period, x in placed.items():
        nearest = min(ticks, key=lambda label: abs(ticks[label] - x))
        assert nearest == f"{period[:4]}年", (period, x, ticks)


def test_a_year_so_far_is_a_marked_point_apart_from_the_full_years():
    # 江津 质押融资 in 万元: the years 2024 and 2025, and 2026 up to the third quarter
    trend = [{"t": 2024.0, "period": "2024Q4", "value": 3300.0, "year_to_date": False, "label": "2024年"},
             {"t": 2025.0, "period": "2025Q4", "value": 4400.0, "year_to_date": False, "label": "2025年"},
             {"t": 2025.75, "period": "2026Q3", "value": 3900.0, "year_to_date": True,
              "label": "2026年（截至第三季度）", "mark": "截至第三季度"}]
    svg = charts.trend(trend, [{"t": 2024.0, "value": 5000.0}, {"t": 2026.0, "value": 5000.0}], "万元")
    placed, ticks = points(svg), year_labels(svg)
    assert set(placed) == {"2024年", "2025年", "2026年（截至第三季度）"}
    assert "截至第三季度" in texts(svg) and "○ 本年累计" in " ".join(texts(svg))
    # the year so far stands in its own year, nearer 2026's tick than 2025's
    so_far = placed["2026年（截至第三季度）"]
    assert abs(so_far - ticks["2026年"]) < abs(so_far - ticks["2025年"])


def judged_points(context: dict) -> dict[str, list[dict]]:
    """Per key figure (by target), its trend points marked as the one its row is judged on."""
    return {f["target_id"]: [p for p in f["trend_table"] if p["judged"]] for f in context["key_figures"]}


def test_the_pledge_trend_holds_the_year_to_date_its_row_is_judged_on(conn, ws, catalogue, tmp_path):
    """Before: the chart showed 2024 and 2025 only, and left out the 3,900万元 the row is judged on."""
    submit(conn, ws, catalogue, write_csv(tmp_path / "jiangjin.csv", [
        *JIANGJIN, "500116,2024Q4,ip_pledge_financing_amount,3300,万元,",
        "500116,2025Q4,ip_pledge_financing_amount,4400,万元,"]), "500116")
    context = bulletin.plan_context(conn, "jiangjin-2024", "2026Q3")
    [pledge] = [f for f in context["key_figures"] if f["target_id"] == "ip-pledge-financing-annual"]
    assert [(p["period"], p["value"], p["label"], p["year_to_date"], p["judged"]) for p in pledge["trend_table"]] == [
        ("2024Q4", 3300, "2024年", False, False), ("2025Q4", 4400, "2025年", False, False),
        ("2026Q3", 3900, "2026年（截至第三季度）", True, True)]
    assert "截至第三季度" in pledge["trend_svg"]


def test_every_key_trend_holds_the_observation_its_row_is_judged_on(conn, ws, catalogue, tmp_path):
    """The class: for each key target of the plan region, the row's (period, value) is one point of its trend,
    in the row's unit; stocks (高新技术企业, 每万人口发明专利拥有量) and a flow (质押融资) alike."""
    submit(conn, ws, catalogue, write_csv(tmp_path / "jiangjin.csv", [
        *JIANGJIN, "500116,2023Q4,high_tech_enterprises,500,家,", "500116,2026Q2,high_tech_enterprises,600,家,",
        "500116,2026Q3,high_tech_enterprises,610,家,", "500116,2023Q4,invention_patents_per_10k,12,,",
        "500116,2025Q2,invention_patents_per_10k,19,,", "500116,2024Q4,ip_pledge_financing_amount,4000,万元,"]),
        "500116")
    context = bulletin.plan_context(conn, "jiangjin-2024", "2026Q3")
    plan = context["plan"]
    rows = {r["target_id"]: r for region in context["regions"] if region["region_code"] == plan["region_code"]
            for group in region["categories"] for r in group["targets"]}
    judged = judged_points(context)
    assert len(judged) == len(plan["key_targets"]) == 3
    for target_id in plan["key_targets"]:
        row = rows[target_id]
        assert [(p["period"], p["value"]) for p in judged[target_id]] == [
            (row["actual_period"], target_text.in_unit(row, row["actual"]))], target_id
    # 每万人口发明专利拥有量 last reported in 2025Q2: judged there, and that is the point marked
    assert [p["period"] for p in judged["invention-patents-per-10k"]] == ["2025Q2"]


def test_a_trend_without_a_judged_row_marks_no_point(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, write_csv(tmp_path / "j.csv", ["500116,2024Q4,ip_pledge_financing_amount,4000,万元,"]),
           "500116")
    context = bulletin.plan_context(conn, "jiangjin-2024", "2026Q3")
    # the pledge row has no value for 2026 so far: judged on nothing, and no year so far is drawn
    assert judged_points(context)["ip-pledge-financing-annual"] == []
    [pledge] = [f for f in context["key_figures"] if f["target_id"] == "ip-pledge-financing-annual"]
    assert [p["period"] for p in pledge["trend_table"]] == ["2024Q4"] and index("2024Q4") < index("2026Q3")


@pytest.mark.parametrize("seed", range(6))
def test_a_ranking_is_drawn_whole_up_to_thirty_regions_and_at_its_ends_beyond(seed):
    """Any number of regions, ties or none: up to 30 every region is a bar; beyond, the first ten and the last ten
    are, each named with its place, and no region between them (辽宁's 100 made one chart 3,000 px long)."""
    r = random.Random(seed)
    n = r.choice((1, 12, 30, 31, 60, 137))
    values = sorted((float(r.choice((1, 2, 3)) if r.random() < 0.5 else r.randint(0, 10**4)) for _ in range(n)),
                    reverse=True)
    ranked = [{"rank": values.index(v) + 1, "name": f"地区{k:03d}", "value": v, "region_code": f"{k:06d}"}
              for k, v in enumerate(values)]
    svg = figures.ranking_svg(ranked, "件")
    drawn = set(re.findall(r"地区(\d{3})", svg))
    if n <= figures.RANKING_WHOLE:
        assert figures.ends(ranked) is None and drawn == {f"{k:03d}" for k in range(n)}
        return
    ends = [*ranked[:figures.RANKING_ENDS], *ranked[-figures.RANKING_ENDS:]]
    assert figures.ends(ranked) == 10 and drawn == {e["name"][2:] for e in ends}
    for e in ends:
        assert f"{e['rank']}. {e['name']}" in svg
