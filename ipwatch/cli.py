"""The `ipwatch` command line. Imports stay inside commands so `--help` and `catalogue` start fast."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ipwatch import config


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the warehouse and load the catalogue and regions."""
    from ipwatch import reference

    ws = config.workspace(args.home)
    reference.initialise(ws)
    print(f"warehouse ready: {ws.warehouse}")
    return 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    """Print every plan target."""
    from ipwatch import catalogue

    cat = catalogue.default()
    records = [catalogue.target_record(t, cat) for t in cat.targets()]
    if args.json:
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for r in records:
        value = r["target_value"] if r["target_value"] is not None else f"×{r['relative_to_baseline']}"
        print(f"{r['plan_id']:<14} {r['target_year']} {r['indicator_code']:<44} {r['kind']:<13} "
              f"{value} {r['unit'] or ''}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Validate and load submitted files."""
    from flows.ingest import ingest_flow

    results = ingest_flow([Path(f) for f in args.files], office=args.office, home=args.home)
    for result in results:
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"{result['file']}: {result['status']} ({result['rows']} rows, "
                  f"{len(result['errors'])} errors, {len(result['warnings'])} warnings)")
            for e in result["errors"] + result["warnings"]:
                where = f"第{e['line']}行" if e["line"] is not None else "（汇总）"
                print(f"  {where} {e['column'] or ''} [{e['rule']}] {e['message']}")
    return 1 if any(r["status"] == "rejected" for r in results) else 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Render the progress bulletins of a month."""
    from flows.bulletin import bulletin_flow

    paths = bulletin_flow(args.period, region=args.region, out_dir=args.output, home=args.home)
    for path in paths:
        print(path)
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    """Print the progress view for a region and quarter."""
    from ipwatch import progress

    rows = progress.rows(config.workspace(args.home), region=args.region, period=args.period)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
    else:
        for r in rows:
            print(f"{r['region_code']} {r['period']} {r['indicator_code']:<44} {r['status']}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate plausible submissions for every plan region, ingest them, and render the bulletin."""
    from flows.demo import demo_flow

    print("正在生成各规划地区的示例报送文件，逐一校验、入库并生成简报（约一分钟）…", flush=True)
    summary = demo_flow(home=args.home)
    print(f"submissions: {summary['accepted']} accepted, {summary['rejected']} rejected")
    print("bulletins:")
    for path in summary["bulletins"]:
        print(f"  {path}")
    print(f"index: {summary['index']}")
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
    p.add_argument("files", nargs="+", help="CSV files (long format, see README)")
    p.add_argument("--as", dest="office", required=True, help="region code of the submitting office")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("bulletin", help=cmd_bulletin.__doc__)
    p.add_argument("--period", required=True, help="month, YYYY-MM; shows the last quarter complete before it")
    p.add_argument("--region", help="only the plans of this region code")
    p.add_argument("-o", "--output", type=Path, help="folder for the HTML files (default: <home>/bulletins)")
    p.set_defaults(run=cmd_bulletin)

    p = sub.add_parser("progress", help=cmd_progress.__doc__)
    p.add_argument("--region", required=True, help="region code")
    p.add_argument("--period", required=True, help="quarter, e.g. 2025Q3")
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_progress)

    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(run=cmd_demo)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    # Prefect logs every task run at INFO; an office running a command wants the outcome, not the log.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if args.verbose else "WARNING")
    try:
        return args.run(args)
    except (OSError, ValueError) as exc:
        print(f"ipwatch: 错误 (error): {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
