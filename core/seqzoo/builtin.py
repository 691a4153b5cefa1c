"""Core's own plugin: it uses the same hooks as every other plugin.

* proposer ``hill-climb``: point mutations of the best sequences seen so far, the floor
  every optimizer should beat (and the normaliser of ``zoo compare``'s score).
* proposer ``random``: uniform random search, which ignores everything it is told.
* surrogate ``nam``: FLEXS's noisy abstract model (:mod:`seqzoo.nam`).
* oracle ``hamming``: agreement with a hidden target sequence, with an optional banded
  feasibility constraint; a torch-free oracle for tests, examples and core-only installs.
"""

from __future__ import annotations

import numpy as np

from .hookspecs import hookimpl
from .protocol import Problem, default_alphabet


@hookimpl
def register_proposers(register):
    register("hill-climb", HillClimb)
    register("random", UniformRandom)


@hookimpl
def register_oracles(register):
    register("hamming", Hamming)


@hookimpl
def register_surrogates(register):
    register("nam", "seqzoo.nam:NoisyAbstractModel")


class HillClimb:
    """Hill climber with a population: each child is a copy of one of the ``elite`` best
    sequences seen, with ``mutations`` random sites re-drawn.

    The ladder's first rung, and the floor every optimizer should beat: ``zoo compare``'s
    score is 1 at its median. Until it has been told anything, the parents are the oracle's
    initial solutions. (It was called ``random``, a name that now means uniform search.)

    Options:
        elite: how many of the best sequences seen the parents are drawn from
        mutations: sites re-drawn uniformly at random in each child
        batch_size: proposals per ask
    """

    def __init__(self, problem: Problem, elite: int = 10, mutations: int = 1,
                 batch_size: int = 100):
        if elite < 1 or mutations < 1 or batch_size < 1:
            raise ValueError("elite, mutations and batch_size must be >= 1")
        self.problem, self.elite, self.mutations = problem, elite, mutations
        self.batch_size = batch_size
        self.rng = problem.rng()
        self.x = np.empty((0, problem.length), dtype=np.int64)
        self.y = np.empty(0)

    def ask(self, n: int) -> np.ndarray:
        if len(self.x):
            pool = self.x[np.argsort(-self.y, kind="stable")[: self.elite]]
        else:  # nothing told yet: mutate the initial solutions
            pool = np.asarray(self.problem.initial_solutions, dtype=np.int64)
        parents = pool[self.rng.integers(0, len(pool), size=n)]
        children = parents.copy()
        m = min(self.mutations, self.problem.length)
        for _ in range(m):
            sites = self.rng.integers(0, self.problem.length, size=n)
            children[np.arange(n), sites] = self.rng.integers(0, self.problem.num_states, size=n)
        return children

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = np.concatenate([self.x, x])
        self.y = np.concatenate([self.y, y])
        keep = np.argsort(-self.y, kind="stable")[: max(self.elite, 1) * 10]
        self.x, self.y = self.x[keep], self.y[keep]


class UniformRandom:
    """Uniform random search: every site of every proposal drawn uniformly, nothing learnt.

    What no search at all reaches, for a sanity check on an unconstrained landscape (TFBind8,
    hamming without ``max_step``). On Ehrlich almost every uniform sequence is infeasible
    (about 1 in 1,000 on f2), so there it measures how hard the constraint is, and after a
    shared warm start its best is the warm start's: a control, not a baseline to beat.

    Options:
        batch_size: proposals per ask
    """

    def __init__(self, problem: Problem, batch_size: int = 100):
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.problem, self.batch_size = problem, batch_size
        self.rng = problem.rng()

    def ask(self, n: int) -> np.ndarray:
        return self.rng.integers(0, self.problem.num_states, size=(n, self.problem.length))

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        pass  # uniform search learns nothing by design


class Hamming:
    """Fraction of sites equal to a hidden target; infeasible if a step exceeds ``max_step``.

    With ``max_step`` set, consecutive states must differ by at most ``max_step`` (mod
    ``num_states``), a feasibility constraint in the spirit of Ehrlich's banded transitions.

    Options:
        num_states: alphabet size (at least 2)
        dim: sequence length
        max_step: largest allowed change between consecutive states (None: no constraint)
        random_seed: seed of the hidden target
    """

    def __init__(self, num_states: int = 4, dim: int = 16, max_step: int | None = None,
                 random_seed: int = 0):
        if num_states < 2 or dim < 1:
            raise ValueError("num_states must be >= 2 and dim >= 1")
        self.alphabet, self.length, self.max_step = default_alphabet(num_states), dim, max_step
        rng = np.random.default_rng(random_seed)
        target = np.empty(dim, dtype=np.int64)
        target[0] = rng.integers(num_states)
        for t in range(1, dim):  # a random walk, so the target itself is feasible
            step = rng.integers(-(max_step or num_states), (max_step or num_states) + 1)
            target[t] = (target[t - 1] + step) % num_states
        self.target = target
        self.optimal_value = 1.0

    def feasible(self, x: np.ndarray) -> np.ndarray:
        if self.max_step is None:
            return np.ones(len(x), dtype=bool)
        v = len(self.alphabet)
        d = np.abs(np.diff(x, axis=1)) % v
        return (np.minimum(d, v - d) <= self.max_step).all(axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.length:
            raise ValueError(f"expected an (n, {self.length}) batch, got shape {x.shape}")
        values = (x == self.target).mean(axis=1)
        return np.where(self.feasible(x), values, -np.inf)

    def initial_solutions(self) -> np.ndarray:
        return np.full((1, self.length), self.target[0], dtype=np.int64)
