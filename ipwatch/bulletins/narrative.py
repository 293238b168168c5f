"""The bulletin's opening paragraph, written from the data: which targets are ahead of 序时进度, which behind,
and what changed since the last edition. Plain sentences from target rows (target_text.describe)."""

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


def paragraph(rows: list[dict], changes: list[dict], quarter: str) -> str:
    """The paragraph for one region's targets."""
    achieved = [r for r in rows if r["status"] == "achieved"]
    ahead = [r for r in rows if r["status"] == "on_track"]
    behind = sorted((r for r in rows if r["status"] in BEHIND), key=lambda r: r["pace"] if r["pace"] is not None
                    else -1)
    missed = [r for r in rows if r["status"] == "missed"]
    unknown = [r for r in rows if r["status"] in ("no_data", "incomplete", "no_baseline")]
    parts = [f"{len(achieved)}项已完成目标（{names(achieved)}）" if achieved else "",
             f"{len(ahead)}项达到序时进度（{names(ahead)}）" if ahead else "",
             f"{len(behind)}项落后于序时进度，需加快推进（{names(behind, detail=True)}）" if behind else "",
             f"{len(missed)}项到期未完成（{names(missed)}）" if missed else "",
             f"{len(unknown)}项尚无可评价的数据" if unknown else ""]
    body = "；".join(p for p in parts if p)
    return f"截至{quarter_label(quarter)}，纳入监测的{len(rows)}项指标中，{body}。{change_sentence(changes)}"


def county_paragraph(rows: list[dict], changes: list[dict], quarter: str) -> str:
    """The paragraph for targets binding every county: each by how many counties meet it ('截至…' when `quarter`)."""
    by_target: dict[str, list[dict]] = {}
    for row in rows:
        by_target.setdefault(row["wording"], []).append(row)
    done = sorted(((sum(r["status"] == "achieved" for r in group), name, len(group))
                   for name, group in by_target.items()), key=lambda d: -d[0])
    lead = f"截至{quarter_label(quarter)}，" if quarter else ""
    counties = len({r["region_code"] for r in rows})
    return f"{lead}在{counties}个县（市、区）中，{most_and_fewest(done)}{change_sentence(changes, by_region=True)}"


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
