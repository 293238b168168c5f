"""`ipwatch plan draft`: targets found in sentences typed in from the seeds and in unseen wordings, distractors left
out, tables read from a .docx, the .pdf printed from it and the .html, and each seed's draft measured against its
hand-made plan. The drafts come from the documents alone: data/plans/ is read only to measure them."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import docx
import pytest
import yaml

from ipwatch import config
from ipwatch.domain import catalogue as cat
from ipwatch.plans import documents, draft, naming, score, tables, targets

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FIVE_YEARS = targets.Period(2026, 2030)
SEED_PLANS = {"000": "liaoning-2017", "001": "shanwei-2016", "002": "hefei-2022", "003": "shandong-2015",
              "004": "jiangjin-2024"}


@pytest.fixture(scope="module")
def aliases() -> list[tuple[str, str]]:
    return naming.alias_spans(cat.default())


def found(sentence: str, aliases, period: targets.Period = FIVE_YEARS) -> list[tuple]:
    return [(p.indicator, p.kind, p.year, p.value, p.value_high, p.unit, p.direction, p.comparison)
            for p in targets.propose(sentence, period, aliases)]


# Each target kind and unit, typed in from the seeds (their plan's years) or written as a 十五五 plan would.
@pytest.mark.parametrize(("sentence", "period", "expected"), [
    ("到 2020 年，全市每万人发明专利拥有量力争达到 1.17 件", (2016, 2020),
     [("invention_patents_per_10k", "level", 2020, 1.17, None, "件", "up", ">=")]),
    ("全县(市、区)专利申请量和授权量年均分别递增15%", (2017, 2020),
     [("patent_applications", "annual_growth", 2020, 15, None, "%", "up", ">="),
      ("patent_grants", "annual_growth", 2020, 15, None, "%", "up", ">=")]),
    ("专利授权量、PCT国际专利申请量达到全省前30%水平", (2017, 2020),
     [("patent_grants", "rank", 2020, 30, None, "%", "down", "<="),
      ("pct_applications", "rank", 2020, 30, None, "%", "down", "<=")]),
    ("知识产权质押融资额每年超过5000万元", (2024, 2026),
     [("ip_pledge_financing_amount", "annual_flow", 2026, 5000, None, "万元", "up", ">")]),
    ("专利密集型产品备案数量累计达200件", (2024, 2026),
     [("patent_intensive_product_filings", "cumulative", 2026, 200, None, "件", "up", ">=")]),
    ("实现专利预审周期平均在七个工作日内", (2021, 2025),
     [("patent_prereview_days", "level", 2025, 7, None, "个工作日", "down", "<=")]),
    ("知识产权保护社会满意度达90%以上", (2024, 2026),
     [("ip_protection_satisfaction", "share", 2026, 90, None, "%", "up", ">=")]),
    ("各县(市、区)有专门的知识产权管理机构和2-3名知识产权专职人员", (2017, 2020),
     [("ip_fulltime_staff", "level", 2020, 2, 3, "名", "up", ">=")]),
    ("年度运营交易专利数达 10 项", (2016, 2020),
     [("patent_transfers_licenses", "annual_flow", 2020, 10, None, "项", "up", ">=")]),
    ("支持培育300户左右专精特新“小巨人”和“冠军”企业", (2021, 2025),
     [("little_giant_champion_enterprises", "cumulative", 2025, 300, None, "户", "up", ">=")]),
    ("到2030年，全市有效发明专利拥有量突破2万件", (2026, 2030),
     [("invention_patents_in_force", "level", 2030, 2, None, "万件", "up", ">=")]),
    ("专利密集型产业增加值占地区生产总值比重达到15%", (2026, 2030),
     [("patent_intensive_industry_gdp_share", "share", 2030, 15, None, "%", "up", ">=")]),
    ("力争到2028年知识产权质押融资额突破120亿元", (2026, 2030),
     [("ip_pledge_financing_amount", "level", 2028, 120, None, "亿元", "up", ">=")]),
])
def test_a_target_sentence_gives_its_kind_value_unit_and_year(sentence, period, expected, aliases):
    assert found(sentence, aliases, targets.Period(*period)) == expected


def test_new_items_listed_after_xinzeng_count_from_the_base_year(aliases):
    sentence = "力争新增国家专精特新“小巨人”企业2家、国家知识产权优势示范企业5家"
    made = targets.propose(sentence, targets.Period(2024, 2026), aliases)
    assert [(p.indicator, p.value, p.unit, p.kind, p.basis) for p in made] == [
        ("national_little_giant_enterprises", 2, "家", "cumulative", "new"),
        ("national_ip_advantage_demo_enterprises", 5, "家", "cumulative", "new")]


def test_a_doubling_is_relative_to_the_end_of_the_last_five_year_plan(aliases):
    (p,) = targets.propose("知识产权师、专利代理师、知识产权专员等各类人才数量较“十三五”末翻一番",
                           targets.Period(2021, 2025), aliases)
    # 较“十三五”末: the baseline is 2020, the year 十三五 ended; the target is the plan's last year, 2025
    assert (p.indicator, p.value, p.relative_to_baseline, p.baseline, p.year) == ("ip_talent", None, 2.0,
                                                                                 (2020, None), 2025)


def test_a_growth_over_a_plan_of_years_is_a_level_against_the_baseline(aliases):
    (p,) = targets.propose("全社会研发经费投入增长20%以上", targets.Period(2024, 2026), aliases)
    # 20% on the 2023 value: 1 + 20/100 = 1.2 times it, value left for the reviewer
    assert (p.kind, p.value, p.unit, p.relative_to_baseline, p.baseline) == ("level", None, None, 1.2, (2023, None))


def test_a_growth_in_a_plan_of_one_year_is_that_years_growth(aliases):
    made = targets.propose("实现全省发明专利申请量和授权量增长15%以上", targets.Period(2015, 2015), aliases)
    assert [(p.indicator, p.kind, p.per_year, p.value) for p in made] == [
        ("invention_patent_applications", "annual_growth", "target_year", 15),
        ("invention_patent_grants", "annual_growth", "target_year", 15)]


@pytest.mark.parametrize(("sentence", "baseline", "value"), [
    ("2025年全市每万人口高价值发明专利拥有量为14.2件，到2030年达到22件。", (2025, 14.2), 22),
    ("知识产权质押融资额由2025年的45亿元提高到80亿元", (2025, 45), 80),
    ("知识产权质押融资额从45亿元增加至80亿元", (2025, 45), 80),  # no year named: the year before the plan
])
def test_a_baseline_in_the_sentence_is_the_targets_baseline_not_a_target(sentence, baseline, value, aliases):
    (p,) = targets.propose(sentence, FIVE_YEARS, aliases)
    assert (p.baseline, p.value, p.year) == (baseline, value, 2030)


# Each kind of number that is no target.
@pytest.mark.parametrize("sentence", [
    "《关于推进知识产权强市建设行动方案》已经2022年5月10日市政府第9次常务会议审议通过",  # a date, a meeting
    "根据《国务院关于新形势下加快知识产权强国建设的若干意见》(国发〔2015〕71号)",  # a document number
    "代理免费咨询热线:0551-65300258,198 5510 9691(可V)",  # phone numbers
    "市财政安排专项资金500万元用于知识产权奖励",  # money spent
    "截至2025年底，全市有效发明专利拥有量已达1.2万件，比上年增长18%。",  # an achievement
    "每年举办知识产权培训班不少于2期",  # a recurring task
    "召开省部合作会商第一次工作会议,签署省部会商议定书。",  # a meeting's number
    "坚持“四个着力”和“三个推进”,深入实施创新驱动发展战略",  # slogans
    "特别是在每年3?15消费者权益日、4?26世界知识产权日等节点",  # days of the year
    "稳步推进17市专利信息服务分平台建设。",  # a count of the regions it covers, no unit of a target
])
def test_numbers_that_are_no_targets_stay_out(sentence, aliases):
    assert found(sentence, aliases, targets.Period(2021, 2030)) == []


def test_a_sentence_without_a_year_takes_the_plans_last_and_says_so(aliases):
    (p,) = targets.propose("科技型企业专利覆盖面达75%以上", targets.Period(2017, 2020), aliases)
    assert p.year == 2020 and any("未写年份" in r for r in p.reasons) and p.confidence == "medium"


def test_a_new_indicator_gets_a_proposed_code_and_says_so(aliases):
    (p,) = targets.propose("到2030年，全市数据知识产权登记量达到5000件", FIVE_YEARS, aliases)
    # 数据 data, 知识产权 ip, 登记 registrations (量, a measure word, left out)
    assert (p.known, p.wording, p.indicator) == (False, "数据知识产权登记量", "data_ip_registrations")
    assert naming.NEW_INDICATOR in p.reasons


@pytest.mark.parametrize(("digits", "pair"), [("75150", ["75", "150"]), ("620", ["6", "20"]),
                                              ("350700", ["350", "700"])])
def test_numbers_run_together_in_a_flattened_table_split_as_the_smallest_growth(digits, pair):
    # 75150: 7→5150 grows ×736, 75→150 ×2 (751→50 and 7515→0 fall): the smallest growth is 75→150
    assert tables._split(digits) == pair


# A table of main indicators, as a 十五五 plan of a region not in the catalogue would print it.
TITLE = "芜湖市知识产权强市建设“十五五”规划（2026—2030年）"
PROSE = "到2030年，全市每万人口高价值发明专利拥有量达到25件。"
HEADER = ["类别", "指标名称", "单位", "2025年基期值", "2030年目标值", "属性"]
ROWS = [
    ["创造", "每万人口高价值发明专利拥有量", "件", "14.2", "25", "预期性"],
    ["运用", "知识产权质押融资登记金额", "亿元", "45.6", "80", "预期性"],
    ["保护", "知识产权保护社会满意度", "分", "/", "85以上", "约束性"],
    ["服务", "数据知识产权登记量", "件", "/", "3000", "预期性"],
]
# What the rows mean, by hand: (wording, baseline, target value, unit, attribute)
TABLE_TARGETS = [
    ("每万人口高价值发明专利拥有量", (2025, 14.2), 25, "件", "预期性"),
    ("知识产权质押融资登记金额", (2025, 45.6), 80, "亿元", "预期性"),
    ("知识产权保护社会满意度", None, 85, "分", "约束性"),
    ("数据知识产权登记量", None, 3000, "件", "预期性"),
]


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph("芜湖市人民政府")
    document.add_paragraph(PROSE)
    table = document.add_table(rows=0, cols=len(HEADER))
    table.style = "Table Grid"
    for cells in [HEADER, *ROWS]:
        row = table.add_row().cells
        for cell, value in zip(row, cells, strict=True):
            cell.text = value
    document.add_paragraph("市知识产权局负责每季度通报建设进度。")
    document.save(str(path))
    return path


def write_html(path: Path) -> Path:
    """The .docx's content as the HTML page a government site would publish (and a browser prints)."""
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>" for cells in [HEADER, *ROWS])
    path.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:"Noto Sans CJK SC"}'
        "table{border-collapse:collapse}td{border:1px solid #000;padding:4px}</style></head><body>"
        f"<h1>{TITLE}</h1><p>芜湖市人民政府</p><p>{PROSE}</p><table>{rows}</table>"
        "<p>市知识产权局负责每季度通报建设进度。</p></body></html>", "utf-8")
    return path


