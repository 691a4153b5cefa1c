"""Evaluation behaviour: input kinds, blocks, noise, negation, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import torch

from seqzoo_ehrlich import Ehrlich, RoughMtFuji


@pytest.fixture(scope="module")
def f() -> Ehrlich:
    return Ehrlich(32, 32, 4, 4, quantization=4, random_seed=0)


@pytest.fixture(scope="module")
def batch(f) -> np.ndarray:
    """DMP samples, their mutants and the optimum: feasible, infeasible and 1.0 rows."""
    dmp = f.initial_solution(200).numpy()
    mutants = dmp.copy()
    rng = np.random.default_rng(0)
    mutants[np.arange(200), rng.integers(0, 32, 200)] = rng.integers(0, 32, 200)
    return np.concatenate([dmp, mutants, f.optimal_solution().numpy()[None]])


def test_returns_the_kind_it_was_given(f, batch):
    y = f(batch)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32 and y.shape == (len(batch),)
    yt = f(torch.from_numpy(batch))
    assert isinstance(yt, torch.Tensor) and yt.dtype == torch.float32
    np.testing.assert_array_equal(yt.numpy(), y)
    for kind in (np.uint8, np.int16, np.float32, np.float64):
        np.testing.assert_array_equal(f(batch.astype(kind)), y)
    assert np.isneginf(y).any() and (y[np.isfinite(y)] >= 0).all() and y[-1] == 1.0


def test_feasible_agrees_with_values(f, batch):
    np.testing.assert_array_equal(f.feasible(batch), np.isfinite(f(batch)))


def test_values_do_not_depend_on_block_size(f, batch, monkeypatch):
    whole = f(batch)
    for block_bytes in (1, 32 * 7, 32 * 64):
        monkeypatch.setattr("seqzoo_ehrlich.ehrlich.BLOCK_BYTES", block_bytes)
        np.testing.assert_array_equal(f(batch), whole)


def test_empty_batch(f):
    assert f(np.zeros((0, 32), dtype=np.int64)).shape == (0,)


def test_negate_flips_signs_and_infeasible_becomes_plus_inf(batch):
    plain = Ehrlich(32, 32, 4, 4, random_seed=0)
    negated = Ehrlich(32, 32, 4, 4, random_seed=0, negate=True)
    np.testing.assert_array_equal(negated(batch), -plain(batch))
    assert negated.optimal_value == -1.0 and plain.optimal_value == 1.0


def test_noise_is_seeded_by_torch_and_absent_without_noise(batch):
    noisy = Ehrlich(32, 32, 4, 4, random_seed=0, noise_std=0.5)
    torch.manual_seed(1)
    first = noisy(batch)
    torch.manual_seed(1)
    np.testing.assert_array_equal(noisy(batch), first)
    clean = noisy.evaluate_true(batch)
    feasible = np.isfinite(clean)
    assert not np.array_equal(first[feasible], clean[feasible])
    np.testing.assert_array_equal(np.isfinite(first), feasible)
    state = torch.get_rng_state()
    Ehrlich(32, 32, 4, 4, random_seed=0)(batch)
    assert torch.equal(torch.get_rng_state(), state)


def test_memory_stays_bounded_for_large_batches():
    f = Ehrlich(32, 256, 8, 8, random_seed=0)
    x = np.repeat(f.initial_solution(64).numpy().astype(np.uint8), 1600, axis=0)  # 26 MB
    tracemalloc.start()
    try:
        y = f(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(y) == 102_400 and np.isfinite(y).all()
    # output (0.4 MB) + one block's working set (about 3 MB), whatever the batch size
    assert peak < 5_000_000, peak


def test_rough_mt_fuji_optimum_beats_every_single_flip():
    f = RoughMtFuji(dim=24, random_seed=3)
    best = f.optimal_solution()
    flips = best.repeat(24, 1)
    flips[torch.arange(24), torch.arange(24)] ^= 1
    assert (f(flips) <= f(best)).all()
    assert f.initial_solutions().shape == (1, 24)
    np.testing.assert_array_equal(f.initial_solutions(), RoughMtFuji(24, random_seed=3)
                                  .initial_solutions())
