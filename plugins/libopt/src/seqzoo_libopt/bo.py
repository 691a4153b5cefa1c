"""Batch Bayesian optimisation for categorical sequences in a Hamming trust region (BoTorch).

After CASMOPOLITAN (Wan et al. 2021, categorical part, ``localbo_cat.py``): a GP with a
categorical overlap kernel over the ``L`` sites (the values of BoTorch's
``CategoricalKernel``, ``exp(-mean_l [x_l != x'_l] / lengthscale_l)``, one lengthscale per
site, times a scale; computed as one matrix product by
:class:`~seqzoo_libopt.kernel.HammingKernel`), fitted to the data each round from the last
fit's hyperparameters; candidates are drawn uniformly at random within Hamming distance
``length`` of the incumbent (the best sequence seen); a batch is chosen from them by
Thompson sampling (one joint posterior draw per batch slot, its argmax, no repeats) or by
top-``n`` log expected improvement. The trust region grows by ``multiplier`` after
``success_tolerance`` improving batches in a row, shrinks by it after ``failure_tolerance``
batches without improvement, and restarts at ``length_init`` once below 1.

Data stay bounded: past ``max_data`` sequences, the GP sees the ``max_data`` nearest the
incumbent in Hamming distance (the region the acquisition searches), better values first
among equally near ones.

``preset=reference`` takes CASMOPOLITAN's rules where this project's defaults differ: a
uniform random initial design, ``failtol`` 40, and a restart that clears the trust region's
data (``restart_clears``); the plugin's README lists what still differs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from seqzoo import Problem
from seqzoo.presets import PROBLEM, resolve, signature

from seqzoo.staging import Staged
from .values import Seen, check_batch, finite_values

ACQUISITIONS = ("ts", "logei")
INIT_DESIGNS = ("trust-region", "uniform")

#: Candidate draws per wanted candidate before the pool is taken as it is.
_DRAWS_PER_CANDIDATE = 4


@dataclass(frozen=True)
class Settings:
    """Every ``bo`` option; the field defaults are the ``default`` preset."""

    n_init: int = 20
    init_design: str = "trust-region"
    acquisition: str = "ts"
    candidates: int = 1000
    max_data: int = 500
    fit_steps: int = 50
    length_init: int = 20
    length_max: int = 30
    multiplier: float = 1.5
    success_tolerance: int = 3
    failure_tolerance: int = 0
    restart_clears: bool = False
    infeasible_penalty: float = 1.0


#: ``reference`` takes CASMOPOLITAN's trust-region rules where they differ: its random
#: initial design, ``failtol`` 40 and a restart that starts the region's data afresh.
PRESETS = {
    "default": Settings(),
    "reference": Settings(init_design="uniform", failure_tolerance=40, restart_clears=True),
    # zoo compare's default grid: the GP on the 300 rows nearest the incumbent, half the
    # hyperparameter steps and candidates (65 -> 42 s of CPU for its 3,000 evaluations, seed 0)
    "quick": Settings(max_data=300, candidates=500, fit_steps=25),
}


class BatchBO:
    """Batch BO on BoTorch: Hamming-kernel GP, CASMOPOLITAN-style trust region, TS or LogEI.

    Options:
        n_init: labelled sequences needed before the GP is used; until then a batch is
            drawn by init_design.
        init_design: trust-region (random sequences within length_init of the best one seen)
            or uniform (random sequences, as CASMOPOLITAN's initial design).
        acquisition: ts (batch Thompson sampling, CASMOPOLITAN's default) or logei
            (the n candidates of highest analytic log expected improvement).
        candidates: random trust-region sequences scored by the acquisition per batch.
        max_data: most sequences the GP is fitted to (the nearest to the incumbent).
        fit_steps: L-BFGS iterations on the marginal likelihood per fit (botorch's
            fit_gpytorch_mll; CASMOPOLITAN takes 50 Adam steps); 0 keeps the priors' values.
        length_init: initial trust-region radius in Hamming distance (capped at L).
        length_max: largest trust-region radius (capped at L).
        multiplier: factor by which the radius grows or shrinks.
        success_tolerance: improving batches in a row before the region grows.
        failure_tolerance: batches without improvement in a row before it shrinks; 0 is
            TuRBO's batch rule, ceil(max(4, L) / batch size) (1 for batches of 100 at
            L = 32); CASMOPOLITAN's failtol is 40 (``reference``).
        restart_clears: a restart empties the trust region's data, as CASMOPOLITAN's
            ``_restart``: the GP, the incumbent the region is centred on and the success
            test see only rows told since, beginning with a new initial design of n_init.
            Off: every labelled row is kept.
        preset: ``default`` (this project's choices), ``reference`` (CASMOPOLITAN's
            uniform initial design, failtol 40, restart_clears) or ``quick`` (smaller sizes
            for zoo compare's default grid).
        infeasible_penalty: an infeasible sequence is labelled the lowest feasible value
            minus this many times the feasible values' spread.
    """

    def __init__(self, problem: Problem, *, preset: str = "default", **options):
        settings = resolve(PRESETS, preset, options, what="bo")
        n_init, init_design, acquisition = (settings.n_init, settings.init_design,
                                            settings.acquisition)
        candidates, max_data, fit_steps = (settings.candidates, settings.max_data,
                                           settings.fit_steps)
        length_init, length_max, multiplier = (settings.length_init, settings.length_max,
                                               settings.multiplier)
        success_tolerance, failure_tolerance = (settings.success_tolerance,
                                                settings.failure_tolerance)
        infeasible_penalty = settings.infeasible_penalty
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"acquisition must be one of {', '.join(ACQUISITIONS)}, "
                             f"got {acquisition!r}")
        if init_design not in INIT_DESIGNS:
            raise ValueError(f"init_design must be one of {', '.join(INIT_DESIGNS)}, "
                             f"got {init_design!r}")
        for name, value, low in (("n_init", n_init, 1), ("candidates", candidates, 1),
                                 ("max_data", max_data, 2), ("fit_steps", fit_steps, 0),
                                 ("length_init", length_init, 1), ("length_max", length_max, 1),
                                 ("success_tolerance", success_tolerance, 1),
                                 ("failure_tolerance", failure_tolerance, 0)):
            if value < low:
                raise ValueError(f"{name} must be at least {low}, got {value}")
        if not multiplier > 1:
            raise ValueError(f"multiplier must be > 1, got {multiplier}")
        if not infeasible_penalty >= 0:
            raise ValueError(f"infeasible_penalty must be >= 0, got {infeasible_penalty}")
        import botorch  # noqa: F401  (fail at construction if BoTorch is missing)

        self.length, self.num_states = problem.length, problem.num_states
        self.n_init, self.init_design, self.acquisition = n_init, init_design, acquisition
        self.candidates, self.max_data, self.fit_steps = candidates, max_data, fit_steps
        self.length_max = min(length_max, self.length)
        self.length_init = min(length_init, self.length_max)
        self.multiplier = float(multiplier)
        self.succtol, self.failtol = success_tolerance, failure_tolerance
        self.penalty = float(infeasible_penalty)
        self.restart_clears = bool(settings.restart_clears)
        self.rng = problem.rng()
        self.initial = np.asarray(problem.initial_solutions, dtype=np.int64)
        self.seen = Seen()
        self.xs: list[np.ndarray] = []
        self.ys: list[np.ndarray] = []
        # The trust region's own data: everything told, unless a restart cleared it.
        self.region = Seen()
        self.region_xs: list[np.ndarray] = []
        self.region_ys: list[np.ndarray] = []
        self.adjusting = True  # whether the batch in flight may move the region
        self.radius = self.length_init
        self.succ = self.fail = self.restarts = 0
        self.staged = Staged(np.empty((0, self.length), dtype=np.int64))
        self.best_before = -np.inf
        self.hyper = None  # the last fit's kernel and noise hyperparameters
        self.fit_failures = 0

    # -- candidates ----------------------------------------------------------------------------
    def _in_region(self, center: np.ndarray, count: int,
                   exclude: frozenset[bytes] = frozenset()) -> np.ndarray:
        """Random sequences at Hamming distance 1..radius from ``center``, each new (not
        seen, not in ``exclude``)."""
        pool, keys = [], set(exclude)
        for _ in range(count * _DRAWS_PER_CANDIDATE):
            if len(pool) == count:
                break
            row = center.copy()
            sites = self.rng.choice(self.length, self.rng.integers(1, self.radius + 1),
                                    replace=False)
            # a different state at each chosen site, so the distance is exact
            row[sites] = (row[sites] + self.rng.integers(1, self.num_states, len(sites))) \
                % self.num_states
            key = row.tobytes()
            if key not in keys and row not in self.seen:
                keys.add(key)
                pool.append(row)
        return np.array(pool, dtype=np.int64).reshape(-1, self.length)

    def _uniform(self, count: int) -> np.ndarray:
        return self.rng.integers(0, self.num_states, (count, self.length), dtype=np.int64)

    def _center(self) -> np.ndarray:
        # After a clearing restart the region follows its own data, as CASMOPOLITAN's
        # centre is the best of _X; before any of it is told, the best sequence seen.
        if self.restart_clears and self.region.best_x is not None:
            return self.region.best_x
        return self.seen.best_x if self.seen.best_x is not None else self.initial[0]

    def _labelled(self) -> int:
        """Distinct sequences the trust region's GP may use."""
        return len(self.region) if self.restart_clears else len(self.seen)

    # -- the model -----------------------------------------------------------------------------
    def _training_set(self) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = (self.region_xs, self.region_ys) if self.restart_clears else (self.xs, self.ys)
        x, y = np.concatenate(xs), np.concatenate(ys)
        # one row per sequence: a repeated row (the warm start may hold some) makes the
        # noise-free part of the kernel matrix singular
        x, first = np.unique(x, axis=0, return_index=True)
        y = finite_values(y[first], self.penalty)
        if len(x) > self.max_data:
            distance = (x != self._center()).sum(axis=1)
            keep = np.lexsort((-y, distance))[: self.max_data]
            x, y = x[keep], y[keep]
        return x, y

    def _fit(self, x: np.ndarray, y: np.ndarray):
        import gpytorch
        import torch
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.models.transforms.outcome import Standardize
        from gpytorch.kernels import ScaleKernel

        from .kernel import HammingKernel
        from .mll import CholeskyMLL

        tx = torch.as_tensor(x, dtype=torch.float64)
        ty = torch.as_tensor(y, dtype=torch.float64).unsqueeze(-1)

        def build():
            return SingleTaskGP(tx, ty, covar_module=ScaleKernel(
                HammingKernel(self.num_states, ard_num_dims=self.length)),
                outcome_transform=Standardize(m=1))

        model = build()
        if self.hyper is not None:  # start from the last fit: the data changed by one batch
            model.covar_module.load_state_dict(self.hyper[0])
            model.likelihood.load_state_dict(self.hyper[1])
        if self.fit_steps:
            # botorch's fitter (L-BFGS-B within the hyperparameters' bounds): plain Adam
            # steps the likelihood's unbounded noise below zero. Exact Cholesky up to
            # max_data: gpytorch's iterative solver past 800 points is slower here.
            from botorch.exceptions.errors import ModelFittingError

            try:
                with gpytorch.settings.max_cholesky_size(max(800, self.max_data)):
                    fit_gpytorch_mll(CholeskyMLL(model.likelihood, model),
                                     optimizer_kwargs={"options": {"maxiter": self.fit_steps}})
            except ModelFittingError:  # every attempt failed: the priors' values, afresh
                model = build()
                self.fit_failures += 1
        self.hyper = (model.covar_module.state_dict(), model.likelihood.state_dict())
        model.eval()
        return model

    def _select(self, model, pool: np.ndarray, n: int, best_y: float) -> np.ndarray:
        import torch

        tc = torch.as_tensor(pool, dtype=torch.float64)
        with torch.no_grad():
            if self.acquisition == "logei":
                from botorch.acquisition import LogExpectedImprovement

                acq = LogExpectedImprovement(model, best_f=best_y)
                score = acq(tc.unsqueeze(1)).numpy()
                return pool[np.argsort(-score, kind="stable")[:n]]
            from linear_operator.utils.errors import NotPSDError

            posterior = model.posterior(tc)
            try:
                draws = posterior.rsample(torch.Size([n])).squeeze(-1).numpy()
            except NotPSDError:  # near-identical candidates: draw each one's marginal instead
                mean, std = posterior.mean.squeeze(-1), posterior.variance.clamp_min(0).sqrt()
                draws = (mean + std.squeeze(-1) * torch.randn(n, len(pool),
                                                              dtype=mean.dtype)).numpy()
        chosen: list[int] = []
        for draw in draws:  # one slot per joint draw: its argmax among those not chosen
            draw[chosen] = -np.inf
            chosen.append(int(np.argmax(draw)))
        return pool[chosen]

    # -- rounds --------------------------------------------------------------------------------
    def _unseen(self, rows: np.ndarray, exclude: frozenset[bytes]) -> np.ndarray:
        keep = [row.tobytes() not in exclude and row not in self.seen for row in rows]
        return rows[np.asarray(keep, dtype=bool)]

    def _next_batch(self, n: int, exclude: frozenset[bytes] | None = None) -> np.ndarray:
        """Up to ``n`` candidates; ``exclude`` (rows handed out this round, not yet told)
        marks a round being extended, whose rows must all be new."""
        if self._labelled() < self.n_init:
            # a round that is extended before any of it is labelled stays in the design
            want = n if exclude is not None else min(n, self.n_init - self._labelled())
            if self.init_design == "uniform":
                batch = np.unique(self._uniform(want), axis=0)
                return batch if exclude is None else self._unseen(batch, exclude)
            saved, self.radius = self.radius, self.length_init
            batch = self._in_region(self._center(), want, exclude or frozenset())
            self.radius = saved
            return batch
        import torch

        x, y = self._training_set()
        pool = self._in_region(self._center(), max(self.candidates, n), exclude or frozenset())
        if not len(pool):  # the region is exhausted: look at the whole space
            pool = np.unique(self._uniform(max(self.candidates, n)), axis=0)
            if exclude is not None:
                pool = self._unseen(pool, exclude)
        if len(pool) <= n:
            return pool
        with torch.random.fork_rng(), warnings.catch_warnings():
            # gpytorch's jitter and fitting warnings are handled here (fallbacks), not news
            warnings.simplefilter("ignore")
            torch.manual_seed(int(self.rng.integers(2**31)))
            model = self._fit(x, y)
            return self._select(model, pool, n, float(y.max()))

    def _adjust(self, batch_y: np.ndarray) -> None:
        """CASMOPOLITAN's rule: grow on successes, shrink on failures, restart below 1."""
        best = self.best_before
        threshold = best + 1e-3 * abs(best) if np.isfinite(best) else -np.inf
        if batch_y.max() > threshold:
            self.succ, self.fail = self.succ + 1, 0
        else:
            self.succ, self.fail = 0, self.fail + 1
        if self.succ == self.succtol:
            self.radius, self.succ = int(min(self.radius * self.multiplier, self.length_max)), 0
        elif self.fail >= (self.failtol or math.ceil(max(4, self.length) / len(batch_y))):
            self.radius, self.fail = int(self.radius / self.multiplier), 0
            if self.radius < 1:
                self.radius, self.restarts = self.length_init, self.restarts + 1
                if self.restart_clears:
                    self._clear_region()

    def _clear_region(self) -> None:
        """CASMOPOLITAN's ``_restart``: the region forgets its data and counts."""
        self.region = Seen()
        self.region_xs, self.region_ys = [], []
        self.succ = self.fail = 0

    # -- ask / tell ----------------------------------------------------------------------------
    def ask(self, n: int) -> np.ndarray:
        if n < 1:
            raise ValueError(f"ask needs n >= 1, got {n}")
        if self.staged.done:
            batch = self._next_batch(n)
            if not len(batch):
                batch = self._uniform(1)
            self.staged = Staged(batch)
            if self.restart_clears:
                # CASMOPOLITAN tests success against the region's own best and moves the
                # region only once its initial design is labelled.
                self.best_before = self.region.best_y
                self.adjusting = len(self.region) >= self.n_init
            else:
                self.best_before = self.seen.best_y
        elif self.staged.sent == len(self.staged.x):
            self._extend(n)
        return self.staged.take(n)

    def _extend(self, n: int) -> None:
        """Under rounds the engine asks again before it tells when a batch came out short
        (the initial design, an exhausted region): more candidates join the same batch,
        chosen as the batch was, and the trust region is adjusted once on all of it."""
        old = self.staged
        extra = self._next_batch(n, frozenset(row.tobytes() for row in old.x))
        if not len(extra):  # nothing new near the incumbent: any sequence not yet tried
            extra = self._unseen(np.unique(self._uniform(max(self.candidates, n)), axis=0),
                                 frozenset(row.tobytes() for row in old.x))[:n]
        if not len(extra):
            extra = self._uniform(1)
        old.extend(extra[:n])

    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = check_batch(x, y)
        self.seen.add(x, y)
        self.xs.append(x)
        self.ys.append(y)
        if self.restart_clears:
            self.region.add(x, y)
            self.region_xs.append(x)
            self.region_ys.append(y)
        if self.staged.waiting and self.staged.record(x, y) and self.adjusting:
            self._adjust(self.staged.y)

    def result_extras(self) -> dict[str, int]:
        return {"trust_region_radius": self.radius, "restarts": self.restarts,
                "fit_failures": self.fit_failures}


BatchBO.__signature__ = signature(Settings, PRESETS, "default", first=(PROBLEM,))
BatchBO.presets = tuple(PRESETS)  # shown by ``zoo list``
# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished
# (the quick preset's default-grid runs, median wall seconds of three seeds on a quiet 2-core
# machine, two runs at a time: 9.2 for 3,000 evaluations, 2026-12-07)
BatchBO.cost_hint = {"quick": 3.1}
