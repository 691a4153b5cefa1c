"""gpytorch's exact marginal likelihood with its gradient written out.

``bo`` refits its GP every round by L-BFGS on the marginal likelihood, and at a few hundred
rows almost all of a step's time went to autograd's backward pass through the Cholesky
factor: three ``n x n`` matrix products and four triangular solves (about 20 of 31 ms a
step at 500 rows). The gradient with respect to the covariance has a closed form,

    d/dK [ y' K^-1 y ] = -a a',    d/dK log|K| = K^-1,    a = K^-1 y,

and ``K^-1`` costs one ``cholesky_inverse`` of the factor the forward pass already made.
:class:`CholeskyMLL` computes the value
:class:`gpytorch.mlls.ExactMarginalLogLikelihood` computes under BoTorch's settings (a
Cholesky factor, jittered if it must be, the same prior terms) and hands autograd that
gradient for ``K``; the kernel's own backward pass is unchanged. Anything but one output
on one batch falls back to gpytorch's path.
"""

from __future__ import annotations

import math

import torch
from gpytorch import settings
from gpytorch.mlls import ExactMarginalLogLikelihood
from linear_operator.utils.cholesky import psd_safe_cholesky


class _InvQuadLogdet(torch.autograd.Function):
    """``(y' K^-1 y, log|K|)`` of a dense ``(n, n)`` covariance and an ``(n,)`` vector."""

    @staticmethod
    def forward(ctx, covar: torch.Tensor, diff: torch.Tensor):
        factor = psd_safe_cholesky(covar)
        alpha = torch.cholesky_solve(diff.unsqueeze(-1), factor).squeeze(-1)
        ctx.save_for_backward(factor, alpha)
        return (diff * alpha).sum(), 2.0 * factor.diagonal().log().sum()

    @staticmethod
    def backward(ctx, grad_quad: torch.Tensor, grad_logdet: torch.Tensor):
        factor, alpha = ctx.saved_tensors
        grad_covar = torch.cholesky_inverse(factor).mul_(grad_logdet)
        grad_covar.sub_(torch.outer(alpha, alpha).mul_(grad_quad))
        return grad_covar, alpha * (2.0 * grad_quad)


class CholeskyMLL(ExactMarginalLogLikelihood):
    """:class:`~gpytorch.mlls.ExactMarginalLogLikelihood`, the same value, a cheaper
    gradient (module docstring)."""

    def forward(self, function_dist, target, *params, **kwargs):
        if target.dim() != 1 or settings.observation_nan_policy.value() != "ignore":
            return super().forward(function_dist, target, *params, **kwargs)
        output = self.likelihood(function_dist, *params, **kwargs)
        covar = output.lazy_covariance_matrix.evaluate_kernel().to_dense()
        inv_quad, logdet = _InvQuadLogdet.apply(covar, target - output.mean)
        n = target.shape[-1]
        res = -0.5 * (inv_quad + logdet + n * math.log(2 * math.pi))
        return self._add_other_terms(res, params).div_(n)