def table_targets(made: draft.Draft) -> list[tuple]:
    return [(p.wording, p.baseline, p.value, p.unit, p.attribute) for p in made.proposals]


def test_a_docx_table_gives_one_target_per_row_and_a_repeated_one_once(tmp_path):
    made = draft.draft(write_docx(tmp_path / "wuhu.docx"))
    # the prose names the first row's target again: one proposal, with the row's baseline and 属性
    assert table_targets(made) == TABLE_TARGETS
    assert made.proposals[0].source == PROSE
    assert [p.year for p in made.proposals] == [2030] * 4


def test_the_docx_header_is_proposed_with_its_region_and_period(tmp_path):
    made = draft.draft(write_docx(tmp_path / "wuhu.docx"))
    h = made.header
    assert (h.title, h.issuer, h.region_code, h.period) == (TITLE, "芜湖市人民政府", "340200",
                                                          targets.Period(2026, 2030))
    assert h.bulletin_office == "芜湖市知识产权局"


def test_an_html_page_gives_the_same_targets(tmp_path):
    assert table_targets(draft.draft(write_html(tmp_path / "wuhu.html"))) == TABLE_TARGETS


@pytest.mark.slow
def test_a_pdf_printed_from_the_page_gives_the_same_targets(tmp_path):
    from ipwatch.bulletins import pdf

    pdf.require_chromium()
    printed = pdf.to_pdf(write_html(tmp_path / "wuhu.html"), tmp_path / "wuhu.pdf")
    made = draft.draft(printed)
    assert table_targets(made) == TABLE_TARGETS
    assert made.header.region_code == "340200"


