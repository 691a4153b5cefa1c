"""Rough Mount Fuji (Neidhart et al. 2014), the same landscape as pytorch-holo's for each seed.

A binary landscape: a smooth cone around a hidden centroid (``-additive_term`` per site away
from it) plus a fixed random field (``random_term[i]`` for each site set to 1). Values are
float32 sums computed with the reference's torch operations, so they match it bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .checks import count, finite, seed
from .inputs import as_numpy_batch, state_blocks
from .observe import observe

#: Sequences per evaluation block (bounds the float32 copies torch needs).
BLOCK_ROWS = 1 << 14


class RoughMtFuji:
    """Rough Mount Fuji: a tunably rugged binary landscape around a hidden centroid.

    Same constructor, attributes (``centroids``, ``_random_term``) and helpers as
    ``holo.test_functions.closed_form.RoughMtFuji``. Call it on an ``(n, dim)`` numpy array
    or torch tensor of 0/1 states; it returns float32 values of the same kind. As a seqzoo
    oracle its alphabet is ``"01"`` and its initial solution is drawn from ``random_seed``
    (the reference's ``initial_solution`` draws from torch's global stream instead).
    """

    num_states = 2
    alphabet = "01"

    def __init__(self, dim: int = 2, additive_term: float = 0.25, random_term_std: float = 1.0,
                 noise_std: float = 0.0, negate: bool = False, random_seed: int = 0) -> None:
        self.dim = count(dim, "dim", 1)
        self._additive_term = finite(additive_term, "additive_term")
        self._random_term_std = finite(random_term_std, "random_term_std", minimum=0.0)
        self.noise_std = finite(noise_std, "noise_std", minimum=0.0)
        self.negate, self.random_seed = bool(negate), seed(random_seed)
        self._generator = torch.Generator().manual_seed(self.random_seed)
        self.centroids = torch.randint(0, 2, (1, self.dim), generator=self._generator)
        self._random_term = (torch.randn(1, self.dim, generator=self._generator)
                             * self._random_term_std)

    @property
    def length(self) -> int:
        return self.dim

    @property
    def _optimal_value(self) -> float:
        return float(self.evaluate_true(self.optimal_solution())[0])

    @property
    def optimal_value(self) -> float:
        """The value of :meth:`optimal_solution` (negated with ``negate``)."""
        return -self._optimal_value if self.negate else self._optimal_value

    def initial_solutions(self) -> np.ndarray:
        """One uniformly random ``(1, dim)`` sequence, always the same for ``random_seed``."""
        return np.random.default_rng(self.random_seed % 2**64).integers(0, 2, size=(1, self.dim))

    def __call__(self, X: Any, noise: bool = True) -> Any:
        """Observed values: true values, plus noise, negated if asked (as botorch does)."""
        return observe(self.evaluate_true(X), self.noise_std if noise else 0.0, self.negate)

    forward = __call__

    def evaluate_true(self, X: Any) -> Any:
        """Noise-free float32 values of an ``(n, dim)`` batch of 0/1 states."""
        arr, give_back = as_numpy_batch(X, self.dim)
        values = np.empty(len(arr), dtype=np.float32)
        for start, block in state_blocks(arr, 2, BLOCK_ROWS):
            x = torch.from_numpy(block).float()
            distance = (x - self.centroids).pow(2).sum(dim=-1)
            field = (self._random_term * x).sum(dim=-1)
            values[start:start + len(block)] = (-self._additive_term * distance + field).numpy()
        return give_back(values)

    def initial_solution(self, n: int = 1) -> torch.Tensor:
        """As the reference: re-seeds its generator, then draws from torch's global stream."""
        self._generator.manual_seed(self.random_seed)
        return self.random_solution(n)

    def random_solution(self, n: int = 1) -> torch.Tensor:
        """``n`` uniformly random 0/1 sequences from torch's global stream."""
        samples = torch.randint(self.num_states, (count(n, "n", 1), self.dim))
        return samples.squeeze(0) if n == 1 else samples

    def optimal_solution(self) -> torch.Tensor:
        """The centroid, with each site flipped wherever the random field outweighs the cone.

        A ``(1, dim)`` tensor, as the reference returns it.
        """
        solution = self.centroids.clone()
        solution = torch.where(self._random_term - self._additive_term > 0,
                               torch.ones_like(solution), solution)
        return torch.where(self._random_term + self._additive_term < 0,
                           torch.zeros_like(solution), solution)

    def __repr__(self) -> str:
        return (f"RoughMtFuji(dim={self.dim}, additive_term={self._additive_term}, "
                f"random_term_std={self._random_term_std}, noise_std={self.noise_std}, "
                f"negate={self.negate}, random_seed={self.random_seed})")


class RoughMtFujiOracle(RoughMtFuji):
    """The reference class, except that ``optimal_solution()`` is one ``(dim,)`` sequence as
    seqzoo's protocol has it (the reference returns a ``(1, dim)`` batch)."""

    @property
    def _optimal_value(self) -> float:
        return float(self.evaluate_true(super().optimal_solution())[0])

    def optimal_solution(self):
        return super().optimal_solution()[0]
