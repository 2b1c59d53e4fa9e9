"""Store result dicts: validate in chunks, resolve models and hardware, write facts set-based, in ONE transaction.

- Any iterable works, generators included: items are consumed ``chunk_size`` at a time, so memory stays flat
  however many results arrive.
- ``on_error="raise"`` (default) is atomic: if any item is invalid, nothing is written and
  :class:`InvalidResultError` lists every problem of every item (``[57] execution_time: ...``). The rest of the
  input is still read, so the message is complete.
- ``on_error="skip"`` writes every valid item in one transaction and reports the rejected ones.
- ``atomic=False`` commits chunk by chunk, for streams too long to hold in one transaction.
- PostgreSQL: a one-transaction store of a list that PostgreSQL ends to break a deadlock runs again by itself
  (up to ``DEADLOCK_RETRIES`` times, with a warning); nothing of the ended attempt was written. A generator
  cannot be read twice, so its store raises :class:`DeadlockError`, which says to run it again.

While a chunk's rows are sent to the database by a worker thread, the next chunk is read and checked on the
caller's thread (:mod:`accel_orm.ingest.sending`); the caller's generator only ever runs on the caller's thread.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, Engine, Table, or_
from sqlalchemy.dialects.postgresql import Insert as PGInsert

from accel_orm.db import translate_errors
from accel_orm.errors import DeadlockError, InvalidResultError
from accel_orm.ingest.columnar import months_of
from accel_orm.ingest.dimensions import KnownDimensions, resolve_dimensions
from accel_orm.ingest.fields import INHERITED_FROM_RESULT
from accel_orm.ingest.sending import ChunkSender
from accel_orm.ingest.validate import ResultBatch, SectionColumns, validate_chunk
from accel_orm.ingest.writers import FactWriter, PreparedWrite, writer_for
from accel_orm.models import COMPATIBLE_STATUSES, HardwareCompatibility, PerformanceResult, PowerMetric, TestResult
from accel_orm.runs.environment import describe_environment
from accel_orm.runs.record import RunResolver, RunSpec
from accel_orm.schema.partitions import ensure_partitions_within, ensure_test_result_partitions

log = logging.getLogger(__name__)

OnError = Literal["raise", "skip"]
DEFAULT_CHUNK_SIZE = 20_000
# How often a one-transaction store of a list runs again after PostgreSQL ended it to break a deadlock (two long
# stores creating the same new models in different orders across their chunks can still meet that way).
DEADLOCK_RETRIES = 3
# Problems kept in a report or an exception; beyond this only the count grows (a million bad rows must not
# become a million strings in memory).
MAX_PROBLEMS_KEPT = 10_000


@dataclass
class ItemError:
    index: int
    problems: list[str]

    def lines(self, *, with_index: bool = True) -> list[str]:
        prefix = f"[{self.index}] " if with_index else ""
        return [prefix + problem for problem in self.problems]


@dataclass
class StoreReport:
    """What a ``store_test_results`` call did."""

    seen: int = 0
    stored: int = 0
    rejected: int = 0
    performance_rows: int = 0
    power_rows: int = 0
    compatibility_rows: int = 0
    models_created: int = 0
    hardware_created: int = 0
    run_ids: list[int] = field(default_factory=list)  # the runs the stored results belong to
    runs_created: int = 0
    seconds: float = 0.0
    errors: list[ItemError] = field(default_factory=list)

    def problem_lines(self, *, with_index: bool = True) -> list[str]:
        return [line for error in self.errors for line in error.lines(with_index=with_index)]

    def summary(self) -> str:
        text = f"stored {self.stored} result(s)"
        if self.rejected:
            text += f", rejected {self.rejected}"
        return f"{text} in {self.seconds:.2f} s"


ProgressCallback = Callable[[int], None]


def store_results(
    engine: Engine,
    items: Iterable[Any],
    *,
    on_error: OnError = "raise",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
    single: bool = False,
    atomic: bool = True,
    run: RunSpec = None,
    runs: RunResolver | None = None,
    connection: Connection | None = None,
) -> StoreReport:
    """Store ``items`` (result dicts) in one transaction; see the module docstring for the error modes.

    ``atomic=False`` commits after every chunk instead, for very long streams: memory then stays flat (the
    database does not hold one huge open transaction), and with ``on_error="raise"`` storing stops at the first
    chunk holding an invalid item, keeping the chunks before it. ``single`` words errors for one result (no
    ``[index]`` prefixes).

    ``run``: the run results without a ``"run"`` sub-dict belong to: a run dict, a recorded run's id, ``False``
    for none, or ``None`` (default) to describe the run from the environment (CI variables, git, the machine),
    one run per call. ``runs`` instead passes a resolver that outlives the call (a handler's; see
    :mod:`accel_orm.runs.record`).
    ``connection``: an open connection of ``engine`` to work on (not in a transaction; e.g. the handler's held
    DuckDB connection) instead of a new one.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if isinstance(items, dict):
        raise TypeError("store_test_results() takes an iterable of result dicts; use store_test_result() for one")
    started = time.perf_counter()
    if runs is None:
        runs = RunResolver(describe_environment() if run is None else run)
    months = _months_made_sure_of(engine, items, chunk_size=chunk_size, atomic=atomic)
    retries = DEADLOCK_RETRIES if _may_store_again(engine, items, atomic=atomic) else 0
    counted = _CountedOnce(progress) if progress is not None else None
    restore_runs = runs.checkpoint()
    for attempt in itertools.count(1):
        report = StoreReport()
        try:
            _store_once(
                engine,
                connection,
                items,
                report,
                # A copy of the months: one made inside an ended attempt's transaction was rolled back with it.
                _ChunkedStore.Options(on_error, atomic, chunk_size, counted, runs, set(months)),
                single=single,
            )
            break
        except DeadlockError:
            if attempt > retries:
                raise
            restore_runs()  # the runs this attempt created were rolled back with it
            if counted is not None:
                counted.start_over()
            log.warning(
                "PostgreSQL ended this store's transaction to break a deadlock with another writer; nothing of it "
                "was written. Storing the %d result(s) again (retry %d of %d)",
                len(cast(Sequence[Any], items)),
                attempt,
                retries,
            )
            time.sleep(random.uniform(0.05, 0.25) * attempt)  # so the two writers do not meet in step again
    report.run_ids = sorted(runs.used)
    report.runs_created = len(runs.created)
    report.seconds = time.perf_counter() - started
    log.info("%s", report.summary())
    return report


