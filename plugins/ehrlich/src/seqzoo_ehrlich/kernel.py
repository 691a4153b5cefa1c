"""Vectorised Ehrlich evaluation: feasibility and spaced-motif presence for a block of states.

The reference loops over positions in Python (one ``gather`` per start position, one log
lookup per transition). Here a block of sequences is stored *position-major* (``L x n``, one
byte per state) so that "state at position ``s + o_j`` for every start ``s``" is a contiguous
slice of rows. A motif's match count at every start position is then the sum of ``k``
shifted equality masks: ``k`` compares and ``k`` byte additions per motif over the whole
block, no loop over sequences or positions. Blocks are small enough to stay in cache.

Values are computed in float32 through the same operations as the reference (a response
table per quantized level, then a left-to-right product over motifs), so they are identical
to the reference's, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MotifKernel:
    """Everything evaluation needs, as small numpy arrays (built by :class:`Ehrlich`).

    ``allowed[a, b]``: whether ``a -> b`` is feasible. ``motifs[i, j]`` and ``offsets[i, j]``:
    element ``j`` of motif ``i`` and its offset from the motif's start. ``divisor``: matches
    per quantization level (``ceil(k / q)``). ``response[l]``: a motif's contribution when
    its best placement reaches level ``l``.
    """

    allowed: np.ndarray
    motifs: np.ndarray
    offsets: np.ndarray
    divisor: int
    response: np.ndarray

    @property
    def num_states(self) -> int:
        return len(self.allowed)

    def __call__(self, states: np.ndarray) -> np.ndarray:
        """Values of an ``(n, L)`` block of valid states: float32, ``-inf`` when infeasible."""
        columns = np.ascontiguousarray(states.T)
        values = self._motif_product(columns)
        return np.where(self._feasible(columns), values, np.float32(-np.inf))

    def feasible(self, states: np.ndarray) -> np.ndarray:
        """Whether every transition of each row of an ``(n, L)`` block is allowed."""
        return self._feasible(np.ascontiguousarray(states.T))

    def _feasible(self, columns: np.ndarray) -> np.ndarray:
        v = self.num_states
        pair_dtype = np.uint16 if v * v <= 1 << 16 else np.intp
        pairs = columns[:-1].astype(pair_dtype)
        pairs *= pair_dtype(v)
        pairs += columns[1:]
        return np.take(self.allowed.ravel(), pairs).all(axis=0)

    def _motif_product(self, columns: np.ndarray) -> np.ndarray:
        """The product over motifs of each motif's response at its best placement.

        ``columns`` is a block stored position-major: ``columns[s]`` holds position ``s`` of
        every sequence, so shifting a motif element by its offset is a slice of rows.
        """
        length, n = columns.shape
        dtype = columns.dtype.type
        product = None
        for motif, offsets in zip(self.motifs, self.offsets):
            starts = length - int(offsets[-1])
            count = np.zeros((starts, n), dtype=np.uint8 if len(motif) < 256 else np.uint16)
            match = np.empty((starts, n), dtype=bool)
            for state, offset in zip(motif, offsets):
                np.equal(columns[offset:offset + starts], dtype(state), out=match)
                count += match.view(np.uint8)
            level = count.max(axis=0) // self.divisor
            contribution = self.response[level]
            # Left to right in float32, as the reference's reduction over stacked motifs.
            product = contribution if product is None else product * contribution
        return product
