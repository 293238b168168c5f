"""`ipwatch web` and `users`: the portal and the people who may use it."""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
from collections.abc import Callable

from ipwatch import config


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the portal (联网直报) for offices, auditors and administrators on the workspace's warehouse."""
    from ipwatch.ops import handoff, notify, serving
    from ipwatch.portal import views, web

    ws = config.workspace(args.home)
    runner = portal_runner(args.prefect_ready)

    def handed(request: dict) -> list[dict]:  # a clerk's `ipwatch ingest`, in the portal's turn as a batch is
        with views.TURNS.turn(short=False):
            return serving.ingest(ws, None, request)

    def warm() -> None:
        args.prefect_ready()
        with views.TURNS.turn(short=False):
            serving.warm(ws)

    close = handoff.listen(ws, handed, warm)
    try:
        web.serve(ws, host=args.host, port=args.port, secure_cookies=args.secure_cookies,
                  allowed_hosts=args.allowed_host, on_step=notify.signoff_step, notice=notify.tell_decisions,
                  runner=runner)
    finally:
        close()
    return 0


def portal_runner(ready: Callable[[], None]) -> Callable[[str, list[str]], object]:
    """The portal's batches as runs of the `portal` flow. Prefect is imported and its server awaited on a thread
    of their own from the start, so the first batch does not pay for them while holding the warehouse's turn. On
    the portal's own server (one it started: it ends with the portal) as a lone command's runs are
    (prefect_env.on_own_server): the next batch need not wait for a heartbeat thread's step."""
    from ipwatch.ops import prefect_env

    def warm() -> Callable[[str, list[str]], object]:
        from flows.portal import portal_flow

        ready()
        return portal_flow

    def run(home: str, tickets: list[str]) -> object:
        flow = warming.result()
        if ready is prefect_env.nothing_started:  # PREFECT_API_URL's server, or a serve's: not the portal's
            return flow(home, tickets)
        with prefect_env.on_own_server():
            return flow(home, tickets)

    warming = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="prefect-warm").submit(warm)
    return run


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


def add_commands(sub: argparse._SubParsersAction) -> None:
    """web, and users with its actions add and password."""
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


def users_parser(sub: argparse._SubParsersAction) -> None:
    """`ipwatch users` lists the portal's users; `add` creates one, `password` sets a new password."""
    p = sub.add_parser("users", help=cmd_users.__doc__, description=cmd_users.__doc__)
    p.set_defaults(run=cmd_users)
    actions = p.add_subparsers(dest="action", metavar="ACTION", prog="ipwatch users")
    a = actions.add_parser("add", help=cmd_users_add.__doc__, description=cmd_users_add.__doc__)
    a.add_argument("name", help="user name (2-64 letters, digits, _ . @ -)")
    a.add_argument("--role", required=True, choices=["office", "auditor", "admin"],
                   help="office (报送单位), auditor (审核员) or admin (管理员)")
    a.add_argument("--region", metavar="CODE", help="an office's region code (it submits for it and those under it); "
                   "an auditor's, optional (it audits only the findings of that region and those under it)")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(run=cmd_users_add)
    a = actions.add_parser("password", help=cmd_users_password.__doc__, description=cmd_users_password.__doc__)
    a.add_argument("name", help="user name")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(run=cmd_users_password)
