"""The categorical overlap kernel as one matrix product, for GPs on thousands of sequences.

``k(x, x') = exp(-(1/L) sum_l [x_l != x'_l] / lengthscale_l)`` is BoTorch's
``CategoricalKernel`` (the transformed overlap kernel of CASMOPOLITAN). BoTorch builds it from
an ``(n, n', L)`` tensor of site comparisons, which autograd keeps for every marginal-likelihood
step: at 1,000 sequences of length 32 one fit took minutes here. Since
``[x_l != x'_l] = 1 - onehot(x_l) . onehot(x'_l)``, the exponent is a constant plus an inner
product of one-hot encodings scaled by ``1 / sqrt(L * lengthscale_l)``: one ``(n, L*V)`` by
``(L*V, n')`` matrix product, the same values to rounding.
"""

from __future__ import annotations

import torch
from gpytorch.kernels import Kernel


class HammingKernel(Kernel):
    """``exp(-mean_l [x_l != x'_l] / lengthscale_l)`` over integer-coded sites (ARD).

    Inputs are ``(..., n, L)`` tensors of states in ``[0, num_states)`` (any float dtype, as
    BoTorch models hold them).
    """

    has_lengthscale = True

    def __init__(self, num_states: int, **kwargs):
        super().__init__(**kwargs)
        self.num_states = int(num_states)

    def _features(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(x.long(), self.num_states).to(weight.dtype)
        return (onehot * weight.sqrt().unsqueeze(-1)).flatten(-2)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False,
                last_dim_is_batch: bool = False, **params) -> torch.Tensor:
        if last_dim_is_batch:
            raise NotImplementedError("HammingKernel has no last_dim_is_batch mode")
        length = x1.shape[-1]
        weight = (1.0 / self.lengthscale).squeeze(-2) / length  # (..., L)
        if diag:
            differ = (x1.long() != x2.long()).to(weight.dtype)
            return torch.exp(-(differ * weight.unsqueeze(-2)).sum(-1))
        w = weight.unsqueeze(-2)
        same = self._features(x1, w) @ self._features(x2, w).transpose(-1, -2)
        return torch.exp(same - weight.sum(-1)[..., None, None])
