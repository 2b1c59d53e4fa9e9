"""The exceptions accel_orm raises. Each message says what went wrong and what to do about it."""

from __future__ import annotations

from collections.abc import Sequence


class AccelOrmError(Exception):
    """Base class of every error accel_orm raises on purpose."""


class InvalidResultError(AccelOrmError, ValueError):
    """Input that cannot be stored. ``problems`` lists every problem as ``path: message``.

    Nothing of a batch that raised this was written.
    """

    def __init__(self, problems: Sequence[str], *, heading: str = "invalid test result") -> None:
        self.problems: list[str] = list(problems)
        count = len(self.problems)
        summary = f"{heading} ({count} problem{'s' if count != 1 else ''}):"
        super().__init__("\n  ".join([summary, *self.problems]))


class SchemaError(AccelOrmError):
    """The database schema is not the one this version of accel_orm works with."""


class SchemaOutdatedError(SchemaError):
    """The database is behind the migrations this package carries: it must be upgraded."""


class SchemaTooNewError(SchemaError):
    """The database was migrated by a newer accel_orm than this one."""


class DatabaseError(AccelOrmError):
    """A database operation failed for a reason other than bad input."""


class ConstraintViolationError(DatabaseError, ValueError):
    """The database refused a write because it breaks a constraint (unique, foreign key, check, not null)."""


class DeadlockError(DatabaseError):
    """PostgreSQL ended the transaction to break a deadlock with another session. Nothing of the transaction was
    written, and running it again normally succeeds (a bulk store of a list does that by itself)."""


class DatabaseLockedError(DatabaseError):
    """Another process holds the embedded DuckDB file for writing."""


class DatabaseUnavailableError(DatabaseError):
    """The database cannot be opened or reached (unreachable server, unreadable or corrupt file)."""


class DatabaseNotFoundError(DatabaseUnavailableError):
    """There is no database at the given path, and the operation does not create one."""


class ReadOnlyViolationError(DatabaseError):
    """A statement tried to write through a read-only connection."""


class ChangeNotFoundError(AccelOrmError, LookupError):
    """A change id that no detected change (or no acknowledgement) carries."""


class RunNotFoundError(AccelOrmError, LookupError):
    """A run reference (run id, commit, or branch) that matches no run, or more than one.

    ``candidates`` lists what the reference could have meant (or the most recent runs when it matched nothing),
    so the message tells people what to type instead.
    """

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        self.candidates: list[str] = list(candidates)
        lines = [message, *(f"  {candidate}" for candidate in self.candidates)]
        super().__init__("\n".join(lines))


class SqlConfinementError(DatabaseError):
    """Hand-written SQL cannot be run with the read-only guarantees on this database; the message says how to set
    it up (on PostgreSQL: a reader role, ``accel-orm db create-reader-role``)."""


class UnknownNameError(AccelOrmError, ValueError):
    """A model, hardware type or model family that the database does not hold (usually a typo)."""
