"""Statistics over seeds and across proposers, in plain numpy.

Seeds are few (3-10), so every summary is robust: medians and interquartile ranges, a
percentile bootstrap for the median's 95% interval, ranks and win rates on *paired* seeds
(seed s of every proposer starts from the same initial solutions), and a normalised score
in the style of Bayesmark: 0 at the optimum, 1 at the median of the ``random`` proposer.
"""

from __future__ import annotations

import numpy as np

#: Resamples of the bootstrap; fixed, with a fixed generator, so reports are reproducible.
BOOTSTRAP = 2000


def quartiles(values: np.ndarray) -> tuple[float, float, float]:
    """``(median, q25, q75)`` of the non-NaN values (NaNs if there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return (np.nan, np.nan, np.nan)
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return float(med), float(q25), float(q75)


def bootstrap_ci(values: np.ndarray, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the median over seeds."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return (np.nan, np.nan)
    rng = np.random.default_rng(seed)
    medians = np.median(v[rng.integers(0, len(v), size=(BOOTSTRAP, len(v)))], axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(medians, [tail, 100 - tail])
    return float(lo), float(hi)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks of ``values`` (1 = largest), ties sharing the mean of their ranks."""
    v = np.asarray(values, dtype=float)
    order = np.argsort(-v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    for value in np.unique(v):
        tied = v == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def mean_ranks(table: np.ndarray) -> np.ndarray:
    """Mean rank of each row of a ``(methods, blocks)`` table of values (higher is better).

    A block is one paired comparison (an oracle and a seed); blocks where some method has
    no value are left out so that every method is ranked on the same blocks.
    """
    t = np.asarray(table, dtype=float)
    full = ~np.isnan(t).any(axis=0)
    if not full.any():
        return np.full(len(t), np.nan)
    return np.mean([average_ranks(t[:, j]) for j in np.flatnonzero(full)], axis=0)


def win_rates(table: np.ndarray) -> np.ndarray:
    """``W[i, j]``: fraction of the blocks both have where method i beats method j (a tie
    counts one half); NaN on the diagonal and where two methods share no block."""
    t = np.asarray(table, dtype=float)
    m = len(t)
    out = np.full((m, m), np.nan)
    for i in range(m):
        for j in range(m):
            both = ~np.isnan(t[i]) & ~np.isnan(t[j])
            if i != j and both.any():
                a, b = t[i, both], t[j, both]
                out[i, j] = float(np.mean((a > b) + 0.5 * (a == b)))
    return out


def normalised_score(best: np.ndarray, optimum: float, random_median: float) -> np.ndarray:
    """``(optimum - best) / (optimum - random_median)``: 0 solves, 1 matches ``random``'s
    median, above 1 is worse than it. NaN when ``random`` reached the optimum itself."""
    gap = optimum - random_median
    if not np.isfinite(gap) or gap <= 0:
        return np.full(np.shape(best), np.nan)
    return (optimum - np.asarray(best, dtype=float)) / gap


def step_values(evaluations: np.ndarray, best: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A best-so-far step function (``best[i]`` from ``evaluations[i]`` on) read at ``at``;
    ``-inf`` before its first point, its last value after its end (a run that stopped on
    the optimum keeps it)."""
    idx = np.searchsorted(np.asarray(evaluations), np.asarray(at), side="right") - 1
    return np.where(idx >= 0, np.asarray(best, dtype=float)[np.maximum(idx, 0)], -np.inf)
