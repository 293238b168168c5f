"""What every edition must say consistently, checked by code before it is published (README, Bulletins: checks).

An edition states the same facts in many places: the headline, the opening paragraph, the figures and the tables
behind them, the county summary, each target row, the Excel annex and the PDF. Each check below reads what one
place shows and compares it with another; a disagreement is a `Breach` naming the section, the row and both
numbers. `check` runs them all; `ipwatch bulletin` refuses to publish an edition with any breach.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ipwatch.domain import target_text

# Latin words that belong in Chinese text: units, codes and names the plans themselves write in Latin letters.
LATIN_ALLOWED = frozenset({"None", "nan", "NaN", "inf",  # told apart by nothing_unfilled
                           "PCT", "GDP", "R", "D", "IP", "Excel", "PDF", "ipwatch", "km", "kg", "CSV", "Q",
                           "Madrid", "GB", "T"})
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# file names (441500-2020Q3.csv) and hashes are codes, not words
CODES = re.compile(r"[\w.-]+\.(?:csv|xlsx|xls|html|pdf)\b|\b[0-9a-f]{8,}\b", re.IGNORECASE)
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
NEGATIVE_ZERO = re.compile(r"(?<![0-9A-Za-z])-0(?:\.0+)?(?![\d.])")  # "-0.0%": a rounding, not a regression


@dataclass(frozen=True)
class Breach:
    """One disagreement: where (the section and the row) and what, with both numbers."""

    section: str
    row: str
    message: str

    def __str__(self) -> str:
        return f"【{self.section}】{self.row}：{self.message}"


class Inconsistent(ValueError):
    """An edition that breaks invariants: nothing of it was published. `breaches`: (page, breach) pairs."""

    SHOWN = 5

    def __init__(self, breaches: list[tuple[str, Breach]]) -> None:
        self.breaches = breaches
        shown = "；".join(f"{page} {breach}" for page, breach in breaches[:self.SHOWN])
        more = f"…（共{len(breaches)}处）" if len(breaches) > self.SHOWN else ""
        super().__init__(f"本期通报有{len(breaches)}处数字前后不一致，未发布任何文件 (edition not published: "
                         f"{len(breaches)} inconsistencies)：{shown}{more}。"
                         "确需发布请加 --force，通报上将注明未通过检查")


@dataclass
class Published:
    """An edition as published: the context it was rendered from, its page, and (when made) annex and PDF."""

    context: dict
    html: str
    annex: list[dict] | None = None
    pdf_text: str | None = None
    # which of a list of region codes did not exist on the edition's date (the registry's dated changes)
    absent_regions: Callable[[list[str]], set[str]] | None = None
    page: PageText = field(init=False)

    def __post_init__(self) -> None:
        self.page = PageText.of(self.html)

    @property
    def own(self) -> list[dict]:
        """The target rows of the plan's own region."""
        code = self.context["plan"]["region_code"]
        return [t for t in rows(self.context) if t["region_code"] == code]

    @property
    def counties(self) -> list[dict]:
        """The target rows binding the regions under the plan's region."""
        code = self.context["plan"]["region_code"]
        return [t for t in rows(self.context) if t["region_code"] != code]


def rows(context: dict) -> list[dict]:
    """Every target row of the edition, every region."""
    return [t for r in context["regions"] for c in r["categories"] for t in c["targets"]]


