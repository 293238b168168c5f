"""Cross-checks against what the warehouse knows (#27, item 1): a ratio against its parts over the latest known
population, a change that moves a target's status, a stock ratio that breaks its own history; each through the
real intake (an Excel form written by `ipwatch template`, filled with openpyxl), each failing without its rule."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook

from ipwatch import warehouse
from ipwatch.intake import template

from .conftest import fill, process, write_csv
from .test_judging import with_target

JIANGJIN = "500116"


def history(conn, ws, catalogue, tmp_path, lines: list[str], office: str = JIANGJIN) -> None:
    """Earlier quarters, accepted: a long CSV from the office."""
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / f"history-{len(lines)}.csv", lines), office)])
    assert result["status"].startswith("accepted"), result  # warnings of the indicators it leaves out


def form(conn, ws, catalogue, tmp_path, values: dict, period: str = "2026Q3", region: str = JIANGJIN) -> tuple:
    """The region's form for `period` with `values` typed in, ingested by its office: its outcome and the sheet row
    of each indicator."""
    path = fill(template.write_template(tmp_path / f"{region}-{period}.xlsx", region, period), values)
    sheet = load_workbook(path)[template.FORM_SHEET]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(template.TABLE_HEADER_ROW + 1, sheet.max_row + 1)}
    [result] = process(conn, ws, catalogue, [(path, region)])
    return result, rows


def warnings_of(result: dict, rule: str) -> list[dict]:
    return [w for w in result["warnings"] if w["rule"] == rule]


# 江津's population (annual, 2025Q4) and last quarter's values: 19.19 per 10k is 1424 patents over 74.19万.
SEEN_HISTORY = [
    "500116,2025Q4,population,74.19,万人,",
    "500116,2026Q2,invention_patents_in_force,1424,件,",
    "500116,2026Q2,invention_patents_per_10k,19.19,件/万人,",
]


def test_the_seen_typo_is_held_naming_the_value_its_parts_give_and_where_each_came_from(conn, ws, catalogue,
                                                                                       tmp_path):
    """The Q3 form says 25 per 10k beside 1,430 patents; population is on the Q4 form only, so the file has no
    denominator and ratio_matches_parts never ran. 1430 / 74.19 = 19.2748... -> 19.27."""
    history(conn, ws, catalogue, tmp_path, SEEN_HISTORY)
    result, rows = form(conn, ws, catalogue, tmp_path, {"invention_patents_in_force": "1,430",
                                                        "invention_patents_per_10k": 25})
    assert result["status"] == "accepted_with_warnings"
    [found] = warnings_of(result, "ratio_against_known_parts")
    assert found["cell"] == f"填报表!E{rows['invention_patents_per_10k']}"
    assert found["indicator_name"] == "每万人口发明专利拥有量"
    line = rows["invention_patents_in_force"]
    assert found["value"] == (f"填 25 件/万人；有效发明专利拥有量 1430 件（本表第{line}行）÷ 常住人口 74.19 万人"
                              "（2025年第四季度已接收）= 19.27")
    assert found["fix"] == (f"每万人口发明专利拥有量填 25 件/万人；有效发明专利拥有量 1430 件"
                            f"（本表E{rows['invention_patents_in_force']}）÷ 常住人口 74.19 万人"
                            "（2025年第四季度已接收）= 19.27：请核对这三个数，改正有误的一个；"
                            "如常住人口已有更新的数，请在备注中写明所用的数")


def test_the_seen_typo_moving_a_target_to_met_is_held_with_both_numbers(conn, ws, catalogue, tmp_path):
    """江津's plan: 每万人口发明专利拥有量 >= 24 by 2026. 19.19 (in force, 2026Q2) does not meet it, 25 does; the step
    25 - 19.19 = 5.81 is more than 15% of 24 (3.6)."""
    history(conn, ws, catalogue, tmp_path, SEEN_HISTORY)
    result, rows = form(conn, ws, catalogue, tmp_path, {"invention_patents_in_force": 1430,
                                                        "invention_patents_per_10k": 25})
    [found] = warnings_of(result, "target_status_moved")
    assert found["cell"] == f"填报表!E{rows['invention_patents_per_10k']}"
    assert found["value"] == "25 件/万人（在用 19.19，2026年第二季度）：“每万人发明专利拥有量”>= 24 由未完成变为完成"


def test_a_step_across_a_target_as_plans_expect_is_not_held(conn, ws, catalogue, tmp_path):
    """23.6 -> 24.1 crosses 24 by 0.5, under 15% of it (3.6): a region reaching its target is no typo. The parts
    agree too: 1788 / 74.19 = 24.100..."""
    history(conn, ws, catalogue, tmp_path, [*SEEN_HISTORY[:1], "500116,2026Q2,invention_patents_per_10k,23.6,件/万人,"])
    result, _ = form(conn, ws, catalogue, tmp_path, {"invention_patents_in_force": 1788,
                                                     "invention_patents_per_10k": 24.1})
    assert [w["rule"] for w in result["warnings"] if w["indicator"] == "invention_patents_per_10k"] == []


def test_a_share_jumping_a_third_in_a_quarter_is_held_where_no_peer_can_judge_it(conn, ws, catalogue, tmp_path):
    """江津 has no peers reporting (change_outlier cannot judge) and a share is no count of a stock (the x3 factor
    never applied): 60 -> 80 is x1.33, beyond x1.3."""
    history(conn, ws, catalogue, tmp_path, ["500116,2026Q2,ip_case_handling_rate,60,%,"])
    result, rows = form(conn, ws, catalogue, tmp_path, {"ip_case_handling_rate": 80})
    [found] = warnings_of(result, "change_against_last_quarter")
    assert found["cell"] == f"填报表!E{rows['ip_case_handling_rate']}"
    assert found["value"] == "80 %（上季度 60，变化 ×1.33）"


def test_a_share_moving_as_shares_move_is_not_held(conn, ws, catalogue, tmp_path):
    """60 -> 75 is x1.25, within x1.3."""
    history(conn, ws, catalogue, tmp_path, ["500116,2026Q2,ip_case_handling_rate,60,%,"])
    result, _ = form(conn, ws, catalogue, tmp_path, {"ip_case_handling_rate": 75})
    assert warnings_of(result, "change_against_last_quarter") == []


def test_a_per_capita_ratio_falling_a_third_is_held_though_its_parts_agree(conn, ws, catalogue, tmp_path):
    """The parts typed to match (1000 / 74.19 = 13.479 -> 13.48): only its history tells, 19.19 / 13.48 = 1.42."""
    history(conn, ws, catalogue, tmp_path, SEEN_HISTORY)
    result, _ = form(conn, ws, catalogue, tmp_path, {"invention_patents_in_force": 1000,
                                                     "invention_patents_per_10k": 13.48})
    assert warnings_of(result, "ratio_against_known_parts") == []
    assert [w["value"] for w in warnings_of(result, "change_against_last_quarter")] == [
        "13.48 件/万人（上季度 19.19，变化 ×0.70）"]


def test_ratios_against_parts_held_exactly_when_apart_beyond_every_rounding(conn, ws, catalogue, tmp_path):
    """The class of the seen typo, on generated files (seeded): 60 of 辽宁's counties with their population
    accepted (2025Q4, to one or two places) and a Q3 long table from the province with each county's patents in
    force and per-10k ratio. A ratio rounded from the quotient to any number of places is never held; one apart
    from every value its three numbers' roundings allow is always held, and nothing else; a county whose file
    gives its population too is judged by ratio_matches_parts alone."""
    rng = random.Random(27)
    counties = [c for (c,) in conn.execute(
        "select region_code from regions where level = 'county' and left(region_code, 2) = '21' "
        "order by region_code limit 60").fetchall()]
    population = {c: Decimal(rng.randint(200, 1500)) / (10 if rng.random() < 0.3 else 100) for c in counties}
    history(conn, ws, catalogue, tmp_path, [f"{c},2025Q4,population,{population[c]},万人," for c in counties],
            office="210000")
    lines, apart, own_population = [], set(), set()
    for n, c in enumerate(counties):
        patents, d = Decimal(rng.randint(50, 2000)), population[c]
        quotient = patents / d
        places = rng.choice([1, 2, 3])
        typed = quotient.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        if n % 2:  # a typo: the quotient moved by 1% to 30%, kept only where no rounding of the three explains it
            moved = (quotient * Decimal(rng.choice([-1, 1]) * rng.uniform(0.01, 0.3) + 1)).quantize(Decimal("0.01"))
            # the quotient's range: the patents' half unit (0.5) and the population's over (d -/+ its half unit)
            half = Decimal("0.05") if d == d.quantize(Decimal("0.1")) else Decimal("0.005")
            low, high = (patents - Decimal("0.5")) / (d + half), (patents + Decimal("0.5")) / (d - half)
            if moved + Decimal("0.005") < low or moved - Decimal("0.005") > high:
                typed = moved
                apart.add(c)
        if n % 5 == 0 and c not in apart:  # population in the file too: ratio_matches_parts' to judge, not this rule's
            lines.append(f"{c},2026Q3,population,{d},万人,")
            own_population.add(c)
        lines += [f"{c},2026Q3,invention_patents_in_force,{patents},件,",
                  f"{c},2026Q3,invention_patents_per_10k,{typed},件/万人,"]
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "q3.csv", lines), "210000")])
    region_of_line = {i + 2: line.split(",")[0] for i, line in enumerate(lines)}
    held = {region_of_line[w["line"]] for w in warnings_of(result, "ratio_against_known_parts")}
    assert len(apart) >= 20 and own_population  # the generator made both kinds
    assert held == apart
    assert [e for e in result["errors"] if e["rule"] == "ratio_matches_parts"] == []


def test_a_correction_across_a_target_is_held_whatever_its_step(conn, ws, catalogue, tmp_path):
    """23.6 in force for 2026Q3 itself, corrected to 24.1 (1788 / 74.19 = 24.100..., the parts agree): the step is
    small, but the bulletin already said 需加快 and would now say 已完成."""
    history(conn, ws, catalogue, tmp_path, [*SEEN_HISTORY[:1], "500116,2026Q3,invention_patents_per_10k,23.6,件/万人,"])
    result, _ = form(conn, ws, catalogue, tmp_path, {"invention_patents_in_force": 1788,
                                                     "invention_patents_per_10k": 24.1})
    assert [w["value"] for w in warnings_of(result, "target_status_moved")] == [
        "24.1 件/万人（在用 23.6，2026年第三季度）：“每万人发明专利拥有量”>= 24 由未完成变为完成"]


def status_moved(conn, ws, catalogue, tmp_path, line: str) -> list[str]:
    """The values target_status_moved holds in a one-line file from 合肥's office."""
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "new.csv", [line]), "340100")])
    return [w["value"] for w in warnings_of(result, "target_status_moved")]


