"""What the model trains on: observations turned into tensors and regression targets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def normal_scores(y: np.ndarray) -> np.ndarray:
    """Map values to standard-normal quantiles of their ranks (ties share the average rank).

    Objectives like Ehrlich span orders of magnitude and repeat values often; on this scale
    the regressor sees evenly spread targets, and since the map is monotone, "improves on
    the best observed" means the same thing before and after it.
    """
    order = np.argsort(y, kind="stable")
    ranks = np.empty(len(y))
    ranks[order] = np.arange(len(y), dtype=float)
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]
    quantiles = (ranks + 0.5) / len(y)
    return torch.special.ndtri(torch.as_tensor(quantiles)).numpy()


def standardize(y: np.ndarray) -> np.ndarray:
    """``(y - mean) / std``, a constant column left at 0."""
    std = y.std()
    return (y - y.mean()) / std if std > 0 else np.zeros_like(y)


@dataclass(frozen=True)
class Dataset:
    """Every observation, ready for one round of training."""

    x: torch.Tensor  # (n, L) int64 states
    target: torch.Tensor  # (n,) transformed value; 0 where infeasible (masked out of the loss)
    feasible: torch.Tensor  # (n,) float 0/1
    weights: torch.Tensor  # (n, ensemble) bootstrap counts, one column per ensemble member
    best: float  # the best transformed value observed

    @classmethod
    def build(cls, x: np.ndarray, y: np.ndarray, ensemble_size: int,
              rng: np.random.Generator, targets: str = "normal_scores") -> "Dataset":
        """``targets``: the feasible values as ``normal_scores`` of their ranks, or
        ``standardize``d (minus their mean, over their standard deviation: cortex's
        ``DDPStandardize``)."""
        feasible = np.isfinite(y)
        target = np.zeros(len(y))
        if feasible.any():
            target[feasible] = (normal_scores(y[feasible]) if targets == "normal_scores"
                                else standardize(y[feasible]))
        best = float(target[feasible].max()) if feasible.any() else 0.0
        # Poisson(1) counts approximate a bootstrap resample per member without copying data
        weights = rng.poisson(1.0, size=(len(y), ensemble_size)).astype(np.float32)
        return cls(torch.as_tensor(x, dtype=torch.long),
                   torch.as_tensor(target, dtype=torch.float32),
                   torch.as_tensor(feasible, dtype=torch.float32),
                   torch.as_tensor(weights), best)

    def tensors(self) -> torch.utils.data.TensorDataset:
        return torch.utils.data.TensorDataset(self.x, self.target, self.feasible, self.weights)

    def task_sets(self) -> dict[str, torch.utils.data.TensorDataset]:
        """Each task's rows, as cortex's LaMBO-2 gives them to its data modules: the denoiser
        the distinct feasible sequences, the regression the feasible rows (repeats kept), the
        classifier every row."""
        rows = torch.nonzero(self.feasible > 0).squeeze(-1)
        _, first = np.unique(self.x[rows].numpy(), axis=0, return_index=True)
        distinct = rows[torch.as_tensor(np.sort(first), dtype=torch.long)]

        def subset(index: torch.Tensor) -> torch.utils.data.TensorDataset:
            return torch.utils.data.TensorDataset(self.x[index], self.target[index],
                                                  self.feasible[index], self.weights[index])

        return {"denoise": subset(distinct), "regress": subset(rows), "classify": self.tensors()}
