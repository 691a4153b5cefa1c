"""PEX, Proximal Exploration (Ren et al. 2022, ICML): search outward from the wild type.

Each round, after the paper's public code (``algorithm/pex.py`` of
github.com/HeliXonProtein/proximal-exploration):

1. Train the model on every label.
2. The **frontier neighbours** of the labelled rows: for each Hamming distance to the wild
   type (the first initial solution), the best ``frontier_neighbors`` rows at that distance
   that beat every value at a smaller distance.
3. Mutants of frontier neighbours drawn at random (``mutation``): ``sites`` changes 1 to
   ``mutations`` distinct sites, each to another state; ``draws`` is the authors'
   ``random_mutation``, ``mutations`` draws of a site and a state, either of which may
   repeat (so a mutant differs from its parent at 0 to ``mutations`` sites).
4. The batch is filled from the scored mutants (``selection``): ``pareto`` takes Pareto
   fronts of model score against distance to the wild type, front by front; ``hull`` is the
   authors' rule, the upper convex hull of (distance, best score at that distance), cut
   after its highest point, taken and removed, again and again (the **proximal frontier**).

Two presets: ``default`` (this project's PEX, as measured before presets existed) and
``reference`` (the authors' code: hulls, two draws, five frontier neighbours, a random first
round, ``mufacnet`` as the model, mutants drawn until the round's model queries are used).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from seqzoo import Problem
from seqzoo.presets import PROBLEM, check_choices, resolve, signature
from seqzoo.values import finite_values

from .rounds import RoundProposer

CHOICES = {"mutation": ("sites", "draws"), "selection": ("pareto", "hull"),
           "first_round": ("model", "random")}

#: Draws of mutants in a row that add no new candidate before a plan gives up on filling
#: its pool: the authors' loop never gives up, and on a small space (TFBind8's 4**8) a
#: frontier's whole neighbourhood can be smaller than the pool.
_STALL = 20


@dataclass(frozen=True)
class Settings:
    """Every ``pex`` option, with the ``default`` preset's values."""

    batch_size: int | None = None
    candidates: int = 2000
    mutations: int = 2
    mutation: str = "sites"
    fill: bool = False
    frontier_neighbors: int = 1
    selection: str = "pareto"
    first_round: str = "model"
    ensemble_size: int = 3
    model_epochs: int = 10
    max_data: int = 5000
    model: str | None = None


PRESETS = {
    "default": Settings(),
    # algorithm/pex.py with run.py's defaults: num_random_mutations=2,
    # frontier_neighbor_size=5, num_model_queries_per_round=2000, net=mufacnet
    "reference": Settings(mutation="draws", fill=True, frontier_neighbors=5,
                          selection="hull", first_round="random", model="mufacnet"),
    # zoo compare's default grid: two members of five epochs, 1,000 candidates a round
    # (63 -> 39 s of CPU for its 3,000 evaluations, seed 0)
    "quick": Settings(model_epochs=5, ensemble_size=2, candidates=1000),
}
DEFAULT_PRESET = "default"


def pareto_order(score: np.ndarray, distance: np.ndarray,
                 limit: int | None = None) -> np.ndarray:
    """Indices front by front: each front maximises score and minimises distance.

    With ``limit``, only the fronts that hold the first ``limit`` indices: a prefix of the
    whole order (a round takes its batch, and later fronts cost a sort each).
    """
    left = np.arange(len(score))
    order: list[np.ndarray] = []
    taken = 0
    while len(left) and (limit is None or taken < limit):
        by = left[np.lexsort((-score[left], distance[left]))]  # nearest first, best first
        # on the front: above every score before it in that order
        before = np.fmax.accumulate(np.concatenate([[-np.inf], score[by][:-1]]))  # NaN: no bar
        front = by[score[by] > before]
        if not len(front):  # only NaN scores left: they go last, nearest first
            order.append(by)
            break
        order.append(front[np.argsort(-score[front], kind="stable")])
        taken += len(front)
        left = np.setdiff1d(left, front, assume_unique=True)
    return np.concatenate(order or [left]).astype(np.int64)


