"""Targets in a plan's running text: each quantity of a sentence that states a goal, with its indicator, kind,
direction, year and baseline, by rules on the words around it. Numbers that are no targets (dates, decree and
meeting numbers, phone numbers, money spent, achievements, recurring tasks) stay out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipwatch.plans import naming
from ipwatch.plans.numbers import COUNT_UNITS, Quantity, number, quantities
from ipwatch.plans.proposal import Proposal


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    @property
    def single_year(self) -> bool:
        """A plan of one year (a 年度工作要点): a growth it names is that year's growth."""
        return self.start == self.end


SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")
# A year a goal is set for: 到2030年, 力争2026年, 2026年, (at a sentence's start); the five-year plans' ends.
_YEAR = re.compile(r"(?:到|至|力争|争取|确保|预计)?\s*(\d{4})\s*年(?:底|末)?")
_FIVE_YEAR = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
_END_OF_FIVE_YEAR = re.compile(r"[“\"]?(十[二三四五六]五)[”\"]?(?:期)?末")
_PLAN_END = re.compile(r"规划期末|方案期末|期末")
# What marks a sentence as a goal, and what marks one as a report of what was done.
_GOAL = re.compile(r"到\s*\d{4}|力争|争取|确保|目标|达到|达|超过|不少于|不低于|突破|增长|递增|增幅|新增|累计|翻|以上|"
                   r"以内|前\s*\d|比重|覆盖|建设|建成|培育|打造|形成|设立|认定|完成|实施|支持|引导|提高|提升|实现|"
                   r"至少|控制|缩短|保持|有|增加")
_DONE = re.compile(r"已经|已|截至|截止|目前|现有|共有|共计|同比|比上年|较上年|上年|去年|获得|获批|荣获|入选")
_FUTURE = re.compile(r"到\s*\d{4}|力争|争取|确保|目标|将|预计|计划|"
                     r"(?:提高|提升|增加|增长|扩大|降低|下降|缩短)(?:到|至)")
_RISES_TO = re.compile(r"\s*(?:提高|提升|增加|增长|扩大|上升|下降|降低|缩短|压减)?\s*(?:到|至)\s*")
# Recurring work (每年举办不少于2期) is a task of the plan's offices, not a target the bulletins measure.
_RECURRING = re.compile(r"(每年|每季度|每月|每半年|定期)[^，,；;。]*?(举办|开展|组织|召开|举行|培训|发布|宣传)")
_SPENT = re.compile(r"投入|安排|拨付|奖励|资助|补助|补贴|给予|下达|兑现|支出|经费")
_MONEY = ("万元", "亿元", "元")
_GROWTH = re.compile(r"(年均|每年|年度)?\s*(?:分别)?\s*(增长|递增|增幅|增速|提高|提升|增加)(?:率)?\s*"
                     r"(?:达到|达|超过|为)?\s*$")
_RANK = re.compile(r"(全省|全市|全国|全区|省内|市内|同类城市)?(?:排名|排在|位居|进入|位列|居)?\s*前\s*"
                   r"(\d+(?:\.\d+)?|[一二三四五六七八九十]+)\s*(%|％|位|名|强)")
# What a rank by place says until ipwatch/plans/ranks.py restates it with the registry's count of its peers.
PLACE_REASON = "名次目标（前N位）须改写为前N% (a rank by place must be restated as a top share)"
_SCOPES = {"全省": "province", "省内": "province", "全市": "prefecture", "市内": "prefecture"}
# A year or a five-year plan's end named as what a target is measured against (较“十三五”末), not as its year.
_COMPARED = re.compile(r"(?:较|比|与|相比)\s*[“\"]?(?:十[二三四五六]五[”\"]?(?:期)?末|\d{4}\s*年(?:底|末)?)")
_DOUBLING = re.compile(r"翻(一|两|二)番")
_BASELINE = re.compile(r"(?:由|从)\s*(?:(\d{4})\s*年(?:的)?)?\s*(\d+(?:\.\d+)?)\s*(?:[^\d，,；;。]{0,4})?"
                       r"(?:提高|增加|增长|提升|上升|扩大|下降|降低|缩短)?\s*(?:到|至)\s*$")
