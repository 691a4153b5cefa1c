"""The categorical overlap kernel as one matrix product, for GPs on thousands of sequences.

``k(x, x') = exp(-(1/L) sum_l [x_l != x'_l] / lengthscale_l)`` is BoTorch's
``CategoricalKernel`` (the transformed overlap kernel of CASMOPOLITAN). BoTorch builds it from
an ``(n, n', L)`` tensor of site comparisons, which autograd keeps for every marginal-likelihood
step: at 1,000 sequences of length 32 one fit took minutes here. Since
``[x_l != x'_l] = 1 - onehot(x_l) . onehot(x'_l)``, the exponent is a constant plus an inner
product of one-hot encodings scaled by ``1 / sqrt(L * lengthscale_l)``: one ``(n, L*V)`` by
``(L*V, n')`` matrix product, the same values to rounding. A hyperparameter fit evaluates
the kernel on the same rows at every step, so there the site comparisons ``[x_l == x'_l]``
are made once and each step is a product of them with the ``L`` site weights (``L`` times
less arithmetic than the one-hot product, for ``n * n' * L`` floats of memory).
"""

from __future__ import annotations

import torch
from gpytorch.kernels import Kernel


#: The most site comparisons (``n1 * n2 * L``) a fit keeps: 16 million, 128 MB in float64.
MATCHES_LIMIT = 16_000_000
#: The largest site weight the products use. A fit can drive a lengthscale toward 0 (a weight
#: of 1e13 was seen after 53 rounds on f2), and then ``same - total`` cancels two numbers of
#: that size and loses everything below about 1e-3: the kernel matrix stops being positive
#: definite and the posterior's Cholesky fails. One mismatch at a weight above ~745 already
#: sends ``exp`` to exactly 0 in float64, and a match does not involve the weight, so capping
#: there leaves every value and gradient as the exact kernel's.
WEIGHT_CAP = 1000.0


class HammingKernel(Kernel):
    """``exp(-mean_l [x_l != x'_l] / lengthscale_l)`` over integer-coded sites (ARD).

    Inputs are ``(..., n, L)`` tensors of states in ``[0, num_states)`` (any float dtype, as
    BoTorch models hold them).
    """

    has_lengthscale = True

    def __init__(self, num_states: int, **kwargs):
        super().__init__(**kwargs)
        self.num_states = int(num_states)
        self._cached: tuple | None = None

    def _features(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(x.long(), self.num_states).to(weight.dtype)
        return (onehot * weight.sqrt().unsqueeze(-1)).flatten(-2)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False,
                last_dim_is_batch: bool = False, **params) -> torch.Tensor:
        if last_dim_is_batch:
            raise NotImplementedError("HammingKernel has no last_dim_is_batch mode")
        length = x1.shape[-1]
        weight = ((1.0 / self.lengthscale).squeeze(-2) / length).clamp(max=WEIGHT_CAP)
        if diag:
            differ = (x1.long() != x2.long()).to(weight.dtype)
            return torch.exp(-(differ * weight.unsqueeze(-2)).sum(-1))
        found = self._matches(x1, x2, weight.dtype)
        if found is not None:
            matches, mirror = found
            if mirror is None:
                same = (matches @ weight.unsqueeze(-1).unsqueeze(-3)).squeeze(-1)
            else:  # one side of a symmetric matrix, then each entry from its pair
                same = (matches @ weight.unsqueeze(-1)).squeeze(-1)[mirror]
            return torch.exp(same - weight.sum(-1)[..., None, None])
        w = weight.unsqueeze(-2)
        same = self._features(x1, w) @ self._features(x2, w).transpose(-1, -2)
        return torch.exp(same - weight.sum(-1)[..., None, None])

    def _matches(self, x1: torch.Tensor, x2: torch.Tensor,
                 dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor | None] | None:
        """``[x1_l == x2_l]`` while a fit evaluates the kernel on the same rows step after
        step (then the exponent is one product with the site weights, and its gradient
        another: about 3x less than the one-hot product and its gradient at 500 rows of 32
        sites and 32 states); ``None`` otherwise (a prediction, or more than
        ``MATCHES_LIMIT`` entries).

        Returns ``(matches, mirror)``: an ``(..., n1, n2, L)`` tensor and ``None``; or, when
        ``x1`` is ``x2`` without batch dimensions (a fit's training rows), the ``(P, L)``
        comparisons of the ``P = n (n + 1) / 2`` pairs ``i <= j`` and the ``(n, n)`` index of
        each entry's pair. The products are bound by memory (64 MB of comparisons at 500
        rows), so comparing each pair once halves a step's kernel time.

        The rows are compared once per fit: the cache holds the very tensors it was made
        from (so no other tensor can take their place) and their version counters.
        """
        if not (torch.is_grad_enabled() and self.raw_lengthscale.requires_grad):
            return None
        if x1.shape[:-2].numel() * x1.shape[-2] * x2.shape[-2] * x1.shape[-1] > MATCHES_LIMIT:
            return None
        cached = self._cached
        if cached is None or cached[0] is not x1 or cached[1] is not x2 or cached[2] != (
                x1._version, x2._version, dtype):
            if x1 is x2 and x1.dim() == 2:
                n = x1.shape[0]
                i, j = torch.triu_indices(n, n)
                rows = x1.long()
                found = ((rows[i] == rows[j]).to(dtype), torch.empty((n, n), dtype=torch.long))
                pair = torch.arange(len(i))
                found[1][i, j] = pair
                found[1][j, i] = pair
            else:
                found = ((x1.long().unsqueeze(-2) == x2.long().unsqueeze(-3)).to(dtype), None)
            self._cached = cached = (x1, x2, (x1._version, x2._version, dtype), found)
        return cached[3]
