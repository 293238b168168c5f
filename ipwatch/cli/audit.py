"""`ipwatch audit` (list, show, decide, report) and `history`: the auditor's commands, Chinese first."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ipwatch import config
from ipwatch.cli.common import as_json, exact
from ipwatch.ops.busy import working


def cmd_history(args: argparse.Namespace) -> int:
    """Show every version of one indicator's values for a region, newest first, with its submission."""
    from ipwatch.audit import history

    rows = history.versions(config.workspace(args.home), region=args.region, indicator=args.indicator)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=as_json, indent=1))
        return 0
    for r in rows:
        mark = "当前" if r["is_current"] else "已被更正"
        print(f"{r['period']} {exact(r['value'])} {r['unit']} [{r['status']}] {mark} · 报送#{r['submission_id']} "
              f"{r['file_name']} 第{r['line']}行 · {r['received_at']}")
    return 0


def audit_filters(args: argparse.Namespace):
    """The findings the audit options pick (`--status`, `--office`, ...)."""
    from ipwatch import audit

    return audit.Filters(**{name: getattr(args, name, None) for name in audit.FILTERS})


def finding_line(r: dict) -> str:
    """One finding as the list prints it: Chinese first, codes after; the context of audit_findings.sql."""
    where = f"第{r['line']}行" if r["line"] is not None else "（汇总）"
    about = ""
    if r["region_code"] is not None:
        about = (f" {r['region_shown']}({r['region_code']}) {r['period'] or '—'} {indicator_text(r)} "
                 f"{exact(r['row_value'])} {r['unit'] or ''} · {context_text(r)}")
    return (f"#{r['finding_id']} {r['status_name']} {r['severity_name']} {r['rule_name']}({r['rule']}) · "
            f"{r['office_name'] or '—'}({r['office_code']}) {r['file_name']} {where}{about} · "
            f"{r['outcome_name']}")


def indicator_text(r: dict) -> str:
    """The indicator's name with its code after, or what was typed where no indicator has it."""
    return f"{r['indicator_shown']}({r['indicator_code']})" if r["indicator_code"] else r["indicator_shown"]


def context_text(r: dict) -> str:
    """A finding's context in words: last value, change against the peers', z-score, peers' median."""
    last = "上期 —"
    if r["previous_value"] is not None:
        last = f"上期 {exact(r['previous_value'])}（{r['previous_period']}）"
    change = f" · 变化 ×{r['change']:.2f}" if r["change"] is not None else ""
    if r["change"] is not None and r["peer_change"] is not None:
        z = f"，修正Z分数 {r['z_score']:.1f}" if r["z_score"] is not None else ""
        change += f"，同级变化中位数 ×{r['peer_change']:.2f}{z}"
    peers = (f" · 同级 {r['peer_count']} 个地区中位数 {exact(r['peer_median'])}" if r["peer_count"]
             else " · 无同级地区数据")
    return last + change + peers


def cmd_audit(args: argparse.Namespace) -> int:
    """List the findings held for audit (待审核) or decided (已结), with their failing rows and context; the
    options narrow the list."""
    from ipwatch import audit

    with audit.connect(config.workspace(args.home)) as conn:
        rows = audit.list_findings(conn, filters=audit_filters(args))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=as_json, indent=1))
        return 0
    for r in rows:
        print(finding_line(r))
    print(f"共 {len(rows)} 项（待审核 {sum(r['audit_status'] == 'open' for r in rows)} 项）")
    return 0


def cmd_audit_show(args: argparse.Namespace) -> int:
    """Show one finding: its file and office, the failing row, last value, peers' median and change, decision
    history."""
    from ipwatch import audit
    from ipwatch.pages import format_time

    with audit.connect(config.workspace(args.home)) as conn:
        found = audit.show(conn, args.id)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, default=as_json, indent=1))
        return 0
    where = f"第{found['line']}行" if found["line"] is not None else "（汇总）"
    print(f"#{found['finding_id']} {found['rule_name']}({found['rule']}) {found['severity_name']} "
          f"{found['status_name']}：{found['message']}")
    print(f"  报送 #{found['submission_id']} {found['file_name']} {where} · {found['office_name'] or '—'} "
          f"({found['office_code']}) · {format_time(found['received_at'])}")
    if found["region_code"] is not None:
        print(f"  {found['region_shown']} ({found['region_code']}) {found['period'] or '—'} {indicator_text(found)}: "
              f"{found['value_raw'] or ''} → {exact(found['row_value'])} {found['unit'] or ''}")
        print(f"  {context_text(found)}")
    for h in found["history"]:
        print(f"  {format_time(h['decided_at'])} {h['decided_by']}: {h['decision_name']}({h['decision']}) · "
              f"{h['reason']}")
    return 0