_BUILD = re.compile(r"建设|建成|培育|打造|形成|设立|认定|完成|组织实施|支持|引导|覆盖|新建|创建|争创|引进|达成|参与")
_DOWN = re.compile(r"不超过|不高于|控制在|以内|以下|缩短|压缩|降低|下降|低于")
_ATTRIBUTE = re.compile(r"(预期性|约束性)")
# 属性 written right after a target's number binds it alone: …不低于80%（约束性）
_MARKED = re.compile(r"\s*[（(]\s*(预期性|约束性)")


def sentences(line: str) -> list[str]:
    """The sentences of a line, each exactly as written (its end mark kept), without the spaces around it."""
    return [s.strip() for s in SENTENCE.findall(line) if s.strip()]


def target_year(sentence: str, period: Period, carried: int | None) -> tuple[int, str | None]:
    """The year a sentence sets its goals for, and a reason to doubt it when the sentence names none."""
    sentence = _COMPARED.sub("", sentence)
    years = [int(m.group(1)) for m in _YEAR.finditer(sentence) if period.start <= int(m.group(1)) <= period.end + 15]
    if years:
        return max(years), None
    five = _END_OF_FIVE_YEAR.search(sentence)
    if five:
        return _FIVE_YEAR[five.group(1)], None
    if carried:
        return carried, None
    return period.end, "句中未写年份，取规划期末 (no year in the sentence: the plan's last year)"


def stated_year(sentence: str, period: Period) -> int | None:
    """A goal year the sentence states itself, within the plan (carried to the sentences after it)."""
    sentence = _COMPARED.sub("", sentence)
    years = [int(m.group(1)) for m in _YEAR.finditer(sentence) if period.start <= int(m.group(1)) <= period.end]
    five = _END_OF_FIVE_YEAR.search(sentence)
    return max(years) if years else _FIVE_YEAR[five.group(1)] if five else None


def is_report(sentence: str, period: Period) -> bool:
    """A sentence about what was done (已, 截至, 同比) or only about years before the plan: no goal in it."""
    if _DONE.search(sentence) and not _FUTURE.search(sentence):
        return True
    years = [int(y) for y in re.findall(r"(\d{4})\s*年", sentence)]
    return bool(years) and max(years) < period.start and not _FUTURE.search(sentence)


def propose(sentence: str, period: Period, aliases: list[tuple[str, str]], carried: int | None = None
            ) -> list[Proposal]:
    """Every target a sentence states."""
    if is_report(sentence, period) or not _GOAL.search(sentence):
        return []
    year, doubt = target_year(sentence, period, carried)
    found = _ranks(sentence, year, aliases) + _doublings(sentence, year, period, aliases)
    taken = [(m.start(), m.end()) for m in _RANK.finditer(sentence)]
    # a number that is no quantity of a target (百万人, a slogan's 四个) is part of the words around the others
    spans = [q for q in quantities(sentence)
             if not any(s <= q.start < e for s, e in taken) and not _not_a_target(sentence, q)]
    previous: list[Proposal] = []
    baselines = 0
    for i in range(len(spans)):
        made = _quantity(sentence, spans, i, year, period, aliases, previous)
        base_year = _baseline_year(sentence, spans, i, period)
        if base_year:  # 2025年…为14.2件: the baseline of the target the sentence goes on to set
            for p in made:
                p.baseline = (base_year, p.value)
            previous, baselines = made, baselines + 1
            continue
        marked = _MARKED.match(sentence, spans[i].end)
        for p in made:
            before = next((b for b in previous if b.indicator == p.indicator and b.baseline), None)
            if before:
                p.baseline = before.baseline
            p.attribute = marked.group(1) if marked else None
        found += made
        previous = made or previous
    attribute = _ATTRIBUTE.search(sentence)
    for p in found:
        if attribute and len(found) == 1:  # one target: the sentence's 属性 is its own, wherever it stands
            p.attribute = attribute.group(1)
        if doubt:
            p.reasons.append(doubt)
        if len(spans) > 1 and len(found) + baselines < len(spans):
            p.reasons.append("一句中有多个数字，请核对取的是哪一个 (several numbers in the sentence)")
    return found


