"""Sign-off of a region's quarter before publication (统计数据逐级审核上报): who signs off at which level, and which
step may follow which. Pure functions: ipwatch/approval.py reads the warehouse and records the steps.

A region's chain is the region and its parents up to the top of the plans that cover it (GB/T 2260 parents from
the registry, never a second tree): the region 上报 (submits), each level between approves (审核通过), the top
审定 (accepts). The top is the highest plan region at or above the region; a plan of a county (江津) is accepted by
the county's parent (重庆市); a region no plan covers goes up to its province. The top's own values are submitted
and accepted by the top itself: nothing stands above it.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("submit", "approve", "return", "unapprove", "accept")
ACTION_NAMES = {"submit": "上报", "approve": "审核通过", "return": "退回", "unapprove": "撤销审核", "accept": "审定"}
STATES = ("not_submitted", "submitted", "approved", "returned", "accepted")
STATE_NAMES = {"not_submitted": "未上报", "submitted": "待审核", "approved": "已审核", "returned": "已退回",
               "accepted": "已审定"}
# Actions whose reason reaches the office (退回) or undoes a signature (撤销): never without one.
NEED_REASON = ("return", "unapprove")


class Refused(ValueError):
    """An illegal step, in one Chinese line (English beside); nothing is logged."""


@dataclass(frozen=True)
class State:
    """Where a region's quarter stands: its state and the position in its chain of the last signature in force
    (-1 before the region has submitted, or after a return)."""

    state: str = "not_submitted"
    step: int = -1


def chain(region: str, parents: dict[str, str | None], levels: dict[str, str], plan_regions: set[str]) -> list[str]:
    """The offices that sign off `region`'s quarter, from the submitter up to the one that accepts."""
    path = [region]
    while (parent := parents.get(path[-1])) is not None:
        path.append(parent)
    tops = [i for i, code in enumerate(path) if code in plan_regions]
    top = max(tops) if tops else len(path) - 1
    if levels.get(path[top]) == "county" and top + 1 < len(path):
        top += 1  # a county's plan: its parent accepts (江津 → 重庆市)
    return path[: top + 1] if top > 0 else [region, region]


def step(current: State, chain_: list[str], action: str, office: str) -> State:
    """The state `action` by `office` leaves, or Refused saying why it may not be taken."""
    if action not in ACTIONS:
        raise Refused(f"未知操作“{action}”，可用：{'、'.join(ACTIONS)} (unknown action)")
    name = ACTION_NAMES[action]
    if action == "submit":
        if office != chain_[0]:
            raise Refused(f"只有{chain_[0]}本级可以上报 (only the region's own office submits)")
        if current.state not in ("not_submitted", "returned"):
            raise Refused(f"已{STATE_NAMES[current.state]}，不能再次上报；如需更正请联系上级退回 "
                          f"(already {current.state}: ask the level above to return it)")
        return State("submitted", 0)
    position = reviewer_position(chain_, office, name)
    last = len(chain_) - 1
    if action == "unapprove":
        if current.step != position or current.state not in ("approved", "accepted"):
            raise Refused(f"{office}没有有效的审核可撤销，或上级已审核 "
                          f"(nothing of this office to unapprove, or the level above has acted)")
        return State("submitted" if position == 1 else "approved", position - 1)
    if current.state not in ("submitted", "approved") or current.step != position - 1:
        waiting = "尚未上报" if current.state in ("not_submitted", "returned") else STATE_NAMES[current.state]
        raise Refused(f"此季度{waiting}，{office}现在不能{name} (not awaiting this office's {action})")
    if action == "return":
        return State("returned", -1)
    if action == "accept" and position != last:
        raise Refused(f"{office}不是审定单位，请用“审核通过” (approve: the top of the chain accepts)")
    if action == "approve" and position == last:
        raise Refused(f"{office}是审定单位，请用“审定” (accept: this office is the top of the chain)")
    return State("accepted" if action == "accept" else "approved", position)


def reviewer_position(chain_: list[str], office: str, name: str) -> int:
    """Where `office` reviews in the chain (1 and up), or Refused: a submitter never reviews its own data, and an
    office outside the chain has nothing to sign."""
    positions = [i for i, code in enumerate(chain_) if code == office and i > 0]
    if not positions:
        if office == chain_[0]:
            raise Refused(f"{office}不能{name}本级上报的数据 (an office cannot review its own submission)")
        raise Refused(f"{office}不在{chain_[0]}的审核链（{' → '.join(chain_)}）上，不能{name} "
                      f"(this office is not in the region's chain)")
    return positions[0]


def level_name(position: int, chain_: list[str]) -> str:
    """上报 / 审核 / 审定: what the office at `position` does."""
    return "上报" if position == 0 else "审定" if position == len(chain_) - 1 else "审核"
