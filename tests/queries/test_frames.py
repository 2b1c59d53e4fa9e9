"""to_frame: Engine, Connection and Session binds, bound parameters, empty results, dtypes, errors."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest
from sqlalchemy import Engine, Numeric, bindparam, column, func, literal, select, table, text
from sqlalchemy.orm import Session

from accel_orm import DatabaseError, session_scope
from accel_orm.frames import compile_positional, to_frame
from accel_orm.models import HardwarePlatform, Model, PerformanceResult
from accel_orm.queries import hardware_comparison, performance, regressions, trend
from accel_orm.schema.duckdb_dialect import AccelDuckDBDialect

from .dataset import AS_OF, HOSTILE


def test_engine_connection_and_session_give_the_same_frame(loaded: Engine) -> None:
    stmt = regressions(as_of=AS_OF, method="zscore")
    via_engine = to_frame(stmt, loaded)
    with loaded.connect() as connection:
        via_connection = to_frame(stmt, connection)
    with Session(loaded) as session:
        via_session = to_frame(stmt, session)
    assert len(via_engine) == 8
    pd.testing.assert_frame_equal(via_engine, via_connection)
    pd.testing.assert_frame_equal(via_engine, via_session)


def test_frame_matches_sqlalchemy_rows(loaded: Engine) -> None:
    stmt = performance(hardware_type="cuda")
    with loaded.connect() as connection:
        expected = [tuple(row) for row in connection.execute(stmt)]
    result = to_frame(stmt, loaded)
    assert list(result.columns) == list(stmt.selected_columns.keys())
    converted = [
        tuple(None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in row)
        for row in result.astype(object).itertuples(index=False)
    ]
    assert converted == [tuple(None if v is None else v for v in row) for row in expected]


def test_session_sees_its_own_uncommitted_rows(loaded: Engine) -> None:
    with session_scope(loaded) as session:
        session.add(Model(model_name="uncommitted-model", model_family="tmp"))
        session.flush()
        names = to_frame(select(Model.model_name).where(Model.model_family == "tmp"), session)["model_name"]
        assert names.tolist() == ["uncommitted-model"]
        session.rollback()
    assert to_frame(select(Model.model_name).where(Model.model_family == "tmp"), loaded).empty


def test_empty_result_keeps_columns_and_types(loaded: Engine) -> None:
    result = to_frame(regressions(as_of=datetime(2000, 1, 1)), loaded)
    assert result.empty
    assert list(result.columns) == list(regressions().selected_columns.keys())
    assert result["current"].dtype == "float64"
    assert result["z_score"].dtype == "float64"
    assert result["current_n"].dtype.kind == "i"
    assert result["is_regression"].dtype == bool
    empty_trend = to_frame(trend(model_name="nobody"), loaded)
    assert list(empty_trend.columns) == ["bucket", "model_name", "hardware_type", "value", "n"]
    assert empty_trend["bucket"].dtype.kind == "M"


def test_dtypes(loaded: Engine) -> None:
    result = to_frame(performance(model_name="t5-small"), loaded)
    assert result["test_timestamp"].dtype.kind == "M"
    assert result["throughput_items_per_second"].dtype == "float64"
    assert result["batch_size"].dtype.kind == "i"
    assert pd.api.types.is_string_dtype(result["model_name"])
    # p50 is NULL everywhere: still a float column, not objects.
    assert result["p50_latency_ms"].dtype == "float64"
    assert result["p50_latency_ms"].isna().all()
    grouped = to_frame(hardware_comparison("t5-small"), loaded)
    assert grouped["n"].dtype.kind == "i"
    assert grouped["avg_power_watts"].dtype == "float64"


def test_all_null_float_columns_are_float_on_both_engines(loaded: Engine) -> None:
    result = to_frame(regressions(as_of=AS_OF, model_name="edge-model", min_samples=1), loaded)
    assert result["previous_std"].dtype == "float64"
    assert result["z_score"].dtype == "float64"


def test_decimals_come_back_as_floats(loaded: Engine) -> None:
    result = to_frame(select(literal(1.25, Numeric(10, 2)).label("x")), loaded)
    assert result["x"].dtype == "float64"
    assert result["x"].tolist() == [1.25]


def test_column_names_are_the_sql_labels_as_in_sqlalchemy_results(loaded: Engine) -> None:
    stmt = (
        select(func.count(), Model.model_id, PerformanceResult.model_id)
        .join(PerformanceResult)
        .group_by(Model.model_id, PerformanceResult.model_id)
        .limit(1)
    )
    with loaded.connect() as connection:
        keys = list(connection.execute(stmt).keys())
    result = to_frame(stmt, loaded)
    assert list(result.columns) == keys == ["count_1", "model_id", "model_id_1"]


def test_same_shape_different_values_and_in_lists(loaded: Engine) -> None:
    """The compiled-statement cache must never leak one call's parameter values into the next."""
    first = to_frame(performance(model_name="t5-small"), loaded)
    second = to_frame(performance(model_name="vit-base"), loaded)
    assert set(first["model_name"]) == {"t5-small"}
    assert set(second["model_name"]) == {"vit-base"}
    base = select(Model.model_name).order_by(Model.model_name)
    two = to_frame(base.where(Model.model_name.in_(["bert-base", "t5-small"])), loaded)
    three = to_frame(base.where(Model.model_name.in_(["bert-base", "t5-small", "vit-base"])), loaded)
    assert two["model_name"].tolist() == ["bert-base", "t5-small"]
    assert three["model_name"].tolist() == ["bert-base", "t5-small", "vit-base"]