class PageText(HTMLParser):
    """The text a reader sees on a page: outside charts (`text`) and inside them (`chart_text`)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.chart_parts: list[str] = []
        self.skip = 0
        self.svg = 0

    @classmethod
    def of(cls, html: str) -> PageText:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.skip += tag in ("style", "script", "title")
        self.svg += tag == "svg"
        if tag in ("td", "th", "p", "br", "li", "h1", "h2", "h3", "figcaption", "div", "tr", "summary"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script", "title")
        self.svg -= tag == "svg"

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        (self.chart_parts if self.svg else self.parts).append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def chart_text(self) -> str:
        return " ".join(self.chart_parts)


# --- the checks ---------------------------------------------------------------------------------------------------

def status_tally(targets: list[dict]) -> Counter:
    """How many of the rows stand at each status label."""
    return Counter(t["status_label"] for t in targets)


def stated_tally(text: str) -> Counter:
    """The counts a sentence states as '已完成5项、正常推进4项'."""
    return Counter({label: int(n) for label, n in re.findall(r"([\u4e00-\u9fff]+?)(\d+)项", text)})


def headline_counts(ed: Published) -> Iterator[Breach]:
    """The headline's counts are the rows' counts, and each figure of statuses counts the same rows."""
    summary = ed.context["summary"]
    if ed.own:
        stated = re.search(r"(\d+)项指标中(.+?)。", summary)
        if not stated:
            yield Breach("标题", "本级指标", f"未写明指标数，应为{len(ed.own)}项")
        else:
            total, tally = int(stated.group(1)), stated_tally(stated.group(2))
            if total != len(ed.own):
                yield Breach("标题", "本级指标", f"称{total}项指标，表中为{len(ed.own)}项")
            if tally != status_tally(ed.own):
                yield Breach("标题", "本级指标", f"状态计数{dict(tally)}，表中为{dict(status_tally(ed.own))}")
    if ed.counties:
        yield from county_headline_counts(ed, summary)
    for figure in ed.context.get("status_figures", []):
        counted = Counter({c["label"]: c["n"] for c in figure["table"] if c["n"]})
        shown = ed.own if figure["population"] == "own" else ed.counties
        if counted != status_tally(shown):
            yield Breach(figure["caption"], "合计",
                         f"图中状态计数{dict(counted)}（共{sum(counted.values())}），"
                         f"表中为{dict(status_tally(shown))}（共{len(shown)}）")


def county_headline_counts(ed: Published, summary: str) -> Iterator[Breach]:
    """'规划对C个县各设M项指标：a项均已完成，b项部分已完成，c项尚无…；全部完成的县d个' against the rows."""
    counties = {t["region_code"] for t in ed.counties}
    targets: dict[str, list[dict]] = {}
    for t in ed.counties:
        targets.setdefault(t["target_id"], []).append(t)
    stated = re.search(r"规划对(\d+)个县（市、区）各设(\d+)项指标：(\d+)项[^，]*均已完成，(\d+)项部分[^，]*已完成，"
                       r"(\d+)项尚无[^；]*完成；全部指标均已完成的县（市、区）(\d+)个", summary)
    if not stated:
        yield Breach("标题", "各县指标", "未写明县数与各县指标的完成情况")
        return
    c, m, every, some, none, complete = map(int, stated.groups())
    done = [(sum(t["status"] == "achieved" for t in group), len(group)) for group in targets.values()]
    expected = (len(counties), len(targets), sum(d == n for d, n in done), sum(0 < d < n for d, n in done),
                sum(d == 0 for d, _ in done),
                sum(all(t["status"] == "achieved" for t in ed.counties if t["region_code"] == code)
                    for code in counties))
    words = ("县数", "每县指标数", "各县均完成的指标", "部分县完成的指标", "无县完成的指标", "全部完成的县")
    for word, said, found in zip(words, (c, m, every, some, none, complete), expected, strict=True):
        if said != found:
            yield Breach("标题", "各县指标", f"{word}称{said}，表中为{found}")
    if every + some + none != m:
        yield Breach("标题", "各县指标", f"{every}+{some}+{none}项不等于所设{m}项")


def narrative_counts(ed: Published) -> Iterator[Breach]:
    """The opening paragraph's counts agree with the rows, and a count of counties never exceeds the counties."""
    text = ed.context["narrative"]
    if ed.own:
        stated = re.search(r"纳入(?:监测|评估)的(\d+)项指标中", text)
        if stated and int(stated.group(1)) != len(ed.own):
            yield Breach("导语", "本级指标", f"称{stated.group(1)}项指标，表中为{len(ed.own)}项")
        tally = status_tally(ed.own)
        for pattern, labels in ((r"(\d+)项已完成目标", ("已完成",)), (r"(\d+)项到期未完成", ("到期未完成",)),
                                (r"(\d+)项达到序时进度", ("正常推进",)),
                                (r"(\d+)项落后于序时进度", ("需加快", "明显滞后", "倒退"))):
            said = re.search(pattern, text)
            found = sum(tally[label] for label in labels)
            if (int(said.group(1)) if said else 0) != found:
                yield Breach("导语", "/".join(labels), f"称{said.group(1) if said else 0}项，表中为{found}项")
    counties = len({t["region_code"] for t in ed.counties})
    for name, n in re.findall(r"([^，、（）。]+?)（(\d+)个）", text):
        if int(n) > counties:
            yield Breach("导语", name, f"称{n}个县（市、区），规划只覆盖{counties}个")
    best = re.search(r"完成县数最多的指标是(.+?)，最少的是(.+?)。", text)
    if best and set(best.group(1).split("、")) & set(best.group(2).split("、")):
        yield Breach("导语", "各县指标", f"同一指标既是完成最多也是最少的：{best.group(1)} / {best.group(2)}")


