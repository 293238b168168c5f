"""A spinner with the time elapsed while a long command works (rich), shown only to a person at a terminal.

It writes to stderr and only when stderr is a terminal, so `--json`, pipes, cron and the tests see the output
alone; Prefect's console log lines still print, above the spinner.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def working(label: str, *, quiet: bool = False) -> Iterator[None]:
    """Show `label` with a spinner and the elapsed time until the block ends; nothing if `quiet` or not a terminal."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        progress.add_task(label, total=None)
        yield
