"""pytest-alembic, the standard migration test suite, run as its documentation says: an ``alembic_engine``
fixture that returns an Engine, and its default tests imported into the suite, on DuckDB and PostgreSQL.

The imported functions are pytest-alembic's own tests (single head, upgrade base->head, model definitions match
the migrated DDL, up/down consistency): they take ``alembic_runner``, which pytest-alembic builds from the two
fixtures below and hands to ``alembic/env.py`` as ``config.attributes["connection"]`` (an Engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace
from sqlalchemy import Engine

from accel_orm import get_engine
from accel_orm.schema import upgrade

__all__ = [
    "test_downgrade_leaves_no_trace",
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


@pytest.fixture
def alembic_config() -> dict[str, Any]:
    """The packaged migration scripts (the same ones ``accel-orm db upgrade`` runs)."""
    return {"script_location": str(upgrade.script_location())}


@pytest.fixture
def alembic_engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An Engine on an empty database, once per engine (pytest-alembic's documented fixture shape)."""
    if request.node.originalname == "test_downgrade_leaves_no_trace" and db_url.startswith("duckdb"):
        # pytest-alembic's experimental test wraps every step in connection.begin_nested() (a SAVEPOINT), and
        # DuckDB has no SAVEPOINT, so it cannot pass there; it runs (and passes) on PostgreSQL. Strict: should a
        # DuckDB release add SAVEPOINT, this xfail turns into a failure and can be removed.
        request.applymarker(
            pytest.mark.xfail(strict=True, reason="DuckDB has no SAVEPOINT, which this experimental test needs")
        )
    engine = get_engine(db_url, auto_upgrade=False)
    try:
        yield engine
    finally:
        engine.dispose()
