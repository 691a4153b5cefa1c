"""The genetic algorithm of the Ehrlich and LLOME papers as an ask/tell proposer.

The reference (``holo.optim.DiscreteEvolution``) loops *score every particle, then select,
recombine and mutate*. Here the engine does the scoring, so the loop is cut after the
breeding: ``ask`` breeds the next generation from the last scored one and hands it out,
``tell`` scores it. The engine's step 0 scores the initial solution, which is the reference's
first generation (all particles are copies of it), so with a batch size equal to the
population each ``ask`` is exactly one reference generation -- without the reference's
re-scoring of a thousand identical copies. Smaller asks hand out the generation in parts;
it is bred once and replaced only when all of it has been scored.

**A generation is a round.** With no ``population`` given, the population is the run's batch
size (``problem.batch_size``; 1000 without one), so each round the engine measures is one
generation. Under rounds nothing is told until a round is full, so a generation's new
particles must fill whole rounds: their number must be a multiple of the batch size, or the
proposer would run dry mid-round.
"""

from __future__ import annotations

import math

import numpy as np
from seqzoo import Problem
from seqzoo.staging import Staged
from seqzoo.values import check_batch

from .operators import mutate, quantile_survivors, ranked_survivors, uniform_crossover


class GeneticAlgorithm:
    """The papers' GA (holo's DiscreteEvolution), a generation per round; None means 1.1/L.

    Options:
        population: particles per generation; default the run's batch size (1000 without
            one); with elitism, the default makes the offspring one batch.
        mutation_prob: chance that a site is redrawn uniformly; default ``1.1 / L``.
        recombine_prob: in uniform crossover, chance of taking a site from the first parent;
            default ``1.1 / L`` (the papers' choice).
        survival_quantile: particles whose loss is at or below this quantile survive.
        elitism: off (the reference): survivors are mutated too and the best can be lost.
            On: the ``ceil(survival_quantile * population)`` best particles (ties broken at
            random) pass unmutated and are not scored again; only the offspring that
            replace the others are asked for.
    """

    def __init__(self, problem: Problem, population: int | None = None,
                 mutation_prob: float | None = None, recombine_prob: float | None = None,
                 survival_quantile: float = 0.1, elitism: bool = False):
        length = problem.length
        mutation_prob = 1.1 / length if mutation_prob is None else mutation_prob
        recombine_prob = 1.1 / length if recombine_prob is None else recombine_prob
        given = population is not None
        if not given:
            population = _default_population(problem.batch_size, survival_quantile, elitism)
        if population < 2:
            raise ValueError(f"population must be at least 2, got {population}")
        if not 0.0 < mutation_prob < 1.0:
            raise ValueError(f"mutation_prob must lie in (0, 1), got {mutation_prob}")
        if not 0.0 <= recombine_prob < 1.0:
            raise ValueError(f"recombine_prob must lie in [0, 1), got {recombine_prob}")
        if not 0.0 < survival_quantile < 1.0:
            raise ValueError(f"survival_quantile must lie in (0, 1), got {survival_quantile}")
        if survival_quantile * population < 2:
            raise ValueError(f"survival_quantile * population must keep at least two parents, "
                             f"got {survival_quantile} * {population}" + (
                                 "" if given else f" (population defaults to the batch size "
                                 f"{problem.batch_size}, a generation a round: give a "
                                 f"population that is a multiple of it, or a larger "
                                 f"survival_quantile)"))
        self.population, self.mutation_prob = population, mutation_prob
        self.recombine_prob, self.survival_quantile = recombine_prob, survival_quantile
        self.elitism, self.num_states = elitism, problem.num_states
        # the engine's default batch: what one generation asks for (elites are not re-asked)
        self.batch_size = population - math.ceil(survival_quantile * population) if elitism \
            else population
        problem.check_whole_rounds(
            f"a generation's {self.batch_size} new particles (population {population}"
            f"{', elites not asked' if elitism else ''})", self.batch_size,
            "leave population out to make it the batch size")
        self.fixed_offspring = problem.rounds
        self.rng = problem.rng()
        self.generations = 0
        # Until the initial solutions are scored, their copies tie: all of them survive.
        self._seed(np.asarray(problem.initial_solutions, dtype=np.int64).reshape(-1, length),
                   np.zeros(len(problem.initial_solutions)))

    def _seed(self, x: np.ndarray, y: np.ndarray) -> None:
        """Make the population the best ``population`` rows of ``x`` (cycled when there are
        fewer: the initial solutions' copies), scored ``y``; nothing in flight.

        With a warm start, step 0 brings more rows than a population: the best ones start.
        """
        y = np.asarray(y, dtype=float)
        if len(x) > self.population:
            best = np.argsort(-y, kind="stable")[: self.population]
            x, y = x[best], y[best]
        self.particles = np.resize(x, (self.population, x.shape[1]))
        self.scores = np.resize(np.asarray(y, dtype=float), self.population)
        self.kept = self.particles[:0]
        self.kept_scores = self.scores[:0]
        self.fresh = Staged(self.particles[:0])

    def _breed(self) -> None:
        """Select survivors of the scored population and breed the next generation."""
        if self.elitism:
            count = math.ceil(self.survival_quantile * self.population)
            keep = ranked_survivors(self.scores, count, self.rng)
            alive = np.zeros(self.population, dtype=bool)
            alive[keep] = True
        else:
            alive = quantile_survivors(self.scores, self.survival_quantile)
        parents = self.particles[alive]
        kept = alive
        if self.elitism and self.fixed_offspring and len(keep) < count:
            # Under rounds a generation must ask exactly one batch: the best infeasible
            # particles hold the elite slots they would leave (carried, never parents).
            kept = alive.copy()
            spare = np.flatnonzero(~alive)
            kept[spare[np.argsort(-self.scores[spare], kind="stable")[: count - len(keep)]]] = True
        missing = self.population - int(kept.sum())
        first = parents[self.rng.integers(0, len(parents), size=missing)]
        second = parents[self.rng.integers(0, len(parents), size=missing)]
        children = uniform_crossover(first, second, self.recombine_prob, self.rng)
        if self.elitism:
            self.kept, self.kept_scores = self.particles[kept], self.scores[kept]
            self.fresh = Staged(mutate(children, self.mutation_prob, self.num_states, self.rng))
        else:  # the reference refills the dead slots in place, then mutates everyone
            nxt = self.particles.copy()
            nxt[~alive] = children
            self.fresh = Staged(mutate(nxt, self.mutation_prob, self.num_states, self.rng))

    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.fresh.done:
            self._breed()
        return self.fresh.take(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        if not self.fresh.waiting:  # nothing asked is waiting: these seed the population
            self._seed(x, y)
            return
        if self.fresh.record(x, y):
            self.particles = np.concatenate([self.kept, self.fresh.x])
            self.scores = np.concatenate([self.kept_scores, self.fresh.y])
            self.generations += 1

    def result_extras(self) -> dict[str, int]:
        return {"generations": self.generations}


def _default_population(batch: int | None, quantile: float, elitism: bool) -> int:
    """A generation per round: the batch size, or with elitism the smallest population whose
    offspring (all but the ``ceil(quantile * population)`` elites) are exactly one batch."""
    if batch is None:
        return 1000
    if not elitism:
        return batch
    population = batch
    # offspring grow by 0 or 1 per added particle (quantile < 1), so this meets batch exactly
    while population - math.ceil(quantile * population) < batch:
        population += 1
    return population
