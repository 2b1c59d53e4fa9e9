"""PostgreSQL errors are classified by their SQLSTATE code, not by the words in the (translatable) message."""

from __future__ import annotations

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
