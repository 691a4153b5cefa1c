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
less arithmetic than the one-hot product, for ``n * n' * L`` floats of memory). On a fit's
own rows (``x1 is x2``) the comparisons are packed further, 16 sites to an integer code
(:class:`_PackedKernel`): a step then looks up ``L / 16`` tables of partial sums per entry
instead of reading ``L`` floats.
"""

from __future__ import annotations

import numpy as np
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


#: Sites packed into one code of :class:`_PackedKernel` (a table of ``2**16`` partial sums: 512 kB
#: in float64, so a group's table stays in cache while its ``n * n`` codes stream past).
_GROUP = 16
#: 1 where bit ``k`` of a byte value is clear (site ``k`` differs), ``(256, 8)``: a half
#: group's table of exponents is ``_DIFFER @ weights``.
_DIFFER = 1.0 - ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)


def pack_matches(rows: torch.Tensor) -> np.ndarray:
    """``(G, n * n)`` codes of ``[rows_i == rows_j]``, sites ``16 g .. 16 g + 15`` in code ``g``'s
    bits, for ``(n, L)`` integer rows (a site past ``L`` never matches)."""
    x = rows.long().numpy()
    n, length = x.shape
    groups = -(-length // _GROUP)
    codes = np.zeros((groups, n * n), dtype=np.intp)
    for site in range(length):
        g, bit = divmod(site, _GROUP)
        codes[g] |= (x[:, None, site] == x[None, :, site]).ravel().astype(np.intp) << bit
    return codes


class _PackedKernel(torch.autograd.Function):
    """``exp(-sum_l w_l [x_il != x_jl])`` for every pair ``(i, j)`` from :func:`pack_matches`
    codes.

    A code's 16 sites split into two bytes; the table of all ``2**16`` exponents is the outer
    sum of two 256-entry tables (``_DIFFER`` times eight weights each: the weights of the
    sites that differ), and an entry's exponent is one lookup per group. The gradient is the
    transpose: the incoming gradient times the kernel, summed per code (``bincount``), folded
    back to the bytes' tables. The exponent is summed from the differing sites' weights
    directly, not as all weights minus the matching ones, so no large sums cancel; it equals
    the comparisons' product with the weights to float64 rounding.
    """

    @staticmethod
    def forward(ctx, weight: torch.Tensor, codes: np.ndarray, shape: tuple[int, int]):
        groups = len(codes)
        w = np.zeros(groups * _GROUP)  # sites past L: weight 0, whatever their bit says
        w[: len(weight)] = weight.detach().numpy()
        w = w.reshape(groups, 2, 8)
        out = np.zeros(codes.shape[1])
        for g in range(groups):
            low, high = _DIFFER @ w[g, 0], _DIFFER @ w[g, 1]
            out -= (high[:, None] + low[None, :]).ravel().take(codes[g])
        np.exp(out, out=out)
        ctx.codes, ctx.length, ctx.kernel = codes, len(weight), out
        return torch.from_numpy(out).view(shape).to(weight.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        flat = grad.detach().reshape(-1).to(torch.float64).numpy() * ctx.kernel
        grad_w = np.empty((len(ctx.codes), 2, 8))
        for g, codes in enumerate(ctx.codes):
            per_code = np.bincount(codes, weights=flat, minlength=2**_GROUP).reshape(256, 256)
            grad_w[g, 0] = -(per_code.sum(axis=0) @ _DIFFER)  # the low byte: columns
            grad_w[g, 1] = -(per_code.sum(axis=1) @ _DIFFER)  # the high byte: rows
        out = torch.from_numpy(grad_w.reshape(-1)[: ctx.length].copy()).to(grad.dtype)
        return out, None, None


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
            if isinstance(found, np.ndarray):  # a fit's own rows, packed
                n = x1.shape[-2]
                return _PackedKernel.apply(weight, found, (n, n))
            same = (found @ weight.unsqueeze(-1).unsqueeze(-3)).squeeze(-1)
            return torch.exp(same - weight.sum(-1)[..., None, None])
        w = weight.unsqueeze(-2)
        same = self._features(x1, w) @ self._features(x2, w).transpose(-1, -2)
        return torch.exp(same - weight.sum(-1)[..., None, None])

    def _matches(self, x1: torch.Tensor, x2: torch.Tensor,
                 dtype: torch.dtype) -> torch.Tensor | np.ndarray | None:
        """``[x1_l == x2_l]`` while a fit evaluates the kernel on the same rows step after
        step (then the exponent is one product with the site weights, and its gradient
        another: about 3x less than the one-hot product and its gradient at 500 rows of 32
        sites and 32 states); ``None`` otherwise (a prediction, or more than
        ``MATCHES_LIMIT`` entries).

        Returns an ``(..., n1, n2, L)`` tensor of comparisons; or, when ``x1`` is ``x2``
        without batch dimensions (a fit's training rows), their :func:`pack_matches` codes.
        The product with ``L`` weights is bound by memory (64 MB of comparisons at 500 rows
        of 32 sites), the codes' lookups read 4 MB.

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
            if x1 is x2 and x1.dim() == 2 and dtype == torch.float64:
                found = pack_matches(x1.detach())
            else:
                found = (x1.long().unsqueeze(-2) == x2.long().unsqueeze(-3)).to(dtype)
            self._cached = cached = (x1, x2, (x1._version, x2._version, dtype), found)
        return cached[3]
