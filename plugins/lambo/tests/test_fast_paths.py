"""The faster paths compute the same functions as the code they replaced, within float32
rounding: each is checked here against the old formulation, written out."""

import pytest
import torch
from torch.nn import functional as F

from seqzoo_lambo.infill import fill_masked
from seqzoo_lambo.network import Lambo2Net
from seqzoo_lambo.training import Lambo2Task, Recipe


def network(seed: int = 0) -> Lambo2Net:
    torch.manual_seed(seed)
    net = Lambo2Net(num_states=7, length=12, width=16, layers=2, kernel=5, ensemble_size=3)
    for p in net.parameters():  # away from the initialisation, so every term matters
        p.data.add_(0.1 * torch.randn_like(p))
    return net


def old_block(block, h):
    """The Conv1d formulation the channels-last one replaced."""
    return h + F.gelu(block.conv(block.norm(h).transpose(1, 2))).transpose(1, 2)


def old_values(net, hidden):
    """Each PoolHead on its own, pooled by amax."""
    out = []
    for head in net.value_heads:
        z = F.gelu(head.local(hidden))
        out.append(head.out(torch.cat([z.amax(dim=1), z.mean(dim=1)], dim=-1)))
    return torch.cat(out, dim=-1)


def test_conv_block_is_the_conv1d_block():
    net = network()
    h = torch.randn(9, 12, 16, requires_grad=True)
    ours = net.blocks[0](h)
    theirs = old_block(net.blocks[0], h)
    assert torch.allclose(ours, theirs, atol=1e-5)
    g_ours, = torch.autograd.grad(ours.square().sum(), h)
    g_theirs, = torch.autograd.grad(theirs.square().sum(), h)
    assert torch.allclose(g_ours, g_theirs, atol=1e-4)


def test_wide_value_heads_are_the_pool_heads():
    net = network()
    hidden = torch.randn(9, 12, 16, requires_grad=True)
    assert torch.allclose(net.values(hidden), old_values(net, hidden), atol=1e-5)
    g_ours, = torch.autograd.grad(net.values(hidden).sum(), hidden)
    g_theirs, = torch.autograd.grad(old_values(net, hidden).sum(), hidden)
    assert torch.allclose(g_ours, g_theirs, atol=1e-5)
    one = net.member_values(hidden, [1])
    assert torch.allclose(one, old_values(net, hidden)[:, 1:2], atol=1e-5)


def batch(feasible_fraction: float, n: int = 40):
    gen = torch.Generator().manual_seed(3)
    x = torch.randint(0, 7, (n, 12), generator=gen)
    feasible = (torch.rand(n, generator=gen) < feasible_fraction).float()
    target = torch.randn(n, generator=gen) * feasible
    weights = torch.poisson(torch.ones(n, 3), generator=gen)
    return x, target, feasible, weights


def old_losses(task, x, target, feasible, weights):
    """The denoising and regression losses over every row of the batch, as before."""
    net = task.net
    masked = task.mask(x)[0] & (feasible[:, None] > 0)
    logits = net.logits(net.encode(torch.where(masked, net.mask_id, x)))
    denoise = F.cross_entropy(logits[masked], x[masked])
    err = (old_values(net, net.encode(x)) - target[:, None]) ** 2
    w = weights * feasible[:, None]
    return denoise, (w * err).sum() / w.sum().clamp_min(1.0)


@pytest.mark.parametrize("fraction", [0.5, 1.0])
def test_losses_skip_infeasible_rows_and_equal_the_full_batch(fraction):
    task = Lambo2Task(network(), Recipe())
    x, target, feasible, weights = batch(fraction)
    torch.manual_seed(11)  # the masks are drawn from torch's global stream, as in training
    ours = task.losses(x, target, feasible, weights)
    torch.manual_seed(11)
    denoise, regress = old_losses(task, x, target, feasible, weights)
    assert torch.allclose(ours["denoise"], denoise, rtol=1e-5)
    assert torch.allclose(ours["regress"], regress, rtol=1e-5)


def test_a_batch_with_nothing_feasible_still_has_a_zero_loss_tied_to_the_weights():
    task = Lambo2Task(network(), Recipe())
    x, target, feasible, weights = batch(0.0)
    losses = task.losses(x, target, feasible, weights)
    assert losses["denoise"].item() == 0.0 and losses["regress"].item() == 0.0
    assert losses["denoise"].requires_grad and losses["regress"].requires_grad