def test_params_and_text_statements(loaded: Engine) -> None:
    stmt = select(Model.model_name).where(Model.model_family == bindparam("family"))
    assert to_frame(stmt.params(family="vision"), loaded)["model_name"].tolist() == ["vit-base"]
    assert to_frame(stmt.params(family="audio"), loaded)["model_name"].tolist() == ["whisper-tiny"]
    raw = text("SELECT model_name FROM models WHERE model_name = :name").bindparams(name=HOSTILE)
    assert to_frame(raw, loaded)["model_name"].tolist() == [HOSTILE]


def test_duckdb_parameters_are_bound_not_inlined() -> None:
    dialect = AccelDuckDBDialect(paramstyle="numeric_dollar")
    stmt = performance(model_name=HOSTILE, hardware_type="cuda", batch_size=8)
    sql, parameters = compile_positional(stmt, dialect)
    assert HOSTILE not in sql
    assert "= $1 AND" in sql
    assert parameters == [HOSTILE, "cuda", 8]
    with pytest.raises(ValueError, match="positional paramstyle"):
        compile_positional(stmt, AccelDuckDBDialect())
    # A second statement of the same shape reuses the cached SQL with its own values.
    again, values = compile_positional(performance(model_name="bert-base", hardware_type="cpu", batch_size=1), dialect)
    assert again == sql
    assert values == ["bert-base", "cpu", 1]


def test_database_errors_are_accel_orm_errors(loaded: Engine) -> None:
    with pytest.raises(DatabaseError):
        to_frame(text("SELECT * FROM no_such_table"), loaded)
    with pytest.raises(DatabaseError):
        to_frame(select(HardwarePlatform.hardware_type).where(HardwarePlatform.hardware_id > func.nosuchfn()), loaded)


def test_bind_must_be_an_engine_connection_or_session() -> None:
    with pytest.raises(TypeError, match="Engine, a Connection or a Session"):
        to_frame(select(Model.model_name), "duckdb:///x.duckdb")  # type: ignore[arg-type]


def test_large_result_round_trips(engine: Engine) -> None:
    with session_scope(engine) as session:
        model = Model(model_name="bulk")
        hardware = HardwarePlatform(hardware_type="cpu")
        session.add_all([model, hardware])
        session.flush()
        session.execute(
            PerformanceResult.__table__.insert(),
            [
                {
                    "model_id": model.model_id,
                    "hardware_id": hardware.hardware_id,
                    "batch_size": i % 4,
                    "throughput_items_per_second": float(i),
                    "test_timestamp": datetime(2025, 1, 1),
                }
                for i in range(5000)
            ],
        )
    result = to_frame(performance(model_name="bulk"), engine)
    assert len(result) == 5000
    assert result["throughput_items_per_second"].sum() == sum(range(5000))


def test_compile_positional_with_quoted_names_and_in_lists() -> None:
    dialect = AccelDuckDBDialect(paramstyle="numeric_dollar")
    odd = table("t", column("a-b"), column("x y"))
    stmt = select(odd).where(odd.c["a-b"] == 3, bindparam("p.q", 7) == 7, odd.c["x y"].in_(["q", "r"]))
    sql, parameters = compile_positional(stmt, dialect)
    assert sql.endswith('WHERE t."a-b" = $1 AND $2 = $3 AND t."x y" IN ($4, $5)')
    assert parameters == [3, 7, 7, "q", "r"]
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("a-b" INTEGER, "x y" VARCHAR)')
    con.execute("INSERT INTO t VALUES (3, 'q'), (3, 's'), (4, 'r')")
    assert con.execute(sql, parameters).fetchall() == [(3, "q")]
