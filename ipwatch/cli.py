"""The `ipwatch` command line. Imports stay inside commands so `--help` and `catalogue` start fast."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from ipwatch import config, files
from ipwatch.domain import labels, periods
from ipwatch.ops import prefect_env
from ipwatch.ops.busy import working


def as_json(value: object) -> object:
    """JSON for what the warehouse returns: exact decimals as numbers, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def exact(value: Decimal | float | None) -> str:
    """A stored value as written, without DECIMAL's trailing zeros."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the warehouse and load the catalogue and regions."""
    from ipwatch.warehouse import reference

    ws = config.workspace(args.home)
    reference.initialise(ws)
    print(f"warehouse ready: {ws.warehouse}")
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    """Print every plan target."""
    from ipwatch.domain import catalogue

    cat = catalogue.default()
    records = [catalogue.described(t, cat) for t in cat.targets()]
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for r in records:
        value = r["target_value"] if r["target_value"] is not None else f"×{r['relative_to_baseline']}"
        baseline = f"{r['baseline_value']} ({r['baseline_year']}) → " if r["baseline_value"] is not None else ""
        print(f"{r['plan_region_code']} {r['plan_id']:<14} {r['target_year']} {r['indicator_code']:<42} "
              f"{r['indicator_name_zh']}  {r['kind']:<13} {baseline}{value} {r['unit'] or ''}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate and load submitted files."""
    from flows.ingest import inbox_flow, ingest_flow, on_runner

    if args.inbox == bool(args.files):
        raise ValueError("请给出文件和 --as，或只用 --inbox (give FILE... --as REGION, or --inbox alone)")
    if args.files and not args.office:
        raise ValueError("报送文件须用 --as 指明报送单位的行政区划代码 (--as REGION is required with files)")
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise ValueError(f"文件不存在 (no such file): {', '.join(missing)}")
    if args.office:
        regions_known(args.office)
    count = "收件箱中的" if args.inbox else f"{len(args.files)} 个"
    with outcome_only(args.verbose), working(f"正在校验{count}文件 (validating)", quiet=args.json):
        if args.inbox:
            results = on_runner(inbox_flow, args.runner)(home=args.home)
        else:
            results = on_runner(ingest_flow, args.runner)([Path(f) for f in args.files], office=args.office,
                                                          home=args.home)
    for result in results:
        print(json.dumps(result, ensure_ascii=False) if args.json else outcome_text(result))
    return 1 if any({"rejected", "refused"} & {r["status"], r.get("original_status")} for r in results) else 0


@contextmanager
def outcome_only(verbose: bool) -> Iterator[None]:
    """The command prints each file's outcome itself: the rejection notice's log line would say it again."""
    notice = logging.getLogger("ipwatch.ops.notify")
    level = notice.level
    if not verbose:
        notice.setLevel(logging.ERROR)  # a notice that could not be sent is still shown
    try:
        yield
    finally:
        notice.setLevel(level)


def outcome_text(result: dict) -> str:
    """A file's outcome for a person: the verdict in Chinese with English beside, then each fault with its fix."""
    from ipwatch.domain.labels import OUTCOMES

    status, errors, warnings = result["status"], len(result["errors"]), len(result["warnings"])
    lines = [f"{Path(result['file']).name}：{OUTCOMES.get(status, status)} ({status})，"
             f"{result['rows']} 行数据 (rows)，{errors} 处错误 (errors)，{warnings} 处提示 (warnings)"]
    for severity, key in (("错误", "errors"), ("提示", "warnings")):
        lines += [f"  {severity} {fault_text(e)}" for e in result[key]]
    return "\n".join(lines)


def fault_text(e: dict) -> str:
    """One fault: where, which indicator and column, what was typed, and what to do."""
    where = e["cell"] or (f"第{e['line']}行" if e["line"] is not None else "全文件")
    name = f" {e['indicator_name']}（{e['indicator']}）" if e.get("indicator_name") else ""
    column = f" {e.get('column_name') or e['column']}" if e["column"] else ""
    typed = f" “{e['value']}”" if e["value"] else ""  # a blank cell reads as nothing typed
    return f"{where}{name}{column}{typed}：{e.get('fix') or e['message']} [{e['rule']}]"


def regions_known(*codes: str) -> None:
    """Refuse a region code that is not in the region list."""
    from ipwatch.domain import regions

    unknown = set(codes) - set(regions.load()["region_code"])
    if unknown:
        raise ValueError(f"行政区划代码不存在 (unknown region code): {', '.join(sorted(unknown))}")


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Render the progress bulletins of a month."""
    from flows.bulletin import bulletin_flow
    from ipwatch.bulletins import charts, editions, pdf

    periods.within_plans(editions.parse(args.period).quarter)  # a bad period is a usage error, before any run
    if args.region:
        regions_known(args.region)
    # what the run needs from the machine, checked before any work: one line and exit 2 when missing
    charts.require_font()
    if args.pdf:
        pdf.require_chromium()
    with working(f"正在生成 {args.period} 的简报 (rendering bulletins)"):
        paths = bulletin_flow(args.period, region=args.region, out_dir=args.output, home=args.home, as_pdf=args.pdf)
    for path in paths:
        print(path)
    return 0


def cmd_expectations(args: argparse.Namespace) -> int:
    """Regenerate the validation suite (expectations/submission_rows.yaml) from the catalogue and the rule files."""
    from ipwatch.intake import suite

    path = suite.SUITE_FILE
    before = path.read_text("utf-8") if path.exists() else ""
    suite.write()
    print(f"{path}: {'unchanged' if path.read_text('utf-8') == before else 'regenerated'}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    """Write the Excel form an office fills in for one region and quarter."""
    from ipwatch.intake import template

    quarter = periods.quarter_argument(args.period)
    regions_known(args.region)
    path = args.output or Path(f"{args.region}-{quarter}.xlsx")
    print(template.write_template(path, args.region, quarter))
    return 0


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


def cmd_progress(args: argparse.Namespace) -> int:
    """Print the progress view for a region and quarter."""
    from flows.progress import progress_flow

    quarter = periods.quarter_argument(args.period)
    if not config.workspace(args.home).warehouse.exists():
        raise FileNotFoundError("数据仓库不存在，请先运行 ipwatch init 或 ipwatch ingest (no warehouse yet)")
    rows = progress_flow(args.region, quarter, home=args.home)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=as_json, indent=1))
    else:
        for r in rows:
            print(f"{r['region_code']} {r['period']} {r['indicator_code']:<44} {r['status']}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate plausible submissions for every plan region, ingest them, and render the bulletin."""
    from flows.demo import demo_flow

    print("正在生成各规划地区的示例报送文件，逐一校验、入库并生成简报（约两分钟）…", flush=True)
    with working("示例数据 (demo)"):
        summary = demo_flow(home=args.home)
    print(f"submissions: {summary['accepted']} accepted, {summary['rejected']} rejected")
    print("bulletins:")
    for path in summary["bulletins"]:
        print(f"  {path}")
    print(f"index: {summary['index']}")
    print("next: .venv/bin/ipwatch audit report (数据审核报告) · .venv/bin/ipwatch serve (定时运行 scheduled runs)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the scheduled jobs of prefect.yaml (inbox, bulletins, audit report) until stopped, with a local
    Prefect server of the workspace's own unless PREFECT_API_URL names one."""
    from ipwatch.ops import serving
    from ipwatch.warehouse import reference

    ws = config.workspace(args.home)
    reference.initialise(ws)  # the first scheduled run should not be the one to find no warehouse
    serving.serve(ws, port=args.port)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the portal (联网直报) for offices, auditors and administrators on the workspace's warehouse."""
    from ipwatch.portal import web

    web.serve(config.workspace(args.home), host=args.host, port=args.port, secure_cookies=args.secure_cookies,
              allowed_hosts=args.allowed_host)
    return 0


def new_password(from_stdin: bool) -> str:
    """A password typed twice at the terminal, or one line read from standard input."""
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码 (password): ")
    if first != getpass.getpass("再次输入 (again): "):
        raise ValueError("两次输入的密码不一致 (the passwords differ)")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    """Create a portal user: an office (with its region), an auditor or an administrator."""
    from ipwatch import warehouse
    from ipwatch.portal import users
    from ipwatch.warehouse import reference

    ws = config.workspace(args.home)
    users.checked_user(args.name, args.role, args.region)  # before asking for a password
    password = new_password(args.password_stdin)
    reference.initialise(ws)  # the first user of a new workspace: its warehouse, at the current schema
    with warehouse.connect(ws.warehouse) as conn:
        made = users.add(conn, args.name, args.role, args.region, password, by=f"cli:{getpass_user()}")
        users.record(conn, f"cli:{getpass_user()}", "user_add", "ok", f"{made['user_name']} {made['role']} "
                     f"{made['region_code'] or ''}")
    print(f"已开设用户 (user created): {made['user_name']} {users.ROLES[made['role']]}({made['role']}) "
          f"{made['region_code'] or ''}")
    return 0


def cmd_users_password(args: argparse.Namespace) -> int:
    """Set a new password for a portal user (ends that user's sessions)."""
    from ipwatch import warehouse
    from ipwatch.portal import users

    password = new_password(args.password_stdin)
    with warehouse.connect(config.workspace(args.home).warehouse) as conn:
        users.set_password(conn, args.name, password)
        users.record(conn, f"cli:{getpass_user()}", "password_reset", "ok", args.name)
    print(f"已重置密码 (password set): {args.name}")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """List the portal's users: name, role, region, when created and by whom."""
    from ipwatch import warehouse
    from ipwatch.portal import users

    with warehouse.connect(config.workspace(args.home).warehouse, read_only=True) as conn:
        rows = users.listed(conn)
    for r in rows:
        print(f"{r['user_name']}\t{users.ROLES[r['role']]}({r['role']})\t{r['region_code'] or '—'} "
              f"{r['region_name'] or ''}\t{r['created_at']:%Y-%m-%d %H:%M} {r['created_by']}")
    print(f"共 {len(rows)} 个用户 (users)")
    return 0


def getpass_user() -> str:
    """Who runs the command, for the event log."""
    import getpass

    return getpass.getuser()


def audit_filters(args: argparse.Namespace):
    """The findings the audit options pick (`--status`, `--office`, ...)."""
    from ipwatch import audit

    return audit.Filters(**{name: getattr(args, name, None) for name in audit.FILTERS})


def finding_line(r: dict) -> str:
    """One finding as the list prints it: Chinese first, codes after; the context of audit_findings.sql."""
    where = f"第{r['line']}行" if r["line"] is not None else "（汇总）"
    about = ""
    if r["region_code"] is not None:
        about = (f" {r['region_name'] or ''}({r['region_code']}) {r['period']} "
                 f"{r['indicator_name'] or r['indicator_code']}({r['indicator_code']}) "
                 f"{exact(r['row_value'])} {r['unit'] or ''} · {context_text(r)}")
    return (f"#{r['finding_id']} {r['status_name']} {r['severity_name']} {r['rule_name']}({r['rule']}) · "
            f"{r['office_name'] or ''}({r['office_code']}) {r['file_name']} {where}{about} · "
            f"{r['outcome_name']}")


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

    with audit.connect(config.workspace(args.home)) as conn:
        found = audit.show(conn, args.id)
    if args.json:
        print(json.dumps(found, ensure_ascii=False, default=as_json, indent=1))
        return 0
    where = f"第{found['line']}行" if found["line"] is not None else "（汇总）"
    print(f"#{found['finding_id']} {found['rule_name']}({found['rule']}) {found['severity_name']} "
          f"{found['status_name']}：{found['message']}")
    print(f"  报送 #{found['submission_id']} {found['file_name']} {where} · {found['office_name']} "
          f"({found['office_code']}) · {found['received_at']}")
    if found["region_code"] is not None:
        print(f"  {found['region_name']} ({found['region_code']}) {found['period']} "
              f"{found['indicator_name'] or found['indicator_code']}({found['indicator_code']}): "
              f"{found['value_raw'] or ''} → {exact(found['row_value'])} {found['unit'] or ''}")
        print(f"  {context_text(found)}")
    for h in found["history"]:
        print(f"  {h['decided_at']} {h['decided_by']}: {h['decision_name']}({h['decision']}) · {h['reason']}")
    return 0


def cmd_audit_decide(args: argparse.Namespace) -> int:
    """Record a decision on a finding, or on every open finding the filters pick (a count first, --yes to record);
    each is one row appended to the audit log, and the latest decision is in force."""
    from ipwatch import audit

    filters = audit_filters(args)
    if (args.id is None) == (not filters.any):
        raise ValueError("请给出一个问题编号，或用筛选条件批量审核 (give one ID, or filters such as --rule, not both)")
    with audit.connect(config.workspace(args.home), read_only=args.id is None and not args.yes) as conn:
        if args.id is not None:
            row = audit.decide(conn, args.id, args.decision, args.reason, args.by)
            print(f"#{row['finding_id']}: {labels.DECISIONS[row['decision']]}({row['decision']}) · "
                  f"{row['decided_by']} → {labels.STATUSES[row['audit_status']]}")
            return 0
        if not args.yes:
            audit.checked_decision(args.decision, args.reason, args.by)
            count = len(audit.chosen_for_decision(conn, filters))
            print(f"将对 {count} 项待审核问题作出同一结论；确认无误后加 --yes 执行 (dry run: add --yes to record)")
            return 0
        ids = audit.decide_many(conn, filters, args.decision, args.reason, args.by)
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


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    top = argparse.ArgumentParser(prog="ipwatch", description="知识产权强市/强县建设 监测：数据质量与进展简报")
    top.add_argument("--home", help="workspace folder (default: $IPWATCH_HOME or ./data)")
    top.add_argument("-v", "--verbose", action="store_true", help="show Prefect's flow and task logs")
    sub = top.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help=cmd_init.__doc__).set_defaults(run=cmd_init)

    p = sub.add_parser("catalogue", help=cmd_catalogue.__doc__)
    p.add_argument("--json", action="store_true", help="one JSON array of targets")
    p.set_defaults(run=cmd_catalogue)

    p = sub.add_parser("ingest", help=cmd_ingest.__doc__)
    p.add_argument("files", nargs="*", help="CSV or xlsx files (see README, Submission formats)")
    p.add_argument("--as", dest="office", help="region code of the submitting office")
    p.add_argument("--inbox", action="store_true", help="ingest every file in <home>/inbox/<region>/ as that office")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--runner", choices=("default", "dask"), default="default",
                   help="dask: read, normalise and explain the files in parallel on a Dask cluster "
                        "($IPWATCH_DASK_ADDRESS, else a local one)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("bulletin", help=cmd_bulletin.__doc__)
    p.add_argument("--period", required=True,
                   help="YYYY-MM for the monthly bulletin (the last quarter complete before that month), "
                        "or a quarter such as 2025Q3 for the quarterly bulletin (with changes on quarter and year)")
    p.add_argument("--region", help="only the plans of this region code")
    p.add_argument("-o", "--output", type=Path, help="folder for the HTML files (default: <home>/bulletins)")
    p.add_argument("--pdf", action="store_true", help="also print each bulletin to an A4 PDF (needs chromium)")
    p.set_defaults(run=cmd_bulletin)

    sub.add_parser("expectations", help=cmd_expectations.__doc__).set_defaults(run=cmd_expectations)

    p = sub.add_parser("template", help=cmd_template.__doc__)
    p.add_argument("--region", required=True, help="region code of the office")
    p.add_argument("--period", required=True, help="quarter, e.g. 2025Q3")
    p.add_argument("-o", "--output", type=Path, help="the .xlsx to write (default: REGION-PERIOD.xlsx)")
    p.set_defaults(run=cmd_template)

    p = sub.add_parser("history", help=cmd_history.__doc__)
    p.add_argument("--region", required=True, help="region code")
    p.add_argument("--indicator", required=True, help="indicator code or name")
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_history)

    p = sub.add_parser("progress", help=cmd_progress.__doc__)
    p.add_argument("--region", required=True, help="region code")
    p.add_argument("--period", required=True, help="quarter, e.g. 2025Q3")
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_progress)

    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(run=cmd_demo)

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--port", type=int, default=4200, help="port of the local Prefect server and UI (0: any free one)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("web", help=cmd_web.__doc__, description=cmd_web.__doc__)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--secure-cookies", action="store_true",
                   help="mark the session cookie Secure (when a TLS proxy serves the portal over https)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a host name the portal answers to (repeatable; besides --host and loopback; required "
                        "with --host 0.0.0.0)")
    p.set_defaults(run=cmd_web)
    users_parser(sub)
    audit_parser(sub)
    global_options_anywhere(top)
    return top