def counties_named(ed: Published) -> Iterator[Breach]:
    """The counties the paragraph names as leading and trailing have met the most and the fewest targets, as many
    as it says."""
    met: dict[str, int] = Counter()
    names: dict[str, str] = {}
    for t in ed.counties:
        met[t["region_code"]] += t["status"] == "achieved"
        names[t["region_name"]] = t["region_code"]
    stated = re.search(r"已完成指标最多的是(.+?)，各?完成(\d+)项；最少的是(.+?)，各?完成(\d+)项",
                       ed.context["narrative"])
    if not stated:
        return
    for said, n, best in ((stated.group(1), int(stated.group(2)), max),
                          (stated.group(3), int(stated.group(4)), min)):
        if n != best(met.values()):
            word = "最多" if best is max else "最少"
            yield Breach("导语", "各县完成数", f"称{word}{n}项，各县中为{best(met.values())}项")
        tied = sum(k == n for k in met.values())
        more = re.search(r"等(\d+)个县（市、区）$", said)
        if (int(more.group(1)) if more else len(said.split("、"))) != tied:
            yield Breach("导语", said, f"完成{n}项的县（市、区）有{tied}个")
        for name in re.sub(r"等\d+个县（市、区）$", "", said).split("、"):
            if name not in names or met[names[name]] != n:
                yield Breach("导语", name, f"称完成{n}项，其指标表为{met.get(names.get(name), 0)}项")


def final_wording(ed: Published) -> Iterator[Breach]:
    """A final evaluation compares the plan's end with its baseline and targets, never with the last quarter; its
    目标完成率 is the targets met among those evaluated, and its 较基期 counts are the rows'."""
    edition = ed.context.get("edition")
    if edition is None or edition.kind != "final":
        return
    for word in ("与上期相比", "与上季度相比", "上季度", "环比", "本期变化"):
        if word in ed.page.text:
            at = ed.page.text.find(word)
            yield Breach("终期评估", word, f"与上一季度比较：“…{ed.page.text[max(0, at - 12):at + 16].strip()}…”")
    for rate, met, unit, total in re.findall(r"目标完成率(-?[\d.]+)%（已完成(\d+)(项次?)/共(\d+)项次?）",
                                             ed.context["narrative"]):
        shown = ed.counties if unit == "项次" else ed.own
        found = sum(t["status"] == "achieved" for t in shown)
        if (int(met), int(total)) != (found, len(shown)):
            yield Breach("导语", "目标完成率", f"称已完成{met}{unit}/共{total}{unit}，表中为{found}/{len(shown)}")
        if abs(float(rate) - 100 * int(met) / max(int(total), 1)) > 0.05 + 1e-9:
            yield Breach("导语", "目标完成率", f"{rate}%不等于{met}/{total}")
    moved = {}  # each comparable own row's move from its baseline, towards its target when positive
    for t in rows(ed.context):
        if t["kind"] != "rank" and t["baseline_text"] != "—" and None not in (t["baseline"], t["actual"]):
            change = t["actual"] - t["baseline"]
            if t["region_code"] == ed.context["plan"]["region_code"]:
                moved[t["target_id"]] = -change if t["direction"] == "down" else change
            shown = t.get("since_base_text", "")
            if (shown.startswith("+") and change <= 0) or (shown.startswith("-") and change >= 0):
                yield Breach("指标表", f"{t['region_name']} {t['wording']}",
                             f"较基期{shown}，基期{t['baseline']:g}、评价值{t['actual']:g}")
    stated = re.search(r"有基期值可比的(\d+)项指标中，(?:(\d+)项向目标推进)?，?(?:(\d+)项与基期持平)?，?"
                       r"(?:(\d+)项较基期倒退)?", ed.context["narrative"])
    if stated:
        forward, back = sum(m > 0 for m in moved.values()), sum(m < 0 for m in moved.values())
        said = tuple(int(g or 0) for g in stated.groups())
        if said != (len(moved), forward, len(moved) - forward - back, back):
            yield Breach("导语", "较基期", f"称可比{said[0]}项、推进{said[1]}项、持平{said[2]}项、倒退{said[3]}项，"
                                          f"表中为{len(moved)}、{forward}、{len(moved) - forward - back}、{back}")