@pytest.fixture(scope="module")
def seed_scores() -> dict[str, score.Score]:
    out = {}
    for seed in sorted(SEEDS.glob("*.txt")):
        made = draft.as_dict(draft.draft(seed))
        hand = yaml.safe_load((config.PLANS_DIR / f"{SEED_PLANS[seed.name[:3]]}.yaml").read_text("utf-8"))
        out[seed.name] = score.score(made["targets"], hand["targets"], seed.read_text("utf-8"))
    return out


def test_each_seeds_draft_finds_its_hand_made_targets(seed_scores):
    for name, s in seed_scores.items():
        assert s.recall >= 0.95, (name, s.missed)
        assert s.precision >= 0.9, (name, s.extra)
        assert s.cited == s.proposed, name


def test_the_seeds_together_reach_the_goals(seed_scores):
    found = sum(s.found for s in seed_scores.values())
    assert found / sum(s.expected for s in seed_scores.values()) >= 0.95
    assert found / sum(s.proposed for s in seed_scores.values()) >= 0.9


def test_hefeis_draft_splits_the_table_pairs_as_the_plan_means():
    made = draft.draft(SEEDS / "002_e1625e000627f825.txt")
    pairs = {p.wording: (p.baseline, p.value) for p in made.proposals if p.from_table}
    assert pairs["国家知识产权优势示范企业数量"] == ((2020, 75), 150)
    assert pairs["省级知识产权信息公共服务网点"] == ((2020, 6), 20)
    assert pairs["专利代理师数量"] == ((2020, 350), 700)


