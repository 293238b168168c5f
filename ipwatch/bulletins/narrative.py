"""The bulletin's opening paragraph, written from the data: which targets are ahead of 序时进度, which behind,
and what changed since the last edition; at a final evaluation, what the plan reached against its targets and its
base year. Plain sentences from target rows (target_text.describe)."""

from __future__ import annotations

from ipwatch.domain.periods import quarter_label
from ipwatch.domain.target_text import percent

NAMES_SHOWN = 4  # a sentence names this many targets, then says how many more
BEHIND = ("needs_acceleration", "lagging", "regressing")


def names(rows: list[dict], detail: bool = False) -> str:
    """'甲、乙、丙等5项', each with its completion against 序时进度 when `detail`."""
    def one(r: dict) -> str:
        if detail and r["completion"] is not None and r["expected"] is not None:
            return f"{r['wording']}（完成{percent(r['completion'], 0)}，序时进度{percent(r['expected'], 0)}）"
        return r["wording"]

    shown = "、".join(one(r) for r in rows[:NAMES_SHOWN])
    return shown + (f"等{len(rows)}项" if len(rows) > NAMES_SHOWN else "")


def change_sentence(changes: list[dict], by_region: bool = False) -> str:
    """What changed since the last edition's quarter (`by_region`: of the targets binding each county)."""
    if not changes:
        return "与上期相比，各县（市、区）指标状态没有变化。" if by_region else "与上期相比，各项指标状态没有变化。"
    if by_region:
        regions = len({c["region_code"] for c in changes})
        better = sum(c["status_now"] == "achieved" for c in changes)
        return (f"与上期相比，{regions}个县（市、区）的{len(changes)}项指标状态发生变化，"
                f"其中新完成{better}项。")
    moves = "；".join(f"{c['wording']}由“{c['label_before']}”变为“{c['label_now']}”" for c in changes[:NAMES_SHOWN])
    more = f"等{len(changes)}项" if len(changes) > NAMES_SHOWN else ""
    return f"与上期相比，{moves}{more}。"


def paragraph(rows: list[dict], changes: list[dict], quarter: str, final: bool = False, subject: str = "") -> str:
    """The paragraph for one region's targets ('截至…' when `quarter`; `subject` names whose targets they are).
    A final evaluation says what the plan reached at its end (目标完成率, the change since the base year), never
    what changed since the last quarter."""
    achieved = [r for r in rows if r["status"] == "achieved"]
    ahead = [r for r in rows if r["status"] == "on_track"]
    behind = sorted((r for r in rows if r["status"] in BEHIND), key=lambda r: r["pace"] if r["pace"] is not None
                    else -1)
    missed = [r for r in rows if r["status"] == "missed"]
    unknown = [r for r in rows if r["status"] in ("no_data", "incomplete", "no_baseline")]
    parts = [f"{len(achieved)}项已完成目标（{names(achieved)}）" if achieved else "",
             f"{len(ahead)}项达到序时进度（{names(ahead)}）" if ahead else "",
             # a colon, not brackets: each name carries its own bracket of figures
             f"{len(behind)}项落后于序时进度，需加快推进：{names(behind, detail=True)}" if behind else "",
             f"{len(missed)}项到期未完成（{names(missed)}）" if missed else "",
             f"{len(unknown)}项尚无可评价的数据" if unknown else ""]
    body = "；".join(p for p in parts if p)
    lead = f"截至{quarter_label(quarter)}，" if quarter else ""
    if final:
        return (f"{lead}{subject}纳入评估的{len(rows)}项指标中，{body}。{completion_sentence(len(achieved), len(rows))}"
                f"{base_sentence(rows)}")
    changed = change_sentence(changes) if changes or not subject else f"{subject}指标状态与上期相比没有变化。"
    return f"{lead}{subject}纳入监测的{len(rows)}项指标中，{body}。{changed}"


def completion_sentence(achieved: int, total: int, unit: str = "项") -> str:
    """'目标完成率25.0%（已完成1项/共4项）。': a final evaluation's share of targets met at the plan's end."""
    if not total:
        return ""
    return f"目标完成率{percent(achieved / total)}（已完成{achieved}{unit}/共{total}{unit}）。"


def toward_target(row: dict) -> float | None:
    """How far a row's value moved from its baseline towards its target (positive: towards it), in the
    indicator's unit; None where there is no baseline or value to compare, or the target is a rank."""
    if row["kind"] == "rank" or row["baseline"] is None or row["actual"] is None or row["baseline_text"] == "—":
        return None
    moved = row["actual"] - row["baseline"]
    return -moved if row["direction"] == "down" else moved


