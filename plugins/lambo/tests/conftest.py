"""Shared fixtures: one small trained model on a toy landscape, reused by the model tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqzoo.builtin import Hamming
from seqzoo_lambo.data import Dataset
from seqzoo_lambo.network import Lambo2Net
from seqzoo_lambo.training import Recipe, fit


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def toy():
    """A Hamming landscape with banded feasibility, random data, and a model trained on 3/4."""
    oracle = Hamming(num_states=4, dim=12, max_step=1, random_seed=3)
    rng = np.random.default_rng(0)
    # mutants of the target at every distance, so values spread over the whole range
    x = np.repeat(oracle.target[None], 800, axis=0)
    flip = rng.random(x.shape) < rng.uniform(0.0, 0.9, size=(800, 1))
    x[flip] = rng.integers(0, 4, size=flip.sum())
    y = oracle(x)
    train, test = slice(0, 600), slice(600, None)
    torch.manual_seed(0)
    net = Lambo2Net(4, 12, width=32, layers=2, ensemble_size=4)
    data = Dataset.build(x[train], y[train], 4, rng)
    fit(net, data, Recipe(epochs=30, max_steps=2000, batch_size=64, lr=3e-3, accelerator="cpu"),
        seed=0)
    return oracle, net, data, x[test], y[test]
