"""The invariant checker finds each kind of disagreement planted in a real edition, and `ipwatch bulletin` refuses
to publish an edition that has one (or publishes it stamped, with --force)."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from ipwatch import cli, pages
from ipwatch.bulletins import bulletin, editions, invariants, narrative
from ipwatch.domain import regions, target_text
from tests.conftest import submit, write_csv

# Shanwei 2020Q4: the city's own targets and one binding each of its four counties.
SHANWEI = [
    "441500,2020Q4,invention_patents_per_10k,2.1,,",
    "441500,2020Q4,invention_patent_applications_per_million,90,,",
    "441502,2020Q4,invention_patent_applications,30,,", "441502,2019Q4,invention_patent_applications,20,,",
    "441521,2020Q4,invention_patent_applications,12,,", "441521,2019Q4,invention_patent_applications,20,,",
    "441523,2020Q4,invention_patent_applications,13,,", "441523,2019Q4,invention_patent_applications,10,,",
    "441581,2020Q4,invention_patent_applications,40,,", "441581,2019Q4,invention_patent_applications,20,,",
    # the key target's ranking of the counties: 2.5, 1.8, 1.2, 0.9
    "441502,2020Q4,invention_patents_per_10k,2.5,,", "441521,2020Q4,invention_patents_per_10k,1.8,,",
    "441523,2020Q4,invention_patents_per_10k,1.2,,", "441581,2020Q4,invention_patents_per_10k,0.9,,",
]


@pytest.fixture
def shanwei(conn, ws, catalogue, tmp_path):
    submit(conn, ws, catalogue, write_csv(tmp_path / "shanwei.csv", SHANWEI), "441500")
    return conn


def published(conn, period: str = "2020-final") -> invariants.Published:
    """Shanwei's edition as `ipwatch bulletin` drafts it: context, page and the registry's dated codes."""
    edition = editions.final(2020) if period.endswith("final") else editions.parse(period)
    context = bulletin.plan_context(conn, "shanwei-2016", edition.quarter, final=edition.kind == "final")
    context.update(bulletin.edition_context(conn, context["plan"], edition), version=bulletin.data_version(conn))
    html = pages.environment().get_template("bulletin.html.j2").render(annex="x.xlsx", breaches=[], **context)
    day = date(2020, 12, 31)
    return invariants.Published(context, html, absent_regions=lambda codes: set(regions.missing_on(codes, day)))


def rechecked(ed: invariants.Published, context: dict | None = None, **parts) -> list[str]:
    """The breaches of `ed` with its context (re-rendered) or other parts replaced."""
    context = context or ed.context
    html = pages.environment().get_template("bulletin.html.j2").render(annex="x.xlsx", breaches=[], **context)
    fields = {"annex": ed.annex, "pdf_text": ed.pdf_text, "absent_regions": ed.absent_regions, **parts}
    return [str(b) for b in invariants.check(invariants.Published(context, html, **fields))]


def test_a_consistent_edition_breaks_nothing(shanwei):
    assert invariants.check(published(shanwei)) == []


def test_headline_and_figure_counts_are_checked_against_the_rows(shanwei):
    ed = published(shanwei)
    wrong = copy.deepcopy(ed.context)
    wrong["summary"] = wrong["summary"].replace("10项指标中", "11项指标中", 1)
    assert any("【标题】本级指标：称11项指标，表中为10项" in b for b in rechecked(ed, wrong))
    wrong = copy.deepcopy(ed.context)
    counties = next(f for f in wrong["status_figures"] if f["population"] == "counties")
    counties["table"][0]["n"] += 1  # the chart counting one county too many, as 汕尾's 按县计 figure did
    assert any(counties["caption"] in b and "共5" in b for b in rechecked(ed, wrong))


def test_counties_counted_above_those_covered_and_one_target_as_most_and_fewest(shanwei):
    ed = published(shanwei)
    wrong = copy.deepcopy(ed.context)
    wrong["county_changes"] = [{"wording": "地区发明专利申请量", "changed": 7, "achieved": 0}]
    assert any("7个县状态变化" in b and "只覆盖4个" in b for b in rechecked(ed, wrong))
    wrong = copy.deepcopy(ed.context)
    wrong["narrative"] += "完成县数最多的指标是地区发明专利申请量（0个），最少的是地区发明专利申请量（0个）。"
    assert any("既是完成最多也是最少" in b for b in rechecked(ed, wrong))


def test_a_status_against_its_completion_and_comparison(shanwei):
    ed = published(shanwei)
    wrong = copy.deepcopy(ed.context)
    row = next(t for r in wrong["regions"] for c in r["categories"] for t in c["targets"]
               if t["wording"] == "百万人发明专利申请量")
    # 90 against 84 is achieved; shown as 正常推进 with 107.1% (90 / 84) it contradicts itself twice
    row.update(status="on_track", status_label="正常推进", margin_text="107.1%")
    found = rechecked(ed, wrong)
    assert any("百万人发明专利申请量：完成107.1%，状态却为正常推进" in b for b in found)
    assert any("评价值90与目标84（>=）相符，状态却为正常推进" in b for b in found)


def test_ranks_follow_competition_ranking_and_agree_across_tables(shanwei):
    ed = published(shanwei)
    wrong = copy.deepcopy(ed.context)
    table = next(f for f in wrong["key_figures"] if f["ranking_table"])["ranking_table"]
    assert [(r["name"], r["rank"]) for r in table] == [("汕尾市城区", 1), ("汕尾市海丰县", 2), ("汕尾市陆河县", 3),
                                                       ("汕尾市陆丰市", 4)]
    table[1]["value"] = table[0]["value"]  # a tie for first: both are 第1名, the next 第3名
    found = rechecked(ed, wrong)
    assert any(f"{table[1]['name']}：第2名，按数值应为第1名" in b for b in found)


def test_names_latin_words_unfilled_values_and_regions_of_another_day(shanwei):
    ed = published(shanwei)
    wrong = copy.deepcopy(ed.context)
    wrong["key_figures"][0]["title"] = "每万人口发明专利拥有量（图）"
    wrong["narrative"] += "高等院校、科研机构 and 国有企业。完成-0.0%，2026-01-15。"
    wrong["timeliness"][0]["office_name"] = None
    found = rechecked(ed, wrong, absent_regions=lambda codes: {"441502"})
    assert any("【重点指标】每万人口发明专利拥有量（图）：图题与指标表名称" in b for b in found)
    assert any("【正文】and：中文中夹有英文" in b for b in found)
    assert any("【正文】None：未填的值被印出" in b for b in found)
    assert [b for b in found if "负零" in b] == [
        "【正文】-0.0：印出了负零：“…科研机构 and 国有企业。完成-0.0%，20…”"]  # and the date is no negative zero
    # a completion a hair below zero (a lower-is-better target not moved) prints as 0.0%, never -0.0%
    assert target_text.percent(-0.00001) == "0.0%" and target_text.percent(-0.001) == "-0.1%"
    assert target_text.percent(-0.004, 0) == "0%" and target_text.percent(0.936, 0) == "94%"
    assert any("【地区】441502：2020年第四季度时不存在此区划代码" in b for b in found)
    # the registry itself: 即墨区 370215 was 即墨市 370282 until 2017
    assert regions.missing_on(["370215", "370282"], date(2015, 12, 31)) == ["370215"]


def test_the_annex_and_the_pdf_are_held_to_the_page(shanwei):
    ed = published(shanwei)
    own = next(t for t in invariants.rows(ed.context) if t["wording"] == "百万人发明专利申请量")
    annex = [{"region_code": own["region_code"], "target_id": own["target_id"], "name": own["wording"],
              "baseline": None, "value": 0.9, "target": 84.0, "unit": "件/百万人", "completion": None,
              "status_label": own["status_label"]}]
    found = rechecked(ed, annex=annex)
    assert any("【附表】汕尾市 百万人发明专利申请量：评价值为0.9，页面为“90 件/百万人”" in b for b in found)
    assert any("页面有此行，附表没有" in b for b in found)
    text = ed.page.text.replace("90", "9 0")  # a number broken across lines, as "91.7/%" was in print
    assert any("【PDF】90" in b for b in rechecked(ed, pdf_text=text))
    assert rechecked(ed, pdf_text=ed.page.text) == []


def test_a_number_printed_apart_from_its_unit_is_a_breach():
    """江津's PDF had "3.04" at a line's end and "分" on the next, 合肥's "271.44 件/" and "万户": each a breach,
    named by the number with its unit; printed together (one space or none) it is none."""
    page = invariants.PageText.of("<p>超出目标 3.04 分，累计 271.44 件/万户，新增 7 个工作日</p>")
    whole = "超出目标 3.04 分，累计 271.44 件/万户，新增 7 个工作日"
    assert invariants.pdf_breaches(page, whole) == []
    parted = "超出目标 3.04\n分，累计 271.44 件/\n万户，新增 7 个工作日"
    assert [b.row for b in invariants.pdf_breaches(page, parted)] == ["271.44件/万户", "3.04分"]


def test_bulletin_refuses_an_inconsistent_edition_and_force_stamps_it(shanwei, ws, monkeypatch, capsys,
                                                                      prefect_harness):
    shanwei.close()
    out = ws.home / "out"
    # planted: the opening paragraph miscounts the targets achieved
    honest = narrative.paragraph
    monkeypatch.setattr(narrative, "paragraph", lambda rows, changes, quarter, *rest:
                        honest(rows, changes, quarter, *rest).replace("项已完成目标", "0项已完成目标", 1))
    assert cli.main(["--home", str(ws.home), "bulletin", "--period", "2021Q1", "-o", str(out)]) == 2
    said = capsys.readouterr().err
    assert "未发布任何文件" in said and "2020-final-shanwei-2016.html 【导语】已完成" in said
    assert not list(out.glob("*.html")) and not list(out.glob("*.xlsx")) and not list(out.glob(".drafts-*"))

    assert cli.main(["--home", str(ws.home), "bulletin", "--period", "2021Q1", "-o", str(out), "--force"]) == 0
    page = (out / "2020-final-shanwei-2016.html").read_text()
    assert "本期通报未通过一致性检查（1处），经操作员强制发布" in page and "【导语】已完成" in page
    index = (out / "index.html").read_text()
    assert '2020-final-shanwei-2016.html">汕尾市</a> <strong class="breach-flag">未通过一致性检查，强制发布' in index
    assert '2021Q1-hefei-2022.html">合肥市</a></td><td>截至' in index  # Hefei's edition passed: no stamp



def test_a_final_compared_with_the_last_quarter_or_miscounting_its_completion_is_caught(shanwei):
    ed = published(shanwei)
    assert "目标完成率" in ed.context["narrative"] and "与上期相比" not in ed.page.text
    wrong = copy.deepcopy(ed.context)
    wrong["narrative"] += "与上期相比，各项指标状态没有变化。"
    assert any("【终期评估】与上期相比" in b for b in rechecked(ed, wrong))
    wrong = copy.deepcopy(ed.context)
    wrong["narrative"] = wrong["narrative"].replace("目标完成率", "目标完成率99.0%（已完成9项/共10项）。旧", 1)
    found = rechecked(ed, wrong)
    assert any("【导语】目标完成率：称已完成9项/共10项" in b for b in found)
    assert any("【导语】目标完成率：99.0%不等于9/10" in b for b in found)


def test_counties_named_as_leading_must_have_met_the_most(shanwei):
    ed = published(shanwei)
    met = {t["region_name"]: t["status"] == "achieved" for t in ed.counties}  # one target per county
    assert met == dict.fromkeys(("汕尾市城区", "汕尾市海丰县", "汕尾市陆河县", "汕尾市陆丰市"), False)
    wrong = copy.deepcopy(ed.context)
    # none of the four meets its target (年均增长 20% since 2015): 城区 named as having met one
    wrong["narrative"] = "已完成指标最多的是汕尾市城区，完成1项；最少的是汕尾市海丰县，完成0项；" + wrong["narrative"]
    found = rechecked(ed, wrong)
    assert any("【导语】各县完成数：称最多1项，各县中为0项" in b for b in found), found
    assert any("【导语】汕尾市城区：称完成1项，其指标表为0项" in b for b in found), found
    assert any("【导语】汕尾市海丰县：完成0项的县（市、区）有4个" in b for b in found), found


def test_a_caption_repeating_its_heading_is_caught(shanwei):
    ed = published(shanwei)
    html = ed.html.replace("<figcaption>走势", f"<figcaption>{ed.context['key_figures'][0]['title']}走势", 1)
    assert html != ed.html
    found = [str(b) for b in invariants.check(invariants.Published(ed.context, html))]
    assert any("图表标题重复了所在小节的标题" in b for b in found), found