def base_sentence(rows: list[dict]) -> str:
    """'与基期相比，有基期值可比的3项指标中，2项向目标推进，1项倒退（甲）。'"""
    compared = [(r, m) for r in rows if (m := toward_target(r)) is not None]
    if not compared:
        return ""
    forward = sum(m > 0 for _, m in compared)
    back = [r for r, m in compared if m < 0]
    level = len(compared) - forward - len(back)
    parts = [f"{forward}项向目标推进" if forward else "", f"{level}项与基期持平" if level else "",
             f"{len(back)}项较基期倒退（{names(back)}）" if back else ""]
    return f"与基期相比，有基期值可比的{len(compared)}项指标中，{'，'.join(p for p in parts if p)}。"


def county_paragraph(rows: list[dict], changes: list[dict], quarter: str, final: bool = False) -> str:
    """The paragraph for targets binding every county ('截至…' when `quarter`): which counties lead and trail,
    then each target by how many counties meet it; at a final evaluation, the share of county targets met."""
    by_target: dict[str, list[dict]] = {}
    for row in rows:
        by_target.setdefault(row["wording"], []).append(row)
    done = sorted(((sum(r["status"] == "achieved" for r in group), name, len(group))
                   for name, group in by_target.items()), key=lambda d: -d[0])
    lead = f"截至{quarter_label(quarter)}，" if quarter else ""
    counties = len({r["region_code"] for r in rows})
    achieved = sum(r["status"] == "achieved" for r in rows)
    last = ("各县（市、区）合计" + completion_sentence(achieved, len(rows), "项次") if final
            else change_sentence(changes, by_region=True))
    return f"{lead}在{counties}个县（市、区）中，{leaders(rows)}{most_and_fewest(done)}{last}"


def leaders(rows: list[dict]) -> str:
    """Which counties have met the most of their targets and which the fewest, by name ('各完成12项'); nothing
    where all have met as many."""
    done: dict[str, list] = {}
    for row in rows:
        entry = done.setdefault(row["region_code"], [row["region_name"], 0, 0])
        entry[1] += row["status"] == "achieved"
        entry[2] += 1
    counts = sorted(done.values(), key=lambda e: -e[1])
    most, fewest = counts[0][1], counts[-1][1]
    if most == fewest:  # none leads: the targets' sentence that follows says how far they all are
        return ""
    return f"已完成指标最多的是{tied_regions(counts, most)}；最少的是{tied_regions(counts, fewest)}；"


def tied_regions(counts: list[list], n: int) -> str:
    """The regions with `n` targets met: four named, then how many in all ('甲、乙、丙、丁等7个县（市、区），各完成
    12项'; '甲，完成5项')."""
    tied = [name for name, k, _ in counts if k == n]
    shown = "、".join(tied[:NAMES_SHOWN]) + (f"等{len(tied)}个县（市、区）" if len(tied) > NAMES_SHOWN else "")
    return f"{shown}，{'各' if len(tied) > 1 else ''}完成{n}项"


def most_and_fewest(done: list[tuple[int, str, int]]) -> str:
    """Which targets most and fewest counties meet (`done`: counties done, name, counties; most first), never
    naming one target as both, nor calling equal counts most and fewest."""
    if len(done) == 1 or done[0][0] == done[-1][0]:
        each = "、".join(name for _, name, _ in done[:NAMES_SHOWN]) + (f"等{len(done)}项" if len(done) > NAMES_SHOWN
                                                                      else "")
        if done[0][0] == 0:
            return f"尚无县（市、区）完成{each}。"
        return f"{each}{'均' if len(done) > 1 else ''}已有{done[0][0]}个县（市、区）完成。"
    most, fewest = done[0][0], done[-1][0]
    return (f"完成县数最多的指标是{named(done, most)}（{most}个），"
            f"最少的是{named(done[::-1], fewest)}（{fewest}个）。")


def named(done: list[tuple[int, str, int]], n: int) -> str:
    """Every target `n` counties completed (a tie at the top is all named, not the first two of it)."""
    tied = [name for k, name, _ in done if k == n]
    return "、".join(tied[:NAMES_SHOWN]) + (f"等{len(tied)}项" if len(tied) > NAMES_SHOWN else "")
