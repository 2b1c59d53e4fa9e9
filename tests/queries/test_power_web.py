"""Power (Qualcomm) and browser (WebGPU) analyses."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from accel_orm.queries import browser_comparison, optimization_impact, power_efficiency_by_family, power_metrics

from .conftest import frame, rows


def test_power_metrics(loaded: Engine) -> None:
    result = rows(power_metrics(), loaded)
    assert [r["model_name"] for r in result] == ["bert-base", "t5-small"]
    assert result[0] == {
        "model_name": "bert-base",
        "model_family": "text_embedding",
        "hardware_type": "qualcomm",
        "device_name": "Snapdragon 8 Gen 3",
        "power_watts_avg": 3.2,
        "power_watts_peak": 5.7,
        "temperature_celsius_avg": 42.5,
        "temperature_celsius_peak": 52.1,
        "battery_impact_mah": 125.3,
        "test_duration_seconds": 300.0,
        "estimated_runtime_hours": 4.3,
        "test_timestamp": result[0]["test_timestamp"],
    }
    assert str(result[0]["test_timestamp"]) == "2025-02-05 12:00:00"


def test_power_metrics_other_hardware_and_model_filter(loaded: Engine) -> None:
    assert [r["power_watts_avg"] for r in rows(power_metrics("CPU"), loaded)] == [95.0]
    assert [r["model_name"] for r in rows(power_metrics(model_name="t5-small"), loaded)] == ["t5-small"]


def test_power_efficiency_by_family(loaded: Engine) -> None:
    result = rows(power_efficiency_by_family(), loaded)
    # text_embedding: bert-base's three qualcomm rows (all batch sizes); the second row's efficiency is derived
    # from throughput / power = 50 / 5 = 10.
    assert result == [
        {
            "model_family": "text_embedding",
            "avg_power_watts": pytest.approx(19 / 3),
            "avg_throughput": pytest.approx(190 / 3),
            "avg_efficiency": 10.0,
            "n": 3,
        },
        {
            "model_family": "text_generation",
            "avg_power_watts": 8.0,
            "avg_throughput": 40.0,
            "avg_efficiency": 5.0,
            "n": 1,
        },
    ]


def test_browser_comparison(loaded: Engine) -> None:
    assert rows(browser_comparison(), loaded) == [
        {"browser": "Firefox", "model_name": "bert-base", "avg_throughput": 72.0, "avg_latency_ms": 13.5, "n": 2},
        {"browser": "Chrome", "model_name": "bert-base", "avg_throughput": 66.5, "avg_latency_ms": 14.5, "n": 4},
        {"browser": "Chrome", "model_name": "vit-base", "avg_throughput": 42.0, "avg_latency_ms": 24.0, "n": 1},
    ]
    assert [r["browser"] for r in rows(browser_comparison("WEBGPU", model_name="vit-base"), loaded)] == ["Chrome"]


def test_optimization_impact_matches_each_row_to_its_own_test(loaded: Engine) -> None:
    result = rows(optimization_impact(), loaded)
    assert result == [
        {
            "browser": "Chrome",
            "optimization": "shader_precompile",
            "avg_throughput": 62.0,
            "avg_latency_ms": 17.0,
            "test_count": 3,
        },
        {"browser": "Chrome", "optimization": "none", "avg_throughput": 61.0, "avg_latency_ms": 15.5, "test_count": 2},
        {
            "browser": "Firefox",
            "optimization": "compute_shader_opt",
            "avg_throughput": 80.0,
            "avg_latency_ms": 12.0,
            "test_count": 1,
        },
        {"browser": "Firefox", "optimization": "none", "avg_throughput": 64.0, "avg_latency_ms": 15.0, "test_count": 1},
    ]


def test_optimization_counts_add_up_to_the_browser_counts(loaded: Engine) -> None:
    """No double counting: every performance row is counted once, as in browser_comparison."""
    impact = frame(optimization_impact(), loaded).groupby("browser")["test_count"].sum().to_dict()
    browsers = frame(browser_comparison(), loaded).groupby("browser")["n"].sum().to_dict()
    assert impact == browsers == {"Chrome": 5, "Firefox": 2}
