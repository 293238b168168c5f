"""`ipwatch demo` and `serve`: the whole job on the demo's data, and the jobs on their schedules."""

from __future__ import annotations

import argparse

from ipwatch import config
from ipwatch.ops.busy import working

# The people to look at the demo as (README, Tour; `make docs` photographs the portal as them): the clerk of 包河区,
# whose 2025Q4 the auditor asks to correct, the city (合肥) that signs its counties' quarters, an auditor of every
# region. The demo makes no account: whoever adds one chooses its password, never kept in the repository.
DEMO_USERS = (("baohe", "office", "340111"), ("hefei", "office", "340100"), ("auditor", "auditor", None))


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate plausible submissions for every plan region, ingest them, and render the bulletin."""
    from flows.demo import demo_flow

    print("正在生成各规划地区的示例报送文件，逐一校验、入库并生成通报（约两分钟）…", flush=True)
    with working("示例数据 (demo)"):
        summary = demo_flow(home=args.home)
    print(f"submissions: {summary['accepted']} accepted, {summary['rejected']} rejected")
    print("bulletins:")
    for path in summary["bulletins"]:
        print(f"  {path}")
    print(f"index: {summary['index']}")
    print("portal (联网直报): add its users, each asked for a password, then .venv/bin/ipwatch web:")
    for line in demo_user_lines():
        print(f"  .venv/bin/{line}")
    print("next: .venv/bin/ipwatch audit report (数据审核报告) · .venv/bin/ipwatch serve (定时运行 scheduled runs)")
    return 0


def demo_user_lines() -> list[str]:
    """The command that adds each of DEMO_USERS, as the README's Tour shows it."""
    return [f"ipwatch users add {name} --role {role}" + (f" --region {region}" if region else "")
            for name, role, region in DEMO_USERS]


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the scheduled jobs of prefect.yaml (inbox, bulletins, audit report) until stopped, with a local
    Prefect server of the workspace's own unless PREFECT_API_URL names one."""
    from ipwatch.ops import serving
    from ipwatch.warehouse import reference

    ws = config.workspace(args.home)
    reference.initialise(ws)  # the first scheduled run should not be the one to find no warehouse
    serving.serve(ws, port=args.port)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """demo, serve."""
    sub.add_parser("demo", help=cmd_demo.__doc__).set_defaults(run=cmd_demo)

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    p.add_argument("--port", type=int, default=4200, help="port of the local Prefect server and UI (0: any free one)")
    p.set_defaults(run=cmd_serve)
