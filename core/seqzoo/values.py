"""What optimizers built on other libraries need from seqzoo's values.

Values are floats to maximise with ``-inf`` for an infeasible sequence; most libraries (CMA-ES,
GPs, regressors) need finite numbers, and every ``tell`` needs its arguments checked.
"""

from __future__ import annotations

import numpy as np


def finite_values(y: np.ndarray, penalty: float = 1.0,
                  reference: np.ndarray | None = None) -> np.ndarray:
    """``y`` with ``-inf`` (infeasible) replaced by a value below every feasible one.

    An infeasible row gets the lowest feasible value of ``reference`` (default ``y``) minus
    ``penalty`` times their spread (or minus ``penalty`` when they do not spread), so it ranks
    last without stretching the scale; with nothing feasible, every value is 0.
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


def check_batch(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tell``'s arguments as an int64 ``(k, L)`` batch and ``k`` floats, or a ValueError."""
    x, y = np.asarray(x, dtype=np.int64), np.asarray(y, dtype=float).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"tell needs an (k, L) batch and k values, got shapes {x.shape} and "
                         f"{y.shape}")
    return x, y
