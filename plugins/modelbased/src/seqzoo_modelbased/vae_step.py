"""The ``small`` VAE's weighted-ELBO training steps, written out in numpy.

CbAS and DbAS refit their generator five to twenty times a round on minibatches of ten rows,
so a step is a few hundred floating-point operations and torch's per-operator and autograd
overhead is almost all of its cost (about 1 ms a step on one thread). The same step by hand
-- forward, the gradients of the one-hidden-layer encoder and decoder, and Adam over one flat
parameter buffer -- is a few dozen numpy calls. It computes what
:meth:`seqzoo_modelbased.vae.VAE.fit` computes with autograd, draws its random numbers from
the same ``torch.Generator`` in the same order, and differs only in float rounding
(``tests/test_vae_step.py`` holds the two to a tolerance, step by step).
"""

from __future__ import annotations

import numpy as np

#: Adam's torch defaults
_BETAS, _EPS = (0.9, 0.999), 1e-8


def _linear_back(grad_out: np.ndarray, inputs: np.ndarray, weight: np.ndarray | None,
                 grad_weight: np.ndarray, grad_bias: np.ndarray) -> np.ndarray | None:
    """A linear layer's backward pass: its weight and bias gradients written in place, and
    the gradient of its inputs (``None`` when ``weight`` is, for the first layer)."""
    grad_weight[...] = grad_out.T @ inputs
    grad_bias[...] = grad_out.sum(0)
    return None if weight is None else grad_out @ weight


class SmallVAEStep:
    """Parameters of a ``small`` :class:`VAE` as one float32 buffer, and its training step.

    Order (torch's ``nn.Linear`` layout, weight ``(out, in)``): encoder ``W1, b1, W2, b2``,
    decoder ``W3, b3, W4, b4``.
    """

    def __init__(self, params: list[np.ndarray], length: int, num_states: int, latent: int):
        self.length, self.num_states, self.latent = length, num_states, latent
        self.flat = np.concatenate([p.ravel() for p in params]).astype(np.float32)
        self.grad = np.zeros_like(self.flat)
        self._m = np.zeros_like(self.flat)
        self._v = np.zeros_like(self.flat)
        self._t = 0
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
        shifted = logits - logits.max(-1, keepdims=True)
        expd = np.exp(shifted)
        total = expd.sum(-1, keepdims=True)
        logp = shifted - np.log(total)
        picked = np.take_along_axis(logp, x[:, :, None], -1)[:, :, 0]
        var = std * std
        kl = 0.5 * (mu * mu + var - 1.0 - log_var).sum(-1)
        elbo = picked.sum(-1) - kl
        loss = -float((w * elbo).mean())

        scale = (-w / rows).astype(np.float32)[:, None]  # d loss / d elbo_i
        dlogits = expd / total
        dlogits *= -scale[:, :, None]
        np.put_along_axis(dlogits, x[:, :, None],
                          np.take_along_axis(dlogits, x[:, :, None], -1)
                          + scale[:, :, None], -1)
        dlogits = dlogits.reshape(rows, -1)
        dh3 = _linear_back(dlogits, a3, w4, g4, gb4) * (h3 > 0)
        dz = _linear_back(dh3, z, w3, g3, gb3)
        dmu = dz - scale * mu
        dlog_var = dz * eps * (0.5 * std) - scale * (0.5 * (var - 1.0))
        denc = np.concatenate([dmu, dlog_var], axis=1)
        dh1 = _linear_back(denc, a1, w2, g2, gb2) * (h1 > 0)
        _linear_back(dh1, onehot, None, g1, gb1)
        return loss

    def adam(self, lr: float, clip: float = 0.0) -> None:
        """One Adam step (torch's formula: ``lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)``)."""
        if clip > 0:
            np.clip(self.grad, -clip, clip, out=self.grad)
        beta1, beta2 = _BETAS
        self._t += 1
        self._m *= beta1
        self._m += (1.0 - beta1) * self.grad
        self._v *= beta2
        self._v += (1.0 - beta2) * self.grad * self.grad
        denom = np.sqrt(self._v) / np.float32(np.sqrt(1.0 - beta2 ** self._t)) + _EPS
        self.flat -= np.float32(lr / (1.0 - beta1 ** self._t)) * self._m / denom
