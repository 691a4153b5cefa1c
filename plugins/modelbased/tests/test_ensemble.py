"""The oracle model's members, trained side by side, are the members trained one by one."""

import numpy as np
import torch
from seqzoo_modelbased.ensemble import Ensemble, _CNN
from torch import nn


def one_by_one(x, y, size, epochs, seed, num_states):
    """The members as cbas and pex trained them before they were stacked: each in turn, its
    own Adam, the same draws in the same order."""
    generator = torch.Generator().manual_seed(seed)
    shift, scale = float(y.mean()), float(y.std())
    tx, ty = torch.as_tensor(x), torch.as_tensor((y - shift) / scale, dtype=torch.float32)
    members = []
    with torch.random.fork_rng():
        torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
        for _ in range(size):
            model = _CNN(num_states, 32)
            optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
            for _ in range(epochs):
                order = torch.randperm(len(tx), generator=generator)
                for start in range(0, len(tx), 128):
                    rows = order[start: start + 128]
                    loss = nn.functional.mse_loss(model(tx[rows]), ty[rows])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            members.append(model)
    with torch.no_grad():
        return torch.stack([m(tx) for m in members]).double().numpy() * scale + shift


def test_stacked_members_are_the_members_trained_in_turn():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, (300, 12))
    y = (x == 2).sum(1) + 0.1 * rng.standard_normal(300)
    ensemble = Ensemble(6, size=3, epochs=4, seed=5)
    ensemble.fit(x, y)
    mean, std = ensemble.predict(x)
    expected = one_by_one(x, y, 3, 4, 5, 6)
    np.testing.assert_allclose(mean, expected.mean(0), atol=1e-4)
    np.testing.assert_allclose(std, expected.std(0), atol=1e-4)
    # and the members learnt something: a constant model would not follow the labels
    assert np.corrcoef(mean, y)[0, 1] > 0.8


def test_members_differ_and_predict_in_chunks():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 4, (200, 8)), rng.standard_normal(200)
    ensemble = Ensemble(4, size=2, epochs=2, seed=0)
    ensemble.fit(x, y)
    many = rng.integers(0, 4, (4100, 8))  # more than one predict chunk of 2,048
    mean, std = ensemble.predict(many)
    assert mean.shape == std.shape == (4100,)
    assert (std > 0).all()
    np.testing.assert_allclose(ensemble.predict(many[-5:])[0], mean[-5:], atol=1e-6)