def test_a_flow_corrected_across_its_target_is_held_against_the_value_it_replaces(conn, ws, catalogue, tmp_path):
    """合肥's plan: PCT applications >= 880 (2025's full year). 700 in force for 2025Q4, corrected to 921: the step,
    221, is more than 15% of 880 (132)."""
    history(conn, ws, catalogue, tmp_path, ["340100,2025Q4,pct_applications,700,件,"], office="340100")
    assert status_moved(conn, ws, catalogue, tmp_path, "340100,2025Q4,pct_applications,921,件,") == [
        "921 件（在用 700，2025年第四季度）：“专利合作条约(PCT)专利申请量”>= 880 由未完成变为完成"]


def test_a_flow_s_new_year_is_not_judged_against_last_year_s_total(conn, ws, catalogue, tmp_path):
    """700 for 2024, 921 for 2025: a year's growth of 32% (the step, 221, as large as the one held above) is the
    plan working, not a quarter's typo."""
    history(conn, ws, catalogue, tmp_path, ["340100,2024Q4,pct_applications,700,件,"], office="340100")
    assert status_moved(conn, ws, catalogue, tmp_path, "340100,2025Q4,pct_applications,921,件,") == []


def shanwei_county(conn) -> str:
    """A county of 汕尾 (four: too few peers for change_outlier)."""
    (county,) = conn.execute("select min(region_code) from regions where parent_code = '441500'").fetchone()
    return county


