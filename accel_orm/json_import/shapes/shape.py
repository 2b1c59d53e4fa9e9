"""What a shape module declares: its name, how to recognise its files, and how to read them.

Every module in this package describes one kind of JSON file in one :class:`Shape` value named ``SHAPE`` (or, for
:mod:`.non_results`, a few): the predicate that recognises the file's content and the parser that turns it into
result dicts, side by side. :mod:`.registry` lists the values once, in the order they are tried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.common import ShapeOutput

Parser = Callable[[Any, Path], ShapeOutput]
"""``(parsed JSON, path) -> ShapeOutput``: the results of a file of this shape."""
Predicate = Callable[[Any, str], bool]
"""``(parsed JSON, lower-case file name) -> bool``: whether a file is of this shape."""
SkipReason = Callable[[Any, Path], str]
"""``(parsed JSON, path) -> why it holds no results``, for kinds of file that never carry results."""


@dataclass(frozen=True)
class Shape:
    """One kind of JSON file: recognised by ``recognises``; read by ``parse``, or skipped with ``skip_reason``.

    ``recognises`` is given top-level JSON objects (mappings); with ``lists`` also top-level lists. The file name
    should only break ties the content cannot (see :mod:`.registry` for the order shapes are tried in).
    """

    name: str
    recognises: Predicate
    parse: Parser | None = None
    skip_reason: SkipReason | None = None
    lists: bool = False

    def __post_init__(self) -> None:
        if (self.parse is None) == (self.skip_reason is None):
            raise ValueError(f"shape {self.name!r} needs exactly one of parse (results) or skip_reason (none)")
