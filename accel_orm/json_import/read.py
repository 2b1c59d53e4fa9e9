"""Read a batch of files: each file's bytes once (hashed and parsed from the same read), each result validated once.

Results are fingerprinted when parsed and validated with their fingerprint already in ``details``, so the
validated columns are exactly what the commit writes; the commit only picks which of them are new.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accel_orm.errors import InvalidResultError
from accel_orm.ingest.validate import ResultBatch, validate_chunk
from accel_orm.ingest.validate import _without as without_items
from accel_orm.json_import.aliases import apply_aliases
from accel_orm.json_import.files import FoundFile, read_content
from accel_orm.json_import.fingerprints import result_fingerprint, with_fingerprint
from accel_orm.json_import.plan import PendingFile
from accel_orm.json_import.report import FileStatus
from accel_orm.json_import.shapes import parse_bytes

log = logging.getLogger(__name__)

MAX_PROBLEMS_PER_FILE = 10


@dataclass
class Names:
    """The aliases applied to imported results, and the model and family names seen (for the duplicate check)."""

    model_aliases: dict[str, str] = field(default_factory=dict)
    family_aliases: dict[str, str] = field(default_factory=dict)
    renamed: int = 0
    models: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)

    def take(self, results: list[dict[str, Any]]) -> None:
        self.renamed += apply_aliases(results, model_aliases=self.model_aliases, family_aliases=self.family_aliases)
        for result in results:
            for key, seen in (("model_name", self.models), ("model_family", self.families)):
                value = result.get(key)
                if isinstance(value, str) and value.strip():
                    seen.add(value)


def read_file(found: FoundFile, *, keep_bytes: bool, max_bytes: int) -> tuple[PendingFile, bytes | None]:
    """The file and its bytes (None when unreadable or larger than ``max_bytes``: the file is then skipped, unread).
    ``keep_bytes`` keeps them in its content for the archive step."""
    try:
        size = found.path.stat().st_size
        if size > max_bytes:
            file = PendingFile(found)
            file.decide(
                FileStatus.SKIPPED,
                f"too large: {size / 1024 / 1024:,.1f} MB is over the {max_bytes / 1024 / 1024:g} MB limit, not "
                "read (raise it with --max-file-mb / max_file_mb)",
            )
            return file, None
        content, data = read_content(found.path)
    except OSError as error:
        file = PendingFile(found)
        file.decide(FileStatus.SKIPPED, f"unreadable: {error.strerror or error}")
        return file, None
    if keep_bytes:
        content = dataclasses.replace(content, data=data)
    return PendingFile(found, content=content), data


def parse(f: PendingFile, data: bytes, names: Names) -> bool:
    """Parse the file's bytes into fingerprinted results (renamed by ``names``' aliases first); False (and the
    file skipped) when it holds none."""
    parsed = parse_bytes(f.found.path, data)
    f.shape, f.notes = parsed.shape, parsed.notes
    if not parsed.results:
        f.decide(FileStatus.SKIPPED, parsed.skip_reason or "no results in file")
        return False
    names.take(parsed.results)
    f.fingerprints = [result_fingerprint(result) for result in parsed.results]
    f.items = [with_fingerprint(result, fp) for result, fp in zip(parsed.results, f.fingerprints, strict=True)]
    f.results_count = len(f.items)
    return True


@dataclass
class ValidatedItems:
    """The valid results of a batch's files as columns, addressable by each file's ``first_item`` + index."""

    batch: ResultBatch
    index: dict[int, int]  # item position -> index in ``batch``

    def take(self, positions: list[int]) -> ResultBatch:
        """The columns of the items at ``positions`` (every one of them valid), in batch order."""
        wanted = {self.index[position] for position in positions}
        return without_items(self.batch, set(range(len(self.batch))) - wanted)


def validate(candidates: list[PendingFile], now: datetime) -> tuple[list[PendingFile], ValidatedItems]:
    """Fail every file holding an invalid result; the valid files and their results' columns.

    All files are validated in one call (fast). Should validation itself trip over some value instead of
    reporting it, each file is validated alone so that only the file holding it fails, and the rest together.
    """
    try:
        valid, validated = _validate_together(candidates, now)
    except Exception:
        log.warning("validating a batch of %d files raised; validating file by file", len(candidates), exc_info=True)
        survivors: list[PendingFile] = []
        for f in candidates:
            try:
                survivors.extend(_validate_together([f], now)[0])
            except Exception as error:
                f.decide(FileStatus.FAILED, f"cannot validate its results: {type(error).__name__}: {error}")
                log.warning("%s: %s", f.found.path, f.reason)
        valid, validated = _validate_together(survivors, now)
    for f in valid:
        f.items = []  # the columns hold them now
    return valid, validated


def _validate_together(candidates: list[PendingFile], now: datetime) -> tuple[list[PendingFile], ValidatedItems]:
    starts = list(itertools.accumulate((len(f.items) for f in candidates), initial=0))[:-1]
    owners = [position for position, f in enumerate(candidates) for _ in f.items]  # item -> its file
    items = [item for f in candidates for item in f.items]
    checked = validate_chunk(items, 0, now=now)
    problems: dict[int, dict[int, list[str]]] = {}  # file position -> {index within the file: messages}
    for index, messages in checked.problems.items():
        problems.setdefault(owners[index], {})[index - starts[owners[index]]] = messages
    for f, start in zip(candidates, starts, strict=True):
        f.first_item, f.timestamps = start, []
    for position, file_problems in problems.items():
        f = candidates[position]
        f.decide(FileStatus.FAILED, _invalid_reason(file_problems, f.results_count))
        log.warning("%s: %s", f.found.path, f.reason)
    for index, moment in zip(checked.batch.positions, checked.batch.test["timestamp"], strict=True):
        candidates[owners[index]].timestamps.append(moment)
    valid = [f for f in candidates if f.status is None]
    batch_index = {position: i for i, position in enumerate(checked.batch.positions)}
    return valid, ValidatedItems(checked.batch, batch_index)


def _invalid_reason(problems: dict[int, list[str]], total: int) -> str:
    lines = [f"[{index}] {message}" for index in sorted(problems) for message in problems[index]]
    shown = lines[:MAX_PROBLEMS_PER_FILE]
    if len(lines) > len(shown):
        shown.append(f"... and {len(lines) - len(shown)} more problem(s)")
    heading = f"{len(problems)} of {total} result(s) invalid; nothing from this file was stored"
    return str(InvalidResultError(shown, heading=heading))
