"""Bad options are one-line ValueErrors; each method improves on its warm start."""

import numpy as np
import pytest
from seqzoo import Problem, default_alphabet
from seqzoo_modelbased.cbas import CbAS, DbAS
from seqzoo_modelbased.pex import PEX, pareto_order

LENGTH, STATES = 10, 4


def additive(x):
    """Count of sites at state 3, the sequence with all 3s is the optimum."""
    return (np.asarray(x) == 3).sum(axis=1).astype(float)


def problem(warm=None):
    return Problem(default_alphabet(STATES), LENGTH, np.zeros((1, LENGTH), np.int64), seed=5,
                   warm_start=warm)


@pytest.mark.parametrize("factory, options", [
    (CbAS, {"quantile": 1.0}), (DbAS, {"samples": 0}), (CbAS, {"cycles": -1}),
    (PEX, {"mutations": 0}), (PEX, {"candidates": 0}), (PEX, {"batch_size": 0}),
])
def test_bad_options_are_value_errors(factory, options):
    with pytest.raises(ValueError) as err:
        factory(problem(), **options)
    assert "\n" not in str(err.value)


def test_pareto_order_puts_near_good_candidates_first():
    score = np.array([1.0, 5.0, 3.0, 4.0, 0.5])
    distance = np.array([1, 3, 1, 2, 0])
    # first front: d0 0.5, d1 3.0, d2 4.0, d3 5.0 (best score first); then d1's 1.0
    assert pareto_order(score, distance).tolist() == [1, 3, 2, 4, 0]


def _pareto_order_by_hand(score, distance):
    """Front by front, one candidate at a time: the definition pareto_order vectorises."""
    left, order = list(range(len(score))), []
    while left:
        by = sorted(left, key=lambda i: (distance[i], -score[i]))
        front, best = [], -np.inf
        for i in by:
            if score[i] > best:
                front.append(i)
                best = score[i]
        order.extend(sorted(front, key=lambda i: -score[i]))
        left = [i for i in left if i not in front]
    return order


@pytest.mark.parametrize("seed", range(5))
def test_pareto_order_is_the_candidate_by_candidate_definition(seed):
    rng = np.random.default_rng(seed)
    score = rng.integers(0, 6, 60).astype(float)  # many ties, within and across distances
    distance = rng.integers(0, 5, 60)
    assert pareto_order(score, distance).tolist() == _pareto_order_by_hand(score, distance)


@pytest.mark.parametrize("limit", [1, 7, 30, 59, 60, 100])
def test_pareto_order_with_a_limit_is_a_prefix_of_the_whole_order(limit):
    rng = np.random.default_rng(limit)
    score, distance = rng.integers(0, 6, 60).astype(float), rng.integers(0, 5, 60)
    whole = pareto_order(score, distance).tolist()
    head = pareto_order(score, distance, limit=limit).tolist()
    assert min(limit, 60) <= len(head) <= 60
    assert head == whole[: len(head)]


def test_pareto_order_ends_with_nan_scores_instead_of_looping():
    score = np.array([np.nan, 2.0, np.nan, 1.0])
    distance = np.array([0, 1, 2, 0])
    assert pareto_order(score, distance).tolist() == [1, 3, 0, 2]


def test_pex_frontier_is_best_value_per_distance_that_beats_nearer_ones():
    pex = PEX(problem())
    x = np.array([[0] * 10, [3] + [0] * 9, [1] + [0] * 9, [3, 3] + [0] * 8, [1, 1] + [0] * 8])
    y = np.array([0.0, 1.0, -np.inf, 2.0, 0.5])
    assert pex.frontier(x, y).tolist() == [x[0].tolist(), x[1].tolist(), x[3].tolist()]


@pytest.mark.parametrize("factory, options", [
    (CbAS, {"batch_size": 20, "samples": 200, "cycles": 2, "vae_epochs": 5}),
    (DbAS, {"batch_size": 20, "samples": 200, "cycles": 2, "vae_epochs": 5}),
    (PEX, {"batch_size": 20, "candidates": 300}),
])
def test_improves_on_the_warm_start(factory, options):
    rng = np.random.default_rng(0)
    warm_x = rng.integers(0, 3, (60, LENGTH))  # no 3s yet except by mutation: values 0
    warm_x[:10, :2] = 3  # a few rows show that state 3 pays
    warm_y = additive(warm_x)
    proposer = factory(problem((warm_x, warm_y)), ensemble_size=2, model_epochs=20,
                       **options)
    proposer.tell(warm_x, warm_y)
    best = warm_y.max()
    for _ in range(4):
        x = proposer.ask(20)
        y = additive(x)
        proposer.tell(x, y)
        best = max(best, y.max())
    assert best > warm_y.max()
