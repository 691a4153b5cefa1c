"""Input checks shared by the oracles."""

from __future__ import annotations

import numpy as np


def check_batch(x, length: int, states: int) -> np.ndarray:
    """An ``(n, length)`` int64 batch with every state in ``[0, states)``, or ValueError."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != length:
        raise ValueError(f"expected an (n, {length}) batch, got shape {x.shape}")
    if x.dtype.kind not in "iu":
        raise ValueError(f"expected integer states, got dtype {x.dtype}")
    if x.size and (x.min() < 0 or x.max() >= states):
        raise ValueError(f"states must lie in [0, {states}), got {x.min()}..{x.max()}")
    return x.astype(np.int64, copy=False)
