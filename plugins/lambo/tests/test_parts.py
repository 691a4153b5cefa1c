"""The small pieces: target transform, log-EI, farthest-first traversal, top sequences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seqzoo_lambo.acquisition import log_ei, log_h
from seqzoo_lambo.data import Dataset, normal_scores
from seqzoo_lambo.selection import farthest_first, top_unique


def test_normal_scores_keep_order_and_ties():
    z = normal_scores(np.array([0.0, 0.0, 1.0, 0.5, 0.5, 2.0]))
    assert z[0] == z[1] and z[3] == z[4]
    assert z[0] < z[3] < z[2] < z[5]


def test_standardized_targets_keep_the_values_spacing_and_zero_the_infeasible():
    y = np.array([0.0, -np.inf, 1.0, 3.0])
    data = Dataset.build(np.zeros((4, 2), dtype=np.int64), y, 2, np.random.default_rng(0),
                         targets="standardize")
    feasible = np.array([0.0, 1.0, 3.0])
    expected = (feasible - feasible.mean()) / feasible.std()
    np.testing.assert_allclose(data.target.numpy()[[0, 2, 3]], expected, rtol=1e-6)
    assert data.target[1] == 0 and data.feasible.tolist() == [1, 0, 1, 1]
    assert data.best == pytest.approx(expected.max())


@pytest.mark.parametrize("z", [-40.0, -12.0, -3.0, -1.0, 0.0, 1.5, 8.0])
def test_log_h_matches_the_closed_form_and_has_finite_gradients(z):
    t = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    value = log_h(t)
    value.sum().backward()
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    exact = phi + z * 0.5 * math.erfc(-z / math.sqrt(2))
    if exact > 1e-300:
        assert value.item() == pytest.approx(math.log(exact), rel=1e-6, abs=1e-9)
    assert torch.isfinite(value).all() and torch.isfinite(t.grad).all() and t.grad.item() > 0


def test_log_ei_prefers_higher_means_and_more_spread_below_the_incumbent():
    low, high = torch.tensor([[0.0, 0.2]]), torch.tensor([[0.5, 0.7]])
    assert log_ei(high, 1.0) > log_ei(low, 1.0)
    narrow, wide = torch.tensor([[0.0, 0.0]]), torch.tensor([[-0.5, 0.5]])
    assert log_ei(wide, 1.0) > log_ei(narrow, 1.0)


def test_farthest_first_starts_at_the_best_and_spreads_out():
    x = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1], [0, 0, 1, 1]])
    assert farthest_first(x, 3).tolist() == [0, 2, 3]
    assert len(farthest_first(x, 10)) == 4


def test_top_unique_drops_infeasible_and_duplicates():
    x = np.array([[1, 1], [2, 2], [1, 1], [3, 3]])
    y = np.array([0.5, -np.inf, 0.5, 0.9])
    assert top_unique(x, y, 5).tolist() == [[3, 3], [1, 1]]
