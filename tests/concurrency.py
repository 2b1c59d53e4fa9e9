"""Several processes doing the same thing at the same moment, for tests of concurrent writers."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any


def at_once(work: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run ``work(*args, barrier)`` for each ``args`` in a spawned process of its own; the shared barrier lets
    them start together. Their results, in order. ``work`` must be importable (a module-level function)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(arguments))
        with context.Pool(len(arguments)) as pool:
            return pool.starmap(work, [(*args, barrier) for args in arguments])
