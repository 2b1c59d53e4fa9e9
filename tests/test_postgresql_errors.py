"""PostgreSQL errors are classified by their SQLSTATE code, not by the words in the (translatable) message."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from accel_orm import DatabaseError, DatabaseUnavailableError, ReadOnlyViolationError, get_engine
from accel_orm.db import connection_scope

pytestmark = pytest.mark.postgres


def test_message_mentioning_read_only_is_not_a_read_only_violation(pg_url: str) -> None:
    """22P02 invalid_text_representation whose message happens to quote the words 'read-only'."""
    engine = get_engine(pg_url)
    try:
        with pytest.raises(DatabaseError) as raised, connection_scope(engine) as connection:
            connection.execute(text("SELECT CAST('read-only' AS integer)"))
        assert not isinstance(raised.value, ReadOnlyViolationError)
        assert "invalid input syntax" in str(raised.value)
    finally:
        engine.dispose()


def test_write_in_a_read_only_transaction_is_a_read_only_violation(pg_url: str) -> None:
    """25006 read_only_sql_transaction."""
    engine = get_engine(pg_url)
    try:
        with pytest.raises(ReadOnlyViolationError), connection_scope(engine) as connection:
            connection.execute(text("SET TRANSACTION READ ONLY"))
            connection.execute(text("DELETE FROM models"))
    finally:
        engine.dispose()


def test_a_database_that_does_not_exist_is_unavailable(pg_url: str) -> None:
    """3D000 invalid_catalog_name: the server answered, and said no such database."""
    missing = make_url(pg_url).set(database="no_such_database_here")
    with pytest.raises(DatabaseUnavailableError, match="no_such_database_here"):
        get_engine(missing)


def test_an_unknown_login_role_is_unavailable(pg_url: str) -> None:
    """28000 invalid_authorization_specification: the role does not exist."""
    stranger = make_url(pg_url).set(username="no_such_role_here", password=None)
    with pytest.raises(DatabaseUnavailableError, match="no_such_role_here"):
        get_engine(stranger)


def test_a_deadlock_says_nothing_was_written_and_to_run_it_again(pg_url: str) -> None:
    """40P01 deadlock_detected: two transactions each take a table the other then waits for."""
    engine = get_engine(pg_url)
    both_hold_one = threading.Barrier(2)

    def lock_in_order(first: str, second: str) -> BaseException | None:
        try:
            with connection_scope(engine) as connection:
                connection.execute(text(f"LOCK TABLE {first} IN ACCESS EXCLUSIVE MODE"))
                both_hold_one.wait(timeout=30)
                connection.execute(text(f"LOCK TABLE {second} IN ACCESS EXCLUSIVE MODE"))
        except DatabaseError as error:
            return error
        return None

    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(lock_in_order, ["models", "hardware_platforms"], ["hardware_platforms", "models"]))
    finally:
        engine.dispose()
    errors = [outcome for outcome in outcomes if outcome is not None]
    assert len(errors) == 1, outcomes  # PostgreSQL ends one of the two; the other then gets both tables
    assert "deadlock" in str(errors[0])
    assert "Nothing of the transaction was written; running it again normally succeeds." in str(errors[0])