def cmd_audit_decide(args: argparse.Namespace) -> int:
    """Record a decision on a finding, or on every open finding the filters pick (a count first, --yes to record);
    each is one row appended to the audit log, and the latest decision is in force."""
    from ipwatch import audit
    from ipwatch.cli.intake import outcome_only
    from ipwatch.domain import labels
    from ipwatch.ops import notify

    filters = audit_filters(args)
    if (args.id is None) == (not filters.any):
        raise ValueError("请给出一个问题编号，或用筛选条件批量审核 (give one ID, or filters such as --rule, not both)")
    with audit.connect(config.workspace(args.home), read_only=args.id is None and not args.yes) as conn:
        if args.id is not None:
            row = audit.decide(conn, args.id, args.decision, args.reason, args.by)
            with outcome_only(args.verbose):  # the notice is the office's; the line below is the auditor's
                notify.tell_decisions(conn, [row["finding_id"]])
            print(f"#{row['finding_id']}: {labels.DECISIONS[row['decision']]}({row['decision']}) · "
                  f"{row['decided_by']} → {labels.STATUSES[row['audit_status']]}")
            return 0
        if not args.yes:
            audit.checked_decision(args.decision, args.reason, args.by)
            count = len(audit.chosen_for_decision(conn, filters))
            print(f"将对 {count} 项待审核问题作出同一结论；确认无误后加 --yes 执行 (dry run: add --yes to record)")
            return 0
        ids = audit.decide_many(conn, filters, args.decision, args.reason, args.by)
        with outcome_only(args.verbose):
            notify.tell_decisions(conn, ids)
    code = labels.code_of(args.decision, labels.DECISIONS)
    print(f"已记录 {len(ids)} 项审核结论 (decisions recorded): {labels.DECISIONS[code]}({code}) · {args.by}")
    return 0


def cmd_audit_report(args: argparse.Namespace) -> int:
    """Write the auditor's HTML report: open findings by office and rule with context, then closed ones."""
    from ipwatch import audit

    ws = config.workspace(args.home)
    with audit.connect(ws) as conn, working("正在生成审核报告 (writing the audit report)"):
        path = audit.report(conn, args.output or ws.audit, audit_filters(args))
    print(path)
    return 0


AUDIT_USAGE = """%(prog)s [FILTERS] [--json]
       %(prog)s show ID [--json]
       %(prog)s decide ID --decision 确认|更正|认可 --reason TEXT --by NAME
       %(prog)s decide FILTERS --decision 确认|更正|认可 --reason TEXT --by NAME [--yes]
       %(prog)s report [FILTERS] [-o DIR]
FILTERS: [--status 待审核|已结] [--office CODE] [--region CODE] [--rule RULE] [--indicator CODE|名称]
         [--period 2025Q3|2025] [--severity 错误|警告]"""


def filter_options(p: argparse.ArgumentParser) -> None:
    """The options that pick findings, the same for the list, a decision on many and the report."""
    g = p.add_argument_group("筛选 (filters)")
    g.add_argument("--status", metavar="待审核|已结", help="open (待审核) or closed (已结) findings only")
    g.add_argument("--office", metavar="CODE", help="the submitting office's region code")
    g.add_argument("--region", metavar="CODE", help="a region's findings, with its children's")
    g.add_argument("--rule", metavar="RULE", help="a rule's id, e.g. change_outlier (as the list shows it)")
    g.add_argument("--indicator", metavar="CODE|名称", help="an indicator's code or Chinese name")
    g.add_argument("--period", metavar="2025Q3|2025", help="a quarter, or a year for its four quarters")
    g.add_argument("--severity", metavar="错误|警告", help="error (错误) or warning (警告)")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """history, and audit with its actions show, decide and report."""
    p = sub.add_parser("history", help=cmd_history.__doc__)
    p.add_argument("--region", required=True, help="region code")
    p.add_argument("--indicator", required=True, help="indicator code or name")
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_history)
    audit_parser(sub)


def audit_parser(sub: argparse._SubParsersAction) -> None:
    """`ipwatch audit` lists findings; its actions show, decide and report."""
    p = sub.add_parser("audit", help=cmd_audit.__doc__, usage=AUDIT_USAGE, description=cmd_audit.__doc__,
                       epilog="待审核 (open): a warning with no decision yet, or whose correction was requested "
                              "and has not arrived; 已结 (closed): confirmed, overridden, superseded by a later "
                              "accepted value, or in a rejected file (README, Audit)")
    filter_options(p)
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_audit)
    actions = p.add_subparsers(dest="action", metavar="ACTION", prog="ipwatch audit")

    a = actions.add_parser("show", help=cmd_audit_show.__doc__, description=cmd_audit_show.__doc__)
    a.add_argument("id", type=int, metavar="ID", help="finding id (as `ipwatch audit` lists)")
    a.add_argument("--json", action="store_true", help="one JSON object")
    a.set_defaults(run=cmd_audit_show)

    a = actions.add_parser("decide", help=cmd_audit_decide.__doc__, description=cmd_audit_decide.__doc__)
    a.add_argument("id", type=int, nargs="?", metavar="ID", help="finding id; without it, the filters pick findings")
    a.add_argument("--decision", required=True, metavar="确认|更正|认可",
                   help="确认 (confirm): the value stands; 认可 (override): it counts as normal; "
                        "更正 (correct-requested): open until a new submission supersedes it")
    a.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit log)")
    a.add_argument("--by", required=True, metavar="NAME", help="the auditor's name")
    filter_options(a)
    a.add_argument("--yes", action="store_true", help="with filters: record the decisions (without: count them only)")
    a.set_defaults(run=cmd_audit_decide)

    a = actions.add_parser("report", help=cmd_audit_report.__doc__, description=cmd_audit_report.__doc__)
    a.add_argument("-o", "--output", type=Path, metavar="DIR", help="folder for audit.html (default: <home>/audit)")
    filter_options(a)
    a.set_defaults(run=cmd_audit_report)
