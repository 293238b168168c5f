"""`ipwatch ingest` and `template`: files in, each with its outcome and every fault's fix; the form out."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ipwatch import config
from ipwatch.cli.common import regions_known
from ipwatch.domain import periods
from ipwatch.domain.finding import UNLISTED
from ipwatch.ops import handoff
from ipwatch.ops.busy import working


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate and load submitted files."""
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
        if args.handed:
            results = handoff.hand(config.workspace(args.home), {
                "inbox": args.inbox, "office": args.office, "files": [str(Path(f).resolve()) for f in args.files]})
        elif args.inbox:
            from flows.ingest import inbox_flow, on_runner

            results = on_runner(inbox_flow, args.runner)(home=args.home)
        else:
            from flows.ingest import ingest_flow, on_runner

            results = on_runner(ingest_flow, args.runner)([Path(f) for f in args.files], office=args.office,
                                                          home=args.home)
    for result in results:
        if args.json:  # written as it is encoded: a file's hundreds of thousands of findings make no one string
            json.dump(result, sys.stdout, ensure_ascii=False)
            print()
        else:
            print(outcome_text(result))
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
    from ipwatch.domain import labels
    from ipwatch.domain.finding import fault_count
    from ipwatch.domain.labels import OUTCOMES

    status, errors, warnings = result["status"], fault_count(result["errors"]), fault_count(result["warnings"])
    lines = [f"{Path(result['file']).name}：{OUTCOMES.get(status, status)} ({status})，"
             f"{result['rows']} 行数据 (rows)，{errors} 处错误 (errors)，{warnings} 处提示 (warnings)"]
    for severity, key in (("错误", "errors"), ("提示", "warnings")):
        lines += [f"  {severity} {fault_text(e)}" for e in result[key]]
    if result.get("kept"):
        named = "、".join(f"{k['indicator_name']}（{k['indicator_code']}）" for k in result["kept"])
        lines.append(f"  {labels.KEPT}：{named} (left blank: the values already accepted stay in force)")
    return "\n".join(lines)


def fault_text(e: dict) -> str:
    """One fault: where, which indicator and column, what was typed, and what to do."""
    where = e["cell"] or (f"第{e['line']}行" if e["line"] is not None else
                          "其余各行" if e["rule"] == UNLISTED else "全文件")
    name = f" {e['indicator_name']}（{e['indicator']}）" if e.get("indicator_name") else ""
    column = f" {e.get('column_name') or e['column']}" if e["column"] else ""
    typed = f" “{e['value']}”" if e["value"] else ""  # a blank cell reads as nothing typed
    return f"{where}{name}{column}{typed}：{e.get('fix') or e['message']} [{e['rule']}]"


def cmd_template(args: argparse.Namespace) -> int:
    """Write the Excel form an office fills in for one region and quarter."""
    from ipwatch.intake import template

    quarter = periods.quarter_argument(args.period)
    regions_known(args.region)
    path = args.output or Path(f"{args.region}-{quarter}.xlsx")
    print(template.write_template(path, args.region, quarter))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """ingest, template."""
    p = sub.add_parser("ingest", help=cmd_ingest.__doc__)
    p.add_argument("files", nargs="*", help="CSV or xlsx files (see README, Submission formats)")
    p.add_argument("--as", dest="office", help="region code of the submitting office")
    p.add_argument("--inbox", action="store_true", help="ingest every file in <home>/inbox/<region>/ as that office")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("--runner", choices=("default", "dask"), default="default",
                   help="dask: read, normalise and explain the files in parallel on a Dask cluster "
                        "($IPWATCH_DASK_ADDRESS, else a local one)")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("template", help=cmd_template.__doc__)
    p.add_argument("--region", required=True, help="region code of the office")
    p.add_argument("--period", required=True, help="quarter, e.g. 2025Q3")
    p.add_argument("-o", "--output", type=Path, help="the .xlsx to write (default: REGION-PERIOD.xlsx)")
    p.set_defaults(run=cmd_template)