def _store_once(
    engine: Engine,
    connection: Connection | None,
    items: Iterable[Any],
    report: StoreReport,
    options: _ChunkedStore.Options,
    *,
    single: bool,
) -> None:
    """One attempt at storing ``items`` on ``connection`` (or a new one), chunk by chunk, counted in ``report``."""
    with translate_errors(engine.url), _connection_for(engine, connection) as opened:
        chunks = _ChunkedStore(engine, opened, report, options, background=_more_than_one_chunk(items, options))
        try:
            for offset, chunk in _chunk_offsets(items, options.chunk_size):
                if not chunks.take(offset, chunk):
                    break
                del chunk  # not held while the next chunk is read: a generator's dicts are freed a chunk sooner
            chunks.finish(single=single)
        except BaseException:
            chunks.abandon()
            raise


class _ChunkedStore:
    """One ``store_results`` attempt's chunks, taken one at a time: each is checked on the caller's thread while
    the :class:`ChunkSender` sends the previous one's rows, then its models, hardware, runs and ids are resolved
    and its rows handed to the sender. Only what a chunk still needs is kept between calls of :meth:`take`."""

    @dataclass(frozen=True)
    class Options:
        on_error: OnError
        atomic: bool
        chunk_size: int
        progress: ProgressCallback | None
        runs: RunResolver
        months: set[datetime]  # PostgreSQL: months whose partitions this call has made sure of

    def __init__(
        self, engine: Engine, connection: Connection, report: StoreReport, options: Options, *, background: bool
    ) -> None:
        self.engine = engine
        self.connection = connection
        self.report = report
        self.options = options
        self.writer = writer_for(connection)
        self.known = KnownDimensions()  # models and hardware resolved by earlier chunks of this call
        self.sender = ChunkSender(background=background)
        self.wrote_in_transaction = False
        self.transaction = connection.begin()

    def take(self, offset: int, chunk: list[Any]) -> bool:
        """Check ``chunk`` and hand its rows over; False once storing must stop (``atomic=False``, a bad item)."""
        options, report = self.options, self.report
        validated = validate_chunk(chunk, offset)  # while the sender's worker writes the previous chunk
        self.sender.wait()  # from here on, this thread has the connection to itself
        if not self.transaction.is_active:  # the worker committed the previous chunk (atomic=False)
            self.transaction = self.connection.begin()
        report.seen += len(chunk)
        _record_problems(report, validated.problems)
        batch = validated.batch
        counted = functools.partial(options.progress, len(chunk)) if options.progress is not None else None
        refused = bool(report.rejected) and options.on_error == "raise"
        if refused or not len(batch):
            if counted is not None:
                counted()
            # After a bad item: atomic=False stops (earlier chunks are committed, nothing of this one is written);
            # one transaction reads on, so the error lists every problem, and writes nothing.
            return not (refused and not options.atomic)
        _prepare_partitions(
            self.engine, self.connection, batch, options.months, in_transaction=self.wrote_in_transaction
        )
        writes = prepare_batch(self.connection, self.writer, batch, report, options.runs, self.known)
        if options.atomic:
            self.wrote_in_transaction = True
        else:  # committed as soon as written, by the worker too
            writes.append(self.transaction.commit)
        self.sender.send(writes, counted)
        return True

    def finish(self, *, single: bool) -> None:
        """Once every chunk is taken: COMMIT, or roll back and raise the problems (``on_error="raise"``)."""
        self.sender.wait()
        report = self.report
        if report.rejected and self.options.on_error == "raise":
            self.transaction.rollback()
            raise _invalid(report, single=single, atomic=self.options.atomic)
        if self.transaction.is_active:
            self.transaction.commit()
        self.sender.close()

    def abandon(self) -> None:
        """After any error: the worker must be done with the connection before this thread rolls back."""
        self.sender.close()
        if self.transaction.is_active:
            self.transaction.rollback()


