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

Nothing already observed is proposed again.
"""

from __future__ import annotations

import numpy as np
import torch

from seqzoo import Problem

from .data import Dataset
from .infill import Scorer, guided_infill, salient_positions, unguided_infill
from .network import Lambo2Net
from .selection import farthest_first, top_unique
from .training import fit

#: What each random stream is for; a round's streams are ``problem.rng(purpose * _ROUNDS + round)``.
_INIT, _DATA, _TRAIN, _PROPOSE = 0, 1, 2, 3
_ROUNDS = 100_003


class Lambo2Lite:
    """LaMBO-2 ablation: masked-LM infill at salient positions, ranked by the acquisition."""

    def __init__(self, problem: Problem, batch_size: int = 200, num_mutations_per_step: int = 2,
                 restarts: int = 2, pool_size: int = 16, ensemble_size: int = 4,
                 width: int = 32, layers: int = 3, kernel: int = 5, epochs: int = 2,
                 max_train_steps: int = 40, train_batch_size: int = 128, lr: float = 1e-3,
                 saliency_temperature: float = 2.0, accelerator: str = "auto"):
        positive = dict(batch_size=batch_size, num_mutations_per_step=num_mutations_per_step,
                        restarts=restarts, pool_size=pool_size, ensemble_size=ensemble_size,
                        width=width, layers=layers, kernel=kernel, epochs=epochs,
                        max_train_steps=max_train_steps, train_batch_size=train_batch_size)
        for key, value in positive.items():
            if value < 1:
                raise ValueError(f"{key} must be >= 1, got {value}")
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd so convolutions keep the length, got {kernel}")
        if lr <= 0 or saliency_temperature <= 0:
            raise ValueError(f"lr and saliency_temperature must be > 0, got {lr} and "
                             f"{saliency_temperature}")
        self.problem, self.batch_size = problem, batch_size
        self.num_mutations = min(num_mutations_per_step, problem.length)
        self.restarts, self.pool_size = restarts, pool_size
        self.epochs, self.max_train_steps = epochs, max_train_steps
        self.train_batch_size, self.lr = train_batch_size, lr
        self.saliency_temperature, self.accelerator = saliency_temperature, accelerator
        torch.manual_seed(int(problem.rng(_INIT).integers(2**31)))
        self.net = Lambo2Net(problem.num_states, problem.length, width, layers, kernel,
                             ensemble_size).eval().requires_grad_(False)
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
        """Resume from a run log: restores the observed data and the round counter, so the
        next ask trains on everything logged and draws from the next round's random streams.

        The network is not restored: it restarts from its initialisation, whereas in an
        uninterrupted run it carries its weights from round to round. A resumed run is a
        valid continuation, not a bit-identical one.
        """
        for x, y in history:
            self.tell(x, y)
        self.round = max(len(history) - 1, 0)

    def ask(self, n: int) -> np.ndarray:
        self.round += 1
        score = self.train()
        gen = torch.Generator().manual_seed(int(self.stream(_PROPOSE).integers(2**62)))
        x = torch.as_tensor(self.starting_points(n))
        preferred, others = [], []
        for _ in range(self.restarts):  # edit again only while too few novel candidates
            mask = salient_positions(score, x, self.num_mutations, self.saliency_temperature, gen)
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

    def train(self) -> Scorer:
        data = Dataset.build(self.x, self.y, self.net.ensemble_size, self.stream(_DATA))
        fit(self.net, data, epochs=self.epochs, max_steps=self.max_train_steps,
            batch_size=self.train_batch_size, lr=self.lr,
            seed=int(self.stream(_TRAIN).integers(2**31)), accelerator=self.accelerator)
        return Scorer(self.net, data.best)

    def starting_points(self, n: int) -> np.ndarray:
        """``n`` rows cycling through the ``pool_size`` best distinct feasible sequences.

        The rows come in farthest-first order, so a small batch still starts from varied points.
        """
        pool = top_unique(self.x, self.y, self.pool_size)
        if not len(pool):  # nothing feasible yet: start from what the oracle gave
            pool = np.asarray(self.problem.initial_solutions, dtype=np.int64)
        chosen = pool[farthest_first(pool, n)]
        return chosen[np.arange(n) % len(chosen)]

    def infill(self, score: Scorer, x: torch.Tensor, mask: torch.Tensor,
               gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Candidates predicted to improve and be feasible, and the other infills."""
        sample = unguided_infill(self.net, x, mask, gen)
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
    """LaMBO-2: guided discrete diffusion with an ensemble acquisition (Gruver et al. 2023)."""

    def __init__(self, problem: Problem, batch_size: int = 200, num_mutations_per_step: int = 2,
                 max_guidance_updates: int = 8, guidance_step_size: float = 0.5,
                 kl_weight: float = 0.5, restarts: int = 2, pool_size: int = 16,
                 ensemble_size: int = 4, width: int = 32, layers: int = 3, kernel: int = 5,
                 epochs: int = 2, max_train_steps: int = 40, train_batch_size: int = 128,
                 lr: float = 1e-3, saliency_temperature: float = 2.0, accelerator: str = "auto"):
        if max_guidance_updates < 1 or guidance_step_size <= 0 or not 0 <= kl_weight < 1:
            raise ValueError(
                f"need max_guidance_updates >= 1, guidance_step_size > 0 and 0 <= kl_weight < 1;"
                f" got {max_guidance_updates}, {guidance_step_size}, {kl_weight}")
        super().__init__(problem, batch_size, num_mutations_per_step, restarts, pool_size,
                         ensemble_size, width, layers, kernel, epochs, max_train_steps,
                         train_batch_size, lr, saliency_temperature, accelerator)
        self.steps, self.step_size, self.kl_weight = (max_guidance_updates, guidance_step_size,
                                                      kl_weight)

    def infill(self, score: Scorer, x: torch.Tensor, mask: torch.Tensor,
               gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        result = guided_infill(score, x, mask, steps=self.steps, step_size=self.step_size,
                               kl_weight=self.kl_weight, generator=gen)
        return (result.x[result.improved].numpy(),
                np.concatenate([result.unguided.numpy(), result.x[~result.improved].numpy()]))
