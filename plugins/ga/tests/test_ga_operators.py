"""The shared operators on hand-made arrays: survival rule, crossover and mutation rates."""

import numpy as np
import pytest
from seqzoo_ga.operators import mutate, quantile_survivors, ranked_survivors, uniform_crossover


def test_quantile_survival_keeps_the_best_tenth_and_all_ties():
    scores = np.arange(20, dtype=float)  # losses -19..0; the 0.1 quantile lies between -18 and -17
    assert np.flatnonzero(quantile_survivors(scores, 0.1)).tolist() == [18, 19]
    tied = np.array([3.0] * 5 + [1.0] * 15)  # the threshold lands inside the tie: all five live
    assert quantile_survivors(tied, 0.1).sum() == 5
    assert quantile_survivors(np.full(30, 2.0), 0.1).all()


def test_infeasible_never_survive_while_a_feasible_one_exists():
    scores = np.full(100, -np.inf)
    scores[[4, 70]] = [0.5, 0.1]  # too few feasible for the quantile to land on them
    assert np.flatnonzero(quantile_survivors(scores, 0.1)).tolist() == [4, 70]
    scores[:50] = 0.2  # now it does: the best fifty tie and live, 70 and the infeasible die
    assert np.flatnonzero(quantile_survivors(scores, 0.1)).tolist() == list(range(50))


def test_all_infeasible_all_survive():
    assert quantile_survivors(np.full(10, -np.inf), 0.1).all()


def test_ranked_survivors_take_the_best_and_break_ties_at_random():
    rng = np.random.default_rng(0)
    scores = np.array([1.0, 5.0, 5.0, 5.0, -np.inf, 2.0])
    picks = [tuple(sorted(ranked_survivors(scores, 2, rng))) for _ in range(200)]
    assert set(picks) == {(1, 2), (1, 3), (2, 3)}
    assert sorted(ranked_survivors(np.array([-np.inf, 0.3, -np.inf]), 2, rng)) == [1]


@pytest.mark.parametrize("prob", [0.05, 0.3])
def test_uniform_crossover_takes_the_first_parent_at_the_given_rate(prob):
    rng = np.random.default_rng(1)
    shape = (400, 50)
    child = uniform_crossover(np.ones(shape, int), np.zeros(shape, int), prob, rng)
    n = child.size
    assert abs(child.mean() - prob) < 4 * np.sqrt(prob * (1 - prob) / n)


@pytest.mark.parametrize("prob", [0.02, 0.2])
def test_mutation_redraws_sites_uniformly_at_the_given_rate(prob):
    rng = np.random.default_rng(2)
    num_states, x = 8, np.full((500, 40), 3)
    out = mutate(x, prob, num_states, rng)
    changed = prob * (num_states - 1) / num_states  # a redraw may land on the same state
    n = x.size
    assert abs((out != x).mean() - changed) < 4 * np.sqrt(changed * (1 - changed) / n)
    counts = np.bincount(out[out != x], minlength=num_states)
    assert counts[3] == 0 and (counts[[0, 1, 2, 4, 5, 6, 7]] > 0).all()
