"""``network=cortex``: cortex's root, branches and Gaussian leaves, and their training loss."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import distributions

from seqzoo_lambo.cortex_network import EMBED_DIM, CortexNet, build, gaussian_loss
from seqzoo_lambo.data import Dataset
from seqzoo_lambo.network import Lambo2Net
from seqzoo_lambo.presets import PRESETS
from seqzoo_lambo.training import Lambo2Task, Recipe, fit


def _net(**kwargs) -> CortexNet:
    torch.manual_seed(0)
    return CortexNet(num_states=6, length=8, **{"width": 16, "ensemble_size": 3, **kwargs})


def test_the_loss_is_cortexs_gaussian_likelihood_and_smoothed_kl():
    torch.manual_seed(0)
    eta_1, eta_2, target = torch.randn(5), -torch.rand(5) - 0.1, torch.randn(5)
    var = -0.5 / eta_2
    predicted = distributions.Normal(eta_1 * var, var.sqrt())
    torch.testing.assert_close(gaussian_loss(eta_1, eta_2, target), -predicted.log_prob(target))
    s = torch.full((5,), 0.3)
    # the label N(target, 0.01) moment-mixed with the prior N(0, 1), weights 0.7 and 0.3
    mean = 0.7 * target
    second = 0.3 * 1.0 + 0.7 * (0.01 + target ** 2)
    label = distributions.Normal(mean, (second - mean ** 2).sqrt())
    torch.testing.assert_close(gaussian_loss(eta_1, eta_2, target, s),
                               distributions.kl_divergence(label, predicted))


def test_the_root_rescales_embeddings_and_adds_fixed_sine_positions():
    net = _net()
    x = torch.randint(0, 6, (4, 8))
    emb = net.embed_tokens(x)
    torch.testing.assert_close(emb.norm(dim=-1), torch.full((4, 8), math.sqrt(EMBED_DIM)))
    soft = torch.nn.functional.one_hot(x, 6).float()  # a one-hot soft token is its token
    torch.testing.assert_close(net.embed_tokens(soft), emb)
    assert torch.allclose(net.mask_embedding().norm(), torch.tensor(math.sqrt(EMBED_DIM)))
    assert "position" not in dict(net.named_parameters())  # fixed, never trained
    assert torch.allclose(net.position[0, 1::2], torch.ones(EMBED_DIM // 2))  # cos(0)


def test_the_blocks_widen_then_narrow_and_each_member_has_its_own_branch():
    net = _net(layers=3)
    widths = [(b.conv_1.in_channels, b.conv_1.out_channels) for b in net.blocks]
    assert widths == [(EMBED_DIM, 16), (16, 16), (16, EMBED_DIM)]
    assert net.blocks[1].proj is None and net.blocks[0].proj is not None
    hidden = net.encode(torch.randint(0, 6, (4, 8)))
    assert hidden.shape == (4, 8, EMBED_DIM) and net.logits(hidden).shape == (4, 8, 6)
    values = net.values(hidden)
    assert values.shape == (4, 3) and len({id(h.branch) for h in net.value_heads}) == 3
    eta_1, eta_2 = net.value_heads[1].natural(hidden)
    torch.testing.assert_close(values[:, 1], eta_1 * (-0.5 / eta_2))  # the mean


def test_the_paper_preset_builds_cortexs_network_and_the_default_its_own():
    paper, default = PRESETS["paper"], PRESETS["default"]
    assert (paper.network, paper.width, paper.layers, paper.kernel) == ("cortex", 128, 2, 5)
    assert default.network == "project"
    assert isinstance(build("cortex", 6, 8, 16, 2, 3, 2), CortexNet)
    assert isinstance(build("project", 6, 8, 16, 2, 3, 2), Lambo2Net)


def _data(net: CortexNet) -> tuple[Dataset, tuple[torch.Tensor, ...]]:
    x = np.random.default_rng(0).integers(6, size=(96, 8))
    y = (x == 0).sum(1).astype(float)  # a learnable value: how many 0 tokens
    data = Dataset.build(x, y, net.ensemble_size, np.random.default_rng(1),
                         targets="standardize")
    return data, data.tensors().tensors


def test_corrupt_regression_on_a_fully_masked_input_fits_the_prior(monkeypatch):
    net = _net()
    _, batch = _data(net)
    task = Lambo2Task(net, Recipe(classifier=False, corrupt_regression=True))
    monkeypatch.setattr(task, "mask", lambda x: (torch.ones_like(x, dtype=torch.bool),
                                                 torch.full((len(x), 1), 1.0)))
    hidden = net.encode(torch.full_like(batch[0], net.mask_id))
    prior = torch.zeros(len(hidden))  # smoothing 1: the label is N(0, 1) whatever the target
    w = batch[3] * batch[2][:, None]
    per_member = torch.stack([gaussian_loss(*h.natural(hidden), prior, torch.ones(len(prior)))
                              for h in net.value_heads], -1)
    torch.testing.assert_close(task.regress_loss(*batch), (w * per_member).sum() / w.sum())


def test_per_head_training_learns_the_values():
    net = _net()
    data, (x, target, feasible, weights) = _data(net)

    def error() -> float:
        with torch.no_grad():
            return float(((net.values(net.encode(x)).mean(-1) - target) ** 2).mean())

    before = error()
    fit(net, data, Recipe(epochs=30, max_steps=0, batch_size=32, lr=5e-3, accelerator="cpu",
                          classifier=False, updates="per_head"), seed=0)
    assert error() < 0.5 * before


def _repeated() -> Dataset:
    """16 distinct sequences, each 4 times; the last 8 infeasible."""
    distinct = np.random.default_rng(2).integers(6, size=(16, 8))
    x = np.repeat(distinct, 4, axis=0)
    y = np.repeat(np.r_[np.linspace(0.0, 1.0, 8), np.full(8, -np.inf)], 4)
    return Dataset.build(x, y, 3, np.random.default_rng(1), targets="standardize")


def test_task_sets_are_cortexs_distinct_feasible_and_feasible_rows():
    data = _repeated()
    sets = data.task_sets()
    assert len(sets["denoise"]) == 8 and len(np.unique(sets["denoise"].tensors[0], axis=0)) == 8
    assert len(sets["regress"]) == 32 and bool(sets["regress"].tensors[2].min() == 1)
    assert len(sets["classify"]) == 64


def test_per_task_loaders_end_an_epoch_with_the_shortest(monkeypatch):
    data, net = _repeated(), _net()
    steps, lm_rows = [], []
    step, denoise = torch.optim.Adam.step, Lambo2Task.denoise_loss

    def counted(self, *args, **kwargs):
        steps.append(1)
        return step(self, *args, **kwargs)

    def spy(self, x, feasible):
        lm_rows.append(x)
        return denoise(self, x, feasible)

    monkeypatch.setattr(torch.optim.Adam, "step", counted)
    monkeypatch.setattr(Lambo2Task, "denoise_loss", spy)
    fit(net, data, Recipe(epochs=3, max_steps=0, batch_size=4, accelerator="cpu",
                          classifier=False, updates="per_head", loaders="per_task"), seed=0)
    # the denoiser's 8 distinct feasible sequences fill 2 batches of 4 (the regression's 32
    # rows would fill 8): 2 batches an epoch, each one step per head (the LM and 3 members)
    assert len(steps) == 2 * 3 * 4 and len(lm_rows) == 2 * 3
    seen = torch.cat(lm_rows[:2])
    assert len(np.unique(seen.numpy(), axis=0)) == 8  # each distinct sequence once an epoch