def hull_order(score: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Indices in the order the authors' loop takes them (``algorithm/pex.py`` :89-111).

    Candidates are queued per distance, best score first (ties in index order). Each pass
    takes the head of every non-empty queue as a point (distance, score), keeps the upper
    convex hull of those points (Andrew's monotone chain, collinear points kept), drops the
    hull's tail while it descends, and takes the remaining points' heads, nearest first.
    """
    queues = {}
    for d in np.unique(distance):
        members = np.flatnonzero(distance == d)
        queues[int(d)] = list(members[np.argsort(-score[members], kind="stable")])
    order: list[int] = []
    while any(queues.values()):
        stack: list[tuple[int, float]] = []
        for d in sorted(queues):
            if not queues[d]:
                continue
            point = (d, float(score[queues[d][0]]))
            # pop while the turn stack[-2] -> stack[-1] -> point is counter-clockwise
            while len(stack) > 1 and _cross(stack[-2], stack[-1], point) > 0:
                stack.pop()
            stack.append(point)
        while len(stack) >= 2 and stack[-1][1] < stack[-2][1]:
            stack.pop()
        for d, _ in stack:
            order.append(queues[d].pop(0))
    return np.asarray(order, dtype=np.int64)


def _cross(a: tuple[int, float], b: tuple[int, float], c: tuple[int, float]) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


class PEX(RoundProposer):
    """PEX (Ren et al. 2022): model-ranked mutants of the proximal frontier around the wild type.

    Every option but ``preset`` takes the preset's value unless given; defaults show
    ``default``'s value and, in brackets, ``reference``'s where it differs. ``reference``
    follows the authors' code (``algorithm/pex.py``, ``run.py``); the plugin README lists
    what still departs.

    Options:
        preset: ``default``, ``reference`` or ``quick`` (smaller sizes for zoo compare's
            default grid)
        batch_size: new sequences planned per round (default: the run's batch size, else
            100).
        candidates: mutants of frontier sequences the model scores per round.
        mutations: most sites changed in a mutant (``sites``), or site-letter draws
            (``draws``); at least one.
        mutation: ``sites`` (1 to ``mutations`` distinct sites, each to another state) or
            ``draws`` (the authors' ``random_mutation``: ``mutations`` draws of a site and
            a state, repeats allowed, so 0 to ``mutations`` sites change)
        fill: draw mutants until ``candidates`` new ones (at most the round's remaining
            model queries) are in the pool, as the authors' loop does, instead of one draw
            of ``candidates``
        frontier_neighbors: best rows per distance to the wild type that may join the
            frontier (the authors' ``frontier_neighbor_size``)
        selection: ``pareto`` (fronts of score against distance) or ``hull`` (the
            authors' iterated upper convex hulls, the paper's proximal frontier)
        first_round: ``model`` (the first round is planned like every other) or
            ``random`` (random mutants of the wild type, as the authors' first round)
        ensemble_size: CNNs in the built-in model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the built-in model is trained on (the best ones).
        model: a surrogate spec (``mufacnet``, ``cnn-ensemble``, ``nam:signal=0.5``) to
            rank candidates with instead of the built-in ensemble; its queries are capped
            per round, and past the cap the candidates are a random subset of the mutants.
    """

    presets = tuple(PRESETS)

    def __init__(self, problem: Problem, preset: str = DEFAULT_PRESET, **options):
        s = resolve(PRESETS, preset, options, what="pex")
        check_choices(s, CHOICES)
        batch_size = s.batch_size if s.batch_size is not None else (problem.batch_size or 100)
        for name, value, low in (("batch_size", batch_size, 1), ("candidates", s.candidates, 1),
                                 ("mutations", s.mutations, 1),
                                 ("frontier_neighbors", s.frontier_neighbors, 1),
                                 ("ensemble_size", s.ensemble_size, 1),
                                 ("model_epochs", s.model_epochs, 1),
                                 ("max_data", s.max_data, 2)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        self.settings = s
        self.batch_size, self.candidates = batch_size, s.candidates
        self.length, self.num_states = problem.length, problem.num_states
        # distinct sites cannot outnumber the sites; draws may repeat, so any count is fine
        self.mutations = min(s.mutations, self.length) if s.mutation == "sites" else s.mutations
        self.wild_type = np.asarray(problem.initial_solutions, dtype=np.int64).reshape(
            -1, self.length)[0]
        self.rng = problem.rng()
        seed = int(self.rng.integers(2**31))

        def ensemble():
            from .ensemble import Ensemble  # torch: not when `zoo list` reads the options

            return Ensemble(self.num_states, size=s.ensemble_size, epochs=s.model_epochs,
                            max_data=s.max_data, seed=seed)

        self._start_model(problem, s.model, ensemble)
        self._start_rounds()

    def frontier(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The frontier neighbours of labelled rows (feasible ones when there are any).

        Per distance to the wild type, nearest first: the best ``frontier_neighbors`` rows
        at that distance that beat the best value at every smaller distance.
        """
        y = finite_values(y)
        distance = (x != self.wild_type).sum(axis=1)
        keep, height = [], -np.inf
        for d in np.unique(distance):
            at = np.flatnonzero(distance == d)
            at = at[np.argsort(-y[at], kind="stable")]
            keep.extend(i for i in at[: self.settings.frontier_neighbors] if y[i] > height)
            height = max(height, float(y[at[0]]))
        return x[keep]

    def mutate(self, parents: np.ndarray, count: int) -> np.ndarray:
        """``count`` mutants, each of a parent drawn at random, by the ``mutation`` rule."""
        rows = parents[self.rng.integers(0, len(parents), count)].copy()
        if self.settings.mutation == "draws":
            # the authors' random_mutation: a site, then a letter, per draw; a later draw may
            # hit the same site, and a letter may be the one already there
            for _ in range(self.mutations):
                sites = self.rng.integers(0, self.length, count)
                rows[np.arange(count), sites] = self.rng.integers(0, self.num_states, count)
            return rows
        counts = self.rng.integers(1, self.mutations + 1, count)
        for row, k in zip(rows, counts):
            sites = self.rng.choice(self.length, k, replace=False)
            # a different state at each chosen site, so every mutant moves
            row[sites] = (row[sites] + self.rng.integers(1, self.num_states, k)) \
                % self.num_states
        return rows

    def _new_rows(self, parents: np.ndarray, want: int) -> np.ndarray:
        """Up to ``want`` distinct unseen mutants, in the order first drawn.

        The authors draw one mutant at a time until ``want`` new ones; here draws come in
        blocks of ``want`` and stop once ``_STALL`` blocks in a row add nothing (the
        neighbourhood is used up), where the authors' loop would never end.
        """
        got: dict[bytes, np.ndarray] = {}
        stale = 0
        while len(got) < want and stale < _STALL:
            before = len(got)
            for row in self.mutate(parents, want):
                key = row.tobytes()
                if key not in self.seen and key not in got:
                    got[key] = row
                    if len(got) == want:
                        break
            stale = stale + 1 if len(got) == before else 0
        if not got:
            return np.empty((0, self.length), dtype=np.int64)
        return np.stack(list(got.values()))

    def _plan(self, size: int, fresh: bool) -> np.ndarray:
        x, y = self.labelled()
        if fresh:
            with self._torch_seeded():
                self._fit(x, y)
        if self.settings.first_round == "random" and self.rounds == 0:
            # the authors' first round: random mutants of the wild type, no model
            pool = self._new_rows(self.wild_type[None], size)
            if fresh:
                self.rounds += 1
            if len(pool):
                return pool
            return self.rng.integers(0, self.num_states, (1, self.length))
        parents = self.frontier(x, y)
        if self.settings.fill:
            pool = self._new_rows(parents, self._affordable(self.candidates))
        else:
            pool = np.unique(self.mutate(parents, self.candidates), axis=0)
            pool = pool[[row.tobytes() not in self.seen for row in pool]]
        if not len(pool):  # every mutant was seen: one random sequence keeps the run going
            return self.rng.integers(0, self.num_states, (1, self.length))
        distance = (pool != self.wild_type).sum(axis=1)
        scored = np.arange(len(pool))
        affordable = self._affordable(len(pool))
        if affordable < len(pool):  # the round's model queries cover a random subset only
            scored = np.sort(self.rng.choice(len(pool), affordable, replace=False))
        score = self._predict(pool[scored])[0]
        order = scored[hull_order(score, distance[scored]) if self.settings.selection == "hull"
                       else pareto_order(score, distance[scored], limit=size)]
        # unscored candidates (the cap spent) follow, nearest the wild type first
        rest = np.setdiff1d(np.arange(len(pool)), scored, assume_unique=True)
        order = np.concatenate([order, rest[np.argsort(distance[rest], kind="stable")]])
        if fresh:
            self.rounds += 1
        return pool[order[:size]]


PEX.__signature__ = signature(Settings, PRESETS, DEFAULT_PRESET,  # type: ignore[attr-defined]
                              first=(PROBLEM,))
# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished
# (the quick preset's default-grid runs, median wall seconds of three seeds on a quiet 2-core
# machine, two runs at a time: 9.8 for 3,000 evaluations, 2026-12-07, after the ensemble
# read from tables)
PEX.cost_hint = {"quick": 3.3}  # type: ignore[attr-defined]
