"""The catalogue's rules for a plan file (data/CATALOGUE.md), every problem collected rather than the first raised:
the loader refuses a catalogue with any, and `ipwatch plan check` lists them all with their lines and fixes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ipwatch.domain.units import UnitError, factor

# The plans' own order of categories: creation, use, protection, management, service, talent, basics.
CATEGORIES = ("创造", "运用", "保护", "管理", "服务", "人才", "基础")
# How often an indicator is reported: every quarter, or once a year on the fourth quarter's form (常住人口).
FREQUENCIES = ("quarterly", "annual")
TARGET_KINDS = ("level", "share", "annual_growth", "annual_flow", "cumulative", "rank")
# Kinds whose target value is a measured quantity (converted to the indicator's unit); the others are %.
QUANTITY_KINDS = ("level", "share", "annual_flow", "cumulative")
# Kinds stated for a year, and which years an annual target binds (per_year, README "Progress"): each (每年: every
# year of the plan, a missed year stays missed), average (年均: the average yearly growth since the base year), or
# target_year (the target year's figure alone: 年度…达, 增长15% in a one-year plan).
ANNUAL_KINDS = ("annual_growth", "annual_flow")
PER_YEAR = ("each", "average", "target_year")

Path = tuple  # where in the plan file: ("targets", 3, "unit")

PLAN_KEYS = {"plan_id", "title", "issuer", "document_number", "bulletin_office", "region_code", "period", "seed",
             "applies_to", "key_targets", "targets"}
# What a draft carries for its reviewer besides the plan: `plan add` leaves them out of the catalogue.
DRAFT_KEYS = {"review", "new_indicators"}
TARGET_KEYS = {"id", "indicator", "wording", "kind", "direction", "comparison", "baseline", "target", "unit",
               "read_as", "attribute", "peer_scope", "per_year", "basis", "source", "applies_to",
               "relative_to_baseline"}
DRAFT_TARGET_KEYS = {"confidence", "why"}
INDICATOR_KEYS = {"code", "name_zh", "name_en", "definition", "category", "unit", "measure", "frequency",
                  "direction", "bounds", "numerator", "denominator", "scale", "aliases"}
MEASURES = ("stock", "flow_ytd", "rate", "score", "share")
COMPARISONS = (">=", ">", "<=", "=")
ATTRIBUTES = ("预期性", "约束性", None)
PEER_SCOPES = ("province", "prefecture")
APPLIES_TO = ("plan_region", "each_county")


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str  # what is wrong, in Chinese with English beside
    fix: str  # what to write instead, in Chinese


def plan_problems(plan: object, indicators: dict[str, dict], region_codes: Iterable[str]) -> list[Problem]:
    """Every way a plan file breaks the catalogue's rules; `indicators` by code (the draft's new ones included)."""
    if not isinstance(plan, dict):
        return [Problem((), "文件不是一个规划（应为键值对）(not a mapping)", "按 data/CATALOGUE.md 的格式书写")]
    problems = _keys(plan, PLAN_KEYS | DRAFT_KEYS, ())
    for key in ("plan_id", "title", "issuer", "region_code", "period", "seed", "targets"):
        if plan.get(key) in (None, "", []):
            problems.append(Problem((key,), f"缺少 {key} (missing)", f"填写 {key}"))
    if plan.get("plan_id") and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(plan["plan_id"])):
        problems.append(Problem(("plan_id",), "plan_id 只能用小写字母、数字和连字符 (lowercase, digits, hyphens)",
                                "如 hefei-2022"))
    if plan.get("region_code") and str(plan["region_code"]) not in set(region_codes):
        problems.append(Problem(("region_code",), f"地区代码 {plan['region_code']} 不在区划表中 (unknown region)",
                                "填写 data/regions.csv 中的六位代码，并加引号，如 \"340100\""))
    if plan.get("applies_to", "plan_region") not in APPLIES_TO:
        problems.append(Problem(("applies_to",), "applies_to 只能是 plan_region 或 each_county", "改为其一"))
    start, end = _period(plan, problems)
    targets = plan.get("targets") if isinstance(plan.get("targets"), list) else []
    ids = [t.get("id") for t in targets if isinstance(t, dict)]
    for i, target in enumerate(targets):
        problems += target_problems(target, ("targets", i), indicators, start, end)
    for i, target_id in enumerate(ids):
        if target_id is not None and ids.index(target_id) != i:
            problems.append(Problem(("targets", i, "id"), f"目标编号 {target_id} 重复 (duplicate id)",
                                    "给每个目标一个不同的 id"))
    problems += _same_wording(targets)
    keys = plan.get("key_targets") or []
    if not keys:
        problems.append(Problem(("key_targets",), "缺少 key_targets：通报图表要展示的重点目标 (missing)",
                                "列出一至三个目标的 id"))
    for i, key in enumerate(keys if isinstance(keys, list) else []):
        if key not in ids:
            problems.append(Problem(("key_targets", i), f"重点目标 {key} 不是本规划的目标 (unknown target id)",
                                    "改为 targets 中某个目标的 id"))
    return problems


def _period(plan: dict, problems: list[Problem]) -> tuple[int | None, int | None]:
    period = plan.get("period")
    if not isinstance(period, dict):
        return None, None
    start, end = period.get("start"), period.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not 1990 <= start <= end <= 2100:
        problems.append(Problem(("period",), "规划期应为两个年份，起始不晚于结束 (start and end years, start <= end)",
                                "如 {start: 2026, end: 2030}"))
        return None, None
    return start, end


def _same_wording(targets: list) -> list[Problem]:
    """A bulletin tells two targets of one wording apart by their kind: one wording and kind once per plan."""
    seen: dict[tuple, int] = {}
    problems = []
    for i, t in enumerate(targets):
        if not isinstance(t, dict):
            continue
        key = (t.get("wording"), t.get("kind"), t.get("basis", "total"))
        if key in seen:
            problems.append(Problem(("targets", i, "wording"),
                                    f"与第 {seen[key] + 1} 个目标的名称和类型相同，通报无法区分 "
                                    "(same wording and kind)",
                                    "合并两条，或改写其中一条的 wording"))
        seen.setdefault(key, i)
    return problems


def target_problems(t: object, at: Path, indicators: dict[str, dict], start: int | None, end: int | None
                    ) -> list[Problem]:
    """Every way one entry of `targets:` breaks the rules."""
    if not isinstance(t, dict):
        return [Problem(at, "目标应为键值对 (a target is a mapping)", "按 data/CATALOGUE.md 的格式书写")]
    problems = _keys(t, TARGET_KEYS | DRAFT_TARGET_KEYS, at)
    for key in ("id", "indicator", "wording", "kind", "direction", "target", "source"):
        if t.get(key) in (None, ""):
            problems.append(Problem((*at, key), f"缺少 {key} (missing)", f"填写 {key}"))
    kind, indicator = t.get("kind"), indicators.get(t.get("indicator"))
    if t.get("indicator") and indicator is None:
        problems.append(Problem((*at, "indicator"), f"指标 {t['indicator']} 不在 data/indicators.yaml 中 (unknown)",
                                "改为已有指标的 code，或在 new_indicators 中定义它"))
    allowed = (
        ("kind", TARGET_KINDS), ("direction", ("up", "down")), ("comparison", COMPARISONS),
        ("attribute", ATTRIBUTES), ("applies_to", (*APPLIES_TO, None)),
    )
    for key, values in allowed:
        if key in t and t[key] not in values:
            problems.append(Problem((*at, key), f"{key} 的值 {t[key]!r} 无效 (not one of {list(values)})",
                                    f"改为 {' / '.join(str(v) for v in values)} 之一"))
    problems += _years_and_values(t, at, start, end)
    if kind in TARGET_KINDS:
        problems += _kind_rules(t, at, kind, indicator)
    return problems


def _years_and_values(t: dict, at: Path, start: int | None, end: int | None) -> list[Problem]:
    problems = []
    goal = t.get("target")
    if not isinstance(goal, dict) or not isinstance(goal.get("year"), int):
        return [Problem((*at, "target"), "target 应写年份和数值 (year and value)", "如 {year: 2030, value: 20}")]
    year, value, high = goal["year"], goal.get("value"), goal.get("value_high")
    if start and end and not start <= year <= end:
        problems.append(Problem((*at, "target", "year"),
                                f"目标年份 {year} 不在规划期 {start}—{end} 内 (outside the period)",
                                f"改为 {start} 至 {end} 之间的年份，或改规划期"))
    for key, number in (("value", value), ("value_high", high)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
            problems.append(Problem((*at, "target", key), f"{key} 应为数字 (a number): {number!r}",
                                    "只写数字，单位写在 unit 中"))
    if value is None and t.get("relative_to_baseline") is None:
        problems.append(Problem((*at, "target", "value"), "目标值为空，也没有相对基期的倍数 (no value)",
                                "填写目标值，或写 relative_to_baseline（增长20%为1.2）和 baseline"))
    if isinstance(value, int | float) and isinstance(high, int | float) and high <= value:
        problems.append(Problem((*at, "target", "value_high"), "区间上限应大于下限 (value_high must exceed value)",
                                "如 2-3名：value 2, value_high 3"))
    if t.get("relative_to_baseline") is not None and not t.get("baseline"):
        problems.append(Problem((*at, "relative_to_baseline"), "相对基期的目标须写基期年份 (needs a baseline year)",
                                "加 baseline: {year: 基期年份, value: null}"))
    baseline = t.get("baseline")
    if isinstance(baseline, dict) and isinstance(baseline.get("year"), int) and baseline["year"] >= year:
        problems.append(Problem((*at, "baseline", "year"), "基期年份应早于目标年份 (baseline before target)",
                                "通常为规划期前一年"))
    elif baseline is not None and not (isinstance(baseline, dict) and isinstance(baseline.get("year"), int)):
        problems.append(Problem((*at, "baseline"), "baseline 应写年份和数值 (year and value)",
                                "如 {year: 2025, value: 14.2}，或删去"))
    return problems


def _kind_rules(t: dict, at: Path, kind: str, indicator: dict | None) -> list[Problem]:
    problems = []
    per_year = t.get("per_year")
    if kind in ANNUAL_KINDS and per_year not in PER_YEAR:
        problems.append(Problem((*at, "per_year"), f"{kind} 须写 per_year (each / average / target_year)",
                                "每年 → each，年均 → average，年度或当年 → target_year"))
    if kind not in ANNUAL_KINDS and per_year is not None:
        problems.append(Problem((*at, "per_year"), f"per_year 只用于年度类目标，{kind} 不用 (only annual kinds)",
                                "删去 per_year"))
    if "basis" in t and (kind != "cumulative" or t["basis"] not in ("total", "new")):
        problems.append(Problem((*at, "basis"), "basis 只用于累计目标，值为 total 或 new (cumulative only)",
                                "累计达 → total，新增 → new；其他类型删去 basis"))
    if kind == "rank" and t.get("peer_scope") not in PEER_SCOPES:
        problems.append(Problem((*at, "peer_scope"), "排名目标须写比较范围 peer_scope (province / prefecture)",
                                "全省前30% → province，全市 → prefecture"))
    if kind != "rank" and t.get("peer_scope") is not None:
        problems.append(Problem((*at, "peer_scope"), "peer_scope 只用于排名目标 (rank only)", "删去 peer_scope"))
    unit = t.get("unit")
    if kind == "annual_growth" and unit != "%":
        problems.append(Problem((*at, "unit"), "增长目标的单位应为 % (a growth is in %)", "改为 '%'"))
    if kind == "rank" and unit != "%":
        # progress measures a rank as a top share of the peers (全省前30%: the first 30% of the province's regions)
        # and rounds its places up: 19% of 16 is 3.04, four places, so the share is rounded down (plans/ranks.py)
        problems.append(Problem((*at, "unit"), "排名目标按“前N%”衡量，不支持名次（前3位）(a rank is a top share, in %)",
                                "改写为前N%：名次÷参与排名的地区数，向下取两位小数（全省16个市中的前3位为前18.75%），或删去该目标"))
    if kind in QUANTITY_KINDS and indicator and unit and not t.get("read_as"):
        try:
            factor(unit, indicator.get("unit", ""))
        except UnitError:
            problems.append(Problem((*at, "unit"), f"单位 {unit} 不能换算为指标的单位 {indicator.get('unit')} "
                                    f"(cannot convert)", "改用可换算的单位，或写 read_as 说明按何单位读"))
    return problems


def indicator_problems(raw: object, at: Path, known: set[str]) -> list[Problem]:
    """Every way a proposed indicator (an entry of `new_indicators:`) breaks data/indicators.yaml's rules."""
    if not isinstance(raw, dict):
        return [Problem(at, "指标应为键值对 (an indicator is a mapping)", "按 data/CATALOGUE.md 的格式书写")]
    problems = _keys(raw, INDICATOR_KEYS, at)
    for key in ("code", "name_zh", "name_en", "definition", "category", "unit", "measure", "direction", "bounds"):
        if raw.get(key) in (None, "", []):
            problems.append(Problem((*at, key), f"缺少 {key} (missing)", f"填写 {key}"))
    code = raw.get("code")
    if code and not re.fullmatch(r"[a-z][a-z0-9_]*", str(code)):
        problems.append(Problem((*at, "code"), "code 只能用小写英文、数字和下划线 (snake_case)", "如 gi_products"))
    if code in known:
        problems.append(Problem((*at, "code"), f"指标 {code} 已存在 (exists)", "直接在目标中使用它，并删去此条"))
    for key, values in (("category", CATEGORIES), ("measure", MEASURES), ("direction", ("up", "down")),
                        ("frequency", FREQUENCIES)):
        if key in raw and raw[key] not in values:
            problems.append(Problem((*at, key), f"{key} 的值 {raw[key]!r} 无效", f"改为 {' / '.join(values)} 之一"))
    bounds = raw.get("bounds")
    if bounds is not None and not (isinstance(bounds, list) and len(bounds) == 2 and all(
            isinstance(b, int | float) for b in bounds) and bounds[0] < bounds[1]):
        problems.append(Problem((*at, "bounds"), "bounds 应为 [最小, 最大] 且最小小于最大 (plausible range)",
                                "如 [0, 100]"))
    return problems


def _keys(raw: dict, allowed: set[str], at: Path) -> list[Problem]:
    return [Problem((*at, key), f"未知的键 {key} (unknown key)", f"删去，或改为 {' / '.join(sorted(allowed))} 之一")
            for key in raw if key not in allowed]
