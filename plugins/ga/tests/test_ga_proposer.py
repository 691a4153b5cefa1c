"""The ``ga`` proposer: the reference's generation step, elitism, ask sizes, seeding."""

import numpy as np
import pytest
import seqzoo
from ga_support import drive, make_problem
from seqzoo.builtin import Hamming
from seqzoo_ga import GeneticAlgorithm

TINY = 1e-12  # a mutation rate that never fires in these tests (zero is not allowed)


def seeded(ga: GeneticAlgorithm, x: np.ndarray, y: np.ndarray) -> GeneticAlgorithm:
    ga.tell(x, y)
    return ga


def test_first_generation_is_mutated_copies_of_the_start_at_the_papers_rate():
    length, states = 50, 4
    ga = GeneticAlgorithm(make_problem(length, states), population=2000)
    x0 = np.zeros((1, length), dtype=np.int64)
    x = seeded(ga, x0, np.array([0.1])).ask(2000)
    assert x.shape == (2000, length)
    changed = 1.1 / length * (states - 1) / states
    assert abs((x != 0).mean() - changed) < 4 * np.sqrt(changed * (1 - changed) / x.size)


def test_survivors_keep_their_slots_and_dead_slots_get_crossovers_of_survivors():
    rng = np.random.default_rng(0)
    x = rng.integers(2, 4, size=(10, 12))
    x[8], x[9] = 0, 1  # the two best: every child site must come from one of them
    ga = seeded(GeneticAlgorithm(make_problem(12), population=10, mutation_prob=TINY,
                                 recombine_prob=0.5, survival_quantile=0.2),
                x, np.arange(10.0))
    nxt = ga.ask(10)
    assert np.array_equal(nxt[8:], x[8:])
    assert np.isin(nxt[:8], [0, 1]).all()
    assert 0.3 < nxt[:8].mean() < 0.7  # uniform crossover mixes the two parents


def test_all_infeasible_population_survives_whole():
    x = np.random.default_rng(1).integers(0, 4, size=(10, 6))
    ga = seeded(GeneticAlgorithm(make_problem(6), population=10, mutation_prob=TINY,
                                 survival_quantile=0.2), x, np.full(10, -np.inf))
    assert np.array_equal(ga.ask(10), x)


def test_infeasible_particles_die_while_feasible_ones_exist():
    x = np.arange(10)[:, None].repeat(6, axis=1) % 4
    y = np.full(10, -np.inf)
    y[3] = 0.0  # one feasible particle: the reference would keep all; we keep only it
    ga = seeded(GeneticAlgorithm(make_problem(6), population=10, mutation_prob=TINY,
                                 survival_quantile=0.2), x, y)
    assert (ga.ask(10) == x[3]).all()


def test_without_elitism_the_reference_can_lose_its_best():
    x = np.zeros((10, 20), dtype=np.int64)
    x[0] = 3
    ga = seeded(GeneticAlgorithm(make_problem(20), population=10, mutation_prob=0.5,
                                 survival_quantile=0.2), x, np.r_[1.0, np.zeros(9)])
    assert not (ga.ask(10) == 3).all(axis=1).any()


def test_elitism_keeps_the_best_unmutated_and_asks_only_for_offspring():
    rng = np.random.default_rng(2)
    ga = GeneticAlgorithm(make_problem(20), population=10, mutation_prob=0.5,
                          survival_quantile=0.2, elitism=True)
    ga.tell(np.zeros((1, 20), dtype=np.int64), np.array([0.5]))
    best, best_x = 0.5, np.zeros(20, dtype=np.int64)
    for _ in range(20):
        x = ga.ask(10)
        assert len(x) == 8  # two survivors are carried over, not scored again
        y = rng.random(8)
        ga.tell(x, y)
        if y.max() > best:
            best, best_x = y.max(), x[y.argmax()]
        assert ga.scores.max() == best
        assert np.array_equal(ga.particles[ga.scores.argmax()], best_x)


def test_asks_that_do_not_divide_the_population_hand_out_the_same_generations():
    oracle = Hamming(num_states=4, dim=10, max_step=1, random_seed=3)
    x0 = oracle.initial_solutions()

    def run(batch):
        ga = GeneticAlgorithm(make_problem(10, 4, seed=5, start=x0), population=100)
        return drive(ga, oracle, x0, batch, budget=530), ga.generations

    whole, gens = run(100)
    parts, part_gens = run(37)
    big, big_gens = run(250)  # more than a generation: the rest of the generation only
    assert np.array_equal(whole, parts) and np.array_equal(whole, big)
    assert gens == part_gens == big_gens == 5  # the sixth is only partly scored


def test_same_seed_same_run_and_another_seed_another_run():
    oracle, proposer = "hamming:num_states=4,dim=16,max_step=1", "ga:population=50"
    runs = [seqzoo.run(oracle, proposer, 2000, seed=s) for s in (7, 7, 8)]
    first, again, other = ((r.best_sequence, r.evaluations_to_best) for r in runs)
    assert first == again and first != other


@pytest.mark.parametrize("elitism", [False, True])
def test_ga_solves_a_small_constrained_hamming(elitism):
    result = seqzoo.run("hamming:num_states=4,dim=16,max_step=1",
                        f"ga:population=50,survival_quantile=0.2,elitism={elitism}", 20000)
    assert result.solved and result.evaluations < 20000


def test_tell_must_match_what_was_asked():
    ga = GeneticAlgorithm(make_problem(8), population=10, survival_quantile=0.2)
    ga.tell(np.zeros((1, 8), dtype=np.int64), np.zeros(1))
    x = ga.ask(5)
    with pytest.raises(ValueError, match="other than"):
        ga.tell(x[::-1] + 1, np.zeros(5))
    ga.tell(x, np.zeros(5))


def test_asks_before_a_tell_walk_through_the_generation():
    # under rounds the engine asks until a round is full and tells once
    ga = GeneticAlgorithm(make_problem(8), population=10, survival_quantile=0.2)
    ga.tell(np.zeros((1, 8), dtype=np.int64), np.zeros(1))
    first, second = ga.ask(6), ga.ask(6)
    assert len(first) == 6 and len(second) == 4  # the rest of the generation, nothing more
    ga.tell(np.concatenate([first, second]), np.zeros(10))
    assert ga.generations == 1


@pytest.mark.parametrize("options, message", [
    ({"population": 1}, "population"),
    ({"mutation_prob": 0.0}, "mutation_prob"),
    ({"recombine_prob": 1.0}, "recombine_prob"),
    ({"survival_quantile": 1.0}, "survival_quantile"),
    ({"population": 10, "survival_quantile": 0.1}, "at least two parents"),
])
def test_bad_options_say_what_was_expected(options, message):
    with pytest.raises(ValueError, match=message):
        GeneticAlgorithm(make_problem(8), **options)


def test_a_warm_start_larger_than_the_population_seeds_it_with_its_best_rows():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, size=(30, 12))
    y = rng.normal(size=30)
    y[[4, 17]] = -np.inf  # infeasible rows of a warm start are never the best
    ga = seeded(GeneticAlgorithm(make_problem(12), population=6, survival_quantile=0.5), x, y)
    best = np.argsort(-y)[:6]
    assert sorted(map(tuple, ga.particles)) == sorted(map(tuple, x[best]))
    assert np.allclose(np.sort(ga.scores), np.sort(y[best]))