def facts(sentence: str, period: Period, aliases: list[tuple[str, str]]) -> list[tuple[str, str, int, float]]:
    """Values a sentence states for a year before the plan (2025年全市…拥有量为14.2件), of indicators the catalogue
    knows: (indicator, unit, year, value), the baselines of the targets set elsewhere in the plan."""
    years = [(m.start(), int(m.group(1))) for m in re.finditer(r"(\d{4})\s*年", sentence)]
    spans = [q for q in quantities(sentence) if not _not_a_target(sentence, q)]
    out = []
    for i, q in enumerate(spans):
        stated = [year for at, year in years if at < q.start]
        before, _ = _windows(sentence, spans, i)
        if not stated or stated[-1] >= period.start or (q.unit == "%" and _GROWTH.search(before)):
            continue
        known = naming.known_in(before, aliases)
        if known:
            out.append((known[-1][3], q.unit, stated[-1], q.value))
    return out


# A Chinese numeral is a quantity only right after a goal's verb (设立一个, 培育两家): elsewhere it is a word (一系列).
_WORD_NUMERAL_AFTER = re.compile(r"(设立|建设|建成|培育|打造|形成|认定|完成|达到|达|在|有|新增|累计|超过|不少于|至少|"
                                 r"力争|争取|支持)\s*$")


def _not_a_target(sentence: str, q: Quantity) -> bool:
    before = sentence[max(0, q.start - 20):q.start]
    if sentence.count("“", 0, q.start) > sentence.count("”", 0, q.start):
        return True  # inside a quoted slogan (“四个全面”)
    if not sentence[q.start].isdigit() and not _WORD_NUMERAL_AFTER.search(before):
        return True
    clause = _clause(sentence, q)
    if q.unit in _MONEY and _SPENT.search(before):
        return True
    if _RECURRING.search(sentence, 0, q.start) and q.unit in ("期", "场", "次", "批", "项", "个", "人"):
        return True  # 每年举办培训班不少于2期，培训人员1000人次: the offices' work, not a result the plan measures
    return q.unit in ("元", "场", "期", "座", "支") and not re.search(r"达|不少于|超过|以上", clause)


def _clause(sentence: str, q: Quantity) -> str:
    start = max([m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, q.start)] or [0])
    end = _CLAUSE_BREAK.search(sentence, q.end)
    return sentence[start:end.start() if end else len(sentence)]


def _windows(sentence: str, spans: list[Quantity], i: int) -> tuple[str, str]:
    """The words before a quantity (back to the last one or a clause break) and after it (to the next)."""
    q = spans[i]
    start = max([m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, q.start)] + [0])
    if i and spans[i - 1].end > start:
        start = spans[i - 1].end
    end_match = _CLAUSE_BREAK.search(sentence, q.end)
    end = end_match.start() if end_match else len(sentence)
    if i + 1 < len(spans) and spans[i + 1].start < end:
        end = spans[i + 1].start
    return sentence[start:q.start], sentence[q.end:end]


def _baseline_year(sentence: str, spans: list[Quantity], i: int, period: Period) -> int | None:
    """The year of a quantity that is a baseline, not a target: 由45亿元提高到80亿元 (the year before the plan unless
    named), 2025年全市…为14.2件 (a year before the plan, stated for it alone); None for a target."""
    q = spans[i]
    lead = _windows(sentence, spans, i)[0]
    named = [int(y) for y in re.findall(r"(\d{4})\s*年", lead)]
    rising = i + 1 < len(spans) and _RISES_TO.fullmatch(sentence[q.end:spans[i + 1].start])
    if rising and re.search(r"[由从]", lead):
        return max(named) if named else period.start - 1
    if named and max(named) < period.start and not _FUTURE.search(lead):
        return max(named)
    return None


