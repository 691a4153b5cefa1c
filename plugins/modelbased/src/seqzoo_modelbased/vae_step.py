"""The ``small`` VAE's weighted-ELBO training steps, written out in numpy.

CbAS and DbAS refit their generator five to twenty times a round on minibatches of ten rows,
so a step is a few hundred floating-point operations and torch's per-operator and autograd
overhead is almost all of its cost (about 1 ms a step on one thread). The same step by hand
-- forward, the gradients of the one-hidden-layer encoder and decoder, and Adam over one flat
parameter buffer, updated by torch's fused Adam kernel -- is a few dozen numpy calls. It
computes what
:meth:`seqzoo_modelbased.vae.VAE.fit` computes with autograd, draws its random numbers from
the same ``torch.Generator`` in the same order, and differs only in float rounding
(``tests/test_vae_step.py`` holds the two to a tolerance, step by step).
"""

from __future__ import annotations

import numpy as np
import torch

#: Adam's torch defaults
_BETAS, _EPS = (0.9, 0.999), 1e-8


def _linear_back(grad_out: np.ndarray, inputs: np.ndarray, weight: np.ndarray | None,
                 grad_weight: np.ndarray, grad_bias: np.ndarray) -> np.ndarray | None:
    """A linear layer's backward pass: its weight and bias gradients written in place, and
    the gradient of its inputs (``None`` when ``weight`` is, for the first layer)."""
    grad_weight[...] = grad_out.T @ inputs
    grad_bias[...] = grad_out.sum(0)
    return None if weight is None else grad_out @ weight


def _last_axis_max(a: np.ndarray) -> np.ndarray:
    """``a.max(-1, keepdims=True)`` by halving (numpy's reduction over a short last axis costs
    three times as much at the VAE's sizes; the same values)."""
    while a.shape[-1] > 1:
        half = a.shape[-1] // 2
        folded = np.maximum(a[..., :half], a[..., half: 2 * half])
        if a.shape[-1] % 2:
            folded[..., :1] = np.maximum(folded[..., :1], a[..., -1:])
        a = folded
    return a


class SmallVAEStep:
    """Parameters of a ``small`` :class:`VAE` as one float32 buffer, and its training step.

    Order (torch's ``nn.Linear`` layout, weight ``(out, in)``): encoder ``W1, b1, W2, b2``,
    decoder ``W3, b3, W4, b4``.
    """

    def __init__(self, params: list[np.ndarray], length: int, num_states: int, latent: int):
        self.length, self.num_states, self.latent = length, num_states, latent
        self.flat = np.concatenate([p.ravel() for p in params]).astype(np.float32)
        self.grad = np.zeros_like(self.flat)
        # torch views of the same memory for the fused Adam update (torch's own formula, one
        # pass over the buffer)
        self._adam = [[torch.from_numpy(a)] for a in (self.flat, self.grad)] + [
            [torch.zeros(self.flat.shape)] for _ in range(2)]
        self._t = torch.zeros(())
        bounds = np.cumsum([0] + [p.size for p in params])

        def split(buffer: np.ndarray) -> list[np.ndarray]:  # views, one per parameter
            return [buffer[a:b].reshape(p.shape) for a, b, p in zip(bounds, bounds[1:], params)]

        self.views, self.grads = split(self.flat), split(self.grad)

    def loss_and_grad(self, onehot: np.ndarray, x: np.ndarray, w: np.ndarray,
                      eps: np.ndarray) -> float:
        """``-mean(w * ELBO)`` of a minibatch, its gradient left in :attr:`grad`.

        ``onehot`` is ``(B, length * num_states)``, ``x`` the ``(B, length)`` states, ``w``
        the rows' weights and ``eps`` the ``(B, latent)`` standard normal draws.
        """
        w1, b1, w2, b2, w3, b3, w4, b4 = self.views
        g1, gb1, g2, gb2, g3, gb3, g4, gb4 = self.grads
        rows, d = len(x), self.latent
        h1 = onehot @ w1.T + b1
        a1 = np.maximum(h1, 0.0)
        enc = a1 @ w2.T + b2
        mu, log_var = enc[:, :d], enc[:, d:]
        std = np.exp(0.5 * log_var)
        z = mu + eps * std
        h3 = z @ w3.T + b3
        a3 = np.maximum(h3, 0.0)
        logits = (a3 @ w4.T + b4).reshape(rows, self.length, self.num_states)
        shifted = logits - _last_axis_max(logits)
        expd = np.exp(shifted)
        total = expd.sum(-1, keepdims=True)
        logp = shifted - np.log(total)
        # each row's and site's chosen state as one flat index (take_along_axis's index
        # building cost more than the arithmetic)
        chosen = (np.arange(rows * self.length).reshape(rows, -1) * self.num_states) + x
        picked = logp.reshape(-1)[chosen]
        var = std * std
        kl = 0.5 * (mu * mu + var - 1.0 - log_var).sum(-1)
        elbo = picked.sum(-1) - kl
        loss = -float((w * elbo).mean())

        scale = (-w / rows).astype(np.float32)[:, None]  # d loss / d elbo_i
        dlogits = expd / total
        dlogits *= -scale[:, :, None]
        dlogits = dlogits.reshape(rows, -1)
        dlogits.reshape(-1)[chosen] += scale
        dh3 = _linear_back(dlogits, a3, w4, g4, gb4) * (h3 > 0)
        dz = _linear_back(dh3, z, w3, g3, gb3)
        dmu = dz - scale * mu
        dlog_var = dz * eps * (0.5 * std) - scale * (0.5 * (var - 1.0))
        denc = np.concatenate([dmu, dlog_var], axis=1)
        dh1 = _linear_back(denc, a1, w2, g2, gb2) * (h1 > 0)
        _linear_back(dh1, onehot, None, g1, gb1)
        return loss

    def adam(self, lr: float, clip: float = 0.0) -> None:
        """One Adam step, torch's (``torch.optim.Adam(fused=True)``'s kernel, called directly:
        the optimizer's own ``step`` costs more than the update at this size)."""
        if clip > 0:
            np.clip(self.grad, -clip, clip, out=self.grad)
        self._t += 1
        torch._fused_adam_(*self._adam, [], [self._t], amsgrad=False, lr=lr, beta1=_BETAS[0],
                           beta2=_BETAS[1], weight_decay=0.0, eps=_EPS, maximize=False)
