"""Which differences between proposers are real: a Friedman test on paired blocks, then
Nemenyi's post-hoc test, summarised as a compact letter display and a critical difference.

A block is one paired comparison -- an oracle and a seed, where every proposer started from
the same initial solutions -- so the tests are the rank tests for repeated measures of
Demsar (2006), "Statistical comparisons of classifiers over multiple data sets": the
Friedman test asks whether the mean ranks differ at all; only if it rejects at ``ALPHA`` are
pairs compared, by Nemenyi's test, which declares two proposers different when their mean
ranks differ by at least the critical difference ``CD``. Nemenyi is chosen over Wilcoxon's
signed-rank test with Holm's correction because the latter cannot reject anything on fewer
than six blocks (its smallest two-sided p-value on five is 1/16), and a grid of five seeds
is a common size; Nemenyi compares all pairs on the same scale as the CD diagram draws.

The distributions come from ``scipy.stats`` (``friedmanchisquare`` and
``studentized_range``), the optional extra ``seqzoo[stats]``: without scipy, and with fewer
than :data:`MIN_BLOCKS` blocks, nothing is tested and :attr:`Significance.reason` says why.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

import numpy as np

from .stats import average_ranks

#: The level of every test, and of the letters.
ALPHA = 0.05
#: Fewer complete blocks than this and nothing is tested: the tests' large-sample
#: distributions mean little below it, and on 3 or 4 blocks a "group" would say more than
#: the seeds can.
MIN_BLOCKS = 5


def available() -> bool:
    from importlib.util import find_spec

    return find_spec("scipy") is not None


@dataclass
class Significance:
    """The tests on one set of blocks (one oracle's seeds, or every oracle's)."""

    #: The proposers, in the order of the table's rows.
    proposers: tuple[str, ...]
    #: Complete blocks (those where every proposer has a value).
    blocks: int
    #: Mean rank of each proposer over the complete blocks (1 = best).
    mean_ranks: np.ndarray
    #: The Friedman test's p-value (``None`` when not tested).
    friedman_p: float | None = None
    #: ``p[i, j]``: Nemenyi's p-value for proposers i and j (1 on the diagonal).
    pairwise_p: np.ndarray | None = None
    #: The smallest difference of mean ranks that Nemenyi's test calls significant.
    critical_difference: float | None = None
    #: The letters of each proposer: two that share a letter are not distinguishable at
    #: :data:`ALPHA`. Empty when not tested.
    groups: dict[str, str] = field(default_factory=dict)
    #: Why nothing was tested (``None`` when it was).
    reason: str | None = None
    alpha: float = ALPHA

    @property
    def tested(self) -> bool:
        return self.reason is None

    def different(self) -> np.ndarray:
        """``D[i, j]``: proposers i and j differ at ``alpha`` (after a Friedman test that
        rejected; no pair differs when it did not)."""
        k = len(self.proposers)
        if not self.tested or self.friedman_p is None or self.friedman_p >= self.alpha:
            return np.zeros((k, k), dtype=bool)
        return self.pairwise_p < self.alpha


def test(table: np.ndarray, proposers: tuple[str, ...] | list[str],
         alpha: float = ALPHA) -> Significance:
    """Test a ``(proposers, blocks)`` table of values to maximise (NaN = no run; blocks
    with a NaN are left out, so every proposer is ranked on the same blocks)."""
    t = np.asarray(table, dtype=float).reshape(len(proposers), -1)
    names = tuple(proposers)
    full = t[:, ~np.isnan(t).any(axis=0)]
    k, n = full.shape
    ranks = (np.mean([average_ranks(full[:, j]) for j in range(n)], axis=0) if n
             else np.full(k, np.nan))
    out = Significance(names, n, ranks, alpha=alpha)
    if k < 2:
        out.reason = "one proposer: nothing to compare"
    elif n < MIN_BLOCKS:
        out.reason = (f"{n} paired block{'s' if n != 1 else ''} (seeds with every "
                      f"proposer's run): at least {MIN_BLOCKS} are needed to test")
    elif not available():
        out.reason = "scipy is not installed (pip install 'seqzoo[stats]')"
    if not out.tested:
        return out
    from scipy import stats as sps

    # Nemenyi: |R_i - R_j| / sqrt(k(k+1) / 6n) is a studentized range over sqrt(2)
    # (Demsar 2006, section 3.2.2), with infinite degrees of freedom.
    scale = math.sqrt(k * (k + 1) / (6.0 * n))
    q = np.abs(ranks[:, None] - ranks[None, :]) / scale * math.sqrt(2)
    # the distribution is a slow numerical integral: each distinct pair's statistic once
    upper = np.triu_indices(k, 1)
    distinct, where = np.unique(q[upper], return_inverse=True)
    p = np.ones((k, k))
    p[upper] = np.where(distinct > 0, sps.studentized_range.sf(distinct, k, np.inf), 1.0)[where]
    out.pairwise_p = np.minimum(p, p.T)
    out.critical_difference = float(sps.studentized_range.ppf(1 - alpha, k, np.inf)
                                     / math.sqrt(2) * scale)
    if all(len(np.unique(full[:, j])) == 1 for j in range(n)):
        out.friedman_p = 1.0  # every block a tie: Friedman's statistic is 0 / 0
    elif k == 2:
        # scipy's Friedman test wants three samples; for two its statistic is the square of
        # Nemenyi's z (exactly so without ties: both test one mean-rank difference)
        out.friedman_p = float(out.pairwise_p[0, 1])
    else:
        out.friedman_p = float(sps.friedmanchisquare(*full).pvalue)
    out.groups = letters(names, ranks, out.different())
    return out


def letters(names: tuple[str, ...], ranks: np.ndarray, different: np.ndarray
            ) -> dict[str, str]:
    """A compact letter display: one letter per maximal set of proposers no two of which
    differ, so two proposers share a letter exactly when they are not distinguishable;
    ``a`` goes to the set holding the best mean rank, and so on down."""
    k = len(names)
    same = [{j for j in range(k) if j != i and not different[i, j]} for i in range(k)]
    cliques: list[set[int]] = []

    def grow(r: set[int], p: set[int], x: set[int]) -> None:  # Bron-Kerbosch with pivot
        if not p and not x:
            cliques.append(r)
            return
        pivot = max(p | x, key=lambda u: len(same[u] & p))
        for v in sorted(p - same[pivot]):
            grow(r | {v}, p & same[v], x & same[v])
            p = p - {v}
            x = x | {v}

    grow(set(), set(range(k)), set())
    cliques.sort(key=lambda c: (min(ranks[i] for i in c), sorted(ranks[i] for i in c)))
    alphabet = string.ascii_lowercase + string.ascii_uppercase
    out = {name: "" for name in names}
    for letter, clique in zip(alphabet, cliques):
        for i in clique:
            out[names[i]] += letter
    return out
