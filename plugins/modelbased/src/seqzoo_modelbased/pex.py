"""PEX, Proximal Exploration (Ren et al. 2022, ICML): search outward from the wild type.

Each round, after the paper's public code (``algorithm/pex.py``):

1. Train the oracle model (:class:`~seqzoo_modelbased.ensemble.Ensemble`) on every label.
2. The **proximal frontier** of the labelled rows: for each Hamming distance to the wild
   type (the first initial solution), the best value at that distance, kept only where it
   beats every value at a smaller distance (a Pareto front of value against distance).
3. ``candidates`` mutants: a frontier sequence, drawn at random, with 1 to ``mutations``
   random sites changed.
4. The batch is filled front by front: the candidates' Pareto front of model score against
   distance to the wild type, best score first, then the front of those left, and so on.
   Near sequences with good scores go first; far ones only when they score better.
"""

from __future__ import annotations

import numpy as np
from seqzoo import Problem
from seqzoo.values import finite_values

from .rounds import RoundProposer


def pareto_order(score: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Indices front by front: each front maximises score and minimises distance."""
    left = np.arange(len(score))
    order: list[int] = []
    while len(left):
        by = left[np.lexsort((-score[left], distance[left]))]  # nearest first, best first
        front, best = [], -np.inf
        for i in by:
            if score[i] > best:
                front.append(i)
                best = score[i]
        order.extend(sorted(front, key=lambda i: -score[i]))
        left = np.setdiff1d(left, front, assume_unique=True)
    return np.asarray(order, dtype=np.int64)


class PEX(RoundProposer):
    """PEX (Ren et al. 2022): model-ranked mutants of the proximal frontier around the wild type.

    Options:
        batch_size: new sequences planned per round (default: the run's batch size, else
            100).
        candidates: mutants of frontier sequences the model scores per round.
        mutations: most sites changed in a mutant (at least one).
        ensemble_size: CNNs in the oracle model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the model is trained on (the best ones).
        model: a surrogate spec (``cnn-ensemble``, ``nam:signal=0.5``) to rank candidates
            with instead of the built-in ensemble; its queries are capped per round, and
            past the cap the candidates are a random subset of the mutants.
    """

    def __init__(self, problem: Problem, batch_size: int | None = None,
                 candidates: int = 2000, mutations: int = 2, ensemble_size: int = 3,
                 model_epochs: int = 10, max_data: int = 5000, model: str | None = None):
        if batch_size is None:
            batch_size = problem.batch_size or 100
        for name, value, low in (("batch_size", batch_size, 1), ("candidates", candidates, 1),
                                 ("mutations", mutations, 1), ("ensemble_size", ensemble_size, 1),
                                 ("model_epochs", model_epochs, 1), ("max_data", max_data, 2)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        self.batch_size, self.candidates = batch_size, candidates
        self.length, self.num_states = problem.length, problem.num_states
        self.mutations = min(mutations, self.length)
        self.wild_type = np.asarray(problem.initial_solutions, dtype=np.int64).reshape(
            -1, self.length)[0]
        self.rng = problem.rng()
        seed = int(self.rng.integers(2**31))
        from .ensemble import Ensemble  # torch: not when `zoo list` reads the options

        self._start_model(problem, model, lambda: Ensemble(
            self.num_states, size=ensemble_size, epochs=model_epochs, max_data=max_data,
            seed=seed))
        self._start_rounds()

    def frontier(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The proximal frontier of labelled rows (feasible ones when there are any)."""
        y = finite_values(y)
        distance = (x != self.wild_type).sum(axis=1)
        order = np.lexsort((-y, distance))
        keep, best = [], -np.inf
        for i in order:
            if y[i] > best:
                keep.append(i)
                best = y[i]
        return x[keep]

    def _mutants(self, parents: np.ndarray) -> np.ndarray:
        rows = parents[self.rng.integers(0, len(parents), self.candidates)].copy()
        counts = self.rng.integers(1, self.mutations + 1, self.candidates)
        for row, count in zip(rows, counts):
            sites = self.rng.choice(self.length, count, replace=False)
            # a different state at each chosen site, so every mutant moves
            row[sites] = (row[sites] + self.rng.integers(1, self.num_states, count)) \
                % self.num_states
        return rows

    def _plan(self, size: int, fresh: bool) -> np.ndarray:
        x, y = self.labelled()
        if fresh:
            with self._torch_seeded():
                self._fit(x, y)
        pool = np.unique(self._mutants(self.frontier(x, y)), axis=0)
        pool = pool[[row.tobytes() not in self.seen for row in pool]]
        if not len(pool):  # every mutant was seen: one random sequence keeps the run going
            return self.rng.integers(0, self.num_states, (1, self.length))
        distance = (pool != self.wild_type).sum(axis=1)
        scored = np.arange(len(pool))
        affordable = self._affordable(len(pool))
        if affordable < len(pool):  # the round's model queries cover a random subset only
            scored = np.sort(self.rng.choice(len(pool), affordable, replace=False))
        order = scored[pareto_order(self._predict(pool[scored])[0], distance[scored])]
        # unscored candidates (the cap spent) follow, nearest the wild type first
        rest = np.setdiff1d(np.arange(len(pool)), scored, assume_unique=True)
        order = np.concatenate([order, rest[np.argsort(distance[rest], kind="stable")]])
        if fresh:
            self.rounds += 1
        return pool[order[:size]]
