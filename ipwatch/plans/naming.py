"""Which indicator a target's words name: an existing one where the catalogue knows the wording (its name, its
aliases, a plan's wording), else a new one with a proposed code, name and unit."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ipwatch.domain import catalogue as cat
from ipwatch.domain.cells import text

# Words around a target's subject that are no part of the indicator's name: where, when, how hard, which verb.
_LEAD = re.compile(
    r"^(?:[\s,，、:：；;—\-]|的|其中|同时|并|和|及|以及|全市|全区|全县|全省|全国|本市|我市|我区|各县\(市、区\)|各县（市、区）|"
    r"到\s*\d{4}\s*年|\d{4}\s*年|力争|争取|确保|努力|新增|累计|年均|每年|年度|实现|推动|支持|引导|培育|建设|建成|打造|"
    r"形成|设立|认定|完成|组织实施|实施|开展|达到|达|有|共同|至少|超过)+"
)
_TRAIL = re.compile(
    r"(?:[\s,，、]|力争|争取|达到|达|超过|突破|不少于|不低于|不超过|控制在|保持在|提高|提升|增加|扩大|上升|到|至|增长|递增|增幅|"
    r"年均|每年|年度|分别|累计|稳定在|在|为|是|以上|左右|平均|和|及|与|。)+$"
)
# Chinese words an indicator's code is made of, longest first: a proposed code reads as English, to be reviewed.
GLOSSARY = (
    ("每万人口", "per_10k_"), ("每万人", "per_10k_"), ("百万人", "per_million_"), ("高价值", "high_value_"),
    ("发明专利", "invention_patents_"), ("专利", "patents_"), ("商标", "trademarks_"), ("地理标志", "gi_"),
    ("版权", "copyright_"), ("著作权", "copyright_"), ("知识产权", "ip_"), ("质押融资", "pledge_financing_"),
    ("申请量", "applications_"), ("授权量", "grants_"), ("拥有量", "in_force_"), ("有效", "in_force_"),
    ("企业", "enterprises_"), ("高校", "universities_"), ("服务", "service_"), ("机构", "institutions_"),
    ("中心", "centers_"), ("平台", "platforms_"), ("人才", "talent_"), ("人员", "staff_"), ("代理师", "attorneys_"),
    ("满意度", "satisfaction_"), ("覆盖率", "coverage_"), ("比重", "share_"), ("率", "rate_"),
    ("示范", "demo_"), ("试点", "pilot_"), ("优势", "advantage_"), ("运营", "operation_"), ("转化", "conversion_"),
    ("许可", "licenses_"), ("转让", "transfers_"), ("保护", "protection_"), ("导航", "navigation_"),
    ("项目", "projects_"), ("产业", "industry_"), ("集群", "clusters_"), ("案件", "cases_"), ("金额", "amount_"),
    ("数量", "count_"), ("额", "amount_"), ("数", "count_"), ("国家", "national_"), ("省级", "provincial_"),
    ("市级", "municipal_"), ("培训", "training_"), ("品牌", "brands_"), ("贯标", "ip_standard_"),
    ("数据", "data_"), ("登记", "registrations_"), ("交易", "trading_"), ("融资", "financing_"),
    ("增加值", "value_added_"), ("收入", "revenue_"), ("维权", "enforcement_"), ("纠纷", "disputes_"),
    ("调解", "mediation_"), ("集成电路", "ic_layout_"), ("植物新品种", "plant_varieties_"),
)


NEW_INDICATOR = "新指标：编码与名称为建议，请核对 (a new indicator: code and name proposed)"
NEAREST = "指标按名称近似匹配为“{}”，请核对 (the indicator is matched by a similar name)"


_LONGEST_FIRST = sorted(GLOSSARY, key=lambda pair: -len(pair[0]))


@dataclass(frozen=True)
class Named:
    code: str
    wording: str  # the words the plan uses, as they stand in the source
    known: bool  # an indicator of the catalogue


# How a plan shortens the catalogue's names: 高新技术企业 for 高新技术企业数量, 每万人 or 万人 for 每万人口.
_SHORTER = ((re.compile(r"数量$"), ""), (re.compile(r"^每万人口"), "每万人"), (re.compile(r"^每万人口"), "万人"))


def alias_spans(catalogue: cat.Catalogue) -> list[tuple[str, str]]:
    """(wording, indicator code) for every name the catalogue knows and its usual short forms, longest first."""
    index = cat.alias_index(catalogue)
    pairs = {name: sorted(codes)[0] for name, codes in index.items() if not re.fullmatch(r"[a-z0-9_]+", name)}
    for name, code in list(pairs.items()):
        for pattern, replacement in _SHORTER:
            short = pattern.sub(replacement, name)
            if short != name and len(short) >= 4:
                pairs.setdefault(short, code)  # a name of its own (an alias) wins over a short form
    return sorted(pairs.items(), key=lambda p: -len(p[0]))


def known_in(window: str, aliases: list[tuple[str, str]]) -> list[tuple[int, int, str, str]]:
    """The catalogue's wordings found in `window`, longest first and never overlapping: (start, end, wording, code)."""
    plain = text(window)
    taken: list[tuple[int, int, str, str]] = []
    for wording, code in aliases:
        for m in re.finditer(re.escape(wording), plain):
            if all(m.end() <= s or m.start() >= e for s, e, _, _ in taken):
                taken.append((m.start(), m.end(), wording, code))
    return sorted(taken)


def completed(first: str, rest: str, aliases: list[tuple[str, str]]) -> tuple[str, str] | None:
    """A wording shortened after 和 or 、 (专利申请量和授权量: 授权量 is 专利授权量), completed from the first."""
    for size in range(len(rest), 1, -1):
        tail = rest[:size]
        for wording, code in aliases:
            if wording.endswith(tail) and first.startswith(wording[: -len(tail)]) and len(wording) > len(tail):
                return wording, code
    return None


def _bigrams(words: str) -> set[str]:
    return {words[i:i + 2] for i in range(len(words) - 1)}


def nearest(name: str, aliases: list[tuple[str, str]], least: float = 0.7) -> tuple[str, str] | None:
    """The catalogue's wording most like `name` by shared character pairs (Dice), when alike enough: a plan's own
    way of naming a known indicator (知识产权质押融资登记金额 for 知识产权质押融资额)."""
    pairs = _bigrams(text(name))
    best, score = None, least
    for wording, code in aliases:
        other = _bigrams(wording)
        if pairs and other:
            dice = 2 * len(pairs & other) / (len(pairs) + len(other))
            if dice >= score:
                best, score = (wording, code), dice
    return best


def subject(window: str) -> str:
    """The words of a clause that name what is measured, the verbs and the time around them left out."""
    kept = _TRAIL.sub("", _LEAD.sub("", window.strip()))
    return kept.strip("“”\"'()（） ")


def proposed_code(name: str, taken: set[str]) -> str:
    """An English snake_case code for a new indicator, made from the glossary; unique among `taken`."""
    parts, rest = [], name
    while rest:
        for word, english in _LONGEST_FIRST:
            if rest.startswith(word):
                parts.append(english)
                rest = rest[len(word):]
                break
        else:
            rest = rest[1:]
    words = [w for w in "".join(parts).split("_") if w]
    deduped = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    code = "_".join(deduped[:6]) or "indicator"
    if code in taken or len(deduped) < 2:
        code = f"{code}_{hashlib.sha1(name.encode()).hexdigest()[:6]}"
    return code
