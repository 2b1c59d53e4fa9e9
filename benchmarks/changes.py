"""Benchmark: change detection against its peers on one labelled corpus, and the 10,000 x 200 speed figure.

The corpus (``make_corpus``) holds the shapes real benchmark series have: gaussian, heavy-tailed (Student t, 3
degrees of freedom) and bimodal noise at 0.5-4 %, single-point outliers, slow drift and machines flipping between
two states (which are *not* changes), and 1-3 steps of 2-40 % either way; 40-200 points, daily or irregular
timestamps; about 35 % of the series have no change at all. Steps sit at least 8 points from either end and 12
from each other (nothing can confirm a step in its last few points).

A detection is correct when it is in the right series, in the right direction and within 3 points of a true step
(each true step matches at most one detection). Printed per detector: precision, recall, F1, the share of
no-change series with any alarm, recall by step size, and the seconds it took on the corpus.

Peers, at their users' defaults (``pip install -e '.[bench]'``; ``--costs`` also times ruptures and scipy against
the numpy implementation, the figures the detector's docstring quotes):
- window rule: the replaced tool's mean of the next 7 points against the previous 7, flagged above 5 %;
- z-score: Conbench-style, each point against the mean and stddev of the 30 before it, z > 5 and > 5 %;
- asv: ``asv.step_detect.detect_steps`` (L1 Potts, automatic gamma) and its 5 % threshold between steps;
- Otava: ``otava.analysis.compute_change_points`` (E-Divisive with the CLI defaults: window 50, p 0.001);
- ruptures: ``Pelt(model="l2")`` with a BIC penalty ``sigma**2 * log(n)``.
A rule that flags a run of consecutive points reports one change at the run's strongest point.

    .venv/bin/python benchmarks/changes.py                       # corpus of 600, seed 1, plus the speed figure
    .venv/bin/python benchmarks/changes.py --seeds 1 2 3         # the table for several corpora
    .venv/bin/python benchmarks/changes.py --speed-only --series 10000 --points 200
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import Engine

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from accel_orm import get_engine  # noqa: E402
from accel_orm.changes import changes_frame  # noqa: E402
from accel_orm.changes.detect import detect_changes  # noqa: E402
from accel_orm.frames import to_frame  # noqa: E402
from accel_orm.queries.series import series_points  # noqa: E402

TOLERANCE = 3
BUCKETS = ((0.02, 0.05), (0.05, 0.10), (0.10, 0.20), (0.20, 0.41))
START = datetime(2025, 1, 1)


# ---------------------------------------------------------------------------------------------------------------
# The labelled corpus
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class LabelledSeries:
    values: np.ndarray
    timestamps: np.ndarray  # datetime64[s]
    steps: list[tuple[int, float]] = field(default_factory=list)  # (first index after, relative size signed)
    shape: str = ""


def _noise(rng: np.random.Generator, n: int, kind: str, sigma: float) -> np.ndarray:
    if kind == "gaussian":
        return rng.normal(0.0, sigma, n)
    if kind == "heavy":
        return rng.standard_t(3, n) * sigma / math.sqrt(3.0)
    # bimodal noise: most runs fast, a fifth a little slower (a second mode 2.5 sigma away)
    return rng.normal(0.0, sigma * 0.7, n) + np.where(rng.random(n) < 0.2, -2.5 * sigma, 0.0)


def _step_positions(rng: np.random.Generator, n: int, count: int) -> list[int]:
    for _ in range(100):
        positions = sorted(int(p) for p in rng.integers(8, n - 8 + 1, size=count))
        if all(b - a >= 12 for a, b in itertools.pairwise(positions)):
            return positions
    return [n // 2]


def _timestamps(rng: np.random.Generator, n: int) -> np.ndarray:
    # nightly, or irregular (CI runs when people push)
    gaps = np.ones(n) if rng.random() < 0.5 else rng.exponential(0.8, n) + 0.01
    seconds = np.cumsum(gaps) * 86_400
    return (np.datetime64(START, "s") + seconds.astype("timedelta64[s]")).astype("datetime64[s]")


def make_series(rng: np.random.Generator, n: int | None = None) -> LabelledSeries:
    n = int(rng.integers(40, 201)) if n is None else n
    sigma = float(np.exp(rng.uniform(np.log(0.005), np.log(0.04))))
    kind = str(rng.choice(["gaussian", "heavy", "bimodal"]))
    log_values = _noise(rng, n, kind, sigma)
    shape = kind
    steps: list[tuple[int, float]] = []
    if rng.random() < 0.35:
        extra = str(rng.choice(["plain", "drift", "states"]))
        shape += f"/no-change/{extra}"
        if extra == "drift":
            log_values += np.linspace(0.0, rng.choice([-1, 1]) * rng.uniform(0.05, 0.20), n)
        elif extra == "states":
            log_values += _two_states(rng, n, sigma)
    else:
        count = int(rng.choice([1, 1, 2, 3]))
        shape += f"/{count}-step"
        for position in _step_positions(rng, n, count):
            size = float(rng.uniform(0.02, 0.40)) * float(rng.choice([-1, 1]))
            log_values[position:] += math.log1p(size)
            steps.append((position, size))
        if rng.random() < 0.2:
            log_values += np.linspace(0.0, rng.choice([-1, 1]) * rng.uniform(0.02, 0.08), n)
            shape += "+drift"
    if rng.random() < 0.5:
        for index in rng.choice(n, size=int(rng.integers(1, 4)), replace=False):
            log_values[index] += rng.choice([-1, 1]) * rng.uniform(0.10, 0.50)
        shape += "+outliers"
    level = float(10 ** rng.uniform(0, 4))
    return LabelledSeries(level * np.exp(log_values), _timestamps(rng, n), steps, shape)


def _two_states(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """A machine flipping between a fast and a slow state (thermal throttling, a noisy neighbour)."""
    offset = rng.uniform(0.05, 0.15) * rng.choice([-1, 1])
    stay = rng.uniform(0.5, 0.85)
    state = np.empty(n, dtype=bool)
    state[0] = False
    flips = rng.random(n) > stay
    for i in range(1, n):
        state[i] = state[i - 1] ^ flips[i]
    return np.where(state, offset, 0.0)


def make_corpus(seed: int, size: int) -> list[LabelledSeries]:
    rng = np.random.default_rng(seed)
    return [make_series(rng) for _ in range(size)]


# ---------------------------------------------------------------------------------------------------------------
# Detectors: each maps values to [(index of the first point after the change, +1 up / -1 down)]
# ---------------------------------------------------------------------------------------------------------------

Detections = list[tuple[int, int]]


def ours(values: np.ndarray) -> Detections:
    return [(c.index, 1 if c.relative_change > 0 else -1) for c in detect_changes(values)]


def _runs(flags: np.ndarray, strength: np.ndarray, sign: np.ndarray) -> Detections:
    """One detection per run of consecutive flagged points, at its strongest point."""
    found: Detections = []
    i, n = 0, flags.size
    while i < n:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j < n and flags[j]:
            j += 1
        best = i + int(np.argmax(strength[i:j]))
        found.append((best, int(sign[best])))
        i = j
    return found


def window_rule(values: np.ndarray, width: int = 7, threshold: float = 0.05) -> Detections:
    n = values.size
    flags = np.zeros(n, dtype=bool)
    change = np.zeros(n)
    for i in range(width, n - width + 1):
        before = values[i - width : i].mean()
        after = values[i : i + width].mean()
        change[i] = after / before - 1.0
        flags[i] = abs(change[i]) > threshold
    return _runs(flags, np.abs(change), np.sign(change))


def zscore_rule(values: np.ndarray, lookback: int = 30, z: float = 5.0, threshold: float = 0.05) -> Detections:
    n = values.size
    flags = np.zeros(n, dtype=bool)
    score = np.zeros(n)
    change = np.zeros(n)
    for i in range(lookback, n):
        baseline = values[i - lookback : i]
        mean, std = baseline.mean(), baseline.std(ddof=1)
        change[i] = values[i] / mean - 1.0
        score[i] = abs(values[i] - mean) / std if std > 0 else math.inf
        flags[i] = score[i] > z and abs(change[i]) > threshold
    return _runs(flags, score, np.sign(change))


def asv_steps(values: np.ndarray, threshold: float = 0.05) -> Detections:
    from asv.step_detect import detect_steps

    steps = detect_steps(list(values))
    found: Detections = []
    for (_, _, before, _, _), (left, _, after, _, _) in itertools.pairwise(steps):
        if before and abs(after / before - 1.0) > threshold:
            found.append((left, 1 if after > before else -1))
    return found


def otava(values: np.ndarray) -> Detections:
    from otava.analysis import compute_change_points

    points, _ = compute_change_points(list(values), window_len=50, max_pvalue=0.001)
    found: Detections = []
    for point in points:
        i = point.index
        before = values[max(0, i - 10) : i].mean()
        after = values[i : i + 10].mean()
        found.append((i, 1 if after > before else -1))
    return found


def ruptures_pelt(values: np.ndarray) -> Detections:
    import ruptures

    diffs = np.diff(values)
    sigma = np.median(np.abs(diffs - np.median(diffs))) * 1.4826 / math.sqrt(2.0)
    breaks = ruptures.Pelt(model="l2", min_size=2, jump=1).fit(values).predict(pen=sigma**2 * math.log(values.size))
    found: Detections = []
    edges = [0, *breaks]
    for start, split, stop in zip(edges, edges[1:], edges[2:], strict=False):
        before = values[start:split].mean()
        after = values[split:stop].mean()
        found.append((split, 1 if after > before else -1))
    return found


DETECTORS: dict[str, tuple[str, Callable[[np.ndarray], Detections]]] = {
    "ours": ("accel_orm.changes (this package)", ours),
    "window": ("window rule (7 vs 7 points, > 5 %)", window_rule),
    "zscore": ("Conbench-style z-score (30 points, z > 5, > 5 %)", zscore_rule),
    "asv": ("asv step_detect (L1 Potts + 5 % rule)", asv_steps),
    "otava": ("Apache Otava compute_change_points (defaults)", otava),
    "ruptures": ("ruptures PELT, l2, BIC penalty", ruptures_pelt),
}


# ---------------------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Score:
    true_positives: int = 0
    detections: int = 0
    truths: int = 0
    quiet_series: int = 0
    quiet_alarms: int = 0
    seconds: float = 0.0
    bucket_hits: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    bucket_totals: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))

    @property
    def precision(self) -> float:
        return self.true_positives / self.detections if self.detections else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truths if self.truths else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.quiet_alarms / self.quiet_series if self.quiet_series else 0.0


def score_series(score: Score, series: LabelledSeries, found: Detections) -> None:
    score.detections += len(found)
    score.truths += len(series.steps)
    if not series.steps:
        score.quiet_series += 1
        score.quiet_alarms += bool(found)
    unused = list(found)
    for position, size in series.steps:
        direction = 1 if size > 0 else -1
        bucket = next(i for i, (lo, hi) in enumerate(BUCKETS) if lo <= abs(size) < hi)
        score.bucket_totals[bucket] += 1
        match = next(
            (d for d in unused if d[1] == direction and abs(d[0] - position) <= TOLERANCE),
            None,
        )
        if match is not None:
            unused.remove(match)
            score.true_positives += 1
            score.bucket_hits[bucket] += 1


def evaluate(corpus: Sequence[LabelledSeries], names: Sequence[str]) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for name in names:
        _, detector = DETECTORS[name]
        score = Score()
        started = time.perf_counter()
        results = [detector(series.values) for series in corpus]
        score.seconds = time.perf_counter() - started
        for series, found in zip(corpus, results, strict=True):
            score_series(score, series, found)
        scores[name] = score
    return scores


def table(scores: dict[str, Score]) -> str:
    head = (
        "| detector | precision | recall | F1 | no-change series that alarm "
        "| recall by step 2-5 / 5-10 / 10-20 / 20-40 % | seconds |"
    )
    lines = [head, "|---|---|---|---|---|---|---|"]
    for name, score in scores.items():
        buckets = " / ".join(
            f"{hits / total:.2f}" if total else "-"
            for hits, total in zip(score.bucket_hits, score.bucket_totals, strict=True)
        )
        lines.append(
            f"| {DETECTORS[name][0]} | {score.precision:.2f} | {score.recall:.2f} | {score.f1:.2f} | "
            f"{score.false_alarm_rate:.1%} | {buckets} | {score.seconds:.2f} |"
        )
    return "\n".join(lines)


def describe_corpus(corpus: Sequence[LabelledSeries]) -> str:
    quiet = sum(1 for s in corpus if not s.steps)
    steps = sum(len(s.steps) for s in corpus)
    points = sum(s.values.size for s in corpus)
    return f"{len(corpus)} series ({quiet} without change), {steps} true steps, {points:,} points"


# ---------------------------------------------------------------------------------------------------------------
# Speed: detection of many series read from a DuckDB file
# ---------------------------------------------------------------------------------------------------------------


def build_database(path: Path, series_count: int, points: int, seed: int) -> Engine:
    """A DuckDB file in the real schema holding ``series_count`` corpus series of ``points`` throughput values."""
    engine = get_engine(f"duckdb:///{path}")
    rng = np.random.default_rng(seed)
    hardware = [(f"hw{i}", f"device {i}") for i in range(20)]
    model_count = math.ceil(series_count / len(hardware))
    rows: dict[str, list[object]] = {"model_id": [], "hardware_id": [], "value": [], "ts": []}
    for index in range(series_count):
        series = make_series(rng, points)
        rows["model_id"].append(np.full(points, index // len(hardware) + 1))
        rows["hardware_id"].append(np.full(points, index % len(hardware) + 1))
        rows["value"].append(series.values)
        rows["ts"].append(series.timestamps)
    table = pa.table({name: np.concatenate(parts) for name, parts in rows.items()})
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        raw.execute(
            "INSERT INTO models (model_id, model_name, model_family) "
            "SELECT i, 'model-' || i, 'text_embedding' FROM range(1, ?) t(i)",
            [model_count + 1],
        )
        for hardware_id, (kind, device) in enumerate(hardware, start=1):
            raw.execute(
                "INSERT INTO hardware_platforms (hardware_id, hardware_type, device_name) VALUES (?, ?, ?)",
                [hardware_id, kind, device],
            )
        raw.register("points", table)
        raw.execute(
            "INSERT INTO performance_results (model_id, hardware_id, batch_size, sequence_length, "
            "throughput_items_per_second, test_timestamp) SELECT model_id, hardware_id, 1, 128, value, ts FROM points"
        )
        raw.unregister("points")
    return engine


def speed(series_count: int, points: int, seed: int, path: Path | None, repeats: int) -> None:
    """Median seconds of ``changes_frame`` (reading included) over a database of ``series_count`` series."""
    with tempfile.TemporaryDirectory() as folder:
        target = path or Path(folder) / "changes.duckdb"
        target.unlink(missing_ok=True)
        started = time.perf_counter()
        engine = build_database(target, series_count, points, seed)
        print(f"\nbuilt {series_count:,} series x {points} points in {time.perf_counter() - started:.1f} s")
        try:
            read, total, cpu, found = [], [], [], 0
            for _ in range(repeats):
                started = time.perf_counter()
                to_frame(series_points("throughput"), engine)
                read.append(time.perf_counter() - started)
                started, started_cpu = time.perf_counter(), time.process_time()
                found = len(changes_frame(engine, "throughput"))
                total.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            # CPU seconds as well: on a shared machine the wall clock also counts other people's work.
            print(
                f"changes_frame on {series_count:,} series x {points} points (DuckDB read included): "
                f"median {statistics.median(total):.2f} s wall, {statistics.median(cpu):.2f} s CPU over {repeats} "
                f"runs (min {min(total):.2f} s wall; reading alone median {statistics.median(read):.2f} s); "
                f"{found:,} changes found; load average {os.getloadavg()[0]:.1f}"
            )
            _incremental(engine, repeats)
        finally:
            engine.dispose()


def _incremental(engine: Engine, repeats: int, touched: int = 100) -> None:
    """One new point in ``touched`` series, then ``changes_frame(since=<that point>)``: the cost of what is new."""
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        (latest,) = raw.execute("SELECT max(test_timestamp) FROM performance_results").fetchone()
        moment = latest + timedelta(days=1)
        raw.execute(
            "INSERT INTO performance_results (model_id, hardware_id, batch_size, sequence_length, "
            "throughput_items_per_second, test_timestamp) "
            "SELECT model_id, hardware_id, 1, 128, 1.0, ? FROM "
            "(SELECT DISTINCT model_id, hardware_id FROM performance_results ORDER BY 1, 2 LIMIT ?)",
            [moment, touched],
        )
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        changes_frame(engine, "throughput", since=moment)
        timings.append(time.perf_counter() - started)
    print(
        f"incremental: changes_frame(since=...) after one new point in {touched} series: median "
        f"{statistics.median(timings):.2f} s over {repeats} runs"
    )


def costs(seed: int, count: int = 100, points: int = 200) -> None:
    """Library or numpy: the per-series costs the detector's module docstring quotes, measured side by side."""
    import ruptures
    import scipy.stats

    from accel_orm.changes import detect

    rng = np.random.default_rng(seed)
    series = [make_series(rng, points).values for _ in range(count)]

    def per_series(work: Callable[[np.ndarray], object]) -> float:
        started = time.perf_counter()
        for values in series:
            work(values)
        return (time.perf_counter() - started) / count

    def pelt(values: np.ndarray) -> object:
        y = np.log(values)
        sigma = detect._robust_sigma(y)
        penalty = detect.DEFAULT_SETTINGS.penalty * math.log(y.size) * sigma * sigma
        return ruptures.Pelt(model="l2", min_size=detect.DEFAULT_SETTINGS.min_size, jump=1).fit(y).predict(pen=penalty)

    def binary_segmentation(values: np.ndarray) -> object:
        damped = detect.damp_outliers(np.log(values), detect.DEFAULT_SETTINGS.outlier_k, 3)
        return detect._segment(damped, detect.DEFAULT_SETTINGS.penalty, detect.DEFAULT_SETTINGS.min_size)

    print(
        f"\nper {points}-point series: ruptures PELT segmentation {per_series(pelt) * 1e3:.2f} ms, numpy binary "
        f"segmentation {per_series(binary_segmentation) * 1e3:.3f} ms, whole detector "
        f"{per_series(detect_changes) * 1e3:.3f} ms"
    )
    pairs = [(np.log(v[max(0, k - 40) : k]), np.log(v[k : k + 40])) for v in series for k in (40, 100, 160)]
    started = time.perf_counter()
    ours_p = [detect._mann_whitney_p(a, b) for a, b in pairs]
    ours_us = (time.perf_counter() - started) / len(pairs) * 1e6
    started = time.perf_counter()
    scipy_p = [scipy.stats.mannwhitneyu(a, b).pvalue for a, b in pairs]
    scipy_us = (time.perf_counter() - started) / len(pairs) * 1e6
    alpha = detect.DEFAULT_SETTINGS.alpha
    same = sum((a < alpha) == (b < alpha) for a, b in zip(ours_p, scipy_p, strict=True))
    print(
        f"rank test per call: ours {ours_us:.1f} us, scipy.stats.mannwhitneyu {scipy_us:.1f} us; "
        f"same decision at p < {alpha:g} in {same}/{len(pairs)} pairs"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--size", type=int, default=600, help="series per corpus (default: 600)")
    parser.add_argument("--detectors", nargs="+", choices=list(DETECTORS), default=list(DETECTORS))
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--costs", action="store_true", help="also measure library vs numpy costs per series")
    parser.add_argument("--series", type=int, default=10_000, help="speed figure: series (default: 10,000)")
    parser.add_argument("--points", type=int, default=200, help="speed figure: points per series (default: 200)")
    parser.add_argument("--path", type=Path, help="speed figure: keep the DuckDB file here")
    parser.add_argument("--repeats", type=int, default=3, help="speed figure: runs to take the median of")
    args = parser.parse_args(argv)
    if not args.speed_only:
        for seed in args.seeds:
            corpus = make_corpus(seed, args.size)
            print(f"\nseed {seed}: {describe_corpus(corpus)}\n")
            print(table(evaluate(corpus, args.detectors)))
    if args.costs:
        costs(args.seeds[0])
    if not args.no_speed:
        speed(args.series, args.points, args.seeds[0], args.path, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
