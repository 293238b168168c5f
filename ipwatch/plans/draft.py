"""A plan's draft catalogue entry from its document: the header, then every target of the text and the tables, one
proposal per target (a target stated in prose and again in a table is one), as YAML in data/CATALOGUE.md's format
with each target's confidence and, where unsure, why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ipwatch.domain import catalogue as cat
from ipwatch.domain import regions
from ipwatch.plans import documents, header, naming, ranks, tables, targets
from ipwatch.plans.proposal import Proposal

_SECTION = re.compile(r"\s*[一二三四五六七八九十]+、")


class Flow(dict):
    """A mapping written on one line ({year: 2030, value: 25}), as the catalogue's files write them."""


class FlowList(list):
    """A list written on one line ([a, b])."""


class Dumper(yaml.SafeDumper):
    pass


Dumper.add_representer(Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))


def yaml_text(plan: dict) -> str:
    """A plan as the catalogue's files write it: blocks, with period, baseline, target and lists of names inline."""
    plan = dict(plan)
    for key in ("period",):
        if isinstance(plan.get(key), dict):
            plan[key] = Flow(plan[key])
    if isinstance(plan.get("key_targets"), list):
        plan["key_targets"] = FlowList(plan["key_targets"])
    plan["targets"] = [{k: Flow(v) if k in ("baseline", "target") and isinstance(v, dict) else v
                        for k, v in t.items()} for t in plan.get("targets") or []]
    if plan.get("new_indicators"):
        plan["new_indicators"] = [{k: FlowList(v) if isinstance(v, list) else v for k, v in i.items()}
                                  for i in plan["new_indicators"]]
    return yaml.dump(plan, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120)


@dataclass
class Draft:
    header: header.Header
    proposals: list[Proposal]
    seed: str


def draft(path: Path, catalogue: cat.Catalogue | None = None) -> Draft:
    """Read the document at `path` and propose its plan."""
    catalogue = catalogue or cat.default()
    blocks = documents.read(path)
    lines = [b.text for b in blocks]
    registry = regions.load()
    head = header.propose(lines, registry)
    aliases = naming.alias_spans(catalogue)
    found = tables.propose_rows(blocks, head.period.end, aliases)
    flat = tables.flat_rows(lines, head.period.end, aliases)
    for index, p in flat:
        p.position = index
        found.append(p)
    flat_lines = {i for i, _ in flat}
    carried, known = None, []
    for index, block in enumerate(blocks):
        if block.is_row:
            continue
        if _SECTION.match(block.text):
            carried = None  # a goal year (到2030年，…以下目标：) holds for the paragraphs of its section
        for sentence in targets.sentences(block.text):
            if index in flat_lines and tables.FLAT_ROW.search(sentence):
                continue
            for p in targets.propose(sentence, head.period, aliases, carried):
                p.position = index
                found.append(p)
            known += targets.facts(sentence, head.period, aliases)
            carried = targets.stated_year(sentence, head.period) or carried
    proposals = [ranks.restated(p, registry, head.region_code, each_county(head))
                 for p in with_baselines(merged(found), known)]
    return Draft(head, proposals, path.name)


def each_county(h: header.Header) -> bool:
    """A 强县 plan: its targets bind every county under its region."""
    return bool(h.title and "强县" in h.title)


BASELINE_ELSEWHERE = "基期值取自文中对{}年的记述，请核对 (the baseline is a value the text states elsewhere)"


def with_baselines(proposals: list[Proposal], known: list[tuple[str, str, int, float]]) -> list[Proposal]:
    """Targets without a baseline take the latest value the plan states for their indicator before it began
    (发展基础: 2025年全市…为14.2件), in the same unit: a level, a share or a running total measured from it."""
    latest: dict[tuple[str, str], tuple[int, float]] = {}
    for indicator, unit, year, value in known:
        if (indicator, unit) not in latest or latest[(indicator, unit)][0] <= year:
            latest[(indicator, unit)] = (year, value)
    for p in proposals:
        fact = latest.get((p.indicator, p.unit))
        if fact and p.baseline is None and p.known and p.kind in ("level", "share") and fact[1] != p.value:
            p.baseline = fact
            p.reasons.append(BASELINE_ELSEWHERE.format(fact[0]))
    return proposals


