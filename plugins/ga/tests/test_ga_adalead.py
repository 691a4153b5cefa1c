"""The ``adalead`` proposer: parent threshold, recombination, rollouts, novelty, seeding."""

import numpy as np
import pytest
import seqzoo
from ga_support import drive, make_problem
from seqzoo.builtin import Hamming
from seqzoo_ga import AdaLead


def test_parents_are_the_sequences_within_the_threshold_of_the_best():
    ada = AdaLead(make_problem(4), threshold=0.1)
    x = np.arange(24).reshape(6, 4) % 4
    ada.tell(x, np.array([1.0, 0.95, 0.89, 0.91, -np.inf, 0.2]))
    assert sorted(ada.parent_pool()[1].tolist()) == [0.91, 0.95, 1.0]
    ada.tell(np.full((1, 4), 3), np.array([2.0]))  # a new top drops the old parents
    assert ada.parent_pool()[1].tolist() == [2.0]


def test_recombination_swaps_tails_between_the_two_parents_of_a_pair():
    ada = AdaLead(make_problem(200), recomb_rate=0.1)
    out = ada._recombine(np.array([[0] * 200, [1] * 200]))
    assert (out.sum(axis=0) == 1).all()  # each site comes from one parent, the other gets the rest
    switches = np.count_nonzero(np.diff(out[0]))
    assert 5 <= switches <= 40  # about recomb_rate * L = 20 switch points


def constant(x):
    return np.zeros(len(x))


def worse_than_start(x):
    return -np.abs(x).sum(axis=1).astype(float)  # any mutation of the all-zero start is worse


@pytest.mark.parametrize("oracle, waves_per_round", [(constant, 4), (worse_than_start, 1)])
def test_rollouts_walk_while_not_worse_and_stop_at_the_first_worse_child(oracle,
                                                                          waves_per_round):
    ada = AdaLead(make_problem(30, 20), batch_size=10, max_depth=4, rho=0)
    drive(ada, oracle, np.zeros((1, 30), dtype=np.int64), batch=10, budget=240)
    # The start is the only parent: no new roots to score, so each wave is ten rollout steps.
    assert ada.rounds == 24 // waves_per_round


def test_never_proposes_a_sequence_twice():
    oracle = Hamming(num_states=4, dim=12, max_step=1, random_seed=1)
    x0 = oracle.initial_solutions()
    asked = drive(AdaLead(make_problem(12, 4, start=x0), batch_size=50), oracle, x0, 64, 3000)
    rows = {row.tobytes() for row in np.concatenate([x0, asked])}
    assert len(rows) == len(asked) + 1


def test_same_seed_same_run_and_another_seed_another_run():
    oracle, proposer = "hamming:num_states=4,dim=16,max_step=1", "adalead:batch_size=50"
    runs = [seqzoo.run(oracle, proposer, 1500, seed=s) for s in (3, 3, 4)]
    first, again, other = ((r.best_sequence, r.evaluations_to_best) for r in runs)
    assert first == again and first != other


def test_adalead_solves_a_small_constrained_hamming():
    result = seqzoo.run("hamming:num_states=4,dim=16,max_step=1", "adalead:batch_size=50", 20000)
    assert result.solved and result.evaluations < 20000


@pytest.mark.parametrize("options, message", [
    ({"batch_size": 0}, "batch_size"), ({"mu": 0.0}, "mu"), ({"threshold": 2.0}, "threshold"),
    ({"recomb_rate": -0.1}, "recomb_rate"), ({"max_depth": 0}, "max_depth"),
])
def test_bad_options_say_what_was_expected(options, message):
    with pytest.raises(ValueError, match=message):
        AdaLead(make_problem(8), **options)