def _quantity(sentence: str, spans: list[Quantity], i: int, year: int, period: Period,
              aliases: list[tuple[str, str]], previous: list[Proposal]) -> list[Proposal]:
    q = spans[i]
    before, after = _windows(sentence, spans, i)
    growth = _GROWTH.search(before) if q.unit == "%" else None
    names = _names(before, after, q, aliases)
    if not names and previous:  # …为14.2件，到2030年达到22件: the number goes on with the indicator named before
        names = [(naming.Named(p.indicator, p.wording, p.known), None) for p in previous[:1]]
    proposals = []
    for named, unsure in names:
        p = Proposal(source=sentence, wording=named.wording, indicator=named.code, known=named.known,
                     kind="level", year=year, value=q.value, value_high=q.value_high, unit=q.unit)
        if unsure:
            p.reasons.append(unsure)
        if growth:
            _as_growth(p, growth.group(1), period, q)
        else:
            _as_quantity(p, before, after, sentence, q)
        _direction(p, before, sentence[q.end:q.end + 2], q)
        baseline = _BASELINE.search(before)
        if baseline and not growth:
            p.baseline = (int(baseline.group(1)) if baseline.group(1) else period.start - 1,
                          number(baseline.group(2)))
        if not named.known:
            p.indicator_unit = p.unit if p.kind in ("level", "share", "cumulative", "annual_flow") else None
        proposals.append(p)
    return proposals


def _names(before: str, after: str, q: Quantity, aliases: list[tuple[str, str]]
           ) -> list[tuple[naming.Named, str | None]]:
    """The indicators a quantity is a target of: one, or several listed with 、 or 和 sharing the number."""
    for window in (before, after) if not _BUILD.search(before[-6:]) else (after, before):
        found = naming.known_in(window, aliases)
        if found:
            listed = _listed(window, found, aliases)
            return [(naming.Named(code, wording, True), None) for _, _, wording, code in listed]
    name = naming.subject(before) or naming.subject(after)
    if _BUILD.search(before[-6:]) and naming.subject(after):
        name = naming.subject(after)
    if len(name) < 2:
        return []
    near = naming.nearest(name, aliases)
    if near:
        return [(naming.Named(near[1], name, True), naming.NEAREST.format(near[0]))]
    code = naming.proposed_code(name, {c for _, c in aliases})
    return [(naming.Named(code, name, False), naming.NEW_INDICATOR)]


def _listed(window: str, found: list, aliases: list[tuple[str, str]]) -> list:
    """The wordings one quantity belongs to: those joined by 、 和 及 与 (专利授权量、PCT国际专利申请量), or one
    shortened after 和 (专利申请量和授权量); else the last wording before the number."""
    plain = naming.text(window)
    joined = [found[-1]]
    for previous in reversed(found[:-1]):
        gap = plain[previous[1]:joined[0][0]]
        if re.fullmatch(r"\s*[、和及与]\s*", gap):
            joined.insert(0, previous)
        else:
            break
    if len(joined) == 1:
        last = joined[0]
        rest = re.match(r"\s*[和、及与]\s*([\u4e00-\u9fff]+)", plain[last[1]:])
        if rest:
            done = naming.completed(last[2], rest.group(1), aliases)
            if done:
                joined.append((0, 0, done[0], done[1]))
    return joined


def _as_growth(p: Proposal, yearly: str | None, period: Period, q: Quantity) -> None:
    if yearly or period.single_year:
        p.kind = "annual_growth"
        p.per_year = {"年均": "average", "每年": "each", "年度": "target_year", None: "target_year"}[yearly]
        return
    # a growth over the whole plan (增长20%) is the target year's level against the baseline's
    p.kind, p.value, p.unit = "level", None, None
    p.relative_to_baseline = round(1 + q.value / 100, 6)
    p.baseline = (period.start - 1, None)
    p.reasons.append("增长目标：基期值须补填 (a growth on the baseline: the baseline value must be filled in)")