def test_a_wan_yuan_flow_under_yi_yuan_is_held_against_last_year_where_no_peer_can_judge_it(conn, ws, catalogue,
                                                                                             tmp_path):
    """500 万元 last year (0.05 亿元), 500 typed under 亿元 this year: x10000, within the bounds (0-3000 亿元), and
    汕尾's counties are too few for change_outlier. The bench's unit slips in 汕尾 were missed before this rule."""
    county = shanwei_county(conn)
    history(conn, ws, catalogue, tmp_path, [f"{county},2025Q2,ip_pledge_financing_amount,500,万元,"], office="441500")
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "q2.csv", [
        f"{county},2026Q2,ip_pledge_financing_amount,500,亿元,"]), "441500")])
    assert [w["value"] for w in warnings_of(result, "flow_against_last_year")] == [
        "500 亿元（上年同期 2025年第二季度 为 0.05，×10000）"]


def test_a_flow_growing_as_flows_grow_or_a_small_count_is_not_held(conn, ws, catalogue, tmp_path):
    """0.05 -> 0.45 亿元 is x9, within x10; PCT applications 1 -> 12 is x12 but under 20 件."""
    county = shanwei_county(conn)
    history(conn, ws, catalogue, tmp_path, [f"{county},2025Q2,ip_pledge_financing_amount,500,万元,",
                                            f"{county},2025Q2,pct_applications,1,件,"], office="441500")
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "q2.csv", [
        f"{county},2026Q2,ip_pledge_financing_amount,0.45,亿元,", f"{county},2026Q2,pct_applications,12,件,"]),
        "441500")])
    assert warnings_of(result, "flow_against_last_year") == []


