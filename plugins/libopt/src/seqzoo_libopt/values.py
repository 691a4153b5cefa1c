"""What the libraries need from seqzoo's values: finite numbers and a memory of what was seen."""

from __future__ import annotations

import numpy as np


def finite_values(y: np.ndarray, penalty: float = 1.0,
                  reference: np.ndarray | None = None) -> np.ndarray:
    """``y`` with ``-inf`` (infeasible) replaced by a value below every feasible one.

    The libraries here need finite numbers. An infeasible row gets the lowest feasible value
    of ``reference`` (default ``y``) minus ``penalty`` times their spread (or minus
    ``penalty`` when they do not spread), so it ranks last without stretching the scale;
    with nothing feasible, every value is 0.
    """
    y = np.asarray(y, dtype=float)
    ref = y if reference is None else np.asarray(reference, dtype=float)
    ok, ref = np.isfinite(y), ref[np.isfinite(ref)]
    if ok.all():
        return y.copy()
    if not len(ref):
        return np.where(ok, y, 0.0)
    low, spread = ref.min(), np.ptp(ref)
    return np.where(ok, y, low - penalty * (spread if spread > 0 else 1.0))


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


def check_batch(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tell``'s arguments as an int64 ``(k, L)`` batch and ``k`` floats, or a ValueError."""
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=float).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"tell needs an (k, L) batch and k values, got shapes {x.shape} and "
                         f"{y.shape}")
    return x, y
