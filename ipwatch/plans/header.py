"""A plan's header from its text: title, issuer, document number, period, region (with its registry code) and the
office that issues its bulletins. Each is a proposal; what the text does not say is left null for a person."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from ipwatch.plans.targets import Period

_PLAN_WORD = r"(?:方案|规划|意见|计划|纲要|要点|措施|办法|行动)"
_QUOTED_TITLE = re.compile(rf"《([^《》]{{4,60}}{_PLAN_WORD}(?:[(（][^()（）]{{4,16}}[)）])?)》")
_TITLE_LINE = re.compile(rf"^\s*(关于[^，,。；]{{2,50}}{_PLAN_WORD}|[^，,。；《》:：]{{4,50}}{_PLAN_WORD}"
                         r"(?:[(（][^()（）]+[)）])?)\s*$")
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,8}(?:〔|\[|［|\(|（)\s*\d{4}\s*(?:〕|\]|］|\)|）)\s*\d{1,4}\s*号"
                         r"|[\u4e00-\u9fff]{2,8}\d{4}-\d{1,4})")
_ISSUER = re.compile(r"^\s*([\u4e00-\u9fff]{2,20}?(?:人民政府办公室|人民政府办公厅|人民政府|知识产权局|市场监督管理局|"
                     r"知识产权办公会议|办公厅|委员会))(?:文件)?\s*$")
_OFFICE = re.compile(r"([\u4e00-\u9fff]{0,8}?)((?:市场监督管理局|市场监管局|知识产权局)"
                     r"(?:[(（][\u4e00-\u9fff]{2,8}[)）])?)")
_OFFICE_CUE = re.compile(r"办公室设在|下设办公室|径向|牵头|负责日常|进度|通报|统计")
_FIVE_YEARS = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}
_YEAR_SPAN = re.compile(r"(\d{4})\s*年?\s*[-—–~～至到]\s*(\d{4})\s*年?")
_GOAL_YEAR = re.compile(r"(?:到|至|力争到|力争)\s*(\d{4})\s*年")


@dataclass
class Header:
    title: str | None
    issuer: str | None
    document_number: str | None
    period: Period
    region_code: str | None
    region_name: str | None
    bulletin_office: str | None
    reasons: dict[str, str] = field(default_factory=dict)  # field -> why to check it, in Chinese


def title(lines: list[str]) -> str | None:
    """The plan's title: the one a covering notice quotes as issued (《…》印发), else a title-like line."""
    for line in lines[:40]:
        if re.search(r"印发|审议通过|现将", line):
            m = _QUOTED_TITLE.search(line)
            if m:
                return m.group(1)
    for line in lines[:40]:
        m = _TITLE_LINE.match(line)
        if m and not re.search(r"印发.*通知$|^关于印发", m.group(1)):
            return re.sub(r"\s+", "", m.group(1))
    return None


def document_number(lines: list[str]) -> str | None:
    """The plan's own 文号: on a line of its own near the top, or after 发文字号; never a document it cites."""
    for line in lines[:30]:
        for m in _DOC_NUMBER.finditer(line):
            rest = (line[:m.start()] + line[m.end():]).strip(" ()（）[]［］")
            if len(rest) <= 4 or "发文字号" in line or "文号" in line:
                return re.sub(r"\s+", "", m.group(1))
    return None


def issuer(lines: list[str]) -> str | None:
    """Who issued the plan: a 文件 head line at the top, else a signature line at the top or the bottom."""
    for line in lines[:5] + lines[-25:]:
        m = _ISSUER.match(line)
        if m:
            return m.group(1)
    return None


