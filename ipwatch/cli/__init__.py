"""The `ipwatch` command line: the parser and the one way a command ends (one line and exit 2 on an error).

Each stage's commands, with their texts, are in the module named after it (reference, intake, bulletins, audit,
portal, ops); their imports stay inside the commands so `--help` and `catalogue` start fast."""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading
import traceback
from typing import NoReturn

from ipwatch import config, files
from ipwatch.cli import approval, audit, bulletins, intake, ops, plans, portal, reference
from ipwatch.ops import handoff, prefect_env

# The commands in the order `--help` lists them, each module adding its own.
COMMANDS = (reference, plans, intake, bulletins, audit, approval, ops, portal)


def parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    top = argparse.ArgumentParser(prog="ipwatch", description="知识产权强市/强县建设 监测：数据质量与进展通报")
    top.add_argument("--home", help="workspace folder (default: $IPWATCH_HOME or ./data)")
    top.add_argument("-v", "--verbose", action="store_true", help="show Prefect's flow and task logs")
    sub = top.add_subparsers(dest="command", required=True)
    for commands in COMMANDS:
        commands.add_commands(sub)
    global_options_anywhere(top)
    return top


# Commands that run Prefect flows, with the module of their flow: a failure's traceback stays in Prefect's log, the
# console gets one line. The module is imported while Prefect's server boots (0.5 s of a command's wait).
FLOW_COMMANDS = {"ingest": "flows.ingest", "bulletin": "flows.bulletin", "progress": "flows.progress",
                 "demo": "flows.demo"}


# Commands that serve and run flows now and then (`web`'s batches of uploads): their Prefect server boots beside
# them and only their first run waits for it (`args.prefect_ready`), not their start.
SERVING = {"web"}
# Commands that set a workspace up: its own Prefect server starts once beside them and they wait for it, so that
# its database is made (or upgraded) then, not in the workspace's first run (8 s of Prefect's migrations here).
PREPARING = {"init"}


# Commands that validate files: they load Great Expectations while Prefect's server boots.
VALIDATING = {"ingest", "demo"}
# commands a running `ipwatch serve` can do for them (ipwatch.ops.handoff)
HANDED = {"ingest"}


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
    """Entry point of the console script and `python -m ipwatch.cli` (no argv: the process is the command, and
    ends with it) and of tests (argv given: the exit code is returned)."""
    code = command(argv)
    if argv is None:
        end_process(code)
    return code


def end_process(code: int) -> NoReturn:
    """End the process as any exit does (other threads joined, exit handlers run: Prefect sends a run's last logs,
    the command's server stops; output flushed) but without freeing every object one by one: tearing down GX's,
    Prefect's and polars' modules took longer than a one-file ingest's work. mypy ends the same way.

    In the interpreter's own order: threading's exit calls first (Prefect drains its log and event workers there,
    while the command's server still answers), non-daemon threads joined, then the atexit handlers (the server
    stopped). Handlers alone stopped the server first: the run's last logs and events were lost, and logging's
    shutdown waited 5 s for a server that was gone."""
    threading._shutdown()  # type: ignore[attr-defined]  # what Py_Finalize calls first
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def command(argv: list[str] | None) -> int:
    """Parse the arguments and run the command; its exit code (argparse exits itself on --help or bad usage)."""
    args = parser().parse_args(argv)
    try:
        # inside: a setting that cannot be used (IPWATCH_MAX_ROWS=abc) is told in one line, as any other error
        prefect_env.configure(config.workspace(args.home), verbose=args.verbose, service=args.command == "serve")
        if args.command in {*FLOW_COMMANDS, "serve"}:
            files.require_space(config.workspace(args.home).home)
        # files for a running `ipwatch serve`, which has everything loaded: nothing to start or import here
        args.handed = args.command in HANDED and args.runner == "default" and handoff.listening(
            config.workspace(args.home))
        flow_here = args.command in FLOW_COMMANDS and not args.handed
        # the server first: Prefect reads where it is when it is imported (quiet_console imports it)
        waits_itself = args.command in SERVING | PREPARING
        server_ready = (prefect_env.start_server_early(preparing=args.command in PREPARING)
                        if flow_here or waits_itself else None)
        if waits_itself:
            args.prefect_ready, server_ready = server_ready, None
        if flow_here and not args.verbose:
            prefect_env.quiet_console()
        if server_ready is None or server_ready is prefect_env.nothing_started:
            return args.run(args)
        if args.command in VALIDATING:
            from ipwatch.intake.gx_duckdb import great_expectations

            great_expectations()  # 2 s of imports, made while the server boots
        importlib.import_module(FLOW_COMMANDS[args.command])
        server_ready()
        with prefect_env.on_own_server():
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
