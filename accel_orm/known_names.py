"""Check that a model, hardware type or family someone typed exists, and suggest the name they meant.

Without this, ``accel-orm query --model bert-base-uncasedd --compare-hardware`` printed an empty table and exited
0 (and a chart request wrote a "No data" picture), which reads as "no results" rather than "typo". The names come
from the database; suggestions from :func:`difflib.get_close_matches`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from sqlalchemy import Engine, select

from accel_orm.db import connection_scope
from accel_orm.errors import UnknownNameError
from accel_orm.models import HardwarePlatform, Model
from accel_orm.queries._common import normalise_hardware_type

LISTED_WHEN_NOTHING_IS_CLOSE = 10


def require_known(
    engine: Engine,
    *,
    model_name: str | None = None,
    hardware_type: str | None = None,
    family: str | None = None,
) -> None:
    """Raise :class:`UnknownNameError` for the first given name the database does not hold.

    The message says which kind of name it is and suggests the closest known ones (``did you mean
    'bert-base-uncased'?``), or lists what there is when nothing is close.
    """
    wanted = [
        ("model", model_name, Model.model_name, None),
        ("hardware type", hardware_type, HardwarePlatform.hardware_type, normalise_hardware_type),
        ("model family", family, Model.model_family, None),
    ]
    wanted = [entry for entry in wanted if entry[1] is not None]
    if not wanted:
        return
    with connection_scope(engine) as connection:
        for kind, given, column, normalise in wanted:
            assert given is not None
            value = normalise(given) if normalise else given
            known = connection.scalars(select(column).where(column.is_not(None)).distinct()).all()
            if value not in known:
                raise UnknownNameError(unknown_name_message(kind, given, [name for name in known if name is not None]))


def unknown_name_message(kind: str, given: str, known: Sequence[str]) -> str:
    """``unknown model 'bert-base-uncasedd': did you mean 'bert-base-uncased'?`` (or what exists)."""
    if not known:
        return f"unknown {kind} {given!r}: the database holds no {kind} names yet"
    close = difflib.get_close_matches(given, known, n=3, cutoff=0.6)
    if not close:  # case or punctuation slips ("BERT_base") are still worth a suggestion
        folded = {name.lower().replace("_", "-"): name for name in known}
        close = [folded[m] for m in difflib.get_close_matches(given.lower().replace("_", "-"), folded, n=3)]
    if close:
        return f"unknown {kind} {given!r}: did you mean {' or '.join(repr(name) for name in close)}?"
    listed = sorted(known)[:LISTED_WHEN_NOTHING_IS_CLOSE]
    more = f" (and {len(known) - len(listed)} more)" if len(known) > len(listed) else ""
    return f"unknown {kind} {given!r}; known {kind} names: {', '.join(listed)}{more}"