def region_counts(ed: Published) -> Iterator[Breach]:
    """Counts of regions never above the regions covered; a county's achieved count is its rows'."""
    counties = {t["region_code"] for t in ed.counties}
    for change in ed.context.get("county_changes", []):
        if change["changed"] > len(counties) or change["achieved"] > change["changed"]:
            yield Breach("本期变化", change["wording"],
                         f"{change['changed']}个县状态变化（新完成{change['achieved']}个），规划只覆盖{len(counties)}个")
    summary = ed.context.get("county_summary")
    if summary:
        if len(summary["rows"]) != len(counties):
            yield Breach("各县概览", "行数", f"{len(summary['rows'])}行，规划覆盖{len(counties)}个县")
        for row in summary["rows"]:
            own = [t for t in ed.counties if t["region_code"] == row["region_code"]]
            achieved = sum(t["status"] == "achieved" for t in own)
            if (row["achieved"], row["targets"]) != (achieved, len(own)):
                yield Breach("各县概览", row["region_name"],
                             f"已完成{row['achieved']}/{row['targets']}，其指标表为{achieved}/{len(own)}")


def competition_ranks(values: list[float]) -> list[int]:
    """Ranks of values listed best first, by the written rule (competition ranking, README): a region shares the
    place of the first region with its value, and the next value's place skips the tied ones (1, 2, 2, 4)."""
    return [values.index(v) + 1 for v in values]


def ranks_agree(ed: Published) -> Iterator[Breach]:
    """A region's rank is the same in every table, and every ranking follows competition ranking."""
    for figure in ed.context.get("key_figures", []):
        table = figure.get("ranking_table") or []
        for r, expected in zip(table, competition_ranks([r["value"] for r in table]), strict=True):
            if r.get("rank") != expected:
                yield Breach(f"排名：{figure['title']}", r["name"],
                             f"第{r.get('rank')}名，按数值应为第{expected}名（并列者名次相同）")
        shown = {r["region_code"]: r.get("rank") for r in table}
        target_id = figure.get("target_id")
        for t in ed.counties:
            if t["target_id"] != target_id or t["kind"] != "rank" or t["rank"] is None:
                continue
            if t["region_code"] in shown and shown[t["region_code"]] != t["rank"] and \
                    t["peer_count"] == len(table):
                yield Breach("各县概览", t["region_name"],
                             f"{t['wording']}第{t['rank']}名，排名表为第{shown[t['region_code']]}名")
    places: dict[str, list[dict]] = {}
    for t in ed.counties + ed.own:
        if t["kind"] == "rank" and t["peer_count"]:
            places.setdefault(t["target_id"], []).append(t)
    for group in places.values():
        n = group[0]["places"]
        achieved = sum(t["status"] == "achieved" for t in group)
        if achieved > n and len(group) == group[0]["peer_count"]:
            yield Breach("各县指标", group[0]["wording"], f"{achieved}个地区算作已进入前{n}名")


def comparison_holds(row: dict) -> bool | None:
    """Whether the figure judged meets the target by the plan's comparison (None: not a quantity judged so).
    Figures within a billionth of the target are equal (a growth computed as 19.999999999999996 for 20)."""
    reached, target = row.get("reached"), row.get("target")
    if row["kind"] == "rank" or reached is None or target is None:
        return None
    equal = math.isclose(reached, target, rel_tol=1e-9, abs_tol=1e-12)
    return {">": reached > target and not equal, "<": reached < target and not equal, "<=": reached <= target or equal,
            "=": equal}.get(row["comparison"], reached >= target or equal)


