"""Ehrlich functions (Stanton et al. 2024), the same function as pytorch-holo's for each seed.

An Ehrlich function scores a sequence of ``dim`` states by how much of each of ``num_motifs``
hidden *spaced motifs* it contains, and rules out sequences that use a transition the hidden
Markov process forbids. Construction draws from one ``torch.Generator`` in the reference's
order (see :mod:`seqzoo_ehrlich.markov`); evaluation runs in blocks through the vectorised
:class:`~seqzoo_ehrlich.kernel.MotifKernel`.

torch is imported only where it is needed: the presets' constructions are shipped as data
(:mod:`seqzoo_ehrlich.constructions`), so building and evaluating one of them is numpy only,
and the reference's torch attributes (``transition_matrix``, ``motifs``, ...) are drawn on
first access.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from seqzoo.protocol import default_alphabet

from .checks import count, finite, seed
from .constructions import Construction, lookup
from .inputs import as_numpy_batch, state_blocks
from .kernel import MotifKernel
from .observe import observe

#: Bytes of states per evaluation block: small enough to stay in cache, large enough that
#: numpy's per-call overhead vanishes.
BLOCK_BYTES = 1 << 18


class Ehrlich:
    """Ehrlich function: spaced motifs under a banded Markov feasibility constraint.

    Same constructor, attributes (``transition_matrix``, ``motifs``, ``spacings``, ...) and
    helpers as ``holo.test_functions.closed_form.Ehrlich``, and for the same arguments the same
    numbers. Call it on an ``(n, dim)`` numpy array or torch tensor of states: it returns
    float32 values of the same kind, ``-inf`` for infeasible rows (``+inf`` with ``negate``).
    It is also a seqzoo oracle (``alphabet``, ``length``, ``optimal_value``,
    ``initial_solutions``).

    Unlike the reference, a call with ``noise_std=0`` draws no random numbers, so it leaves
    torch's global random state alone.
    """

    def __init__(self, num_states: int = 5, dim: int = 7, num_motifs: int = 1,
                 motif_length: int = 3, quantization: int | None = None,
                 epistasis_factor: float = 0.0, noise_std: float = 0.0, negate: bool = False,
                 random_seed: int = 0) -> None:
        v, length, c, k = (count(num_states, "num_states", 2), count(dim, "dim", 1),
                           count(num_motifs, "num_motifs", 1),
                           count(motif_length, "motif_length", 2))
        q = _quantization(quantization, k)
        if c * k > length:
            raise ValueError(f"num_motifs * motif_length = {c} * {k} = {c * k} exceeds "
                             f"dim = {length}: expected the motifs to fit in the sequence")
        self.epistasis_factor = finite(epistasis_factor, "epistasis_factor")
        self.noise_std = finite(noise_std, "noise_std", minimum=0.0)
        self.num_states, self.dim, self.num_motifs, self.motif_length = v, length, c, k
        self.quantization, self.negate = q, bool(negate)
        self.random_seed = seed(random_seed)

        self._reference: dict[str, Any] | None = None
        construction = lookup(v, length, c, k, self.random_seed)
        if construction is None:
            construction = self._draw()
        self._construction = construction
        self._kernel = MotifKernel(
            allowed=construction.allowed,
            motifs=construction.motifs,
            offsets=np.array([[0, *np.cumsum(s)] for s in construction.spacings]),
            divisor=math.ceil(k / q),
            response=self._response_table(),
        )

    def _draw(self) -> Construction:
        """The reference's draws from one ``torch.Generator``, kept as torch attributes too."""
        import torch

        from .markov import (feasible_transitions, is_ergodic, sample_chains,
                             sparse_ergodic_transition_matrix, stationary_distribution)

        v, c, k = self.num_states, self.num_motifs, self.motif_length
        generator = torch.Generator().manual_seed(self.random_seed)
        transition_matrix = sparse_ergodic_transition_matrix(v, generator)
        if not is_ergodic(transition_matrix):
            raise ValueError(f"random_seed={self.random_seed} gives a transition matrix that "
                             f"is not ergodic for num_states={v}; expected an ergodic one, "
                             f"try another seed")
        stationary_dist = stationary_distribution(transition_matrix)
        slack = self.dim - c * k
        chain = sample_chains(stationary_dist.squeeze(-1), transition_matrix, c * k, 1,
                              generator).squeeze(0)
        motifs = torch.chunk(chain, c, dim=0)
        spacings = [_spacing(k, slack // c, generator) for _ in range(c)]
        self._reference = dict(generator=generator, transition_matrix=transition_matrix,
                               stationary_dist=stationary_dist, motifs=motifs,
                               spacings=spacings, initial_dist=torch.ones(v) / v)
        initial = self.initial_solution(1).numpy()
        return Construction(allowed=feasible_transitions(transition_matrix),
                            motifs=torch.stack(motifs).numpy(),
                            spacings=torch.stack(spacings).numpy(), initial=initial)

    def _torch(self, name: str) -> Any:
        # A shipped construction has no torch objects: draw them the first time one is asked
        # for (same seed, same draws), so the reference's attributes are all still there.
        if self._reference is None:
            self._draw()
        return self._reference[name]

    @property
    def transition_matrix(self) -> Any:
        """The ``(v, v)`` row-stochastic torch matrix; zeros are infeasible transitions."""
        return self._torch("transition_matrix")

    @property
    def stationary_dist(self) -> Any:
        """Its stationary distribution, a ``(v, 1)`` torch column."""
        return self._torch("stationary_dist")

    @property
    def initial_dist(self) -> Any:
        """Uniform over the states, as the reference keeps it (a torch vector)."""
        return self._torch("initial_dist")

    @property
    def motifs(self) -> tuple:
        """The ``num_motifs`` motifs, each a torch vector of ``motif_length`` states."""
        return self._torch("motifs")

    @property
    def spacings(self) -> list:
        """Each motif's gaps between consecutive elements (torch vectors)."""
        return self._torch("spacings")

    @property
    def _generator(self) -> Any:
        return self._torch("generator")

    # -- seqzoo oracle ---------------------------------------------------------------------
    @property
    def alphabet(self) -> str:
        """One printable token per state (seqzoo's default alphabet)."""
        return default_alphabet(self.num_states)

    @property
    def length(self) -> int:
        return self.dim

    @property
    def optimal_value(self) -> float:
        """1.0, or -1.0 with ``negate`` (as botorch reports it)."""
        return -1.0 if self.negate else 1.0

    def initial_solutions(self) -> np.ndarray:
        """The one Markov-chain sample the papers start from, as a ``(1, dim)`` int64 array."""
        return self._construction.initial[None, :].copy()

    # -- values ----------------------------------------------------------------------------
    def __call__(self, X: Any, noise: bool = True) -> Any:
        """Observed values of a batch: the true values, plus noise, negated if asked."""
        return observe(self.evaluate_true(X), self.noise_std if noise else 0.0, self.negate)

    forward = __call__

    def evaluate_true(self, X: Any) -> Any:
        """Noise-free values of an ``(n, dim)`` batch: float32, ``-inf`` when infeasible."""
        return self._blockwise(X, self._kernel, np.float32)

    def feasible(self, X: Any) -> Any:
        """Whether each row of an ``(n, dim)`` batch uses only allowed transitions."""
        return self._blockwise(X, self._kernel.feasible, np.bool_)

    def _blockwise(self, X: Any, score: Callable[[np.ndarray], np.ndarray],
                   dtype: type) -> Any:
        """``score`` applied block by block, so memory stays bounded for any batch size."""
        arr, give_back = as_numpy_batch(X, self.dim)
        out = np.empty(len(arr), dtype=dtype)
        for start, block in state_blocks(arr, self.num_states, max(1, BLOCK_BYTES // self.dim)):
            out[start:start + len(block)] = score(block)
        return give_back(out)

    def _response_table(self) -> np.ndarray:
        """A motif's contribution at each quantized level, with the reference's float32 ops.

        numpy keeps a Python float times a float32 array in float32, as torch does, so each
        operation rounds where the reference's does.
        """
        k, q = self.motif_length, self.quantization
        per_level = math.ceil(k / q)
        present = np.arange(k // per_level + 1, dtype=np.float32) / np.float32(k / per_level)
        coeff = np.float32(self.epistasis_factor) * present * (present - np.float32(1.0))
        coeff = coeff + np.float32(1.0)
        return coeff * present

    # -- helpers ---------------------------------------------------------------------------
    def initial_solution(self, n: int = 1) -> Any:
        """``n`` Markov-chain samples of length ``dim``, always the same for a seed.

        The generator is re-seeded with ``random_seed`` first, as the reference does; one
        sample comes back as a 1-D tensor, several as ``(n, dim)``.
        """
        from .markov import sample_chains

        n = count(n, "n", 1)
        self._generator.manual_seed(self.random_seed)
        samples = sample_chains(self.stationary_dist.squeeze(-1), self.transition_matrix,
                                self.dim, n, self._generator)
        return samples.squeeze(0) if n == 1 else samples

    def random_solution(self, n: int = 1) -> Any:
        """``n`` uniformly random sequences (mostly infeasible) from torch's global stream."""
        import torch

        n = count(n, "n", 1)
        samples = torch.randint(self.num_states, (n, self.dim))
        return samples.squeeze(0) if n == 1 else samples

    def optimal_solution(self) -> Any:
        """A sequence of value 1.0 (a torch vector): each motif at its offsets, gaps filled by
        repeats."""
        import torch

        c = self._construction
        pieces = [np.repeat(motif, np.append(spacing, 1))
                  for motif, spacing in zip(c.motifs, c.spacings)]
        body = np.concatenate(pieces)
        solution = np.concatenate([body, np.full(self.dim - len(body), body[-1])])
        if self.evaluate_true(solution[None, :])[0] != 1.0:
            raise RuntimeError("the optimal solution does not reach 1.0; this is a bug")
        return torch.from_numpy(solution.astype(np.int64))

    def __repr__(self) -> str:
        c = self._construction
        motifs = ", ".join(f"motif_{i}: {m.tolist()}" for i, m in enumerate(c.motifs))
        spacings = ", ".join(f"spacing_{i}: {s.tolist()}" for i, s in enumerate(c.spacings))
        return (f"Ehrlich(num_states={self.num_states}, dim={self.dim}, "
                f"num_motifs={self.num_motifs}, motifs=[{motifs}], spacings=[{spacings}], "
                f"quantization={self.quantization}, epistasis_factor={self.epistasis_factor}, "
                f"noise_std={self.noise_std}, negate={self.negate}, "
                f"random_seed={self.random_seed})")


def _spacing(motif_length: int, room: int, generator: Any) -> Any:
    """Gaps between a motif's elements: a random point of the simplex scaled to ``room``."""
    import torch

    weights = torch.rand(motif_length - 1, generator=generator)
    weights /= weights.sum()
    return 1 + (room * weights).floor().to(torch.int64)


def _quantization(quantization: int | None, motif_length: int) -> int:
    if quantization is None:
        return motif_length
    q = count(quantization, "quantization", 1)
    if q > motif_length or motif_length % q:
        divisors = [d for d in range(1, motif_length + 1) if motif_length % d == 0]
        raise ValueError(f"quantization must divide motif_length = {motif_length} (one of "
                         f"{divisors}), got {q}")
    return q
