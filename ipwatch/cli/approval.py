"""`ipwatch approval`: where each region's quarter stands in its sign-off (status), and its steps: submit (上报),
approve (审核通过), return (退回), unapprove (撤销审核), accept (审定); `begin`: from which quarter publication
follows sign-off."""

from __future__ import annotations

import argparse
import getpass
import json

from ipwatch import config
from ipwatch.cli.common import as_json, regions_known

STEPS = ("submit", "approve", "return", "unapprove", "accept")
STATUS_FIELDS = ("region_code", "region_name", "quarter", "level", "state", "action", "office_code", "acted_by",
                 "acted_at", "reason", "overridden", "data_version")


def cmd_approval_status(args: argparse.Namespace) -> int:
    """List each region's quarter and its state: 未上报 not_submitted, 待审核 submitted, 已审核 approved, 已退回
    returned, 已审定 accepted; a quarter given lists every region that must report it."""
    from ipwatch import approval, warehouse
    from ipwatch.domain import regions
    from ipwatch.domain.signoff import STATE_NAMES

    ws = config.workspace(args.home)
    within = None
    if args.region:
        regions_known(args.region)
        within = sorted(regions.jurisdiction(regions.load(), args.region))
    with warehouse.connect(ws.warehouse, read_only=True) as conn:
        warehouse.require_current(conn)
        rows = approval.status(conn, within, args.quarter).select(STATUS_FIELDS).to_dicts()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=as_json, indent=1))
        return 0
    for r in rows:
        who = f" · {r['office_code']} {r['acted_by']} {r['acted_at']:%Y-%m-%d %H:%M}" if r["action"] else ""
        why = f" · 理由：{r['reason']}" if r["reason"] else ""
        print(f"{r['quarter']} {r['region_name'] or ''}({r['region_code']}) {STATE_NAMES[r['state']]}"
              f"({r['state']}){who}{why}")
    if not rows:
        print("没有符合条件的地区季度 (no region's quarter matches)")
    return 0


def cmd_approval_step(args: argparse.Namespace) -> int:
    """Take one step of a region's quarter's sign-off as an office; refused in one line when it may not be taken."""
    from ipwatch import approval, warehouse
    from ipwatch.domain.signoff import ACTION_NAMES, STATE_NAMES
    from ipwatch.ops import notify

    regions_known(args.region, args.office)
    ws = config.workspace(args.home)
    if not isinstance(ws.warehouse, config.Lake) and not ws.warehouse.exists():  # writing would make an empty one
        raise FileNotFoundError(f"数据仓库不存在，请先运行 ipwatch init 或 ipwatch ingest "
                                f"(no warehouse at {ws.warehouse})")
    with warehouse.connect(ws.warehouse) as conn:
        warehouse.require_current(conn)
        row = approval.act(conn, args.step, args.region, args.quarter, args.office, args.by or getpass.getuser(),
                           reason=args.reason)
    notify.signoff_step(row)
    override = f"（带{row['overridden']}项未结问题，理由：{row['reason']}）" if row["overridden"] else ""
    print(f"{row['quarter']} {row['region_code']}：{args.office} {ACTION_NAMES[args.step]}{override} → "
          f"{STATE_NAMES[row['state']]} ({row['state']})")
    return 0


def cmd_approval_begin(args: argparse.Namespace) -> int:
    """Set the first quarter published only once signed off (earlier quarters stand as reported); without a
    quarter, say which it is."""
    from ipwatch import warehouse
    from ipwatch.bulletins import publication
    from ipwatch.domain import periods

    ws = config.workspace(args.home)
    if not isinstance(ws.warehouse, config.Lake) and not ws.warehouse.exists():
        raise FileNotFoundError(f"数据仓库不存在，请先运行 ipwatch init 或 ipwatch ingest "
                                f"(no warehouse at {ws.warehouse})")
    with warehouse.connect(ws.warehouse, read_only=args.quarter is None) as conn:
        warehouse.require_current(conn)
        if args.quarter is not None:
            publication.begin_signoff(conn, args.quarter, args.by or getpass.getuser())
        quarter = publication.signoff_start(conn)
    print(f"自{periods.quarter_label(quarter)}（{quarter}）起，数据经逐级审核审定后方可发布；此前各季度按报送情况发布 "
          f"(published only once signed off from {quarter} on)")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """approval with its actions status, submit, approve, return, unapprove, accept."""
    p = sub.add_parser("approval", help="逐级审核 (sign-off): status, submit, approve, return, unapprove, accept, "
                                        "begin",
                       description=__doc__)
    actions = p.add_subparsers(dest="step", metavar="ACTION", required=True, prog="ipwatch approval")
    a = actions.add_parser("status", help=cmd_approval_status.__doc__, description=cmd_approval_status.__doc__)
    a.add_argument("--region", metavar="CODE", help="this region and those under it")
    a.add_argument("--quarter", metavar="QUARTER", help="one quarter (2026Q3, 2026年第三季度)")
    a.add_argument("--json", action="store_true", help="JSON objects")
    a.set_defaults(run=cmd_approval_status)
    a = actions.add_parser("begin", help="the first quarter published only once signed off",
                           description=cmd_approval_begin.__doc__)
    a.add_argument("quarter", nargs="?", metavar="QUARTER", help="quarter (2026Q4, 2026年第四季度)")
    a.add_argument("--by", metavar="NAME", help="who sets it (default: the login name)")
    a.set_defaults(run=cmd_approval_begin)
    for step, text in (("submit", "上报 (submit) the office's own quarter"), ("approve", "审核通过 (approve)"),
                       ("return", "退回 (return, --reason required)"),
                       ("unapprove", "撤销审核 (withdraw this office's approval, --reason required)"),
                       ("accept", "审定 (accept, at the top of the chain)")):
        a = actions.add_parser(step, help=text, description=cmd_approval_step.__doc__)
        a.add_argument("region", metavar="REGION", help="region code of the quarter's data")
        a.add_argument("quarter", metavar="QUARTER", help="quarter (2026Q3, 2026年第三季度)")
        a.add_argument("--as", dest="office", required=True, metavar="OFFICE", help="the acting office's region code")
        a.add_argument("--reason", metavar="TEXT", help="why (required to return or unapprove; with open findings, "
                                                        "the override's reason)")
        a.add_argument("--by", metavar="NAME", help="who acts (default: the login name)")
        a.set_defaults(run=cmd_approval_step)
