"""The ``lambo2`` and ``lambo2-lite`` proposers: one model retrained every round, then edits.

A round (one ``ask``):

1. retrain the model (warm-started) on everything observed so far;
2. take the best distinct feasible sequences and spread them out by farthest-first traversal
   under Hamming distance: these are the round's starting points;
3. in each, choose ``num_mutations_per_step`` edit positions by saliency and mask them;
4. infill them: ``lambo2`` with guided infill (hidden-state perturbation raising the ensemble
   acquisition, KL-regularised toward the denoiser), ``lambo2-lite`` with the denoiser alone;
5. propose the candidates predicted to improve and to be feasible, best acquisition first,
   topping the batch up with the best-ranked other novel infills so a round fills its batch.

Nothing already observed is proposed again. ``lambo2:loop=cortex`` (the ``paper`` preset)
runs cortex's round instead (:meth:`Lambo2.ask_cortex`, :mod:`.cortex_loop`).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from functools import partial

import numpy as np
import torch

from seqzoo import Problem

from . import cortex_loop
from .acquisition import QLogNEI
from .cortex_network import build as build_network
from .data import Dataset
from .infill import Scorer, guided_infill, salient_positions, unguided_infill
from .presets import Settings
from .selection import farthest_first, top_unique
from .training import Recipe, fit

#: What each random stream is for; a round's streams are ``problem.rng(purpose * _ROUNDS + round)``.
_INIT, _DATA, _TRAIN, _PROPOSE, _PRETRAIN = 0, 1, 2, 3, 4
_ROUNDS = 100_003


class Lambo2Lite:
    """LaMBO-2 ablation: masked-LM infill at salient positions, ranked by the acquisition."""

    def __init__(self, problem: Problem, settings: Settings | None = None, **options):
        """``settings`` (the ``default`` preset if not given) with ``options`` overriding its
        fields; the guidance fields are ``lambo2``'s and ignored here."""
        s = replace(settings or Settings(), **options).validate()
        self.problem, self.settings, self.batch_size = problem, s, s.batch_size
        self.num_mutations = min(s.num_mutations_per_step, problem.length)
        self.first_weights: dict | None = None  # retrain_from=first: the pretrained weights
        torch.manual_seed(int(problem.rng(_INIT).integers(2**31)))
        self.net = build_network(s.network, problem.num_states, problem.length, s.width,
                                 s.layers, s.kernel, s.ensemble_size).eval().requires_grad_(False)
        self.x = np.empty((0, problem.length), dtype=np.int64)
        self.y = np.empty(0)
        self.seen: set[bytes] = set()
        self.round = 0

    # -- ask / tell ---------------------------------------------------------------------------
    def tell(self, x: np.ndarray, y: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.int64)
        self.x = np.concatenate([self.x, x])
        self.y = np.concatenate([self.y, np.asarray(y, dtype=float)])
        self.seen.update(row.tobytes() for row in x)

    def restore(self, history: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Resume from a run log: restores what was observed (every logged batch, warm start
        included) and the round counter, so the next ask trains on all of it and draws from
        the next round's random streams.

        Not restored: the network's weights. A resumed run retrains from the initialisation,
        whereas an uninterrupted one warm-starts each round from the previous round's weights,
        so a resumed run is a valid continuation of the same method, not the same run.
        """
        for x, y in history:
            self.tell(x, y)
        self.round = max(len(history) - 1, 0)

    def ask(self, n: int) -> np.ndarray:
        self.round += 1
        best = self.train()
        gen = torch.Generator().manual_seed(int(self.stream(_PROPOSE).integers(2**62)))
        x = torch.as_tensor(self.starting_points(n))
        score = self.scorer(best, x)
        preferred, others = [], []
        s = self.settings
        for _ in range(s.restarts):  # edit again only while too few novel candidates
            mask = salient_positions(score, x, self.num_mutations, s.saliency_temperature, gen,
                                     s.saliency_norm)
            better, rest = self.infill(score, x, mask, gen)
            preferred.append(better)
            others.append(rest)
            if len(self.novel(np.concatenate(preferred))) >= n:
                break
        preferred, others = np.concatenate(preferred), np.concatenate(others)
        return self.pick(np.concatenate([preferred, others]), len(preferred), score, n, gen)

    # -- the steps of a round -----------------------------------------------------------------
    def stream(self, purpose: int) -> np.random.Generator:
        """This round's generator for one purpose, independent of all other rounds and purposes."""
        return self.problem.rng(purpose * _ROUNDS + self.round)

    def train(self) -> float:
        """Retrain the network on everything observed; returns the best (transformed) value."""
        data = Dataset.build(self.x, self.y, self.net.ensemble_size, self.stream(_DATA),
                             self.settings.targets)
        s = self.settings
        train = partial(fit, self.net, data, Recipe(
            epochs=s.epochs, max_steps=s.max_train_steps, batch_size=s.train_batch_size,
            lr=s.lr, accelerator=s.accelerator, classifier=s.feasibility_classifier,
            schedule=s.lr_schedule, masking=s.masking, corrupt_regression=s.corrupt_regression,
            beta2=s.adam_beta2, updates=s.train_updates, loaders=s.loaders))
        if s.retrain_from == "first" and self.first_weights is None:
            # poli-baselines trains on the first data before its first round, keeps that
            # checkpoint, and every round (the first too) trains from it
            train(seed=int(self.stream(_PRETRAIN).integers(2**31)))
            self.first_weights = copy.deepcopy(self.net.state_dict())
        if self.first_weights is not None:
            self.net.load_state_dict(self.first_weights)
        train(seed=int(self.stream(_TRAIN).integers(2**31)))
        return data.best

    def scorer(self, best: float, baseline: torch.Tensor) -> Scorer:
        """The round's acquisition; qLogNEI's incumbents are its predictions on ``baseline``."""
        nei = None
        if self.settings.acquisition == "qlognei":
            with torch.no_grad():
                nei = QLogNEI(self.net.values(self.net.encode(baseline)))
        return Scorer(self.net, best, self.settings.feasibility_classifier, nei)

    def starting_points(self, n: int) -> np.ndarray:
        """``n`` rows cycling through the ``pool_size`` best distinct feasible sequences.

        The rows come in farthest-first order, so a small batch still starts from varied points.
        """
        pool = top_unique(self.x, self.y, self.settings.pool_size)
        if not len(pool):  # nothing feasible yet: start from what the oracle gave
            pool = np.asarray(self.problem.initial_solutions, dtype=np.int64)
        chosen = pool[farthest_first(pool, n)]
        return chosen[np.arange(n) % len(chosen)]

    def infill(self, score: Scorer, x: torch.Tensor, mask: torch.Tensor,
               gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Candidates predicted to improve and be feasible, and the other infills."""
        sample = unguided_infill(self.net, x, mask, gen, self.settings.forced_edits)
        with torch.no_grad():
            better = (score(sample) > score(x)) & score.feasible(sample)
        return sample[better].numpy(), sample[~better].numpy()

    def pick(self, candidates: np.ndarray, num_preferred: int, score: Scorer, n: int,
             gen: torch.Generator) -> np.ndarray:
        """Up to ``n`` novel distinct candidates: preferred ones first, each group by acquisition."""
        with torch.no_grad():
            acq = score(torch.as_tensor(candidates)).numpy() if len(candidates) else np.empty(0)
        group = np.arange(len(candidates)) >= num_preferred
        order = np.lexsort((-acq, group))
        out = candidates[order][self.novel(candidates[order])][:n]
        if not len(out):  # every infill was seen before: fall back to one random point mutation
            return self.random_mutant(gen)
        return out

    def novel(self, candidates: np.ndarray) -> np.ndarray:
        """Indices of the first occurrence of each candidate never observed before."""
        keys, out = set(), []
        for i, row in enumerate(candidates):
            key = row.tobytes()
            if key not in self.seen and key not in keys:
                keys.add(key)
                out.append(i)
        return np.asarray(out, dtype=np.int64)

    def random_mutant(self, gen: torch.Generator) -> np.ndarray:
        """One random point mutant of the best sequence: the batch must not be empty."""
        base = self.starting_points(1).copy()
        site = int(torch.randint(self.problem.length, (1,), generator=gen))
        base[0, site] = int(torch.randint(self.problem.num_states, (1,), generator=gen))
        return base


class Lambo2(Lambo2Lite):
    """LaMBO-2: guided discrete diffusion with an ensemble acquisition (Gruver et al. 2023).

    Built from :class:`~.presets.Settings` (the factory resolves ``preset`` and the options).
    """

    def ask(self, n: int) -> np.ndarray:
        return self.ask_cortex(n) if self.settings.loop == "cortex" else super().ask(n)

    def ask_cortex(self, n: int) -> np.ndarray:
        """poli-baselines' LaMBO-2 round: retrain, pick ``n`` starts by farthest-first traversal
        of the best ``2n`` rows, run ``guided_steps`` cortex steps on them, propose the final
        rows as they are (repeats and already-seen rows included, as the paper's runs did)."""
        self.round += 1
        best = self.train()
        gen = torch.Generator().manual_seed(int(self.stream(_PROPOSE).integers(2**62)))
        x = torch.as_tensor(self.cortex_starts(n))
        s = self.settings
        options = cortex_loop.StepOptions(
            num_mutations=self.num_mutations, updates=s.max_guidance_updates,
            step_size=s.guidance_step_size, kl_weight=s.kl_weight, guidance=s.guidance,
            forced=s.forced_edits, saliency_temperature=s.saliency_temperature,
            saliency_norm=s.saliency_norm)
        out = cortex_loop.run(self.scorer(best, x), x, steps=s.guided_steps, options=options,
                              generator=gen, exclude_initial=s.exclude_initial_solution)
        return out.numpy()

    def cortex_starts(self, n: int) -> np.ndarray:
        """``n`` rows by farthest-first traversal (Hamming) of the ``2n`` best observations,
        best first, repeats kept (poli-baselines' ``get_candidate_points_from_history``)."""
        if not len(self.x):
            pool = np.asarray(self.problem.initial_solutions, dtype=np.int64)
        else:
            pool = self.x[np.argsort(-self.y, kind="stable")[:2 * n]]
        chosen = pool[farthest_first(pool, n)]
        return chosen[np.arange(n) % len(chosen)]

    def infill(self, score: Scorer, x: torch.Tensor, mask: torch.Tensor,
               gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        s = self.settings
        result = guided_infill(score, x, mask, steps=s.max_guidance_updates,
                               step_size=s.guidance_step_size, kl_weight=s.kl_weight,
                               generator=gen, guidance=s.guidance, forced=s.forced_edits)
        return (result.x[result.improved].numpy(),
                np.concatenate([result.unguided.numpy(), result.x[~result.improved].numpy()]))