def test_a_share_of_flows_is_not_judged_against_another_year_s_flow(conn, ws, catalogue, tmp_path):
    """专利密集型产业增加值占GDP比重 for 2025 with 2025's GDP (1000 亿元) and no value added in the file: 2024's value
    added (100 亿元) is another year's flow, not a part of 2025's share (12.5%, from 125 亿元 the file does not give);
    a population (a stock) is another matter."""
    history(conn, ws, catalogue, tmp_path, ["441500,2024Q4,patent_intensive_industry_value_added,100,亿元,"],
            office="441500")
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "q4.csv", [
        "441500,2025Q4,gdp,1000,亿元,", "441500,2025Q4,patent_intensive_industry_gdp_share,12.5,%,"]), "441500")])
    assert warnings_of(result, "ratio_against_known_parts") == []


# 辽宁's plan (liaoning-2017): each county's 万人有效发明专利拥有量 in the province's 前30% by 2020, ranked among the
# counties of the province that have a value. Ten counties with a 2020Q1 value: 30, 28, ..., 12 (best first), so
# n = 10 and the places are ceil(30% x 10) = 3.
RANK_VALUES = [30, 28, 26, 24, 22, 20, 18, 16, 14, 12]


def rank_counties(conn, ws, catalogue, tmp_path) -> list[str]:
    """Ten of 辽宁's counties with RANK_VALUES accepted for 2020Q1, best first."""
    counties = [c for (c,) in conn.execute(
        "select region_code from regions where level = 'county' and left(region_code, 2) = '21' "
        "order by region_code limit 10").fetchall()]
    history(conn, ws, catalogue, tmp_path, [f"{c},2020Q1,invention_patents_per_10k,{v},件/万人,"
                                            for c, v in zip(counties, RANK_VALUES, strict=True)], office="210000")
    return counties


def rank_moved(conn, ws, catalogue, tmp_path, lines: list[str]) -> dict[str, str]:
    """Region -> the value target_rank_moved holds, of a file from 辽宁's office."""
    [result] = process(conn, ws, catalogue, [(write_csv(tmp_path / "rank.csv", lines), "210000")])
    region_of_line = {i + 2: line.split(",")[0] for i, line in enumerate(lines)}
    return {region_of_line[w["line"]]: w["value"] for w in warnings_of(result, "target_rank_moved")}


def test_a_typo_that_ranks_a_county_into_the_top_share_is_held_with_both_values_and_ranks(conn, ws, catalogue,
                                                                                         tmp_path):
    """The last county (12, 第10位) types 27 for 2020Q2: the others' latest are 30, 28, 26, ...; two ahead, so 第3位,
    within the 3 places. The cut-off is the third best of the others, 26; the step 27 - 12 = 15 is more than 15% of
    it (3.9)."""
    counties = rank_counties(conn, ws, catalogue, tmp_path)
    typo = f"{counties[-1]},2020Q2,invention_patents_per_10k,27,件/万人,"
    assert rank_moved(conn, ws, catalogue, tmp_path, [typo]) == {
        counties[-1]: "27 件/万人（在用 12，2020年第一季度）：“万人有效发明专利拥有量”全省10个同级地区中"
                      "由第10位变为第3位，前30%为前3位（须高于 26），由未进入变为进入"}


def test_a_county_reaching_the_top_share_by_a_quarter_s_step_or_tied_at_the_cut_off_is_not_held(conn, ws, catalogue,
                                                                                                tmp_path):
    """The fourth (24) at 26.5 passes the third (26) into 第3位, but by 2.5, under 15% of 26 (3.9); the last at 26
    ties the third: 第3位 with the tie down to 第4位, so its whole tie is not within the 3 places (as progress
    judges it) and nothing crossed."""
    counties = rank_counties(conn, ws, catalogue, tmp_path)
    assert rank_moved(conn, ws, catalogue, tmp_path, [
        f"{counties[3]},2020Q2,invention_patents_per_10k,26.5,件/万人,",
        f"{counties[-1]},2020Q2,invention_patents_per_10k,26,件/万人,"]) == {}


