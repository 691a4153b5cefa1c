"""The discrete Markov process behind Ehrlich functions, drawn exactly as pytorch-holo draws it.

Every number of an Ehrlich function (transition matrix, motifs, spacings, initial solutions)
comes from one ``torch.Generator``. Matching the reference bit for bit therefore means calling
the same torch functions, in the same order, with the same shapes: this module does exactly
that and nothing else. These are construction-time costs (a few small tensors), so they stay in
torch; evaluation lives in :mod:`seqzoo_ehrlich.kernel`.
"""

from __future__ import annotations

import numpy as np
import torch

#: Logits are divided by this before the row softmax (the reference's choice).
SOFTMAX_TEMPERATURE = 0.5
#: Fraction of the states each state may move to on either side of its band.
BANDWIDTH_FRACTION = 0.4
#: The stationary solve is rejected above this relative residual.
STATIONARY_TOLERANCE = 1e-5


def banded_mask(num_states: int, bandwidth: int) -> torch.Tensor:
    """Row ``i`` allows columns ``i - bandwidth .. i + bandwidth``, wrapping around."""
    offsets = torch.arange(-bandwidth, bandwidth + 1)
    columns = (torch.arange(num_states)[:, None] + offsets) % num_states
    mask = torch.zeros(num_states, num_states, dtype=torch.bool)
    mask[torch.arange(num_states)[:, None], columns] = True
    return mask


def is_ergodic(transition_matrix: torch.Tensor) -> bool:
    """Whether ``P**m > 0`` everywhere for ``m = (v - 1)**2 + 1`` (Wielandt's bound).

    Positivity of a power depends only on which entries are non-zero, so the check runs on
    the 0/1 support with repeated squaring (``O(v**3 log m)`` instead of ``m`` matrix
    products); float64 sums of 0/1 products are exact, and BLAS makes them fast.
    """
    support = (transition_matrix > 0).to(torch.float64)
    power = (len(support) - 1) ** 2 + 1
    result = torch.eye(len(support), dtype=torch.float64)
    while power:
        if power & 1:
            result = ((result @ support) > 0).to(torch.float64)
        support = ((support @ support) > 0).to(torch.float64)
        power >>= 1
    return bool((result > 0).all())


def sparse_ergodic_transition_matrix(num_states: int, generator: torch.Generator) -> torch.Tensor:
    """A random row-stochastic matrix whose zeros make some transitions infeasible.

    Draw order (fixed by the reference): a ``v x v`` standard normal matrix, then a row
    permutation of the banded mask. Repeats (the diagonal) are always allowed.
    """
    logits = torch.randn(num_states, num_states, generator=generator)
    dense = (logits / SOFTMAX_TEMPERATURE).softmax(dim=-1)
    bandwidth = int(num_states * BANDWIDTH_FRACTION)
    mask = banded_mask(num_states, bandwidth)[torch.randperm(num_states, generator=generator)]
    mask |= torch.eye(num_states, dtype=torch.bool)
    sparse = torch.where(mask, dense, torch.zeros_like(dense))
    return sparse / sparse.sum(dim=-1, keepdim=True)


def stationary_distribution(transition_matrix: torch.Tensor) -> torch.Tensor:
    """``pi`` with ``pi P = pi`` and ``sum(pi) = 1``, as a ``(v, 1)`` column.

    Solved as the reference does (least squares through QR of the stacked system), because
    the rounding of ``pi`` decides which states ``torch.multinomial`` draws later.
    """
    v = len(transition_matrix)
    system = torch.cat([(torch.eye(v) - transition_matrix).T, torch.ones(1, v)], dim=0)
    target = torch.zeros(v + 1, 1)
    target[-1] = 1
    q, r = torch.linalg.qr(system)
    solution = torch.linalg.solve(r, q.T @ target)
    residual = torch.norm(system @ solution - target) / torch.norm(target)
    if not residual <= STATIONARY_TOLERANCE:
        raise ValueError(f"the stationary distribution solve left a residual of "
                         f"{float(residual):.3g} (expected <= {STATIONARY_TOLERANCE})")
    return solution


def sample_chains(initial_dist: torch.Tensor, transition_matrix: torch.Tensor, num_steps: int,
                  num_samples: int, generator: torch.Generator) -> torch.Tensor:
    """``num_samples`` Markov chains of ``num_steps`` states, as an int64 ``(n, steps)`` tensor.

    One ``multinomial`` call for the first states, then one per step on the rows of the
    previous states: the loop over steps is what fixes the reference's random stream.
    """
    samples = torch.zeros(num_samples, num_steps, dtype=torch.int64)
    samples[:, 0] = torch.multinomial(initial_dist, num_samples, replacement=True,
                                      generator=generator)
    for t in range(1, num_steps):
        rows = transition_matrix[samples[:, t - 1]]
        samples[:, t] = torch.multinomial(rows, 1, generator=generator).squeeze(-1)
    return samples


def feasible_transitions(transition_matrix: torch.Tensor) -> np.ndarray:
    """The ``(v, v)`` boolean table of allowed moves ``a -> b`` (non-zero probability)."""
    return (transition_matrix > 0).numpy()