def _may_store_again(engine: Engine, items: Iterable[Any], *, atomic: bool) -> bool:
    """Whether a store PostgreSQL ended to break a deadlock may simply run again: when nothing of it was written
    (one transaction) and its items can be read again (a list, not a generator)."""
    return engine.dialect.name == "postgresql" and atomic and isinstance(items, Sequence)


class _CountedOnce:
    """A progress callback that counts each item once, however often the store starts over: a progress bar
    never goes past the number of items."""

    def __init__(self, progress: ProgressCallback) -> None:
        self.progress = progress
        self.reported = 0
        self.done = 0

    def start_over(self) -> None:
        self.done = 0

    def __call__(self, count: int) -> None:
        self.done += count
        if self.done > self.reported:
            self.progress(self.done - self.reported)
            self.reported = self.done


def _more_than_one_chunk(items: Iterable[Any], options: _ChunkedStore.Options) -> bool:
    """Whether a worker may send chunks while the next is checked: not for a list of one chunk, where there is
    nothing to overlap (a generator may always bring more)."""
    return not isinstance(items, Sequence) or len(items) > options.chunk_size


def _months_made_sure_of(engine: Engine, items: Iterable[Any], *, chunk_size: int, atomic: bool) -> set[datetime]:
    """PostgreSQL, a list longer than one chunk stored in one transaction: the months of all its results, whose
    partitions this makes sure of before anything is written (an empty set otherwise).

    A month created once this transaction has written waits for the writers that created models or hardware,
    and if this transaction created some itself, it must be created inside it, which then keeps other creators
    of months, models and hardware waiting until it commits (before revision 0007, creating a month waited for
    every open writer, and three such stores at once deadlocked in most rounds). A list can be looked at first
    (~45 ms per 100,000 results); a generator cannot, and a single chunk's months are made sure of before it is
    written.
    """
    if engine.dialect.name != "postgresql" or not atomic or not isinstance(items, Sequence) or len(items) <= chunk_size:
        return set()
    months = months_of(items, now=datetime.now(UTC).replace(tzinfo=None))
    with translate_errors(engine.url):
        ensure_test_result_partitions(engine, months)
    return months


@contextlib.contextmanager
def _connection_for(engine: Engine, connection: Connection | None) -> Iterator[Connection]:
    if connection is not None:
        yield connection  # the caller's: it stays open
        return
    with engine.connect() as opened:
        yield opened


