"""The compatibility matrix: verdicts first, then test outcomes, NULL when never tested."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from accel_orm.frames import compatibility_frame
from accel_orm.queries import compatibility_matrix, compatibility_status, hardware_column_labels, hardware_types_stmt

from .conftest import frame, records, rows
from .dataset import HOSTILE

EXPECTED = {
    # model: (cpu, cuda, qualcomm, webgpu)
    "bert-base": ("supported", "supported", "limited", "supported"),
    "edge-model": (None, None, None, None),
    "t5-small": ("supported", "unsupported", None, None),
    "vit-base": (None, None, None, "limited"),
    "whisper-tiny": (None, None, None, None),
    HOSTILE: (None, None, None, None),
}


def test_hardware_types_are_those_with_evidence(loaded: Engine) -> None:
    # openvino has a platform row but no verdict and no test result.
    assert frame(hardware_types_stmt(), loaded)["hardware_type"].tolist() == ["cpu", "cuda", "qualcomm", "webgpu"]


def test_matrix_two_steps(loaded: Engine) -> None:
    types = frame(hardware_types_stmt(), loaded)["hardware_type"].tolist()
    result = rows(compatibility_matrix(hardware_types=types), loaded)
    assert [r["model_name"] for r in result] == list(EXPECTED)
    for row in result:
        assert (row["cpu"], row["cuda"], row["qualcomm"], row["webgpu"]) == EXPECTED[row["model_name"]]
    assert list(result[0]) == ["model_name", "model_family", "cpu", "cuda", "qualcomm", "webgpu"]


def test_compatibility_frame_does_both_steps(loaded: Engine) -> None:
    result = compatibility_frame(loaded, family="text_generation")
    assert records(result) == [
        {
            "model_name": "t5-small",
            "model_family": "text_generation",
            "cpu": "supported",
            "cuda": "unsupported",
            "qualcomm": None,
            "webgpu": None,
        }
    ]


def test_matrix_family_filter_and_column_choice(loaded: Engine) -> None:
    result = rows(compatibility_matrix(family="vision", hardware_types=["WebGPU", "openvino"]), loaded)
    assert result == [{"model_name": "vit-base", "model_family": "vision", "webgpu": "limited", "openvino": None}]


def test_matrix_without_hardware_types_explains_the_two_steps() -> None:
    with pytest.raises(ValueError, match="hardware_types_stmt"):
        compatibility_matrix()


def test_matrix_with_no_hardware_types_lists_models(loaded: Engine) -> None:
    assert frame(compatibility_matrix(hardware_types=[]), loaded).columns.tolist() == ["model_name", "model_family"]


def test_long_form(loaded: Engine) -> None:
    assert [(r["model_name"], r["hardware_type"], r["status"]) for r in rows(compatibility_status(), loaded)] == [
        ("bert-base", "cpu", "supported"),
        ("bert-base", "cuda", "supported"),
        ("bert-base", "qualcomm", "limited"),
        ("bert-base", "webgpu", "supported"),
        ("t5-small", "cpu", "supported"),
        ("t5-small", "cuda", "unsupported"),
        ("vit-base", "webgpu", "limited"),
    ]


def test_hardware_labels_are_sanitised_and_unique() -> None:
    labels = hardware_column_labels(["CUDA", "cuda", "web gpu", "8gen3", "model_name", "Web-GPU", "", "--"])
    assert labels == {
        "cuda": "cuda",
        "web gpu": "web_gpu",
        "8gen3": "hw_8gen3",
        "model_name": "model_name_2",
        "web-gpu": "web_gpu_2",
        "": "hardware",
        "--": "hardware_2",
    }


def test_hostile_hardware_type_is_a_bound_value_not_sql(loaded: Engine) -> None:
    evil = "cpu' THEN 1 END) AS x FROM models; DROP TABLE models; --"
    stmt = compatibility_matrix(hardware_types=[evil])
    assert evil not in str(stmt.compile(loaded))
    result = frame(stmt, loaded)
    assert result.columns.tolist()[2].startswith("cpu_then_1_end_as_x")
    assert result.iloc[:, 2].isna().all()
    assert len(frame(hardware_types_stmt(), loaded)) == 4  # models still there