def status_agrees(ed: Published) -> Iterator[Breach]:
    """Status agrees with completion and the comparison: a row not achieved never shows 100% or more, an
    achieved one never less; a quantity is achieved exactly when its figure meets the target and (a 每年 target)
    no year of the plan so far was missed."""
    for t in rows(ed.context):
        where = f"{t['region_name']} {t['wording']}"
        shown = re.fullmatch(r"(-?\d+(?:\.\d+)?)%", t["margin_text"])
        if t["status"] != "achieved" and shown and float(shown.group(1)) >= 100:
            yield Breach("指标表", where, f"完成{t['margin_text']}，状态却为{t['status_label']}")
        if t["status"] == "achieved" and shown and float(shown.group(1)) < 100:
            yield Breach("指标表", where, f"状态为已完成，完成情况却为{t['margin_text']}")
        holds = comparison_holds(t)
        if holds is None or t["status"] in ("no_data", "incomplete", "no_baseline"):
            continue
        missed = t.get("missed_years") or []
        if (holds and not missed) != (t["status"] == "achieved"):
            years = f"，{'、'.join(map(str, missed))}年未达到" if missed else ""
            yield Breach("指标表", where, f"评价值{t['reached']:g}与目标{t['target']:g}（{t['comparison']}）"
                                         f"{'相符' if holds else '不符'}{years}，状态却为{t['status_label']}")
        if missed and t["status"] != "missed":
            yield Breach("指标表", where, f"{'、'.join(map(str, missed))}年未达到每年目标，状态却为{t['status_label']}")


def one_unit(ed: Published) -> Iterator[Breach]:
    """A row's baseline, value and target are written in one unit, the row's."""
    for t in rows(ed.context):
        unit = t["shown_unit"]
        if t["kind"] in ("rank", "annual_growth"):
            continue
        for name, text in (("基期值", t["baseline_text"]), ("评价值", t["judged_text"]), ("目标值", t["target_text"])):
            if NUMBER.search(text) and unit not in text and not text.startswith("基期的"):
                yield Breach("指标表", f"{t['region_name']} {t['wording']}", f"{name}“{text}”不是以{unit}表示")


def judged_in_chart(ed: Published) -> Iterator[Breach]:
    """The value a key target's row is judged on is a point of its chart."""
    own = {t["target_id"]: t for t in ed.own}
    for figure in ed.context.get("key_figures", []):
        t = own.get(figure.get("target_id"))
        if t is None or t["actual"] is None or not figure.get("trend_table"):
            continue
        value = target_text.in_unit(t, t["actual"])
        if not any(p["period"] == t["actual_period"] and math.isclose(p["value"], value, rel_tol=1e-9, abs_tol=1e-9)
                   for p in figure["trend_table"]):
            yield Breach(f"图：{figure['title']}", t["wording"],
                         f"评价值{target_text.format_number(value)}（{t['actual_period']}）不在图中")


def one_name(ed: Published) -> Iterator[Breach]:
    """One name per target in the edition: its row, its chart, the county summary, the changes and the annex."""
    names = {t["target_id"]: t["wording"] for t in rows(ed.context)}
    for figure in ed.context.get("key_figures", []):
        if figure.get("target_id") in names and figure["title"] != names[figure["target_id"]]:
            yield Breach("重点指标", figure["title"], f"图题与指标表名称“{names[figure['target_id']]}”不同")
    by_indicator: dict[str, set[str]] = {}
    for t in rows(ed.context):
        by_indicator.setdefault(t["indicator_code"], set()).add(t["wording"])
    for c in ed.context.get("corrections", []):
        wordings = by_indicator.get(c.get("indicator_code"), set())
        if len(wordings) == 1 and c["indicator_name"] not in wordings:
            yield Breach("更正", c["indicator_name"], f"同一指标在指标表中称“{next(iter(wordings))}”")


