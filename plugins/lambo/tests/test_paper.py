"""``lambo2:preset=paper``: cortex's acquisition, schedule, step and round, piece by piece."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seqzoo import Problem
from seqzoo.builtin import Hamming
from seqzoo_lambo import cortex_loop
from seqzoo_lambo.acquisition import QLogNEI
from seqzoo_lambo.infill import Scorer
from seqzoo_lambo.network import Lambo2Net
from seqzoo_lambo.presets import PRESETS, Settings, resolve
from seqzoo_lambo.proposer import Lambo2
from seqzoo_lambo.data import Dataset
from seqzoo_lambo.training import COSINE_MASK_RATES, Lambo2Task, Recipe, cosine


def test_qlognei_is_the_mean_over_members_of_log_improvement():
    baseline = torch.tensor([[0.0, 1.0], [0.5, -1.0]])  # incumbents: 0.5 and 1.0
    values = torch.tensor([[1.5, 3.0], [0.6, 1.2]])
    expected = torch.tensor([(math.log(1.0) + math.log(2.0)) / 2,
                             (math.log(0.1) + math.log(0.2)) / 2])
    torch.testing.assert_close(QLogNEI(baseline)(values), expected, atol=1e-4, rtol=1e-4)


def test_qlognei_ranks_and_differentiates_below_the_incumbent():
    acq = QLogNEI(torch.tensor([[2.0, 2.0]]))
    values = torch.tensor([[-1.0, -1.0], [0.0, 0.0]], requires_grad=True)
    out = acq(values)
    out.sum().backward()
    assert out[1] > out[0]  # closer to the incumbent ranks higher
    assert torch.all(values.grad > 0)


def test_cosine_schedule_warms_up_then_decays_to_zero():
    factors = [cosine(e, epochs=16) for e in range(17)]
    assert factors[:3] == [0.0, 0.5, 1.0]
    assert all(a >= b for a, b in zip(factors[2:], factors[3:]))
    assert factors[16] == pytest.approx(0.0, abs=1e-12)


def test_cortex_mask_rates_span_the_unit_interval_mean_two_over_pi():
    rates = COSINE_MASK_RATES
    assert len(rates) == 1000
    assert rates[0] > 0.999 and rates[-1] < 1e-3  # step 1 masks nearly all, the last nearly none
    assert torch.all(rates[:-1] >= rates[1:])
    # sqrt(alpha-bar) of the cosine schedule is about cos(pi t / 2): its mean is about 2 / pi
    assert float(rates.mean()) == pytest.approx(2 / math.pi, abs=0.01)


def _task(**kwargs) -> tuple[Lambo2Task, tuple[torch.Tensor, ...]]:
    torch.manual_seed(0)
    net = Lambo2Net(num_states=6, length=8, width=16, layers=1, kernel=3, ensemble_size=2)
    x = np.random.default_rng(0).integers(6, size=(64, 8))
    y = np.linspace(0.0, 1.0, 64)
    data = Dataset.build(x, y, 2, np.random.default_rng(1))
    return Lambo2Task(net, Recipe(classifier=False, **kwargs)), data.tensors().tensors


def test_cosine_masking_draws_one_fraction_per_batch():
    task, (x, *_) = _task(masking="cosine")
    fractions = []
    for seed in range(20):
        torch.manual_seed(seed)
        masked, rate = task.mask(x)
        assert torch.all(rate == rate[0])  # one draw for the whole batch, as cortex's process
        fractions.append(float(masked.float().mean()))
    assert max(fractions) > 0.6 and min(fractions) < 0.3  # far wider than uniform's 5-30%


def test_corrupt_regression_fits_masked_inputs_to_shrunk_targets(monkeypatch):
    task, batch = _task(corrupt_regression=True)
    target = batch[1]
    seen = []
    encode = task.net.encode

    def spy(x):
        seen.append(x)
        return encode(x)

    monkeypatch.setattr(task.net, "encode", spy)
    monkeypatch.setattr(task, "mask", lambda x: (torch.ones_like(x, dtype=torch.bool),
                                                 torch.full((len(x), 1), 1.0)))
    losses = task.losses(*batch)
    # regression read the fully masked input; its target shrank to the prior mean 0
    assert torch.all(seen[1] == task.net.mask_id)
    values = task.net.values(encode(seen[1]))
    w = batch[3] * batch[2][:, None]
    expected = (w * values ** 2).sum() / w.sum()
    torch.testing.assert_close(losses["regress"], expected)
    assert target.abs().sum() > 0  # the clean targets were not zero


def test_per_head_updates_step_once_per_head_and_follow_the_schedule(monkeypatch):
    from seqzoo_lambo import training

    torch.manual_seed(0)
    net = Lambo2Net(num_states=6, length=8, width=16, layers=1, kernel=3, ensemble_size=3)
    x = np.random.default_rng(0).integers(6, size=(64, 8))
    data = Dataset.build(x, np.linspace(0.0, 1.0, 64), 3, np.random.default_rng(1))
    steps, rates = [], []
    step = torch.optim.Adam.step

    def counted(self, *args, **kwargs):
        steps.append(1)
        rates.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", counted)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    training.fit(net, data, Recipe(epochs=3, max_steps=0, batch_size=32, lr=1e-2,
                                   accelerator="cpu", classifier=False, schedule="cosine",
                                   updates="per_head"), seed=0)
    # 2 batches an epoch, 3 epochs; each batch one step per head: the LM and 3 members
    assert len(steps) == 2 * 3 * 4
    assert rates[:8] == [0.0] * 8 and rates[8] == pytest.approx(5e-3)  # warm-up, per epoch
    assert any(not torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_paper_preset_trains_as_cortex_does():
    paper = PRESETS["paper"]
    assert (paper.masking, paper.corrupt_regression, paper.train_updates, paper.adam_beta2,
            paper.targets) == \
        ("cosine", True, "per_head", 0.99, "standardize")
    default = PRESETS["default"]
    assert (default.masking, default.corrupt_regression, default.train_updates) == \
        ("uniform", False, "joint")


def _scorer(classifier: bool = False) -> tuple[Scorer, torch.Tensor]:
    torch.manual_seed(0)
    net = Lambo2Net(num_states=6, length=8, width=16, layers=1, kernel=3,
                    ensemble_size=3).eval().requires_grad_(False)
    x = torch.randint(6, (10, 8), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        nei = QLogNEI(net.values(net.encode(x)))
    return Scorer(net, 0.0, classifier, nei), x


OPTIONS = cortex_loop.StepOptions(num_mutations=3, updates=2, step_size=0.05, kl_weight=0.0,
                                  guidance="trunk", forced=False, saliency_temperature=1.0,
                                  saliency_norm="l1")


def test_a_first_step_moves_every_row_to_a_scored_sample():
    score, x = _scorer()
    mask = torch.zeros_like(x, dtype=torch.bool)
    mask[:, :3] = True
    out, value = cortex_loop.step(score, x, torch.full((10,), -math.inf), mask, OPTIONS,
                                  torch.Generator().manual_seed(2))
    assert torch.isfinite(value).all()
    assert torch.equal(out[:, 3:], x[:, 3:])  # only masked positions change
    torch.testing.assert_close(score(out), value)


class FlatScorer(Scorer):
    """Every sequence scores 0: every sample ties with its row."""

    def from_hidden(self, hidden, tokens):
        return hidden.sum(dim=(1, 2)) * 0.0

    def __call__(self, tokens):
        return torch.zeros(len(tokens))


def test_ties_move_rows_only_with_accept_ties():
    score, x = _scorer()
    flat = FlatScorer(score.net, 0.0, False, None)
    mask = torch.ones_like(x, dtype=torch.bool)
    for ties in (True, False):
        options = cortex_loop.StepOptions(**{**OPTIONS.__dict__, "accept_ties": ties})
        out, _ = cortex_loop.step(flat, x, torch.zeros(10), mask, options,
                                  torch.Generator().manual_seed(3))
        assert (out != x).any() == ties


def test_no_row_gets_worse_within_a_round():
    score, x = _scorer()
    current = score(x)
    gen = torch.Generator().manual_seed(4)
    for t in range(4):
        mask = torch.rand(x.shape, generator=gen) < cortex_loop.corrupt_fraction(t)
        x, new = cortex_loop.step(score, x, current, mask, OPTIONS, gen)
        assert torch.all(new >= current)
        current = new


def test_pseudo_log_likelihood_is_the_mean_masked_log_probability():
    score, x = _scorer()
    net = score.net
    row = x[:1]
    expected = 0.0
    for i in range(8):
        masked = row.clone()
        masked[0, i] = net.mask_id
        logp = torch.log_softmax(net.logits(net.encode(masked))[0, i], -1)
        expected += float(logp[row[0, i]]) / 8
    assert float(cortex_loop.pseudo_log_likelihood(score, row)[0]) == pytest.approx(expected,
                                                                                    abs=1e-5)


def test_paper_preset_is_cortex_without_the_additions():
    paper = PRESETS["paper"]
    assert (paper.loop, paper.acquisition, paper.guidance) == ("cortex", "qlognei", "trunk")
    assert not paper.feasibility_classifier and not paper.forced_edits
    assert (paper.guided_steps, paper.batch_size, paper.max_guidance_updates) == (64, 2000, 2)
    assert resolve("paper", {"batch_size": 50}).batch_size == 50
    with pytest.raises(ValueError, match="loop must be one of"):
        resolve("paper", {"loop": "mine"})
    with pytest.raises(ValueError, match="unknown lambo2 preset"):
        resolve("fast", {})


def test_zoo_shows_the_presets_and_both_defaults():
    from seqzoo.spec import parameters
    from seqzoo_lambo.factories import lambo2 as factory

    assert set(factory.presets) == {"default", "paper", "quick"}

    shown = {p.name: repr(p.default) for p in parameters(factory, skip_first=True)}
    assert shown["batch_size"] == "200 (paper: 2000)"
    assert shown["feasibility_classifier"] == "True (paper: False)"
    assert shown["width"] == "32 (paper: 128, quick: 16)"


def test_cortex_starts_are_farthest_first_from_the_best_two_n():
    oracle = Hamming(num_states=4, dim=6, max_step=3, random_seed=0)
    problem = Problem(oracle.alphabet, 6, oracle.initial_solutions(), seed=0)
    proposer = Lambo2(problem, Settings(), loop="cortex", width=8, layers=1)
    x = np.array([[0] * 6, [0] * 6, [1] * 6, [0, 0, 0, 0, 0, 1], [2] * 6])
    proposer.tell(x, np.array([5.0, 5.0, 1.0, 4.0, -np.inf]))
    starts = proposer.cortex_starts(2)  # pool: the 4 best rows, repeats kept
    assert starts.tolist() == [[0] * 6, [1] * 6]


def test_a_paper_round_proposes_its_batch_and_is_seeded():
    oracle = Hamming(num_states=5, dim=8, max_step=2, random_seed=1)

    def run_once() -> np.ndarray:
        problem = Problem(oracle.alphabet, 8, oracle.initial_solutions(), seed=5)
        proposer = Lambo2(problem, PRESETS["paper"], batch_size=16, guided_steps=3, width=16,
                          epochs=2, ensemble_size=2, num_mutations_per_step=3)
        x0 = np.asarray(oracle.initial_solutions())
        proposer.tell(x0, oracle(x0))
        return proposer.ask(16)

    first = run_once()
    assert first.shape == (16, 8) and first.min() >= 0 and first.max() < 5
    np.testing.assert_array_equal(first, run_once())


def test_exclude_initial_solution_makes_the_first_sample_replace_every_row():
    score, x = _scorer()
    flat = FlatScorer(score.net, 0.0, False, None)
    options = cortex_loop.StepOptions(**{**OPTIONS.__dict__, "accept_ties": False,
                                         "num_mutations": 8})
    for exclude in (True, False):
        out = cortex_loop.run(flat, x, steps=1, options=options, exclude_initial=exclude,
                              generator=torch.Generator().manual_seed(6))
        assert (out != x).any() == exclude


@pytest.mark.parametrize("retrain_from", ["previous", "first"])
def test_each_round_trains_from_the_weights_retrain_from_names(monkeypatch, retrain_from):
    import seqzoo_lambo.proposer as module

    starts = []

    def fake_fit(net, data, *args, **kwargs):
        starts.append(float(net.lm_head.bias[0]))
        with torch.no_grad():
            net.lm_head.bias += 1.0

    monkeypatch.setattr(module, "fit", fake_fit)
    oracle = Hamming(num_states=4, dim=6, max_step=3, random_seed=0)
    problem = Problem(oracle.alphabet, 6, oracle.initial_solutions(), seed=0)
    proposer = Lambo2(problem, retrain_from=retrain_from, width=8, layers=1)
    proposer.tell(np.zeros((1, 6), dtype=np.int64), np.array([1.0]))
    for _ in range(3):
        proposer.train()
    first = starts[0]
    # "first": poli-baselines' pretraining on the first data, then every round from it
    expected = [first, first + 1, first + 2] if retrain_from == "previous" else \
        [first, first + 1, first + 1, first + 1]
    assert starts == pytest.approx(expected)
