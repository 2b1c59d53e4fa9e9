"""After the commit: archive and/or delete the files whose results are in the database.

Nothing is read again: the archive copy is written from the very bytes that were hashed and imported, and a file
whose stat signature (size, modification time, inode) changed since that read is left in place, so a file a
runner rewrote while the migration ran is never lost.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from accel_orm.json_import.files import PARTIAL_SUFFIX, FileContent, FoundFile, stat_signature
from accel_orm.leftovers import owner_tag


class FileActionError(Exception):
    """A committed file could not be archived or deleted; the message says why (the file stays in place)."""


def archive_and_delete(
    found: FoundFile, content: FileContent, *, archive_dir: Path | None, delete: bool
) -> tuple[Path | None, bool]:
    """Copy the file to ``archive_dir`` (same relative path) and/or delete it; return (archive copy, deleted).

    ``content`` is what the migration read; with an archive folder it must hold the bytes. Raises
    :class:`FileActionError` saying why the file was left in place: it changed since it was imported, the
    archive already holds a different file under that name, or the file system refused.
    """
    try:
        current = stat_signature(found.path.stat())
    except OSError as error:
        raise FileActionError(f"cannot look at it again: {error.strerror or error}") from error
    if current != content.signature:
        raise FileActionError("its content changed after it was imported; left in place")
    target = None
    if archive_dir is not None:
        if content.data is None:
            raise ValueError(f"{found.path}: archiving needs the bytes that were read (FileContent.data)")
        target = archive_dir / found.relative
        _archive_copy(found.path, content.data, content.sha256, target)
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
