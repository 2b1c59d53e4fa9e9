"""What every subcommand shares: opening the database, printing, writing output files, progress bars."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from tqdm import tqdm

# Each command imports what it uses when it runs (SQLAlchemy, DuckDB, pandas, matplotlib, tqdm), so that
# `accel-orm --help` and the light commands start fast (benchmarks/cli_startup.py).


@contextmanager
def open_engine(args: argparse.Namespace, *, create: bool = False, **options: Any) -> Iterator[Engine]:
    """The engine for ``--db`` (else the resolver, asked once), disposed when the command ends.

    Only commands that write pass ``create=True``: the others, given a path that holds no database, say so and
    create nothing. ``--lock-timeout`` is how long a DuckDB file held by another process is waited for.
    """
    from accel_orm.config import resolve
    from accel_orm.db import get_engine

    options.setdefault("lock_timeout", args.lock_timeout)
    engine = get_engine(resolve(args.db), create=create, **options)
    try:
        yield engine
    finally:
        engine.dispose()


def say(args: argparse.Namespace, text: str) -> None:
    """Informational output: suppressed by --quiet (results and errors are always printed)."""
    if not args.quiet:
        print(text)


def write_output(content: str | bytes, output: str | None) -> None:
    """Write to ``output`` when given (see :func:`accel_orm.api.deliver`), else to stdout (text only)."""
    if output is not None:
        from accel_orm.api import deliver

        deliver(content, output)
        return
    if isinstance(content, bytes):
        raise ValueError("binary output (a chart) needs --output FILE")
    sys.stdout.write(content if content.endswith("\n") else content + "\n")


def progress_enabled(args: argparse.Namespace) -> bool:
    """Bars only for a person at a terminal: never with --quiet, in pipes, or under CI."""
    return not args.quiet and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def progress_bar(args: argparse.Namespace, *, total: int | None, unit: str, desc: str) -> Iterator[tqdm]:
    from tqdm import tqdm

    with tqdm(
        total=total,
        unit=unit,
        desc=desc,
        disable=not progress_enabled(args),
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    ) as bar:
        yield bar
