"""The file side of a migration: check the folders, find the JSON files, read each one once.

:func:`read_content` is the only read of a file's bytes in a migration: they are hashed, parsed and (when an
archive folder is given) archived from that one read; the file's stat signature taken with them lets the archive
step see that a runner rewrote the file meanwhile without reading it again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Half-written archive copies end in this (see :mod:`.archive`); a later run removes a killed run's.
PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class FoundFile:
    """A JSON file and the directory it was found under (its archive copy keeps the path relative to it)."""

    root: Path
    path: Path

    @property
    def relative(self) -> Path:
        return self.path.relative_to(self.root)


# (size, modification time in ns, inode): changes when the file is rewritten or replaced.
StatSignature = tuple[int, int, int]


@dataclass(frozen=True)
class FileContent:
    """A file's bytes as read once: their hash and size, the bytes themselves when still needed, the signature."""

    sha256: str
    size: int
    signature: StatSignature
    data: bytes | None = None  # kept only when the bytes are archived later


def stat_signature(result: os.stat_result) -> StatSignature:
    return (result.st_size, result.st_mtime_ns, result.st_ino)


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


def read_content(path: Path) -> tuple[FileContent, bytes]:
    """The file's content facts and its bytes, from one read (raises OSError when unreadable)."""
    with path.open("rb") as stream:
        signature = stat_signature(os.fstat(stream.fileno()))
        data = stream.read()
    return FileContent(hashlib.sha256(data).hexdigest(), len(data), signature), data


def stale_archive_copies(archive_dir: Path) -> list[Path]:
    """Half-written archive copies (``.<name>.p<pid>-*.part``) anywhere under ``archive_dir``."""
    if not archive_dir.is_dir():
        return []
    return sorted(path for path in archive_dir.rglob(f".*{PARTIAL_SUFFIX}") if path.is_file())
