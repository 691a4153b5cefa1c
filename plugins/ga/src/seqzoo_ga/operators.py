"""Selection and variation on ``(n, L)`` integer batches, shared by the proposers.

Every operator takes the ``numpy.random.Generator`` it draws from, so a proposer seeded from
its run reproduces itself exactly.
"""

from __future__ import annotations

import math

import numpy as np


def mutate(x: np.ndarray, prob: float, num_states: int, rng: np.random.Generator) -> np.ndarray:
    """Replace each site, with probability ``prob``, by a uniformly drawn state.

    The new state may equal the old one (as in the reference GA), so a site actually changes
    with probability ``prob * (num_states - 1) / num_states``.
    """
    hit = rng.random(x.shape) < prob
    return np.where(hit, rng.integers(0, num_states, size=x.shape), x)


def uniform_crossover(first: np.ndarray, second: np.ndarray, prob: float,
                      rng: np.random.Generator) -> np.ndarray:
    """Children taking each site from ``first`` with probability ``prob``, else from ``second``."""
    return np.where(rng.random(first.shape) < prob, first, second)


def quantile_survivors(scores: np.ndarray, quantile: float) -> np.ndarray:
    """Who survives the reference GA's selection: a boolean mask over ``scores``.

    A particle survives when its loss (``-score``) is at or below the ``quantile``-quantile
    of all losses (linear interpolation, as ``torch.quantile``), so ties at the threshold all
    survive. Infeasible particles (``-inf``) never survive while a feasible one exists; with
    none feasible, everyone survives. The reference differs in one corner: when so few are
    feasible that the quantile lands on an infeasible loss, it keeps everyone.
    """
    feasible = np.isfinite(scores)
    if not feasible.any():
        return np.ones(len(scores), dtype=bool)
    # The quantile interpolates between the order statistics at floor and ceil of this rank.
    upper_rank = math.ceil(quantile * (len(scores) - 1))
    if feasible.sum() <= upper_rank:
        return feasible
    losses = -scores
    return losses <= np.quantile(losses, quantile)


def ranked_survivors(scores: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``count`` best scores, ties broken at random; feasible ones first.

    Random tie-breaking lets a population drift across plateaus of equal value instead of
    keeping the oldest of equals forever.
    """
    order = np.lexsort((rng.random(len(scores)), -scores))
    best = order[:count]
    feasible = np.isfinite(scores[best])
    return best[feasible] if feasible.any() else best
