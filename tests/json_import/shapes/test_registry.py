"""The shape registry: every shape module is registered once, and detection tries the shapes in that order."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from accel_orm.json_import import shapes
from accel_orm.json_import.shapes import SHAPES, registry
from accel_orm.json_import.shapes.shape import Shape


def _declared_shapes() -> list[Shape]:
    declared = []
    for module_info in pkgutil.iter_modules(shapes.__path__):
        module = importlib.import_module(f"{shapes.__name__}.{module_info.name}")
        declared.extend(
            value for name, value in vars(module).items() if isinstance(value, Shape) and not name.startswith("_")
        )
    return declared


def test_every_declared_shape_is_registered_once() -> None:
    names = [shape.name for shape in registry.REGISTERED]
    assert len(names) == len(set(names))
    assert {id(shape) for shape in _declared_shapes()} == {id(shape) for shape in registry.REGISTERED}
    assert set(SHAPES) == {shape.name for shape in registry.REGISTERED if shape.parse is not None}


def test_a_shape_needs_a_parser_or_a_skip_reason_not_both() -> None:
    with pytest.raises(ValueError, match="exactly one of parse"):
        Shape("nothing", lambda _data, _name: True)
    with pytest.raises(ValueError, match="exactly one of parse"):
        Shape("both", lambda _data, _name: True, parse=lambda d, p: None, skip_reason=lambda d, p: "")  # type: ignore[arg-type,return-value]


def test_detection_follows_registration_order_and_lists_only_reach_list_shapes() -> None:
    seed = {"model_name": "m", "hardware_type": "cpu", "test_type": "t"}
    direct = {"model": "m", "hardware": "cpu", "batch_results": {}}
    assert registry.detect_shape({**seed, **direct}).name == "seed_results"  # seeds come first
    assert registry.detect_shape(direct).name == "direct_benchmark"
    assert registry.detect_shape([seed, seed]).name == "seed_results"
    assert registry.detect_shape([direct]) is None
    assert registry.detect_shape("text") is None
    assert registry.detect_shape({"model_families": {}}, Path("benchmark_summary.json")).name == "benchmark_summary"
