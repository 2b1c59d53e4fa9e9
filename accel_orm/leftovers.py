"""Temporary files a killed job leaves behind, and how the next run of the same job finds and removes them.

Compaction (``.<db>.compact-*``, ``.<db>.pre-optimize-*``), archiving (``.staging-*``) and the JSON archive copy
(``*.part``) write under a temporary name and rename at the end; a ``kill -9`` in between leaves the temporary
behind, and a ``.pre-optimize-*`` hard link keeps the whole old database alive on disk. Each such name carries its
writer's PID (:func:`owner_tag`, ``p<pid>-``), so the next run can tell a leftover from another job's live file:

- the owner's PID is gone -> stale, removed;
- the owner is alive (this process included) -> never touched, whatever its age;
- no PID in the name (written by an accel_orm before this module) -> removed only when older than
  :data:`UNTAGGED_STALE_AFTER`, so a job of an older version that is still running is left alone.

A PID can be reused by an unrelated process; then the leftover is kept (the safe mistake) until that process ends.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

UNTAGGED_STALE_AFTER = 24 * 3600.0
"""Seconds after which a leftover without an owner PID counts as stale (no job runs that long on one file)."""

_OWNER = re.compile(r"(?:^|[.\-])p(?P<pid>\d+)-")


def owner_tag() -> str:
    """The part of a temporary name that says which process wrote it: ``p<pid>-``."""
    return f"p{os.getpid()}-"


def _owner_pid(name: str) -> int | None:
    match = _OWNER.search(name)
    return int(match["pid"]) if match else None


def process_alive(pid: int) -> bool:
    """Whether a process with this PID exists (one we may not signal still exists)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # e.g. a PID beyond the platform's range: no such process
        return False
    return True


@dataclass(frozen=True)
class Leftover:
    """A removed stale temporary file or folder, and why it counted as stale."""

    path: Path
    why: str

    def describe(self) -> str:
        return f"removed stale leftover {self.path.name} ({self.why})"


def stale_reason(path: Path, *, now: float | None = None) -> str | None:
    """Why ``path`` is a stale leftover, or None when it may belong to a live job (then it must be kept)."""
    pid = _owner_pid(path.name)
    if pid is not None:
        return None if process_alive(pid) else f"its writer, PID {pid}, is no longer running"
    try:
        age = (now if now is not None else time.time()) - path.lstat().st_mtime
    except FileNotFoundError:
        return None
    if age > UNTAGGED_STALE_AFTER:
        return f"no owner recorded and {age / 3600:.0f} h old"
    return None


def remove_stale(candidates: Iterable[Path]) -> list[Leftover]:
    """Remove every candidate that :func:`stale_reason` finds stale; return what was removed (logged too).

    A candidate that vanishes meanwhile (its owner finished) is simply not listed; one that cannot be removed
    is logged as a warning and left, since cleaning up must never stop the job that does it.
    """
    removed: list[Leftover] = []
    for path in candidates:
        why = stale_reason(path)
        if why is None:
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("could not remove the stale leftover %s: %s", path, error)
            continue
        leftover = Leftover(path, why)
        log.info("%s", leftover.describe())
        removed.append(leftover)
    return removed