class Outline(HTMLParser):
    """The page's headings and captions in order: (tag, text) for h1–h3, figcaption and caption."""

    TAGS = ("h1", "h2", "h3", "figcaption", "caption")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[list[str]] = []
        self.open: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.TAGS:
            self.open = tag
            self.items.append([tag, ""])

    def handle_endtag(self, tag: str) -> None:
        if tag == self.open:
            self.open = None

    def handle_data(self, data: str) -> None:
        if self.open:
            self.items[-1][1] += data


def one_mention(ed: Published) -> Iterator[Breach]:
    """A name stands once per section: no caption repeats the heading it stands under (每万人…拥有量 as the
    heading, then 每万人…拥有量走势 as the chart's title)."""
    outline = Outline()
    outline.feed(ed.html)
    heading = ""
    for tag, text in outline.items:
        text = text.strip()
        if tag in ("h1", "h2", "h3"):
            heading = text
        elif heading and len(heading) > 2 and heading in text:
            yield Breach(heading, text, "图表标题重复了所在小节的标题")


def chinese_text(ed: Published) -> Iterator[Breach]:
    """No Latin words in the Chinese text, outside codes and units."""
    quoted = {t["note"] for t in rows(ed.context) if t.get("note")}  # an office's own words, quoted as written
    page = ed.page.text
    for note in quoted:
        page = page.replace(note, " ")
    for where, text in (("正文", CODES.sub(" ", page)), ("图", CODES.sub(" ", ed.page.chart_text))):
        for word in sorted(set(LATIN_WORD.findall(text)) - LATIN_ALLOWED):
            at = text.find(word)
            yield Breach(where, word, f"中文中夹有英文：“…{text[max(0, at - 12):at + len(word) + 12].strip()}…”")


def nothing_unfilled(ed: Published) -> Iterator[Breach]:
    """No value left unfilled in what a reader sees: Python's None or NaN printed as text."""
    for word in ("None", "nan", "NaN", "inf"):
        for match in re.finditer(rf"(?<![A-Za-z]){word}(?![A-Za-z])", ed.page.text):
            at = match.start()
            yield Breach("正文", word, f"未填的值被印出：“…{ed.page.text[max(0, at - 16):at + 8].strip()}…”")
            break
    for match in NEGATIVE_ZERO.finditer(ed.page.text):
        at = match.start()
        yield Breach("正文", match.group(), f"印出了负零：“…{ed.page.text[max(0, at - 16):at + 8].strip()}…”")


def shown_number(text: str) -> float | None:
    """The number a cell of the page states ('本年累计 3,900 万元' 3900; '基期的2倍，即 150 家' 150); None for '—'."""
    if text.startswith("基期的"):  # a multiple of a baseline: the number is the resolved one, if known
        text = text.split("即", 1)[1] if "即" in text else ""
    found = NUMBER.search(text)
    return float(found.group().replace(",", "")) if found else None


def annex_agrees(ed: Published) -> Iterator[Breach]:
    """Every row of the Excel annex has the page's numbers, in the page's unit, its name and its status."""
    if ed.annex is None:
        return
    page = {(t["region_code"], t["target_id"]): t for t in rows(ed.context)}
    seen = set()
    for a in ed.annex:
        key = (a["region_code"], a["target_id"])
        t = page.get(key)
        seen.add(key)
        if t is None:
            yield Breach("附表", a["name"], f"{a['region_code']} 不在页面中")
            continue
        where = f"{t['region_name']} {t['wording']}"
        if a["unit"] != t["shown_unit"]:
            yield Breach("附表", where, f"单位为{a['unit']}，页面为{t['shown_unit']}")
        for column, text in (("基期值", t["baseline_text"]), ("评价值", t["judged_text"]),
                             ("目标值", t["target_text"])):
            cell = a[{"基期值": "baseline", "评价值": "value", "目标值": "target"}[column]]
            shown = shown_number(text)
            if not same(cell, shown):
                yield Breach("附表", where, f"{column}为{cell}，页面为“{text}”")
        percent = re.fullmatch(r"-?\d+(?:\.\d+)?%", t["margin_text"])
        # the annex stores the ratio, the page prints it to one decimal: equal when it prints the same
        if percent and (a["completion"] is None or abs(a["completion"] * 100 - float(t["margin_text"][:-1])) > 0.05
                        + 1e-9):
            yield Breach("附表", where, f"完成度为{a['completion']}，页面为{t['margin_text']}")
        if a["status_label"] != t["status_label"]:
            yield Breach("附表", where, f"状态为{a['status_label']}，页面为{t['status_label']}")
        if a["name"] != t["wording"]:
            yield Breach("附表", where, f"名称为“{a['name']}”")
    for key in set(page) - seen:
        yield Breach("附表", f"{page[key]['region_name']} {page[key]['wording']}", "页面有此行，附表没有")


