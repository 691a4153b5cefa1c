"""Choosing where to start: the top sequences, spread out by farthest-first traversal."""

from __future__ import annotations

import numpy as np


def farthest_first(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` rows of ``x`` chosen greedily to be far apart in Hamming distance.

    The first row (the best, when ``x`` is sorted by value) is always chosen; each next pick
    is the row whose nearest chosen row is farthest away (ties go to the earlier, better row).
    """
    k = min(k, len(x))
    chosen = [0]
    nearest = (x != x[0]).sum(axis=1)
    for _ in range(k - 1):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, (x != x[i]).sum(axis=1))
    return np.asarray(chosen)


def top_unique(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best distinct feasible rows of ``x``, best first."""
    feasible = np.isfinite(y)
    xs, ys = x[feasible], y[feasible]
    order = np.argsort(-ys, kind="stable")
    _, first = np.unique(xs[order], axis=0, return_index=True)
    return xs[order[np.sort(first)[:k]]]