def users_parser(sub: argparse._SubParsersAction) -> None:
    """`ipwatch users` lists the portal's users; `add` creates one, `password` sets a new password."""
    p = sub.add_parser("users", help=cmd_users.__doc__, description=cmd_users.__doc__)
    p.set_defaults(run=cmd_users)
    actions = p.add_subparsers(dest="action", metavar="ACTION", prog="ipwatch users")
    a = actions.add_parser("add", help=cmd_users_add.__doc__, description=cmd_users_add.__doc__)
    a.add_argument("name", help="user name (2-64 letters, digits, _ . @ -)")
    a.add_argument("--role", required=True, choices=["office", "auditor", "admin"],
                   help="office (报送单位), auditor (审核员) or admin (管理员)")
    a.add_argument("--region", metavar="CODE", help="an office's region code (it submits for it and those under it)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(run=cmd_users_add)
    a = actions.add_parser("password", help=cmd_users_password.__doc__, description=cmd_users_password.__doc__)
    a.add_argument("name", help="user name")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(run=cmd_users_password)


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


# Commands that run Prefect flows: a failure's traceback stays in Prefect's log, the console gets one line.
FLOW_COMMANDS = {"ingest", "bulletin", "progress", "demo"}
# Commands that validate files: they load Great Expectations while Prefect's server boots.
VALIDATING = {"ingest", "demo"}


def global_options_anywhere(p: argparse.ArgumentParser) -> None:
    """Accept the global options after a sub-command too (`ipwatch audit --home X`), as users type them: each
    sub-parser knows them without a default of its own, so the top parser's value stands unless given later."""
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                child.add_argument("--home", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                child.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                   help=argparse.SUPPRESS)
                global_options_anywhere(child)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    prefect_env.configure(config.workspace(args.home), verbose=args.verbose, service=args.command == "serve")
    if args.command in FLOW_COMMANDS and not args.verbose:
        prefect_env.quiet_console()
    try:
        if args.command in FLOW_COMMANDS | {"serve"}:
            files.require_space(config.workspace(args.home).home)
        if args.command in FLOW_COMMANDS:
            server_ready = prefect_env.start_server_early()
            if args.command in VALIDATING:
                import great_expectations  # noqa: F401 - 3 s of imports, made while the server boots
            server_ready()
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a user sees one line and exit 2; -v shows the traceback
        if args.verbose:
            traceback.print_exc()
        print(f"ipwatch: 错误 (error): {one_line(exc)}", file=sys.stderr)
        return 2


def one_line(exc: BaseException) -> str:
    """An exception as one line: its own message when it has one (ours are bilingual), else its kind."""
    from ipwatch.intake import pipeline

    if pipeline.machine_fault(exc):
        exc = pipeline.SystemFault(pipeline.system_message(exc))
    text = " ".join(str(exc).split())
    if "ephemeral Prefect API server" in text:  # its message goes on with the server's whole stderr
        return ("Prefect 本地服务未能启动，请检查工作区所在磁盘是否已满或只读 (Prefect's local server did not start:"
                " is the workspace's disk full or read-only?)")
    known = isinstance(exc, OSError | ValueError | RuntimeError)
    return text if known and text else f"{type(exc).__name__}: {text[:300]}"


if __name__ == "__main__":
    sys.exit(main())