# The class: any indicator the catalogue knows, any value, unit and year, in the sentence shapes plans use, is
# found once with its numbers; and no number of a distractor's shape ever is.
SHAPES = ("到{year}年，全市{name}达到{value}{unit}。", "力争{year}年{name}突破{value}{unit}",
          "{year}年，{name}超过{value}{unit}以上。", "到{year}年底，{name}不低于{value}{unit}")
DISTRACTORS = ("{year}年{month}月{day}日印发", "联系电话：0{area}-{phone}", "(国发〔{year}〕{n}号)",
               "市委第{n}次全会", "已累计投入资金{value}万元", "截至{past}年底已建成{n}家")


def test_generated_targets_are_found_with_their_numbers(aliases):
    rng = random.Random(31)
    knowns = [(name, code) for name, code in aliases if len(name) >= 5 and not name[0].isdigit()]
    for _ in range(300):
        name, code = rng.choice(knowns)
        year, unit = rng.randint(2026, 2030), rng.choice(("件", "家", "个", "亿元", "万元", "%", "人", "项"))
        value = rng.choice((rng.randint(1, 50000), round(rng.uniform(0.1, 99), 2)))
        sentence = rng.choice(SHAPES).format(year=year, name=name, value=value, unit=unit)
        made = targets.propose(sentence, FIVE_YEARS, aliases)
        assert [(p.year, p.value, p.unit) for p in made] == [(year, value, unit)], sentence
        assert made[0].indicator == code and made[0].source in sentence, sentence


def test_generated_distractors_are_never_targets(aliases):
    rng = random.Random(26)
    for _ in range(300):
        sentence = rng.choice(DISTRACTORS).format(
            year=rng.randint(2015, 2030), month=rng.randint(1, 12), day=rng.randint(1, 28), n=rng.randint(1, 99),
            area=rng.randint(10, 999), phone=rng.randint(1000000, 99999999), value=rng.randint(10, 9999),
            past=rng.randint(2015, 2025))
        assert targets.propose(sentence, FIVE_YEARS, aliases) == [], sentence


@pytest.fixture(scope="module")
def names_alone() -> list[tuple[str, str]]:
    """The names a plan never seen meets: the indicators' Chinese names, no alias, no plan's wording."""
    shipped = cat.default()
    indicators = {code: dataclasses.replace(i, aliases=()) for code, i in shipped.indicators.items()}
    return naming.alias_spans(cat.Catalogue(indicators=indicators, plans={}))


