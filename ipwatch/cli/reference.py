"""`ipwatch init`, `catalogue` and `expectations`: the warehouse, the plans and the rules they give."""

from __future__ import annotations

import argparse
import json
import sys

from ipwatch import config
from ipwatch.ops import prefect_env


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the warehouse and load the catalogue and regions; make Prefect's database."""
    from ipwatch.warehouse import reference

    ws = config.workspace(args.home)
    reference.initialise(ws, force=True)  # init is how an office reloads the reference data by hand
    print(f"warehouse ready: {ws.warehouse}")
    if args.prefect_ready is not prefect_env.nothing_started:  # the workspace's own Prefect server (cli.PREPARING)
        print("正在准备 Prefect 数据库，首次约需十余秒 (Prefect is making its database: about 10 s the first time)",
              flush=True)
        args.prefect_ready()
        print(f"Prefect ready: {ws.prefect_home}")
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


def cmd_expectations(args: argparse.Namespace) -> int:
    """Regenerate the validation suite (expectations/submission_rows.yaml) from the catalogue and the rule files."""
    from ipwatch.intake import suite

    path = suite.SUITE_FILE
    before = path.read_text("utf-8") if path.exists() else ""
    suite.write()
    print(f"{path}: {'unchanged' if path.read_text('utf-8') == before else 'regenerated'}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """init, catalogue, expectations."""
    sub.add_parser("init", help=cmd_init.__doc__).set_defaults(run=cmd_init)

    p = sub.add_parser("catalogue", help=cmd_catalogue.__doc__)
    p.add_argument("--json", action="store_true", help="one JSON array of targets")
    p.set_defaults(run=cmd_catalogue)

    sub.add_parser("expectations", help=cmd_expectations.__doc__).set_defaults(run=cmd_expectations)
