"""Small constructed series loaded through the ORM, with the changes each one holds (the known answers).

| series (model / hardware / device / batch / sequence) | throughput (latency = 1000 / throughput)        |
|-------------------------------------------------------|-------------------------------------------------|
| bert / cuda / A100 / 1 / 128                          | 100, -20 % from day 40 (2025-02-10): regression |
| bert / cuda / A100 / 8 / 128                          | 400, stable (same model and hardware, own series)|
| vit / rocm / - / 1 / -                                | 50, +25 % from day 30 (2025-01-31): improvement |
| t5 / cpu / Xeon / 1 / 128                             | 20 drifting up 15 % over 60 days: no change     |
| whisper / webgpu / chrome / 1 / -                     | 30, -15 % from day 20, a further -10 % from day 45 |
| resnet / cpu / Xeon / 1 / -  (days 0-29 only)         | 80, -30 % from day 12: regression               |
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine

from accel_orm import HardwarePlatform, Model, PerformanceResult, session_scope

START = datetime(2025, 1, 1, 3, 0)
DAYS = 60


def day(index: int) -> datetime:
    return START + timedelta(days=index)


def _levels(
    seed: int, base: float, steps: dict[int, float] | None = None, drift: float = 0.0, days: int = DAYS
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    log_values = rng.normal(0.0, 0.01, days) + np.linspace(0.0, np.log1p(drift), days)
    for index, factor in (steps or {}).items():
        log_values[index:] += np.log(factor)
    return base * np.exp(log_values)


SERIES = {
    ("bert", "cuda", "A100", 1, 128): _levels(1, 100.0, {40: 0.80}),
    ("bert", "cuda", "A100", 8, 128): _levels(2, 400.0),
    ("vit", "rocm", None, 1, None): _levels(3, 50.0, {30: 1.25}),
    ("t5", "cpu", "Xeon", 1, 128): _levels(4, 20.0, drift=0.15),
    ("whisper", "webgpu", "chrome", 1, None): _levels(5, 30.0, {20: 0.85, 45: 0.90}),
    ("resnet", "cpu", "Xeon", 1, None): _levels(6, 80.0, {12: 0.7}, days=30),  # stopped being measured on day 29
}


def load(engine: Engine) -> None:
    with session_scope(engine) as session:
        models: dict[str, Model] = {}
        platforms: dict[tuple[str, str | None], HardwarePlatform] = {}
        for (model_name, hardware_type, device, batch, sequence), values in SERIES.items():
            model = models.setdefault(model_name, Model(model_name=model_name, model_family="text_embedding"))
            platform = platforms.setdefault(
                (hardware_type, device), HardwarePlatform(hardware_type=hardware_type, device_name=device)
            )
            for index, value in enumerate(values):
                session.add(
                    PerformanceResult(
                        model=model,
                        hardware=platform,
                        batch_size=batch,
                        sequence_length=sequence,
                        throughput_items_per_second=float(value),
                        average_latency_ms=1000.0 / float(value),
                        test_timestamp=day(index),
                    )
                )