def test_fill_masked_draws_only_masked_positions_from_their_rows():
    x = torch.zeros(500, 6, dtype=torch.long)
    mask = torch.zeros(500, 6, dtype=torch.bool)
    mask[:, 2] = True
    logp = torch.full((500, 6, 4), -1e9)
    logp[:, 2] = torch.log(torch.tensor([0.0, 0.25, 0.75, 0.0]))
    out = fill_masked(x, mask, logp, torch.Generator().manual_seed(0))
    assert (out[:, [0, 1, 3, 4, 5]] == 0).all()
    assert set(out[:, 2].tolist()) <= {1, 2}
    assert abs((out[:, 2] == 2).float().mean().item() - 0.75) < 0.06



def test_quick_preset_changes_sizes_only_and_runs(tmp_path):
    from dataclasses import asdict

    from seqzoo.engine import run
    from seqzoo_lambo.presets import PRESETS

    default, quick = asdict(PRESETS["default"]), asdict(PRESETS["quick"])
    changed = {k for k in default if default[k] != quick[k]}
    assert changed == {"width", "max_train_steps", "restarts"}
    assert quick["width"] < default["width"] and quick["max_train_steps"] < \
        default["max_train_steps"]
    result = run("hamming:num_states=6,dim=12,max_step=2,random_seed=1",
                 "lambo2:preset=quick,batch_size=16", 64, seed=0, out=tmp_path / "run",
                 threads=1, stop_on_optimum=False)
    assert result.evaluations == 64


#: Sums of the trained weights (float64: sum, sum of magnitudes, index-weighted mean) that
#: PyTorch Lightning's Trainer gave (the fit before this loop, at commit 84d9265); the plain
#: loop gave the same to the last digit on the machine that recorded them.
LIGHTNING_FITS = {
    "default": ("project", dict(epochs=2, max_steps=7, batch_size=16),
                (48.29293470954872, 385.4908623159572, 15.165242567327283)),
    "joint_cosine": ("project", dict(epochs=4, max_steps=0, batch_size=16, schedule="cosine",
                                     masking="cosine", corrupt_regression=True),
                     (47.597366796879214, 386.29665199479496, 14.968226231467975)),
    "paper": ("cortex", dict(epochs=3, max_steps=0, batch_size=16, lr=5e-3, schedule="cosine",
                             beta2=0.99, masking="cosine", corrupt_regression=True,
                             updates="per_head", loaders="per_task", classifier=False),
              (233.02800899992872, 1190.264761536513, 115.47029222754449)),
    "per_head_cap": ("project", dict(epochs=3, max_steps=9, batch_size=16, updates="per_head"),
                     (53.088219520039274, 382.0462065019383, 15.643441415868207)),
}


@pytest.mark.parametrize("case", sorted(LIGHTNING_FITS))
def test_the_plain_loop_trains_as_lightnings_trainer_did(case):
    import numpy as np

    from seqzoo_lambo.cortex_network import build
    from seqzoo_lambo.data import Dataset
    from seqzoo_lambo.training import fit

    network, options, expected = LIGHTNING_FITS[case]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, size=(60, 10))
    y = rng.normal(size=60)
    y[rng.random(60) < 0.3] = -np.inf
    data = Dataset.build(x, y, 3, np.random.default_rng(1))
    torch.manual_seed(0)
    net = build(network, 6, 10, 16, 2, 3, 3)
    fit(net, data, Recipe(accelerator="cpu", **options), seed=5)
    flat = torch.cat([p.detach().double().flatten() for p in net.state_dict().values()
                      if p.is_floating_point()])
    got = (float(flat.sum()), float(flat.abs().sum()),
           float((flat * torch.arange(len(flat), dtype=torch.float64)).sum() / len(flat)))
    # another CPU may round float32 sums differently; here they were equal
    assert got == pytest.approx(expected, rel=1e-4)


def test_cost_hints_for_the_grids_eta():
    from seqzoo.compare.eta import hint

    assert 0 < hint("lambo2:preset=quick") < hint("lambo2")
    assert hint("lambo2:preset=paper") is None  # not measured: the ETA measures it instead


@pytest.mark.parametrize("n, size", [(5, 4), (16, 4), (17, 16), (60, 16), (64, 16)])
def test_shuffled_batches_are_the_dataloaders(n, size):
    from seqzoo_lambo.training import _Shuffled
    from torch.utils.data import DataLoader, TensorDataset

    tensors = (torch.arange(n), torch.arange(n) * 2.0)
    loader = DataLoader(TensorDataset(*tensors), batch_size=size, shuffle=True,
                        generator=torch.Generator().manual_seed(3))
    ours = _Shuffled(tensors, size, 3)
    for epoch in range(4):  # the second epoch stops after one batch, as a step cap does
        got, expected = [], []
        for batches, out in ((loader, expected), (ours, got)):
            for i, batch in enumerate(batches):
                out.append([t.tolist() for t in batch])
                if epoch == 1 and i == 0:
                    break
        assert got == expected
