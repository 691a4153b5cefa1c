"""Simulated annealing over sequences, as a batch of independent Metropolis chains.

Each chain holds one sequence and its value. ``ask(n)`` proposes, for the next ``n`` chains in
turn, a copy of the chain's sequence with ``mutations`` random sites set to random states;
``tell`` accepts each proposal with the Metropolis probability ``min(1, exp(delta / T))`` and
then cools the temperature ``T`` by ``cooling``. An infeasible proposal (``-inf``) is never
accepted by a feasible chain, so chains stay inside the feasible set once they are in it.
"""

from __future__ import annotations

import numpy as np

from seqzoo import Problem


class Annealer:
    """Simulated annealing: parallel Metropolis chains of point mutations under a cooling schedule.

    Options:
        chains: parallel chains, each proposing one sequence per ask (the preferred batch size).
        mutations: sites set to a random state in each proposal.
        temperature: the initial temperature, in units of the objective.
        cooling: the factor applied to the temperature after every told batch (1 keeps it).
    """

    def __init__(self, problem: Problem, chains: int = 64, mutations: int = 1,
                 temperature: float = 0.05, cooling: float = 0.98):
        if chains < 1 or mutations < 1:
            raise ValueError(f"chains and mutations must be >= 1, got chains={chains}, "
                             f"mutations={mutations}")
        if temperature <= 0 or not 0 < cooling <= 1:
            raise ValueError(f"expected temperature > 0 and 0 < cooling <= 1, got "
                             f"temperature={temperature}, cooling={cooling}")
        self.problem, self.mutations = problem, min(mutations, problem.length)
        self.batch_size, self.temperature, self.cooling = chains, temperature, cooling
        self.rng = problem.rng()
        self.x = np.empty((0, problem.length), dtype=np.int64)  # chain states, set by step 0
        self.y = np.empty(0)
        self.turn = 0  # the chain that proposes next
        self.pending = np.empty(0, dtype=np.int64)  # chains whose proposals await tell

    def ask(self, n: int) -> np.ndarray:
        k = min(n, self.batch_size)
        chains = (self.turn + np.arange(k)) % self.batch_size
        # a round may take several asks before its one tell: every piece awaits it
        self.pending = np.concatenate([self.pending, chains])
        self.turn = (self.turn + k) % self.batch_size
        children = self.x[chains].copy()
        for _ in range(self.mutations):
            sites = self.rng.integers(0, self.problem.length, size=k)
            children[np.arange(k), sites] = self.rng.integers(0, self.problem.num_states, size=k)
        return children

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        if not len(self.x):  # step 0: chains start from the initial solutions, best first
            order = np.argsort(-y, kind="stable")
            picks = order[np.arange(self.batch_size) % len(order)]
            self.x, self.y = np.array(x[picks], dtype=np.int64), np.array(y[picks], dtype=float)
            return
        chains, current = self.pending, self.y[self.pending]
        with np.errstate(invalid="ignore"):  # -inf - -inf: both infeasible, a free move
            delta = np.where(np.isneginf(y) & np.isneginf(current), 0.0, y - current)
        accept = self.rng.random(len(y)) < np.exp(np.minimum(delta, 0.0) / self.temperature)
        self.x[chains[accept]], self.y[chains[accept]] = x[accept], y[accept]
        self.pending = np.empty(0, dtype=np.int64)
        self.temperature *= self.cooling
