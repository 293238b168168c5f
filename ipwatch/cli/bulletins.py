"""`ipwatch bulletin` and `progress`: each region against its plan."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ipwatch import config
from ipwatch.cli.common import as_json, regions_known
from ipwatch.domain import periods
from ipwatch.ops.busy import working


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Render the progress bulletins of a month."""
    from flows.bulletin import bulletin_flow
    from ipwatch.bulletins import charts, editions, invariants, pdf

    periods.within_plans(editions.parse(args.period).quarter)  # a bad period is a usage error, before any run
    if args.region:
        regions_known(args.region)
    # what the run needs from the machine, checked before any work: one line and exit 2 when missing
    charts.require_font()
    if args.pdf:
        pdf.require_chromium()
    try:
        with working(f"正在生成 {args.period} 的通报 (rendering bulletins)"):
            paths = bulletin_flow(args.period, region=args.region, out_dir=args.output, home=args.home,
                                  as_pdf=args.pdf, force=args.force, include_unapproved=args.include_unapproved,
                                  reissue=args.reissue)
    except invariants.Inconsistent as exc:
        print(f"ipwatch: 本期通报有{len(exc.breaches)}处数字前后不一致，未发布任何文件 "
              f"(edition not published: {len(exc.breaches)} inconsistencies):", file=sys.stderr)
        for page, breach in exc.breaches:
            print(f"  {page} {breach}", file=sys.stderr)
        print("确需发布请加 --force，通报与目录上将注明未通过检查 (--force publishes it, stamped)", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
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


def add_commands(sub: argparse._SubParsersAction) -> None:
    """bulletin, progress."""
    p = sub.add_parser("bulletin", help=cmd_bulletin.__doc__)
    p.add_argument("--period", required=True,
                   help="YYYY-MM for the monthly bulletin (the last quarter complete before that month), "
                        "or a quarter such as 2025Q3 for the quarterly bulletin (with changes on quarter and year)")
    p.add_argument("--region", help="only the plans of this region code")
    p.add_argument("-o", "--output", type=Path,
                   help="folder for the HTML files (default: <home>/bulletins; a preview: <home>/bulletins/preview)")
    p.add_argument("--include-unapproved", action="store_true",
                   help="an internal preview with every value, signed off or not, marked 内部预览稿 on every page")
    p.add_argument("--reissue", action="store_true",
                   help="make the edition anew from the warehouse as it is now (an edition made before keeps what it "
                        "was made from: made again it is the same, whatever arrived since)")
    p.add_argument("--pdf", action="store_true", help="also print each bulletin to an A4 PDF (needs chromium)")
    p.add_argument("--force", action="store_true",
                   help="publish even an edition whose numbers disagree (stamped on the page and the index)")
    p.set_defaults(run=cmd_bulletin)

    p = sub.add_parser("progress", help=cmd_progress.__doc__)
    p.add_argument("--region", required=True, help="region code")
    p.add_argument("--period", required=True, help="quarter, e.g. 2025Q3")
    p.add_argument("--json", action="store_true", help="JSON rows")
    p.set_defaults(run=cmd_progress)
