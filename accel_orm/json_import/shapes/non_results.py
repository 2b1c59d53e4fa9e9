"""Files the runners write next to their results that hold no results: configs, model lists, summaries.

They are recognised (rather than reported as unknown) so that a migration report can say precisely why each was
left alone:

* ``benchmark_config*.json`` lists what a run was asked to do (models, batch sizes, hardware), not what happened.
* ``benchmark_models.json`` is the run's model list.
* ``benchmark_summary.json`` holds, per family and hardware, the mean latency (ms) and throughput of each model
  across all its configurations, computed from the ``benchmark_results.json`` next to it. Importing it would
  count those runs twice, and its means are not measurements of any one batch size.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accel_orm.json_import.shapes.shape import Shape

_CONFIG_KEYS = frozenset(
    {"warmup_iterations", "benchmark_iterations", "models_set", "verify_functionality", "timeout", "parallel"}
)


def is_config(data: Mapping[str, Any], _name: str) -> bool:
    return isinstance(data.get("batch_sizes"), list) and bool(_CONFIG_KEYS & data.keys())


def is_summary(data: Mapping[str, Any], name: str) -> bool:
    families = data.get("model_families")
    if not isinstance(families, Mapping):
        return False
    if "performance_comparison" in data:
        return True
    if families:
        return all(isinstance(v, Mapping) and "models_tested" in v for v in families.values())
    return "summary" in name


def is_model_list(data: Mapping[str, Any], _name: str) -> bool:
    return bool(data) and all(
        isinstance(v, Mapping) and "name" in v and ("family" in v or "modality" in v) for v in data.values()
    )


def config_reason(_data: Any, _path: Path) -> str:
    return "configuration file (benchmark_config), not results: what a run was asked to do"


def models_reason(data: Any, _path: Path) -> str:
    count = len(data) if isinstance(data, Mapping) else 0
    return f"model list (benchmark_models, {count} models), not results"


def summary_reason(data: Any, path: Path) -> str:
    neighbour = path.parent / "benchmark_results.json"
    where = (
        "benchmark_results.json next to it, which is imported instead"
        if neighbour.is_file()
        else "a benchmark_results.json that is not next to it"
    )
    return (
        "benchmark summary, not results: per-model means across batch sizes aggregated from "
        f"{where}; importing it would count the same runs twice"
    )


BENCHMARK_CONFIG = Shape("benchmark_config", is_config, skip_reason=config_reason)
BENCHMARK_MODELS = Shape("benchmark_models", is_model_list, skip_reason=models_reason)
BENCHMARK_SUMMARY = Shape("benchmark_summary", is_summary, skip_reason=summary_reason)