def period(text: str, name: str | None) -> Period:
    """The plan's years: a span in its title (2024年-2026年), a five-year plan it names, else from its issue year
    to the last year a goal is set for (到2020年); a plan of one year (2015年工作要点) is that year."""
    span = _YEAR_SPAN.search(name or "")
    if span and int(span.group(1)) < int(span.group(2)) <= int(span.group(1)) + 15:
        return Period(int(span.group(1)), int(span.group(2)))
    goals = [int(y) for y in _GOAL_YEAR.findall(text)]
    end = _nearest_end(goals, text)
    for words, (start, last) in _FIVE_YEARS.items():
        if end == last and words in text:
            return Period(start, last)
    issued = [int(y) for y in re.findall(r"(?:〔|\[|发)\s*(\d{4})", text[:3000])]
    years = [int(y) for y in re.findall(r"(\d{4})\s*年", text[:3000])]
    start = issued[0] if issued else years[0] if years else None
    if end is None:
        end = start
    if start is None:
        return Period(end or 0, end or 0)
    return Period(min(start, end), end)


def _nearest_end(goals: list[int], text: str) -> int | None:
    """The plan's last year: the most frequent goal year, not a far vision (到2035年) named once beside it."""
    if not goals:
        five = re.search(r"(十[三四五]五)[”\"]?(?:期)?末", text)
        return _FIVE_YEARS[five.group(1)][1] if five else None
    counts = Counter(goals)
    return max(counts, key=lambda y: (counts[y], -y))


def region(text: str, name: str | None, who: str | None, table: pl.DataFrame
           ) -> tuple[str | None, str | None, str | None]:
    """The region a plan is for, matched by name in the registry: (code, name, a reason to check it or None)."""
    head = " ".join(filter(None, (name, who)))
    scores: Counter = Counter()
    for code, full, short in _names(table):
        hits = head.count(full) * 10 + head.count(short) * 5 + text.count(full) * 2 + text.count(short)
        if hits:
            scores[(code, full)] = hits
    if not scores:
        return None, None, "未能从文中识别地区，请补填 region_code (no region found by name)"
    ranked = scores.most_common()
    (code, full), best = ranked[0]
    tied = [c for (c, f), s in ranked if s == best and f == full]
    if len(tied) > 1:
        return code, full, f"同名地区有 {len(tied)} 个（{'、'.join(tied)}），请核对 (several regions of this name)"
    return code, full, None


def _names(table: pl.DataFrame) -> list[tuple[str, str, str]]:
    out = []
    for code, full in table.select("region_code", "name").iter_rows():
        short = re.sub(r"(省|市|自治区|特别行政区|自治州|地区|盟|区|县|自治县|旗)$", "", full)
        out.append((code, full, short if len(short) >= 2 else full))
    return out


def office(text: str, region_name: str | None, names: set[str]) -> str | None:
    """The office that issues the bulletins: the plan region's 知识产权局 or 市场监管局 it charges with the work
    (市知识产权局 is the region's own; 各市知识产权局, the offices it is sent to, are not)."""
    found: Counter = Counter()
    for sentence in re.split(r"[。；;\n]", text):
        for m in _OFFICE.finditer(sentence):
            words, office_name = m.group(1), m.group(2)
            own = next((words[i:] for i in range(len(words)) if words[i:] in names), None)
            if own is None and re.search(r"(?<!各)(省|市|区|县)$", words):
                own = region_name or words[-1]
            if own and (region_name is None or own == region_name or own in "省市区县"):
                found[(region_name or own) + office_name] += 3 if _OFFICE_CUE.search(sentence) else 1
    return found.most_common(1)[0][0] if found else None


def propose(lines: list[str], table: pl.DataFrame) -> Header:
    """The header of the plan whose lines are given."""
    text = "\n".join(lines)
    name, who, number = title(lines), issuer(lines), document_number(lines)
    years = period(text, name)
    code, region_name, doubt = region(text, name, who, table)
    names = set(table.get_column("name").to_list())
    header = Header(name, who, number, years, code, region_name, office(text, region_name, names))
    for key, value in (("title", name), ("issuer", who), ("document_number", number)):
        if value is None:
            header.reasons[key] = "文中未找到，请补填或写 null (not found in the text)"
    if doubt:
        header.reasons["region_code"] = doubt
    header.reasons.setdefault("bulletin_office", "发布进度通报的单位为推测，请核对 (the bulletin office is a guess)")
    return header