def merged(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per target: a table row that repeats a sentence's target lends it its baseline and 属性."""
    kept: dict[tuple, Proposal] = {}
    for p in sorted(proposals, key=lambda p: p.from_table):
        same = kept.get(p.key)
        if same is None:
            kept[p.key] = p
            continue
        if same.source == p.source:
            continue
        same.baseline = same.baseline or p.baseline
        same.attribute = same.attribute or p.attribute
        same.unit = same.unit or p.unit
    order = {id(p): i for i, p in enumerate(proposals)}
    return sorted(kept.values(), key=lambda p: (p.position, order[id(p)]))


def target_ids(proposals: list[Proposal]) -> list[str]:
    """An id per target, unique in the plan: the indicator's code as words, its kind after it where not a level."""
    suffix = {"annual_growth": "-growth", "rank": "-rank", "annual_flow": "-annual", "share": "", "level": "",
              "cumulative": ""}
    ids, seen = [], set()
    for p in proposals:
        base = p.indicator.replace("_", "-") + suffix[p.kind] + ("-new" if p.basis == "new" else "")
        candidate, n = base, 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        ids.append(candidate)
    return ids


def entry(p: Proposal, target_id: str) -> dict:
    """A proposal as an entry of `targets:`, in the catalogue's own keys and order."""
    goal = {"year": p.year, "value": p.value}
    if p.value_high is not None:
        goal["value_high"] = p.value_high
    out: dict = {"id": target_id, "indicator": p.indicator, "wording": p.wording, "kind": p.kind}
    if p.per_year:
        out["per_year"] = p.per_year
    out |= {"direction": p.direction, "comparison": p.comparison}
    if p.baseline:
        out["baseline"] = {"year": p.baseline[0], "value": p.baseline[1]}
    out["target"] = goal
    if p.relative_to_baseline is not None:
        out["relative_to_baseline"] = p.relative_to_baseline
    out |= {"unit": p.unit, "attribute": p.attribute}
    if p.kind == "rank":
        out["peer_scope"] = p.peer_scope
    if p.kind == "cumulative":
        out["basis"] = p.basis or "total"
    out["source"] = p.source
    out["confidence"] = p.confidence
    if p.reasons:
        out["why"] = list(dict.fromkeys(p.reasons))
    return out


def new_indicators(proposals: list[Proposal]) -> list[dict]:
    """The indicators the draft proposes to add (data/indicators.yaml's keys), one per new code."""
    out: dict[str, dict] = {}
    for p in proposals:
        if p.known or p.indicator in out:
            continue
        unit = p.indicator_unit or "%"
        out[p.indicator] = {
            "code": p.indicator, "name_zh": p.wording, "name_en": p.indicator.replace("_", " ").capitalize(),
            "definition": f"{p.wording}（指标解释待补：统计范围与口径）", "category": "创造", "unit": unit,
            "measure": "share" if unit == "%" else "stock", "direction": p.direction, "bounds": [0, 100 if unit ==
                                                                                                 "%" else 1000000],
            "aliases": [p.wording],
        }
    return list(out.values())


def as_dict(d: Draft) -> dict:
    """The draft as the plan file's mapping (with `new_indicators:` and the review keys a draft carries)."""
    h = d.header
    ids = target_ids(d.proposals)
    per_county = each_county(h)
    plan = {
        "plan_id": f"{h.region_code or 'region'}-{h.period.start}", "title": h.title, "issuer": h.issuer,
        "document_number": h.document_number, "region_code": h.region_code, "bulletin_office": h.bulletin_office,
        "period": {"start": h.period.start, "end": h.period.end}, "seed": d.seed,
        "applies_to": "each_county" if per_county else "plan_region",
        "key_targets": ids[:3],
    }
    reasons = dict(h.reasons)
    reasons["plan_id"] = "编号为建议（地区代码-起始年），可改为拼音名 (a proposed id)"
    if per_county:
        reasons["applies_to"] = "标题为强县建设，目标按各县适用，请核对 (a 强县 plan: targets bind each county)"
    plan["review"] = reasons
    plan["targets"] = [entry(p, i) for p, i in zip(d.proposals, ids, strict=True)]
    news = new_indicators(d.proposals)
    if news:
        plan["new_indicators"] = news
    return plan


def dumped(d: Draft) -> str:
    """The draft as YAML text, with a note at its head on how to review it."""
    note = (f"# 规划目标草稿，由 ipwatch plan draft 自 {d.seed} 生成：请逐条核对后运行 ipwatch plan check，"
            "再 ipwatch plan add。\n"
            "# Draft made by `ipwatch plan draft`: review every target (confidence, why), then `plan check`, then "
            "`plan add`.\n")
    return note + yaml_text(as_dict(d))