def test_every_indicator_is_found_by_its_name_without_the_word_for_count(names_alone):
    # plans write 高新技术企业 where the catalogue names 高新技术企业数量: each such indicator, in a 十五五 sentence
    counted = [(i.name_zh, code) for code, i in cat.default().indicators.items() if i.name_zh.endswith("数量")]
    assert len(counted) > 20
    for name, code in counted:
        (p,) = targets.propose(f"到2030年，全市{name[:-2]}达到120家", FIVE_YEARS, names_alone)
        assert (p.indicator, p.known, p.value, p.reasons) == (code, True, 120, []), name  # a match, not a guess


def test_a_wording_near_a_catalogue_name_is_matched_and_says_so(names_alone):
    (p,) = targets.propose("到2030年，知识产权质押融资登记金额达到80亿元", FIVE_YEARS, names_alone)
    # 知识产权质押融资登记金额 (11 character pairs) and 知识产权质押融资额 (8) share 7: Dice 2·7/19 = 0.74 >= 0.7
    assert (p.indicator, p.wording) == ("ip_pledge_financing_amount", "知识产权质押融资登记金额")
    assert naming.NEAREST.format("知识产权质押融资额") in p.reasons


def test_a_whole_plan_never_seen_is_drafted_as_a_person_would(tmp_path):
    """tests/golden/plan_wuhu_2026.txt: a 十五五 plan written for this test in the wording plans use, with a
    发展基础 of past figures, targets in prose, a 属性 on one, and a distractor of each kind in its tasks."""
    made = draft.draft(config.ROOT / "tests" / "golden" / "plan_wuhu_2026.txt")
    h = made.header
    assert (h.title, h.issuer, h.document_number, h.region_code, h.period, h.bulletin_office) == (
        "芜湖市知识产权强市建设“十五五”规划（2026—2030年）", "芜湖市人民政府", "芜政〔2026〕12号", "340200",
        targets.Period(2026, 2030), "芜湖市知识产权局")
    got = [(p.indicator, p.kind, p.per_year, p.year, p.value, p.unit, p.baseline, p.attribute) for p in made.proposals]
    assert got == [
        # 2025年…每万人口高价值发明专利拥有量为14.2件 (发展基础) is the baseline of the 2030 target of 25件
        ("high_value_invention_patents_per_10k", "level", None, 2030, 25, "件", (2025, 14.2), None),
        ("pct_applications", "annual_growth", "average", 2030, 10, "%", None, None),
        ("registered_trademarks_in_force", "level", None, 2030, 20, "万件", None, None),
        ("ip_pledge_financing_amount", "cumulative", None, 2030, 300, "亿元", None, None),
        ("patent_intensive_industry_gdp_share", "share", None, 2030, 18, "%", None, None),
        ("ip_protection_satisfaction", "share", None, 2030, 88, "分", None, None),
        ("ip_disputes_mediation_rate", "share", None, 2030, 80, "%", None, "约束性"),  # its own 属性 alone
        ("national_ip_advantage_demo_enterprises", "cumulative", None, 2030, 30, "家", None, None),
        ("ip_public_service_institutions", "cumulative", None, 2030, 50, "个", None, None),
        ("patents_transfers_licenses_count", "level", None, 2028, 3000, "次", None, None),  # 到2028年
    ]
    # left out: 1.2亿元 spent, 2.1万件 and 18% of 2025, 2期 and 1000人次 of recurring training, 第3次 meeting,
    # 2000万元 budgeted each year, the phone number, the dates and the 文号


def test_a_pdf_fonts_radicals_read_as_the_ideographs_a_plan_is_written_in():
    # ⻓ ⻔ (CJK Radicals Supplement, simplified), ⾦ (Kangxi, by NFKC), ⼾ drawn for 户 (its NFKC: the traditional 戶)
    assert documents.ideographs("增⻓ 专⻔ ⾦额 每万⼾ ⺠事") == "增长 专门 金额 每万户 民事"


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["002_e1625e000627f825.txt", "004_bd8e8a35b7d95472.txt"])
def test_a_seed_printed_to_pdf_gives_its_targets(seed, tmp_path):
    from ipwatch.bulletins import pdf

    from .bench_plans import printed, seed_score

    pdf.require_chromium()
    s = seed_score(SEEDS / seed, cat.default(), printed(SEEDS / seed, tmp_path))
    assert (s.recall, s.precision, s.cited) == (1.0, 1.0, s.proposed), (s.missed, s.extra)
