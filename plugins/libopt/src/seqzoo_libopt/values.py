"""A memory of what was seen; finite values and batch checks come from :mod:`seqzoo.values`."""

from __future__ import annotations

import numpy as np
from seqzoo.values import check_batch, finite_values

__all__ = ["Seen", "check_batch", "finite_values"]


class Seen:
    """Values of every sequence told so far, by row bytes."""

    def __init__(self) -> None:
        self.values: dict[bytes, float] = {}
        self.best_x: np.ndarray | None = None
        self.best_y = -np.inf

    def add(self, x: np.ndarray, y: np.ndarray) -> None:
        for row, value in zip(x, y):
            self.values[row.tobytes()] = float(value)
            if self.best_x is None or value > self.best_y:
                self.best_x, self.best_y = row.copy(), float(value)

    def feasible_values(self) -> np.ndarray:
        """Every feasible value told so far (the scale infeasible rows are placed below)."""
        y = np.fromiter(self.values.values(), dtype=float, count=len(self.values))
        return y[np.isfinite(y)]

    def get(self, row: np.ndarray) -> float | None:
        return self.values.get(row.tobytes())

    def __contains__(self, row: np.ndarray) -> bool:
        return row.tobytes() in self.values

    def __len__(self) -> int:
        return len(self.values)
