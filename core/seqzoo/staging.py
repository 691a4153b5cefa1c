"""A batch a proposer plans at once, handed out over several asks and scored over several tells.

The engine asks for at most ``batch_size`` rows, and a resumed run replays only the tells
that reached the log; a proposer that plans a larger batch (a generation, a wave, a BO
batch) keeps it in a :class:`Staged` so both stay exact.
"""

from __future__ import annotations

import numpy as np


class Staged:
    """Candidates ``x`` awaiting scores ``y``, handed out by ``take`` and scored by ``record``.

    ``take`` continues after the last candidate handed out, so the several asks that fill
    one round (nothing is told before the round is whole) hand out different rows. A resumed
    run rebuilds the proposer and replays the logged rounds, so it proposes exactly what the
    uninterrupted one would have.
    """

    def __init__(self, x: np.ndarray):
        self.x, self.y = x, np.full(len(x), np.nan)
        self.sent = self.told = 0

    @property
    def done(self) -> bool:
        """Every candidate is scored (an empty batch is done at once)."""
        return self.told == len(self.x)

    @property
    def waiting(self) -> bool:
        """Some candidates were handed out and not yet scored."""
        return self.sent > self.told

    def take(self, n: int) -> np.ndarray:
        part = self.x[self.sent: self.sent + n]
        self.sent += len(part)
        return part.copy()

    def extend(self, x: np.ndarray) -> None:
        """Add candidates behind the planned ones: a round asked for more than was planned,
        before anything of it is told."""
        self.x = np.concatenate([self.x, np.asarray(x, dtype=self.x.dtype)])
        self.y = np.concatenate([self.y, np.full(len(x), np.nan)])

    def record(self, x: np.ndarray, y: np.ndarray) -> bool:
        """Score the next handed-out candidates; returns whether the batch is now done."""
        end = self.told + len(x)
        if end > self.sent or not np.array_equal(x, self.x[self.told:end]):
            raise ValueError("tell() got sequences other than the ones ask() handed out, "
                             "in that order")
        self.y[self.told:end] = y
        self.told = end
        return self.done
