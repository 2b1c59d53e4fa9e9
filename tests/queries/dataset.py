"""A small benchmark history with known answers, loaded through the ORM into DuckDB or PostgreSQL.

Regression windows (as_of = AS_OF, 7 days): previous = (Feb 15, Feb 22], current = (Feb 22, Mar 1].
Per comparability key (model / hardware / batch 1 / sequence 128 unless noted), throughput then latency:

| key                      | previous            | current             | what it is                                   |
|--------------------------|---------------------|---------------------|----------------------------------------------|
| bert-base / cuda         | 100,100,100,102,98  | 80,80,80,82,78      | real throughput drop (-20 %, z = 14.1)       |
| bert-base / cuda / b8    | 400 x3              | 400 x3              | stable, other batch size                     |
| bert-base / cpu          | 50 x4               | 60 x4               | throughput gain (+20 %): never a regression  |
| t5-small / cuda          | 200 x4; lat 10,11,9,10 | 200 x4; lat 13,12,14,13 | latency increase (+30 %, z = 3.67)  |
| t5-small / cpu           | 100,100             | 50,50               | -50 % but only 2 samples per window          |
| vit-base / cuda          | 100,160,40,100      | 80,140,20,80        | noisy: -20 % but z = 0.41 (mean flags only)  |
| vit-base / cpu           | 100 x3              | 90 x3               | -10 % on a zero-variance baseline            |
| edge-model / cpu         | boundary rows (see EDGE_ROWS)                  | window edges, latency NULL         |

Latency is 5.0 everywhere except t5-small / cuda. Everything else (January row, web, qualcomm, the hostile model
name) lies outside both windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from accel_orm import (
    HardwareCompatibility,
    HardwarePlatform,
    Model,
    PerformanceResult,
    PowerMetric,
    TestResult,
    session_scope,
)

AS_OF = datetime(2025, 3, 1)
HOSTILE = "x'); DROP TABLE models; --"

MODELS = {
    "bert-base": "text_embedding",
    "t5-small": "text_generation",
    "vit-base": "vision",
    "whisper-tiny": "audio",  # never tested anywhere: an all-NULL matrix row
    "edge-model": "text_embedding",
    HOSTILE: "hostile",
}
HARDWARE = {
    "cpu": ("cpu", "Intel Xeon"),
    "cuda": ("cuda", "NVIDIA A100"),
    "qualcomm": ("qualcomm", "Snapdragon 8 Gen 3"),
    "chrome": ("webgpu", "Chrome"),
    "firefox": ("webgpu", "Firefox"),
    "openvino": ("openvino", "Intel NUC"),  # no evidence at all: never a matrix column
}

PREVIOUS_DAYS = [datetime(2025, 2, 16 + i, 12) for i in range(5)]  # Feb 16..20, noon
CURRENT_DAYS = [datetime(2025, 2, 23 + i, 12) for i in range(5)]  # Feb 23..27, noon

# (model, hardware key, batch size, previous throughputs, current throughputs, previous latencies, current latencies)
WINDOW_SERIES: list[tuple[str, str, int, list[float], list[float], list[float] | None, list[float] | None]] = [
    ("bert-base", "cuda", 1, [100, 100, 100, 102, 98], [80, 80, 80, 82, 78], None, None),
    ("bert-base", "cuda", 8, [400] * 3, [400] * 3, None, None),
    ("bert-base", "cpu", 1, [50] * 4, [60] * 4, None, None),
    ("t5-small", "cuda", 1, [200] * 4, [200] * 4, [10, 11, 9, 10], [13, 12, 14, 13]),
    ("t5-small", "cpu", 1, [100, 100], [50, 50], None, None),
    ("vit-base", "cuda", 1, [100, 160, 40, 100], [80, 140, 20, 80], None, None),
    ("vit-base", "cpu", 1, [100] * 3, [90] * 3, None, None),
]
DEFAULT_LATENCY = 5.0
WINDOW_MEMORY_MB = 1000.0

# edge-model / cpu: (timestamp, throughput). Windows are (start, end]: the first and last rows are outside.
EDGE_ROWS = [
    (datetime(2025, 2, 15), 1000.0),  # == previous window start: excluded
    (datetime(2025, 2, 22), 10.0),  # == current window start: previous window
    (datetime(2025, 3, 1), 20.0),  # == as_of: current window
    (datetime(2025, 3, 1) + timedelta(seconds=1), 5000.0),  # after as_of: excluded
]
JANUARY_ROW = ("bert-base", "cuda", datetime(2025, 1, 6, 12), 90.0)

# Qualcomm (Feb 5): (model, batch, throughput, latency, memory, power, efficiency)
QUALCOMM_ROWS = [
    ("bert-base", 1, 40.0, 20.0, 500.0, 4.0, 10.0),
    ("bert-base", 1, 50.0, 22.0, 700.0, 5.0, None),  # efficiency derived: 50 / 5 = 10 items/J
    ("bert-base", 4, 100.0, 40.0, 900.0, 10.0, 10.0),  # other batch size
    ("t5-small", 1, 40.0, 30.0, 900.0, 8.0, 5.0),
]
QUALCOMM_TIME = datetime(2025, 2, 5, 12)

# Power metrics: (model, hardware key, avg W, peak W, avg C, peak C, mAh, seconds, hours)
POWER_ROWS = [
    ("bert-base", "qualcomm", 3.2, 5.7, 42.5, 52.1, 125.3, 300.0, 4.3),
    ("t5-small", "qualcomm", 4.5, 7.9, 48.8, 58.9, 178.9, 300.0, 3.5),
    ("bert-base", "cpu", 95.0, 120.0, 60.0, 70.0, None, 60.0, None),  # not qualcomm: filtered out
]

# Web (Feb 10): (model, browser key, details of the test result or None for no linked test, throughput, latency)
WEB_ROWS: list[tuple[str, str, dict[str, Any] | str | None, float, float]] = [
    ("bert-base", "chrome", {"optimization_type": "shader_precompile"}, 70.0, 14.0),
    ("bert-base", "chrome", {"optimization_type": "shader_precompile"}, 74.0, 13.0),
    ("bert-base", "chrome", {"browser": "chrome"}, 60.0, 16.0),  # details without optimization_type
    ("bert-base", "chrome", "no-test", 62.0, 15.0),  # performance row without a linked test result
    ("bert-base", "firefox", {"optimization_type": "compute_shader_opt"}, 80.0, 12.0),
    ("bert-base", "firefox", None, 64.0, 15.0),  # test result with NULL details
    ("vit-base", "chrome", {"optimization_type": "shader_precompile"}, 42.0, 24.0),
]
WEB_TIME = datetime(2025, 2, 10, 12)

# Compatibility verdicts: (model, hardware key, status)
VERDICTS = [
    ("bert-base", "cuda", "supported"),
    ("bert-base", "qualcomm", "limited"),
    ("vit-base", "chrome", "unsupported"),
    ("vit-base", "firefox", "limited"),  # best verdict of the type wins: webgpu = limited
]
# Extra plain test results: (model, hardware key, success)
OUTCOMES = [
    ("bert-base", "cpu", True),
    ("bert-base", "cuda", False),  # the verdict (supported) wins over this failure
    ("t5-small", "cuda", False),
    ("t5-small", "cuda", False),  # only failures: unsupported
    ("t5-small", "cpu", False),
    ("t5-small", "cpu", True),  # one success is enough: supported
]


def load(engine: Engine) -> None:
    """Insert the whole dataset in one transaction through the ORM."""
    with session_scope(engine) as session:
        models = {name: Model(model_name=name, model_family=family) for name, family in MODELS.items()}
        hardware = {
            key: HardwarePlatform(hardware_type=kind, device_name=device) for key, (kind, device) in HARDWARE.items()
        }
        session.add_all([*models.values(), *hardware.values()])
        session.flush()

        def perf(model: str, hw: str, when: datetime, throughput: float, **extra: Any) -> PerformanceResult:
            values: dict[str, Any] = {"batch_size": 1, "sequence_length": 128, "average_latency_ms": DEFAULT_LATENCY}
            values.update(extra)
            return PerformanceResult(
                model_id=models[model].model_id,
                hardware_id=hardware[hw].hardware_id,
                throughput_items_per_second=throughput,
                test_timestamp=when,
                **values,
            )

        def test(model: str, hw: str, when: datetime, success: bool, details: dict[str, Any] | None) -> TestResult:
            return TestResult(
                timestamp=when,
                test_date=when.date().isoformat(),
                status="Success" if success else "Failed",
                test_type="inference",
                model_id=models[model].model_id,
                hardware_id=hardware[hw].hardware_id,
                success=success,
                details=details,
            )

        rows: list[Any] = []
        for model, hw, batch, prev, cur, prev_lat, cur_lat in WINDOW_SERIES:
            for days, values, latencies in ((PREVIOUS_DAYS, prev, prev_lat), (CURRENT_DAYS, cur, cur_lat)):
                for index, value in enumerate(values):
                    latency = latencies[index] if latencies else DEFAULT_LATENCY
                    rows.append(
                        perf(
                            model,
                            hw,
                            days[index],
                            value,
                            batch_size=batch,
                            average_latency_ms=latency,
                            memory_peak_mb=WINDOW_MEMORY_MB,
                        )
                    )
        rows.extend(perf("edge-model", "cpu", when, value, average_latency_ms=None) for when, value in EDGE_ROWS)
        model, hw, when, value = JANUARY_ROW
        rows.append(perf(model, hw, when, value))
        rows.append(perf(HOSTILE, "cpu", QUALCOMM_TIME, 1.0))
        for model, batch, thr, lat, mem, power, eff in QUALCOMM_ROWS:
            rows.append(
                perf(
                    model,
                    "qualcomm",
                    QUALCOMM_TIME,
                    thr,
                    batch_size=batch,
                    average_latency_ms=lat,
                    memory_peak_mb=mem,
                    power_watts=power,
                    energy_efficiency_items_per_joule=eff,
                )
            )
        session.add_all(rows)

        for model, hw, details, thr, lat in WEB_ROWS:
            test_id = None
            if details != "no-test":
                result = test(model, hw, WEB_TIME, True, details if isinstance(details, dict) else None)
                session.add(result)
                session.flush()
                test_id = result.id
            session.add(perf(model, hw, WEB_TIME, thr, average_latency_ms=lat, test_id=test_id))

        for model, hw, status in VERDICTS:
            session.add(
                HardwareCompatibility(
                    model_id=models[model].model_id, hardware_id=hardware[hw].hardware_id, compatibility_status=status
                )
            )
        session.add_all(test(model, hw, WEB_TIME, success, None) for model, hw, success in OUTCOMES)

        for model, hw, *measures in POWER_ROWS:
            avg_w, peak_w, avg_c, peak_c, mah, seconds, hours = measures
            session.add(
                PowerMetric(
                    model_id=models[model].model_id,
                    hardware_id=hardware[hw].hardware_id,
                    power_watts_avg=avg_w,
                    power_watts_peak=peak_w,
                    temperature_celsius_avg=avg_c,
                    temperature_celsius_peak=peak_c,
                    battery_impact_mah=mah,
                    test_duration_seconds=seconds,
                    estimated_runtime_hours=hours,
                    test_timestamp=QUALCOMM_TIME,
                )
            )
