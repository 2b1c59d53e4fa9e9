"""The file side of a migration: find the JSON files, read and hash them, archive or delete imported ones.

Archiving and deleting only ever touch a file whose bytes are still exactly the ones that were imported (checked
against the hash just before), so a file rewritten by a runner while the migration ran is never lost.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from accel_orm.leftovers import owner_tag

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class FoundFile:
    """A JSON file and the directory it was found under (its archive copy keeps the path relative to it)."""

    root: Path
    path: Path

    @property
    def relative(self) -> Path:
        return self.path.relative_to(self.root)


@dataclass(frozen=True)
class FileContent:
    sha256: str
    size: int


def check_directories(directories: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The directories as paths; a missing one is a usage error, raised before anything is read or written."""
    if isinstance(directories, str | os.PathLike):
        raise TypeError("directories must be a sequence of paths, e.g. [Path('results')], not a single path")
    roots = [Path(directory) for directory in directories]
    if not roots:
        raise ValueError("no directories given: name at least one folder of JSON result files")
    for root in roots:
        if not root.is_dir():
            raise NotADirectoryError(f"{root} is not a directory")
    return roots


def check_archive_dir(archive_dir: str | os.PathLike[str], roots: Sequence[Path]) -> Path:
    """The archive folder; refused when it is one of the scanned folders (a copy would overwrite its source)."""
    archive = Path(archive_dir)
    resolved = archive.resolve()
    for root in roots:
        if resolved == root.resolve():
            raise ValueError(f"the archive folder {archive} is the folder being migrated; choose another one")
    return archive


def discover_json_files(roots: Sequence[Path], *, exclude: Path | None = None) -> list[FoundFile]:
    """Every ``*.json`` file under ``roots``, recursively, in a deterministic order (root order, then path).

    A file reachable from two of the roots (nested roots) is listed once, under the first (symbolic links inside a
    root are not followed for this; a linked copy is caught by its content hash instead). Files inside
    ``exclude`` (the archive folder, when it lies inside a scanned folder) are left out, so archived copies are
    not migrated again.
    """
    excluded = exclude.resolve() if exclude is not None else None
    seen: set[Path] = set()
    found: list[FoundFile] = []
    for root in roots:
        absolute_root = root.resolve()
        paths = sorted(root.rglob("*.json"), key=lambda p: p.relative_to(root).as_posix())
        for path in paths:
            if not path.is_file():
                continue
            # The root resolved once, not every file: resolve() costs a syscall per path component.
            resolved = absolute_root / path.relative_to(root)
            if resolved in seen or (excluded is not None and resolved.is_relative_to(excluded)):
                continue
            seen.add(resolved)
            found.append(FoundFile(root, path))
    return found


def read_content(path: Path) -> FileContent:
    """SHA-256 and size of the file's bytes (raises OSError when unreadable)."""
    data = path.read_bytes()
    return FileContent(hashlib.sha256(data).hexdigest(), len(data))


def stale_archive_copies(archive_dir: Path) -> list[Path]:
    """Half-written archive copies (``.<name>.p<pid>-*.part``) anywhere under ``archive_dir``."""
    if not archive_dir.is_dir():
        return []
    return sorted(path for path in archive_dir.rglob(f".*{PARTIAL_SUFFIX}") if path.is_file())


def archive_and_delete(
    found: FoundFile, sha256: str, *, archive_dir: Path | None, delete: bool
) -> tuple[Path | None, bool]:
    """Copy the file to ``archive_dir`` (same relative path) and/or delete it; return (archive copy, deleted).

    Raises :class:`FileActionError` saying why the file was left in place: it changed since it was imported, the
    archive already holds a different file under that name, or the file system refused.
    """
    try:
        current = found.path.read_bytes()
    except OSError as error:
        raise FileActionError(f"cannot read it again: {error.strerror or error}") from error
    if hashlib.sha256(current).hexdigest() != sha256:
        raise FileActionError("its content changed after it was imported; left in place")
    target = None
    if archive_dir is not None:
        target = archive_dir / found.relative
        _archive_copy(found.path, current, sha256, target)
    if delete:
        try:
            found.path.unlink()
        except OSError as error:
            raise FileActionError(f"cannot delete it: {error.strerror or error}") from error
    return target, delete


def _archive_copy(source: Path, data: bytes, sha256: str, target: Path) -> None:
    """Write ``data`` to ``target`` atomically (temp file + rename), so a crash never leaves half a copy."""
    if target.exists():
        try:
            same = hashlib.sha256(target.read_bytes()).hexdigest() == sha256
        except OSError as error:
            raise FileActionError(f"cannot read the existing archive copy {target}: {error}") from error
        if same:
            return  # archived by an earlier run
        raise FileActionError(f"the archive already holds a different file at {target}; left in place")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # The writer's PID in the name lets a later run tell a killed run's leftover from a live one's.
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{owner_tag()}", suffix=PARTIAL_SUFFIX
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            shutil.copystat(source, temporary)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise FileActionError(f"cannot archive it to {target}: {error.strerror or error}") from error


class FileActionError(Exception):
    """A committed file could not be archived or deleted; the message says why (the file stays in place)."""
