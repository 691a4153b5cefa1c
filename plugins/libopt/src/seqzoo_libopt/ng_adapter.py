"""nevergrad's discrete optimizers behind seqzoo's ask/tell.

A sequence is nevergrad's ``Choice`` (or ``TransitionChoice``) over the ``V`` states with
``L`` repetitions. nevergrad minimises, so it is told ``-value``; an infeasible sequence gets
a finite loss past the worst feasible one (see :func:`~seqzoo_libopt.values.finite_values`).

Step 0 reaches nevergrad as "told, not asked" candidates (the optimizers that support it use
them; the others raise ``TellNotAskedNotSupportedError`` and those rows are skipped), and the
parametrisation starts at the best of them, so the first candidates are near the warm start.
nevergrad sizes its choices from ``problem.budget`` (less step 0) and ``num_workers``.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from seqzoo import Problem

from .values import Seen, check_batch, finite_values

PARAMETRIZATIONS = ("choice", "transition")

#: Candidates answered from memory in one ask before a seen sequence is evaluated again.
_MAX_CACHED = 1000
#: Candidates in one ask that were neither new nor seen-past-the-cap (answers from memory and
#: twins of this round's rows) before it gives up: a stuck optimizer, not a search.
_MAX_TWINS = 100 * _MAX_CACHED


@functools.cache
def _parameter_classes():
    """nevergrad's ``Choice`` and ``TransitionChoice`` with their options held outside the
    parameter tree, built on first use (nevergrad takes seconds to import).

    nevergrad keeps a choice's options as a ``Tuple`` of ``V`` ``Constant`` parameters inside
    the tree, so every candidate it asks for copies, freezes and walks ``V`` constants that
    never change (on Ehrlich f2, 6 of every 7 parts of an ask and a tell); setting a value
    tries each option in turn by catching an exception. Here the options are one shared
    tuple of the same constants and a value is set by a lookup: the standardized data, the
    random draws and so the candidates are nevergrad's own (``tests``: the same asks, value
    for value, for several optimizers).
    """
    from nevergrad.parametrization import choice, container

    class SharedOptions(choice.BaseChoice):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._options = tuple(self._content["choices"]._content.values())
            self._values = tuple(option.value for option in self._options)
            self._position = {value: k for k, value in enumerate(self._values)}
            # an empty Tuple keeps the key, and its standardized data is as empty as before
            self._content["choices"] = container.Tuple()

        @property
        def choices(self):
            return self._options

        def _layered_get_value(self):
            # the options are constants (the states), so their values can be read once
            if self._repetitions is None:
                return self._values[self.index]
            return tuple(self._values[i] for i in self.indices.value)

        def _layered_set_value(self, value) -> None:
            values = [value] if self._repetitions is None else value
            try:
                indices = np.array([self._position[v] for v in values], dtype=int)
            except (KeyError, TypeError):  # an option nevergrad matches by equality only
                return super()._layered_set_value(value)
            self._check_frozen()
            self.indices.value = indices

    # the mixin sits between each class and BaseChoice, so their own super() calls reach it
    class FastChoice(choice.Choice, SharedOptions):
        pass

    class FastTransitionChoice(choice.TransitionChoice, SharedOptions):
        pass

    return FastChoice, FastTransitionChoice


class Nevergrad:
    """nevergrad's discrete optimizers (DiscreteOnePlusOne, NGOpt, ...), ask/tell adapter.

    Options:
        optimizer: a name from nevergrad's registry, e.g. DiscreteOnePlusOne,
            PortfolioDiscreteOnePlusOne, DiscreteLenglerOnePlusOne, NGOpt.
        parametrization: choice (unordered states, ng.p.Choice) or transition
            (ng.p.TransitionChoice, states mutate to neighbours in index order).
        num_workers: candidates nevergrad plans to have in flight, and the most one ask
            returns; default: the batch size under rounds (a round is in flight at once),
            else 100.
        reuse_seen: answer candidates that decode to a sequence already evaluated with its
            known value instead of spending an oracle call on it.
        infeasible_penalty: an infeasible sequence's loss is the worst feasible loss seen
            plus this many times the feasible values' spread.
    """

    def __init__(self, problem: Problem, optimizer: str = "DiscreteOnePlusOne",
                 parametrization: str = "choice", num_workers: int | None = None,
                 reuse_seen: bool = True, infeasible_penalty: float = 1.0):
        if parametrization not in PARAMETRIZATIONS:
            raise ValueError(f"parametrization must be one of {', '.join(PARAMETRIZATIONS)}, "
                             f"got {parametrization!r}")
        if num_workers is None:
            num_workers = problem.batch_size if problem.rounds and problem.batch_size else 100
        if num_workers < 1:
            raise ValueError(f"num_workers must be at least 1, got {num_workers}")
        if not infeasible_penalty >= 0:
            raise ValueError(f"infeasible_penalty must be >= 0, got {infeasible_penalty}")
        import nevergrad as ng

        if optimizer not in ng.optimizers.registry:
            near = [k for k in ng.optimizers.registry if "discrete" in k.lower()][:6]
            raise ValueError(f"unknown nevergrad optimizer {optimizer!r}; e.g. "
                             f"{', '.join(near)}, NGOpt")
        self.ng, self.num_workers = ng, int(num_workers)
        self.reuse, self.penalty = bool(reuse_seen), float(infeasible_penalty)
        self.length, self.num_states = problem.length, problem.num_states
        fast_choice, fast_transition = _parameter_classes()
        if parametrization == "choice":
            # deterministic: a candidate is the argmax of its weights, so the sequence told
            # back is the one nevergrad's data stands for (the default samples a softmax)
            self.param = fast_choice(range(self.num_states), repetitions=self.length,
                                     deterministic=True)
        else:
            self.param = fast_transition(range(self.num_states), repetitions=self.length)
        self.param.random_state = np.random.RandomState(problem.rng().integers(2**31))
        start_x, start_y = (problem.warm_start if problem.warm_start is not None
                            else (problem.initial_solutions, None))
        start_x = np.asarray(start_x, dtype=np.int64).reshape(-1, self.length)
        best = start_x[int(np.argmax(start_y))] if start_y is not None else start_x[0]
        self.param.value = tuple(int(s) for s in best)
        budget = None if problem.budget is None else max(1, problem.budget - len(start_x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.opt = ng.optimizers.registry[optimizer](
                parametrization=self.param, budget=budget, num_workers=self.num_workers)
        self.seen = Seen()
        self._feasible: np.ndarray | None = None  # seen's feasible values, until the next tell
        self.pending: list[tuple[np.ndarray, object]] = []
        self.told_not_asked = 0

    def _loss(self, y: np.ndarray) -> np.ndarray:
        # a round's asks answer thousands of repeats from memory; the scale they are placed
        # on changes only when a tell adds values
        if self._feasible is None:
            self._feasible = self.seen.feasible_values()
        return -finite_values(y, self.penalty, self._feasible)

    def _tell(self, candidate, loss: float) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.opt.tell(candidate, float(loss))

    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        # rows still pending were handed out earlier in this round: under rounds the engine
        # asks again before it tells, and each ask must bring new sequences
        start, cached = len(self.pending), 0
        before = {row.tobytes() for row, _ in self.pending}
        keys = set(before)
        want, fresh = min(n, self.num_workers), 0
        # twins count towards want (as they did before rounds), but an ask brings one new row
        while len(self.pending) - start < want or not fresh:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                candidate = self.opt.ask()
            row = np.asarray(candidate.value, dtype=np.int64).reshape(self.length)
            known = self.seen.get(row)
            if self.reuse and known is not None and cached < _MAX_CACHED:
                cached += 1
                self._tell(candidate, self._loss(np.array([known]))[0])
                continue
            if row.tobytes() in keys:
                # a twin of a row already in this round: nevergrad hears of it with the twin.
                # Past the cap too: it is never this ask's new row, which would be handed out
                # twice in the round (or, when its twin came from an earlier ask, not at all)
                cached += 1
                self.pending.append((row, candidate))
                if cached > _MAX_TWINS:
                    raise ValueError(f"nevergrad proposed only known sequences or this "
                                     f"round's in {cached} asks")
                continue
            keys.add(row.tobytes())
            self.pending.append((row, candidate))
            fresh += 1
        return self._handout(start, before)

    def _handout(self, start: int, before: set[bytes]) -> np.ndarray:
        """This ask's pending rows, each once (twins ride along and learn their twin's value)."""
        out, keys = [], set(before)
        for row, _ in self.pending[start:]:
            if row.tobytes() not in keys:
                keys.add(row.tobytes())
                out.append(row)
        return np.stack(out)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self.seen.add(x, y)
        self._feasible = None
        if not self.pending:  # step 0: data nevergrad did not ask for
            for row, loss in zip(x, self._loss(y)):
                candidate = self.param.spawn_child(new_value=tuple(int(s) for s in row))
                try:
                    self._tell(candidate, loss)
                    self.told_not_asked += 1
                except self.ng.errors.TellNotAskedNotSupportedError:
                    break
            return
        values = {row.tobytes(): v for row, v in zip(x, y)}
        keep = []
        for row, candidate in self.pending:
            value = values.get(row.tobytes())
            if value is None:
                keep.append((row, candidate))
                continue
            self._tell(candidate, self._loss(np.array([value]))[0])
        self.pending = keep

    def result_extras(self) -> dict[str, int]:
        return {"told_not_asked": self.told_not_asked}


# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished
# (the default grid's run, seed 0: 19.7 CPU seconds for 3,000 evaluations on a loaded 2-core
# machine, nevergrad's import included)
Nevergrad.cost_hint = 6.6  # type: ignore[attr-defined]
