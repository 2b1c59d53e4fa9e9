"""Read runs back: the list ``accel-orm runs`` prints and the details ``accel-orm runs show REF`` prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from accel_orm.frames import to_frame
from accel_orm.models import TestRun
from accel_orm.queries.runs import run_performance, runs
from accel_orm.runs.refs import resolve_run


def list_runs(engine: Engine, *, branch: str | None = None, limit: int | None = 20) -> pd.DataFrame:
    """Recorded runs, newest first (columns: see :func:`accel_orm.queries.runs.runs`)."""
    return to_frame(runs(branch=branch, limit=limit), engine)


@dataclass
class RunDetails:
    run: dict[str, Any]  # every test_runs column (``metadata`` under its column name)
    performance: pd.DataFrame  # the run's performance rows (see :func:`accel_orm.queries.runs.run_performance`)


def show_run(engine: Engine, ref: str | int) -> RunDetails:
    """The run ``ref`` names (run id, commit or unique prefix >= 7, branch); ``RunNotFoundError`` otherwise."""
    with engine.connect() as connection:
        run_id = resolve_run(connection, ref)
        table = TestRun.__table__
        row = connection.execute(select(table).where(table.c.run_id == run_id)).mappings().one()
        performance = to_frame(run_performance(run_id), connection)
    return RunDetails(run=dict(row), performance=performance)
