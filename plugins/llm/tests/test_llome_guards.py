"""The collapse guard's temperature shifts and the checkpoint guard's verdicts."""

import pytest

from seqzoo_llm.llome.guards import checkpoint_guard, collapse_temperatures

PAPER = [0.6, 0.8, 1.0, 1.2, 1.4, 1.6]


@pytest.mark.parametrize("distance, start", [
    (None, 0.6), (0.5, 0.6), (0.15, 0.6), (0.149, 0.8), (0.1, 0.8), (0.09, 1.0),
    (0.075, 1.0), (0.074, 1.2), (0.0, 1.2),
])
def test_collapse_shifts_keep_spacing(distance, start):
    temps = collapse_temperatures(PAPER, distance)
    assert temps[0] == pytest.approx(start)
    assert [b - a for a, b in zip(temps, temps[1:])] == pytest.approx([0.2] * 5)


def test_collapse_never_lowers_temperatures():
    assert collapse_temperatures([1.5, 2.0], 0.0) == [1.5, 2.0]


def test_collapse_needs_one_start_per_threshold():
    with pytest.raises(ValueError, match="one start temperature per threshold"):
        collapse_temperatures(PAPER, 0.0, thresholds=[0.1], starts=[0.8, 1.0])


def test_checkpoint_guard_passes_a_good_model():
    verdict = checkpoint_guard(0.95, 0.05, 0.92)
    assert verdict.passed and verdict.reasons == ()


@pytest.mark.parametrize("valid, repeated, feasible, word", [
    (0.85, 0.0, None, "valid"),
    (1.0, 0.2, None, "repeat"),
    (1.0, 0.0, 0.5, "feasible"),
])
def test_checkpoint_guard_names_each_failure(valid, repeated, feasible, word):
    verdict = checkpoint_guard(valid, repeated, feasible)
    assert not verdict.passed
    assert len(verdict.reasons) == 1 and word in verdict.reasons[0]


def test_checkpoint_guard_thresholds_are_options():
    assert checkpoint_guard(0.5, 0.3, 0.5, min_valid=0.5, max_repeated=0.3).passed
    assert not checkpoint_guard(0.5, 0.3, 0.5, min_valid=0.51, max_repeated=0.3).passed
