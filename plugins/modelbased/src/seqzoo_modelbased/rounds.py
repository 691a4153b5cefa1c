"""The ask/tell both designers share: every label kept, one planned round handed out at a time.

A subclass sets ``length`` and implements ``_plan()``, which returns the next round's new
sequences from ``labelled()``; the round is served over as many asks as the engine makes
(:class:`seqzoo.staging.Staged`), so any batch size proposes the same sequences.
"""

from __future__ import annotations

import numpy as np
from seqzoo.staging import Staged
from seqzoo.values import check_batch


class RoundProposer:
    """Labels so far (``labelled``, ``seen``), the planned round, and a count of rounds."""

    length: int

    def _start_rounds(self) -> None:
        self.xs: list[np.ndarray] = []
        self.ys: list[np.ndarray] = []
        self.seen: set[bytes] = set()
        self.staged = Staged(np.empty((0, self.length), dtype=np.int64))
        self.rounds = 0

    def labelled(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.xs), np.concatenate(self.ys)

    def _plan(self) -> np.ndarray:
        raise NotImplementedError

    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.staged.done:
            self.staged = Staged(self._plan())
        return self.staged.take(n)

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self.xs.append(x)
        self.ys.append(y)
        self.seen.update(row.tobytes() for row in x)
        if self.staged.waiting:
            self.staged.record(x, y)

    def result_extras(self) -> dict[str, int]:
        return {"rounds": self.rounds}
