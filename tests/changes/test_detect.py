"""The detector on small constructed series: what it must find and what it must leave alone."""

from __future__ import annotations

import numpy as np
import pytest

from accel_orm.changes import DetectorSettings, detect_changes


def _noise(n: int, seed: int = 7, sigma: float = 0.01) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sigma, n)


def _series(log_values: np.ndarray, level: float = 250.0) -> np.ndarray:
    return level * np.exp(log_values)


def test_a_clear_step_is_found_at_its_first_point_with_its_direction_and_size() -> None:
    y = _noise(80)
    y[50:] += np.log(0.85)  # 15 % slower from index 50 on
    (change,) = detect_changes(_series(y))
    assert change.index == 50
    assert change.relative_change == pytest.approx(-0.15, abs=0.02)
    assert change.after < change.before
    assert change.p_value < 1e-6


def test_a_step_up_is_reported_as_an_increase() -> None:
    y = _noise(60, seed=3)
    y[20:] += np.log(1.10)
    (change,) = detect_changes(_series(y))
    assert change.index == 20 and change.relative_change > 0.08


def test_two_steps_are_both_found_and_the_second_is_judged_against_the_new_level() -> None:
    y = _noise(120, seed=11)
    y[40:] += np.log(0.80)
    y[80:] += np.log(0.90)  # measured from the level after the first step, not from the original one
    changes = detect_changes(_series(y))
    assert [c.index for c in changes] == [40, 80]
    assert changes[1].relative_change == pytest.approx(-0.10, abs=0.02)


def test_a_single_outlier_is_not_a_change() -> None:
    y = _noise(80, seed=5)
    y[37] += np.log(0.5)  # one run at half speed
    assert detect_changes(_series(y)) == []


def test_a_short_excursion_of_three_points_is_not_a_change() -> None:
    y = _noise(80, seed=6)
    y[30:33] += np.log(1.4)
    assert detect_changes(_series(y)) == []


def test_a_slow_linear_drift_is_not_a_change() -> None:
    y = _noise(150, seed=8) + np.linspace(0.0, np.log(1.20), 150)  # 20 % over the whole history
    assert detect_changes(_series(y)) == []


def test_a_machine_flipping_between_two_states_is_not_a_change() -> None:
    rng = np.random.default_rng(9)
    state = np.zeros(120, dtype=bool)
    for i in range(1, 120):
        state[i] = state[i - 1] ^ (rng.random() > 0.75)  # stays about four runs, then flips
    y = _noise(120, seed=10, sigma=0.005) + np.where(state, np.log(0.9), 0.0)
    assert state.sum() > 20 and (~state).sum() > 20, "the constructed series must visit both states"
    assert detect_changes(_series(y)) == []


def test_heavy_tailed_noise_without_a_step_raises_nothing() -> None:
    y = np.random.default_rng(12).standard_t(3, 200) * 0.01
    assert detect_changes(_series(y)) == []


def test_a_step_below_the_minimum_relative_size_is_not_reported() -> None:
    y = _noise(100, seed=13, sigma=0.001)
    y[50:] += np.log(1.01)  # 1 %: significant in this quiet series, but below the 1.5 % minimum
    assert detect_changes(_series(y)) == []
    assert [c.index for c in detect_changes(_series(y), DetectorSettings(min_relative=0.005))] == [50]


def test_missing_values_are_skipped_and_indices_refer_to_the_input() -> None:
    y = _series(_noise(60, seed=14))
    y[30:] *= 0.8
    y[[5, 10, 29]] = np.nan
    (change,) = detect_changes(y)
    assert change.index == 30


def test_too_short_a_series_has_no_change() -> None:
    assert detect_changes(np.array([1.0, 1.0, 2.0, 2.0])) == []


def test_bad_settings_and_input_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="alpha"):
        DetectorSettings(alpha=2.0)
    with pytest.raises(ValueError, match="min_size"):
        DetectorSettings(min_size=1)
    with pytest.raises(ValueError, match="one-dimensional"):
        detect_changes(np.ones((3, 3)))