def _chunk_offsets(items: Iterable[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    """``items`` in lists of ``size`` with the position of each list's first item. A list handed out is not
    held here while the next one is read, so a generator's items can be freed as soon as the caller is done."""
    iterator = iter(items)
    offset = 0
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        count = len(chunk)
        yield offset, chunk
        del chunk
        offset += count


def _record_problems(report: StoreReport, problems: dict[int, list[str]]) -> None:
    report.rejected += len(problems)
    room = MAX_PROBLEMS_KEPT - len(report.errors)
    for index in sorted(problems)[: max(room, 0)]:
        report.errors.append(ItemError(index, problems[index]))


def _invalid(report: StoreReport, *, single: bool, atomic: bool = True) -> InvalidResultError:
    lines = report.problem_lines(with_index=not single)
    if single:
        return InvalidResultError(lines, heading="invalid test result; nothing was written")
    written = "nothing was written" if atomic else f"the {report.stored} result(s) of earlier chunks were stored"
    heading = f"{report.rejected} of {report.seen} test result(s) are invalid; {written}"
    if report.rejected > len(report.errors):
        lines.append(f"... and problems in {report.rejected - len(report.errors)} more item(s)")
    return InvalidResultError(lines, heading=heading)


def _prepare_partitions(
    engine: Engine, connection: Connection, batch: ResultBatch, ensured: set[datetime], *, in_transaction: bool
) -> None:
    """PostgreSQL: make sure the batch's months have partitions before its rows arrive (once per month per call).

    Before this transaction has written, a separate short transaction creates them. Once it has, see
    :func:`accel_orm.schema.partitions.ensure_partitions_within` (and :func:`_months_made_sure_of`, which spares
    lists this).
    """
    if connection.dialect.name != "postgresql":
        return
    months = {datetime(year, month, 1) for year, month in {(t.year, t.month) for t in batch.test["timestamp"]}}
    wanted = sorted(months - ensured)
    if not wanted:
        return
    if not in_transaction:
        ensure_test_result_partitions(engine, wanted)
    else:
        inside = ensure_partitions_within(connection, wanted)
        if inside:
            log.warning(
                "created %d month partition(s) of test_results inside this store's transaction (made beside it, "
                "they would have waited for it or another writer: it, or they, created models or hardware): until "
                "it commits, other writers creating months, models or hardware wait for it. Storing a list, or "
                "calling ensure_test_result_partitions() for the months first, avoids it",
                len(inside),
            )
    ensured |= months


def write_batch(
    connection: Connection,
    writer: FactWriter,
    batch: ResultBatch,
    report: StoreReport,
    runs: RunResolver | None = None,
    known: KnownDimensions | None = None,
) -> None:
    """Write one validated batch inside the caller's transaction (the half of ``store_results`` that others reuse,
    e.g. the JSON migration, which commits its ledger rows in the same transaction). Without ``runs`` only items
    with a ``"run"`` sub-dict get a run. ``known``: models and hardware resolved earlier in this transaction."""
    for write in prepare_batch(connection, writer, batch, report, runs, known):
        write()


def prepare_batch(
    connection: Connection,
    writer: FactWriter,
    batch: ResultBatch,
    report: StoreReport,
    runs: RunResolver | None = None,
    known: KnownDimensions | None = None,
) -> list[PreparedWrite]:
    """:func:`write_batch` up to the fact rows: models, hardware, runs and ids are resolved on ``connection`` now,
    and the fact tables' writes are returned prepared, to be run in order (see :mod:`accel_orm.ingest.sending`)."""
    model_ids, hardware_ids, counts = resolve_dimensions(connection, batch.model, batch.hardware, known)
    report.models_created += counts.models_created
    report.hardware_created += counts.hardware_created
    models = np.asarray(model_ids, dtype=np.int64)
    hardware = np.asarray(hardware_ids, dtype=np.int64)
    run_ids = (runs or RunResolver()).run_ids(connection, batch, writer)
    test_ids = writer.allocate_test_ids(connection, len(batch))
    timestamps = batch.test["timestamp"]
    # Converted to Arrow once: the results' times are also the times of sub-dicts that name none of their own.
    stamps = pa.array(timestamps, type=pa.timestamp("us"))
    test_columns: dict[str, Any] = {"id": test_ids, "model_id": models, "hardware_id": hardware, **batch.test}
    test_columns["timestamp"] = stamps
    if run_ids is not None:
        test_columns["run_id"] = run_ids
    writes = [writer.prepare(connection, cast(Table, TestResult.__table__), test_columns)]
    for section, table in ((batch.performance, PerformanceResult), (batch.power, PowerMetric)):
        if section.rows:
            columns = _linked(section, timestamps, test_ids, models, hardware, run_ids)
            if columns["test_timestamp"] is timestamps:
                columns["test_timestamp"] = stamps
            if table is PerformanceResult:
                _inherit_simulation(columns, section, batch.test)
            writes.append(writer.prepare(connection, cast(Table, table.__table__), columns))
    report.performance_rows += len(batch.performance.rows)
    report.power_rows += len(batch.power.rows)
    compatibility = _compatibility_write(connection, writer, batch.compatibility, timestamps, models, hardware)
    if compatibility is not None:
        report.compatibility_rows += compatibility[0]
        writes.append(compatibility[1])
    report.stored += len(batch)
    return writes


def _linked(
    section: SectionColumns,
    timestamps: list[datetime],
    test_ids: np.ndarray,
    models: np.ndarray,
    hardware: np.ndarray,
    run_ids: list[int | None] | np.ndarray | None = None,
) -> dict[str, Any]:
    """A sub-dict's columns plus the ids of its test result, model, hardware and run; its time defaults to the
    test's."""
    rows = np.asarray(section.rows, dtype=np.int64)
    columns: dict[str, Any] = dict(section.columns)
    columns["test_timestamp"] = _defaulted(columns["test_timestamp"], timestamps, section.rows)
    columns["test_id"] = test_ids[rows]
    columns["model_id"] = models[rows]
    columns["hardware_id"] = hardware[rows]
    if isinstance(run_ids, np.ndarray):
        columns["run_id"] = run_ids[rows]
    elif run_ids is not None:
        columns["run_id"] = [run_ids[row] for row in section.rows]
    return columns


def _inherit_simulation(columns: dict[str, Any], section: SectionColumns, test: dict[str, list[Any]]) -> None:
    """A performance row that says nothing about simulation takes its test result's flag and reason."""
    for name in INHERITED_FROM_RESULT:
        columns[name] = _defaulted(columns[name], test[name], section.rows)


def _defaulted(own: list[Any], fallback: list[Any], rows: list[int]) -> list[Any]:
    """``own`` with each None replaced by the value ``fallback`` holds for the row's test result."""
    nulls = own.count(None)
    if nulls == 0:
        return own
    if nulls == len(own):  # the common case: the sub-dicts say nothing, all of it comes from the results
        return fallback if len(rows) == len(fallback) else list(map(fallback.__getitem__, rows))
    return [value if value is not None else fallback[row] for value, row in zip(own, rows, strict=True)]


def _upsert_compatibility(
    connection: Connection,
    writer: FactWriter,
    section: SectionColumns,
    timestamps: list[datetime],
    models: np.ndarray,
    hardware: np.ndarray,
) -> int:
    """Record the newest verdict per (model, hardware) now (see :func:`_compatibility_write`); how many pairs."""
    prepared = _compatibility_write(connection, writer, section, timestamps, models, hardware)
    if prepared is None:
        return 0
    prepared[1]()
    return prepared[0]


def _compatibility_write(
    connection: Connection,
    writer: FactWriter,
    section: SectionColumns,
    timestamps: list[datetime],
    models: np.ndarray,
    hardware: np.ndarray,
) -> tuple[int, PreparedWrite] | None:
    """The upsert of the newest verdict per (model, hardware), and how many pairs it writes (None: no verdicts).
    An older result never overwrites a newer verdict."""
    if not section.rows:
        return None
    newest: dict[tuple[int, int], int] = {}  # pair -> position in the section of its newest verdict
    for position, row in enumerate(section.rows):
        pair = (models[row], hardware[row])
        best = newest.get(pair)
        if best is None or timestamps[row] >= timestamps[section.rows[best]]:
            newest[pair] = position
    positions = list(newest.values())
    rows = [section.rows[p] for p in positions]
    columns: dict[str, Any] = {name: [values[p] for p in positions] for name, values in section.columns.items()}
    columns.update(model_id=models[rows], hardware_id=hardware[rows], last_tested=[timestamps[row] for row in rows])
    # The later tools' flag, derived so it can never disagree with the status.
    columns["is_compatible"] = [
        None if status is None else status in COMPATIBLE_STATUSES for status in columns["compatibility_status"]
    ]
    table = cast(Table, HardwareCompatibility.__table__)
    return len(positions), writer.prepare(connection, table, columns, on_conflict=_newer_verdict_wins)


def _newer_verdict_wins(statement: PGInsert) -> PGInsert:
    table = HardwareCompatibility.__table__
    return statement.on_conflict_do_update(
        index_elements=[table.c.model_id, table.c.hardware_id],
        set_={
            name: statement.excluded[name]
            for name in ("compatibility_status", "is_compatible", "compatibility_score", "recommended", "last_tested")
        },
        where=or_(table.c.last_tested.is_(None), statement.excluded.last_tested >= table.c.last_tested),
    )
