"""The ask/tell both designers share: every label kept, one planned round handed out at a time.

A subclass sets ``length`` and ``batch_size`` and implements ``_plan(size, fresh)``, which
returns new sequences from ``labelled()``. A planned round is handed out over as many asks
as the engine makes. Under the engine's rounds nothing is told until the round is full, so
an ask that finds the plan used up while rows still await their values (the engine's round
is larger than the plan, or the plan came back short) plans again with ``fresh=False``:
the same labels, the model already fitted this round, and the handed-out rows counted as
seen, so every ask hands out new rows.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np
from seqzoo import Problem
from seqzoo.staging import Staged
from seqzoo.surrogates import Model, build_model
from seqzoo.values import check_batch

if TYPE_CHECKING:  # torch loads when a model is built, not when `zoo list` reads options
    from .ensemble import Ensemble


class RoundProposer:
    """Labels so far (``labelled``, ``seen``), the planned rows, and a count of rounds."""

    length: int
    batch_size: int
    #: the surrogate a ``model=SPEC`` option names (queries counted and capped per round),
    #: or None, when the built-in ``ensemble`` ranks candidates uncounted
    model: Model | None
    ensemble: Ensemble | None

    def _start_model(self, problem: Problem, model: str | None,
                     ensemble: Callable[[], Ensemble]) -> None:
        self.model = None if model is None else build_model(model, problem)
        self.ensemble = ensemble() if model is None else None

    @contextmanager
    def _torch_seeded(self) -> Iterator[None]:
        """torch's global stream seeded from the proposer's own, and put back afterwards."""
        import torch

        with torch.random.fork_rng():
            torch.manual_seed(int(self.rng.integers(2**31)))
            yield

    def _fit(self, x: np.ndarray, y: np.ndarray) -> None:
        (self.ensemble if self.model is None else self.model).fit(x, y)

    def _affordable(self, n: int) -> int:
        """How many of ``n`` rows the round's model queries still cover."""
        return n if self.model is None else min(n, self.model.remaining)

    def _predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means and spreads; a surrogate without spreads (``nam``) has spread 0."""
        if self.model is None:
            return self.ensemble.predict(x)
        mean, std = self.model.predict(x)
        return mean, np.zeros_like(mean) if std is None else std

    def _start_rounds(self) -> None:
        self.xs: list[np.ndarray] = []
        self.ys: list[np.ndarray] = []
        #: every row labelled or handed out: a plan proposes none of them again
        self.seen: set[bytes] = set()
        self.staged = Staged(np.empty((0, self.length), dtype=np.int64))
        self.rounds = 0

    def labelled(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.xs), np.concatenate(self.ys)

    def _plan(self, size: int, fresh: bool) -> np.ndarray:
        """Up to ``size`` new rows; ``fresh`` is False for a top-up of a round in progress."""
        raise NotImplementedError

    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.staged.done:
            self.staged = Staged(self._plan(self.batch_size, True))
        elif self.staged.sent == len(self.staged.x):  # used up, rows still await values
            self.staged.extend(self._plan(n, False))
        part = self.staged.take(n)
        self.seen.update(row.tobytes() for row in part)
        return part

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        if self.staged.waiting:  # step 0 and warm starts come without an ask
            self.staged.record(x, y)
        self.xs.append(x)
        self.ys.append(y)
        self.seen.update(row.tobytes() for row in x)

    def result_extras(self) -> dict[str, int]:
        return {"rounds": self.rounds}