def test_a_correction_out_of_the_top_share_is_held_whatever_its_step(conn, ws, catalogue, tmp_path):
    """The third (26, in force for 2020Q2 itself) corrected to 2.6, a decimal slip: from 第3位 to 第10位; the value it
    must beat is the third best of the others, 24."""
    counties = rank_counties(conn, ws, catalogue, tmp_path)
    history(conn, ws, catalogue, tmp_path, [f"{counties[2]},2020Q2,invention_patents_per_10k,26,件/万人,"],
            office="210000")
    slip = f"{counties[2]},2020Q2,invention_patents_per_10k,2.6,件/万人,"
    assert rank_moved(conn, ws, catalogue, tmp_path, [slip]) == {
        counties[2]: "2.6 件/万人（在用 26，2020年第二季度）：“万人有效发明专利拥有量”全省10个同级地区中"
                     "由第3位变为第10位，前30%为前3位（须高于 24），由进入变为未进入"}


def test_in_a_province_s_file_only_the_county_whose_own_value_crossed_is_held(conn, ws, catalogue, tmp_path):
    """The province's 2020Q2 file: every county one more than in 2020Q1, but the last typed 29 for 13. Ranked among
    the file's values (31, 29, 27, 25, ...) the last is 第2位 tied with the second, the tie down to 第3位: within the
    3 places; with 12 it was 第10位; the value to beat, the others' third best, is 27. The third (27, 第4位 now) is
    pushed out by that typo, not by its own value: 26 would be 第4位 too, so it is not held."""
    counties = rank_counties(conn, ws, catalogue, tmp_path)
    typed = [v + 1 for v in RANK_VALUES[:-1]] + [29]
    lines = [f"{c},2020Q2,invention_patents_per_10k,{v},件/万人," for c, v in zip(counties, typed, strict=True)]
    assert rank_moved(conn, ws, catalogue, tmp_path, lines) == {
        counties[-1]: "29 件/万人（在用 12，2020年第一季度）：“万人有效发明专利拥有量”全省10个同级地区中由第10位变为"
                      "并列第2至3位，前30%为前3位（须高于 27），由未进入变为进入"}


def test_a_flow_s_new_quarter_is_not_ranked_against_another_quarter_s_total(conn, ws, catalogue, tmp_path):
    """PCT applications are a year-to-date flow: a 2020Q2 total is never set against the county's 2020Q1 one (half
    a year against a quarter), so a county's first Q2 value is not judged; its correction is (第1位 of two, 1 place,
    50 -> 5 against the other's 10)."""
    counties = rank_counties(conn, ws, catalogue, tmp_path)[:2]
    history(conn, ws, catalogue, tmp_path, [f"{counties[0]},2020Q1,pct_applications,5,件,",
                                            f"{counties[1]},2020Q2,pct_applications,10,件,"], office="210000")
    new = f"{counties[0]},2020Q2,pct_applications,50,件,"
    assert rank_moved(conn, ws, catalogue, tmp_path, [new]) == {}
    assert rank_moved(conn, ws, catalogue, tmp_path, [f"{counties[0]},2020Q2,pct_applications,5,件,"]) == {
        counties[0]: "5 件（在用 50，2020年第二季度）：“PCT国际专利申请量”全省2个同级地区中由第1位变为第2位，"
                     "前30%为前1位（须高于 10），由进入变为未进入"}


def test_a_rank_among_a_city_s_counties_is_taken_among_them_alone(ws, catalogue, tmp_path):
    """The target ranked under the parent (peer_scope prefecture) in the top 50%: 沈阳's two counties (10 and 8 in
    2020Q1) are the peers, 大连's 100 is not. The second typing 12: 第2位 -> 第1位 of 2, 1 place, past 10 by more than
    15% of it; among the province's three it would read 3 peers and 2 places."""
    changed = with_target(ws, catalogue, "liaoning-2017", "invention-patents-per-10k-rank", target_value=50,
                          peer_scope="prefecture")
    with warehouse.connect(ws.warehouse) as conn:
        (first, second), (dalian,) = (
            [c for (c,) in conn.execute(f"select region_code from regions where parent_code = '{parent}' "
                                        f"and level = 'county' order by region_code limit {n}").fetchall()]
            for parent, n in (("210100", 2), ("210200", 1)))
        history(conn, ws, changed, tmp_path, [f"{c},2020Q1,invention_patents_per_10k,{v},件/万人,"
                                              for c, v in ((first, 10), (second, 8), (dalian, 100))], office="210000")
        assert rank_moved(conn, ws, changed, tmp_path, [f"{second},2020Q2,invention_patents_per_10k,12,件/万人,"]) == {
            second: "12 件/万人（在用 8，2020年第一季度）：“万人有效发明专利拥有量”全市2个同级地区中由第2位变为第1位，"
                    "前50%为前1位（须高于 10），由未进入变为进入"}
