"""Integrity check: is the schema the one this package expects, and does the data obey every rule?

Why re-check in SQL what the database already enforces: two references (``performance_results.test_id`` and
``power_metrics.test_id`` -> ``test_results.id``) cannot be foreign keys (see :mod:`accel_orm.models`), files get
copied around and edited with the ``duckdb`` shell, and data loaded before a constraint existed is never
re-validated. Every check is built with SQLAlchemy Core from the models, so a new model column or reference is
covered without touching this module, and the report lists every check with what it found (a passing check
says what was verified, not just that nothing was printed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    CheckConstraint,
    Column,
    ColumnElement,
    Connection,
    Engine,
    Index,
    Table,
    and_,
    exists,
    func,
    inspect,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import RelationshipDirection

from accel_orm.db import database_of, translate_errors
from accel_orm.maintenance._common import APP_TABLES, Progress, report
from accel_orm.models import COMPATIBILITY_STATUSES, COMPATIBLE_STATUSES, Base, HardwareCompatibility
from accel_orm.schema import upgrade
from accel_orm.schema.partitions import include_object, schema_filter

EXAMPLES = 5  # offending rows named per failing check: enough to act on, short enough to print
_NON_NEGATIVE = re.compile(r"^\s*(\w+)\s*>=\s*0\s*$")


@dataclass(frozen=True)
class Check:
    """One verified rule: ``found`` offending rows/keys/differences (0 means it holds)."""

    category: str  # "schema" | "orphans" | "constraints"
    name: str
    found: int
    examples: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.found == 0

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"[{mark}] {self.category}: {self.name}: {self.found}"
        if self.examples:
            text += " (" + "; ".join(self.examples) + ")"
        return text


@dataclass
class IntegrityReport:
    database: str
    schema_state: str
    revision: str | None
    head: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def lines(self, *, verbose: bool = True) -> list[str]:
        """The verdict, then every check (``verbose``) or only the failing ones."""
        verdict = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        header = (
            f"Integrity of {self.database}: {verdict} "
            f"({len(self.checks)} checks; schema {self.schema_state}, revision {self.revision}, head {self.head})"
        )
        shown = self.checks if verbose else self.problems
        return [header, *("  " + check.line() for check in shown)]

    def to_text(self) -> str:
        return "\n".join(self.lines())


def check_integrity(engine: Engine, *, progress: Progress | None = None) -> IntegrityReport:
    """Check schema revision, schema-vs-models, every reference and every data rule; never modifies anything."""
    with translate_errors(engine), engine.connect() as connection:
        state, revision = upgrade.schema_state(connection)
        result = IntegrityReport(
            database=database_of(engine).describe(),
            schema_state=state.value,
            revision=revision,
            head=upgrade.head_revision(),
        )
        report(progress, "checking schema revision and models")
        result.checks.append(_revision_check(state, revision, result.head))
        result.checks.append(_schema_diff_check(connection))
        missing = sorted(set(Base.metadata.tables) - set(inspect(connection).get_table_names()))
        if missing:
            result.checks.append(Check("schema", "tables present", len(missing), tuple(missing)))
            return result
        report(progress, "checking references")
        result.checks.extend(_run(connection, "orphans", _orphan_checks()))
        report(progress, "re-checking constraints")
        result.checks.extend(_run(connection, "constraints", _constraint_checks()))
        connection.rollback()
    return result


def _revision_check(state: upgrade.SchemaState, revision: str | None, head: str) -> Check:
    if state is upgrade.SchemaState.CURRENT:
        return Check("schema", f"revision at head ({head})", 0)
    return Check("schema", f"revision at head ({head})", 1, (f"database is {state.value} at revision {revision}",))


def _schema_diff_check(connection: Connection) -> Check:
    """Alembic's autogenerate comparison, the same one ``alembic check`` runs: it must find nothing."""
    context = MigrationContext.configure(
        connection,
        opts={
            "include_object": schema_filter(connection.dialect.name),
            "compare_type": True,
            "target_metadata": Base.metadata,
        },
    )
    diffs = compare_metadata(context, Base.metadata)
    return Check("schema", "models match the database (alembic autogenerate diff)", len(diffs), _describe_diffs(diffs))


def _describe_diffs(diffs: list[Any]) -> tuple[str, ...]:
    return tuple(_describe_diff(diff) for diff in diffs[:EXAMPLES])


def _describe_diff(diff: Any) -> str:
    """One autogenerate entry as ``operation table.object`` (entries are tuples, or lists of ``modify_*`` tuples)."""
    first = diff[0] if isinstance(diff, list) else diff
    operation = first[0]
    if operation.startswith("modify_"):  # (op, schema, table, column, info, old, new)
        return f"{operation} {first[2]}.{first[3]}"
    if operation in ("add_column", "remove_column"):  # (op, schema, table, Column)
        return f"{operation} {first[2]}.{first[3].name}"
    target = first[1]
    name = getattr(target, "name", None) or str(target)
    owner = getattr(target, "table", None)
    return f"{operation} {owner.name}.{name}" if isinstance(owner, Table) else f"{operation} {name}"