def same(a: float | None, b: float | None) -> bool:
    """Equal as the page prints them, to two decimals (both missing counts as equal)."""
    if a is None or b is None:
        return a is None and b is None
    return round(float(a), 2) == round(float(b), 2)


def pdf_agrees(ed: Published) -> Iterator[Breach]:
    """Every number of the page's text is in the PDF (charts' and tables' alike): nothing dropped or broken."""
    if ed.pdf_text is not None:
        yield from pdf_breaches(ed.page, ed.pdf_text)


def pdf_breaches(page: PageText, pdf_text: str) -> list[Breach]:
    """The numbers of a page missing from its PDF's text (a table not printed, a number broken across lines), and
    the numbers printed apart from their unit ("211.66 亿" at a line's end, "元" on the next)."""
    shown = Counter(NUMBER.findall(page.text))
    printed = Counter(NUMBER.findall(pdf_text))
    missing = [Breach("PDF", number, f"页面上出现{n + printed[number]}次，PDF中只有{printed[number]}次")
               for number, n in sorted((shown - printed).items())]
    words = Counter(unit_words(page.text))
    kept = Counter(unit_words(pdf_text))
    parted = [Breach("PDF", word, f"页面上出现{n + kept[word]}次，PDF中数字与单位分行{n}次")
              for word, n in sorted((words - kept).items())]
    return missing + parted


def unit_words(text: str) -> list[str]:
    """Each number written with its unit, spaces dropped, as one word ("211.66亿元")."""
    return [re.sub(r"[ \u00a0]", "", word) for word in target_text.number_and_unit().findall(text)]


def regions_existed(ed: Published) -> Iterator[Breach]:
    """Every region named in the edition existed, under that code, on the edition's date."""
    if ed.absent_regions is None:
        return
    ranked = {r["region_code"] for f in ed.context.get("key_figures", []) for r in f.get("ranking_table") or []}
    codes = sorted({t["region_code"] for t in rows(ed.context)} | ranked)
    for code in sorted(ed.absent_regions(codes)):
        yield Breach("地区", code, f"{ed.context['quarter_label']}时不存在此区划代码")


def only_signed_off(ed: Published) -> Iterator[Breach]:
    """Of a quarter under sign-off a published edition shows only what was accepted (审定): no target of a region
    whose quarter is not accepted is judged on a value of the quarter (submitted or derived); its counts of regions
    by state add up; a preview says so, and only a preview."""
    signoff, quarter = ed.context.get("signoff"), ed.context["quarter"]
    preview = bool(ed.context.get("preview"))
    if ("内部预览稿" in ed.page.text) != preview:
        yield Breach("逐级审核", "内部预览稿", "预览稿须注明“内部预览稿”，正式通报不得注明" if preview
                     else "正式通报注明了“内部预览稿”")
    if not signoff:
        return
    counted = sum(signoff["counts"].values())
    if counted != len(signoff["regions"]):
        yield Breach("逐级审核", "地区数", f"各状态合计{counted}个，应审定地区{len(signoff['regions'])}个")
    for t in rows(ed.context):
        if t["region_code"] in signoff["withheld"] and t.get("actual_period") == quarter:
            yield Breach("逐级审核", f"{t['region_name']} {t['wording']}",
                         f"{signoff['withheld'][t['region_code']]}，本期数值不应纳入通报")


CHECKS = (headline_counts, narrative_counts, counties_named, final_wording, region_counts, ranks_agree,
          status_agrees, one_unit, judged_in_chart, one_name, one_mention, chinese_text, nothing_unfilled,
          annex_agrees, pdf_agrees, regions_existed, only_signed_off)


def check(edition: Published) -> list[Breach]:
    """Every breach of every check, in the checks' order."""
    return [breach for rule in CHECKS for breach in rule(edition)]
