"""Training data from labelled sequences: edit pairs and DPO preference triples.

Both come from Hamming neighbourhoods: two sequences are neighbours when their normalised
Hamming distance (fraction of differing sites) is at most ``threshold`` (the paper: 0.25),
and each sequence keeps at most its ``neighbours`` nearest ones (the paper: 30 approximate
nearest neighbours; here exact, with ties broken at random).

* **Edit pairs** (SFT, MargE, REINFORCE): an unordered neighbour pair, oriented so that the
  prompt is the worse sequence and the target the better one; equal-valued pairs teach
  nothing and are dropped; pairs involving an infeasible sequence make at most
  ``max_infeasible_fraction`` of the result, so the model mostly sees feasible targets.
* **Triples** (DPO): ``(x, y_w, y_l)`` drawn from one neighbourhood of ``x`` with
  ``f(y_w) > f(x) >= f(y_l)``: the chosen sequence improves on the prompt, the rejected does
  not; zipped per anchor, or all of them as the reference code does (``mode``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Rows of the distance matrix computed at once: bounds memory at chunk x n x L booleans.
_CHUNK = 128


def unique_labelled(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeated sequences (the first value seen is kept; the oracle is deterministic)."""
    _, first = np.unique(x, axis=0, return_index=True)
    first = np.sort(first)
    return x[first], y[first]


def neighbours(x: np.ndarray, threshold: float, k: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Directed neighbour lists as ``(anchor, neighbour)`` index arrays, nearest first."""
    n, length = x.shape
    limit = int(np.floor(threshold * length + 1e-9))
    m = min(k, n - 1)
    if m <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    anchors, others = [], []
    for start in range(0, n, _CHUNK):
        block = x[start:start + _CHUNK]
        dist = (block[:, None, :] != x[None, :, :]).sum(-1).astype(float)
        rows = np.arange(len(block))
        dist[rows, start + rows] = np.inf
        dist[dist > limit] = np.inf
        dist += rng.random(dist.shape) * 0.5  # integer distances: break ties at random
        nearest = np.argpartition(dist, m - 1, axis=1)[:, :m]
        order = np.argsort(np.take_along_axis(dist, nearest, 1), axis=1)
        nearest = np.take_along_axis(nearest, order, 1)
        ok = np.isfinite(np.take_along_axis(dist, nearest, 1))
        anchors.append(np.broadcast_to((start + rows)[:, None], nearest.shape)[ok])
        others.append(nearest[ok])
    return np.concatenate(anchors), np.concatenate(others)


def edit_pairs(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, *,
               threshold: float = 0.25, k: int = 30, max_infeasible_fraction: float = 0.1,
               max_pairs: int | None = None) -> list[dict[str, Any]]:
    """Worse -> better neighbour pairs as trainer examples (see the module docstring)."""
    x, y = unique_labelled(np.asarray(x), np.asarray(y, dtype=float))
    a, b = neighbours(x, threshold, k, rng)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo, hi], 1), axis=0) if len(a) else np.empty((0, 2), int)
    i, j = pairs[:, 0], pairs[:, 1]
    keep = y[i] != y[j]  # also drops two infeasible sequences (-inf == -inf)
    i, j = i[keep], j[keep]
    worse = np.where(y[i] < y[j], i, j)
    better = np.where(y[i] < y[j], j, i)
    infeasible = ~np.isfinite(y[worse])
    feasible_idx = np.flatnonzero(~infeasible)
    infeasible_idx = np.flatnonzero(infeasible)
    f = max_infeasible_fraction
    cap = int(np.floor(f / (1 - f) * len(feasible_idx))) if f < 1 else len(infeasible_idx)
    chosen = np.concatenate([feasible_idx,
                             rng.permutation(infeasible_idx)[:cap]])
    chosen = rng.permutation(chosen)
    if max_pairs is not None:
        chosen = chosen[:max_pairs]
    return [{"prompt": x[worse[c]].tolist(), "target": x[better[c]].tolist(),
             "prompt_value": float(y[worse[c]]), "target_value": float(y[better[c]])}
            for c in chosen]


def preference_triples(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, *,
                       threshold: float = 0.25, k: int = 30, max_triples: int | None = None,
                       mode: str = "zipped",
                       max_infeasible_fraction: float = 0.1) -> list[dict[str, Any]]:
    """DPO triples ``(prompt, chosen, rejected)`` with ``f(chosen) > f(prompt) >= f(rejected)``.

    ``mode="zipped"`` (this project's choice): per anchor, its improving and non-improving
    neighbours are shuffled and zipped, so each neighbour is used at most once. ``"all"``
    (the reference code): infeasible sequences are first capped at
    ``max_infeasible_fraction`` of the rows, then every ordered pair of the anchor's
    neighbourhood that qualifies is a triple, and so is ``(x, y_w, x)`` for every improving
    neighbour ``y_w`` (the prompt itself as the rejected sequence).
    """
    if mode not in ("zipped", "all"):
        raise ValueError(f"mode must be 'zipped' or 'all', got {mode!r}")
    x, y = unique_labelled(np.asarray(x), np.asarray(y, dtype=float))
    if mode == "all":
        x, y = _cap_infeasible_rows(x, y, max_infeasible_fraction, rng)
    a, b = neighbours(x, threshold, k, rng)
    triples: list[tuple[int, int, int]] = []
    bounds = np.searchsorted(a, np.arange(len(x) + 1))  # a is sorted: neighbours by anchor
    for anchor in range(len(x)):
        hood = b[bounds[anchor]:bounds[anchor + 1]]
        better = y[hood] > y[anchor]
        if mode == "zipped":
            up, down = rng.permutation(hood[better]), rng.permutation(hood[~better])
            triples.extend((anchor, w, l) for w, l in zip(up, down))
        else:
            down = np.append(hood[~better], anchor)
            triples.extend((anchor, w, l) for w in hood[better] for l in down)
    order = rng.permutation(len(triples))
    if max_triples is not None:
        order = order[:max_triples]
    return [{"prompt": x[triples[t][0]].tolist(), "chosen": x[triples[t][1]].tolist(),
             "rejected": x[triples[t][2]].tolist()} for t in order]


def _cap_infeasible_rows(x: np.ndarray, y: np.ndarray, fraction: float,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Keep every feasible row and at most ``fraction`` of the result infeasible ones."""
    feasible = np.isfinite(y)
    bad = np.flatnonzero(~feasible)
    cap = len(bad) if fraction >= 1 else int(np.round(fraction / (1 - fraction) * feasible.sum()))
    keep = np.sort(np.concatenate([np.flatnonzero(feasible), rng.permutation(bad)[:cap]]))
    return x[keep], y[keep]