def _as_quantity(p: Proposal, before: str, after: str, sentence: str, q: Quantity) -> None:
    wording = p.wording
    if q.unit in ("%", "‰") or (q.unit == "分" and re.search(r"满意度|认知度|指数", wording)):
        p.kind = "share"
        return
    if re.search(r"每年", before + after):
        p.kind, p.per_year = "annual_flow", "each"
    elif re.search(r"年度|全年|当年|^年", naming.subject(before) or before) or wording.startswith("年度"):
        p.kind, p.per_year = "annual_flow", "target_year"
    elif "新增" in sentence[: q.start] and "新增" in _prefix_of_list(sentence, q):
        p.kind, p.basis = "cumulative", "new"
    elif re.search(r"累计|总额|总数", before + wording) or (
            q.unit in COUNT_UNITS and _BUILD.search(before) and not re.search(r"拥有量|有效|数量|人员|人才", wording)):
        p.kind, p.basis = "cumulative", "total"


def _prefix_of_list(sentence: str, q: Quantity) -> str:
    """The clause a quantity stands in, back to its start: 新增 before a list binds every item of it."""
    start = max([m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, q.start)] + [0])
    return sentence[start:q.start]


def _direction(p: Proposal, before: str, after: str, q: Quantity) -> None:
    if _DOWN.search(before[-8:]) or q.tail in ("以内", "以下") or after.startswith("内"):
        p.direction, p.comparison = "down", "<="
    elif re.search(r"超过\s*$", before) and q.tail != "左右":
        p.comparison = ">"


def _ranks(sentence: str, year: int, aliases: list[tuple[str, str]]) -> list[Proposal]:
    found = []
    for m in _RANK.finditer(sentence):
        before = sentence[:m.start()]
        clause_start = max([b.end() for b in _CLAUSE_BREAK.finditer(before)] + [0])
        window = sentence[clause_start:m.start()]
        known = naming.known_in(window, aliases)
        names = [(c, w, True) for _, _, w, c in _listed(window, known, aliases)] if known else []
        if not names:
            name = naming.subject(window)
            if len(name) < 2:
                continue
            names = [(naming.proposed_code(name, {c for _, c in aliases}), name, False)]
        unit = "%" if m.group(3) in ("%", "％") else "位"
        scope = _SCOPES.get(m.group(1) or "")
        for code, wording, is_known in names:
            p = Proposal(source=sentence, wording=wording, indicator=code, known=is_known, kind="rank", year=year,
                         value=number(m.group(2)), unit=unit, direction="down", comparison="<=", peer_scope=scope)
            if unit == "位":
                p.reasons.append(PLACE_REASON)
            if not scope:
                p.reasons.append("排名范围未写明（全省或全市），请补填 peer_scope (the rank's peers are not named)")
            found.append(p)
    return found


def _doublings(sentence: str, year: int, period: Period, aliases: list[tuple[str, str]]) -> list[Proposal]:
    found = []
    for m in _DOUBLING.finditer(sentence):
        clause_start = max([b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, m.start())] + [0])
        window = re.split(r"较|比|与", sentence[clause_start:m.start()])[0]
        known = naming.known_in(window, aliases)
        if known:
            pairs = [(c, w, True) for _, _, w, c in _listed(window, known, aliases)]
        else:
            name = naming.subject(window)
            pairs = [(naming.proposed_code(name, {c for _, c in aliases}), name, False)] if len(name) >= 2 else []
        base_year = stated_year(sentence[m.start() - 12:m.start()], Period(1900, 2100)) or period.start - 1
        for code, wording, is_known in pairs:
            p = Proposal(source=sentence, wording=wording, indicator=code, known=is_known, kind="level", year=year,
                         value=None, unit=None, relative_to_baseline=2.0 if m.group(1) == "一" else 4.0,
                         baseline=(base_year, None))
            p.reasons.append("翻番目标：基期值须补填 (a doubling of the baseline: its value must be filled in)")
            found.append(p)
    return found