@dataclass(frozen=True)
class _Probe:
    """A check still to run: a count query plus a query for a few offending examples."""

    name: str
    count: Any
    examples: Any
    render: Any  # row -> str


def _run(connection: Connection, category: str, probes: Iterable[_Probe]) -> Iterator[Check]:
    for probe in probes:
        found = connection.execute(probe.count).scalar_one()
        examples: tuple[str, ...] = ()
        if found:
            examples = tuple(probe.render(row) for row in connection.execute(probe.examples.limit(EXAMPLES)))
        yield Check(category, probe.name, found, examples)


def references() -> list[tuple[Column[Any], Column[Any]]]:
    """Every (child column, parent column) reference: database foreign keys and application-level ones.

    Application-level references (``test_id``) exist only as many-to-one relationships with ``foreign()``
    annotations, so they are collected from the mappers; real foreign keys come from the tables.
    """
    pairs: dict[tuple[str, str], tuple[Column[Any], Column[Any]]] = {}
    for table in APP_TABLES:
        for foreign_key in table.foreign_keys:
            pairs[(table.name, foreign_key.parent.name)] = (foreign_key.parent, foreign_key.column)
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            if relationship.direction is not RelationshipDirection.MANYTOONE:
                continue
            for local, remote in relationship.local_remote_pairs or ():
                if isinstance(local, Column) and isinstance(remote, Column) and local.table is not None:
                    pairs.setdefault((local.table.name, local.name), (local, remote))
    return [pairs[key] for key in sorted(pairs)]


def _primary_key(table: Table) -> Column[Any]:
    return next(iter(table.primary_key.columns))


def _orphan_checks() -> Iterator[_Probe]:
    for child, parent in references():
        table = child.table
        assert isinstance(table, Table)
        key = _primary_key(table)
        condition = and_(child.is_not(None), ~exists().where(parent == child))
        yield _Probe(
            name=f"{table.name}.{child.name} -> {parent.table.name}.{parent.name} orphaned rows",
            count=select(func.count()).select_from(table).where(condition),
            examples=select(key, child).where(condition).order_by(key),
            render=lambda row, t=table.name, k=key.name, c=child.name: f"{t}.{k}={row[0]} {c}={row[1]}",
        )


def _constraint_checks() -> Iterator[_Probe]:
    for table in APP_TABLES:
        for column in _non_negative_columns(table):
            yield _rows_probe(table, f"{table.name}.{column.name} negative", column < 0, column)
    compatibility = cast(Table, HardwareCompatibility.__table__)
    score = compatibility.c.compatibility_score
    yield _rows_probe(
        compatibility,
        "hardware_compatibility.compatibility_score outside 0..1",
        or_(score < 0, score > 1),
        score,
    )
    status = compatibility.c.compatibility_status
    yield _rows_probe(
        compatibility,
        f"hardware_compatibility.compatibility_status not in {', '.join(COMPATIBILITY_STATUSES)}",
        and_(status.is_not(None), not_(status.in_(COMPATIBILITY_STATUSES))),
        status,
    )
    compatible = HardwareCompatibility.__table__.c.is_compatible
    derived = status.in_(COMPATIBLE_STATUSES)
    yield _rows_probe(
        cast(Table, HardwareCompatibility.__table__),
        "hardware_compatibility.is_compatible disagrees with compatibility_status",
        and_(status.is_not(None), or_(compatible.is_(None), compatible != derived)),
        cast(Column[Any], compatible),
    )
    for table in APP_TABLES:
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            if index.unique:
                yield _duplicates_probe(table, index)


def _non_negative_columns(table: Table) -> list[Column[Any]]:
    """Columns whose CHECK constraint is ``<column> >= 0`` (see ``models._non_negative``)."""
    columns = []
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            match = _NON_NEGATIVE.match(str(constraint.sqltext))
            if match and match.group(1) in table.c:
                columns.append(table.c[match.group(1)])
    return sorted(columns, key=lambda column: column.name)


def _rows_probe(table: Table, name: str, condition: ColumnElement[bool], column: Column[Any]) -> _Probe:
    key = _primary_key(table)
    return _Probe(
        name=name,
        count=select(func.count()).select_from(table).where(condition),
        examples=select(key, column).where(condition).order_by(key),
        render=lambda row, t=table.name, k=key.name, c=column.name: f"{t}.{k}={row[0]} {c}={row[1]!r}",
    )


def _duplicates_probe(table: Table, index: Index) -> _Probe:
    expressions = [cast(ColumnElement[Any], expression) for expression in index.expressions]  # bound to table
    keys = [expression.label(f"k{position}") for position, expression in enumerate(expressions)]
    duplicated = select(*keys, func.count().label("n")).select_from(table).group_by(*expressions)
    duplicated = duplicated.having(func.count() > 1)
    groups = duplicated.subquery()
    return _Probe(
        name=f"{table.name} duplicate keys of unique index {index.name}",
        count=select(func.count()).select_from(groups),
        examples=select(groups).order_by(*(groups.c[key.name] for key in keys)),
        render=lambda row: "(" + ", ".join(repr(value) for value in row[:-1]) + f") x{row[-1]}",
    )


__all__ = ["Check", "IntegrityReport", "check_integrity", "include_object", "references"]
