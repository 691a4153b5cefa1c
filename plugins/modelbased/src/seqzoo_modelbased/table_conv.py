"""The ensemble's convolution of embedded states, max-pooled over positions, read from tables.

A member embeds each of ``S`` states in ``D`` numbers and convolves the embeddings with a
kernel of ``K`` offsets into ``C`` channels. Both steps are linear in the one-hot input, so
the contribution of state ``s`` at offset ``k`` to channel ``c`` is one number, ``T[k, s, c]
= sum_d W[c, d, k] E[s, d]``, and a position's convolution is the sum of ``K`` table rows
(one ``embedding_bag``): ``K`` additions per position and channel instead of ``D * K``
multiply-adds. The padding the convolution adds is one more state whose
embedding is zero.

The pool takes each channel's maximum over positions, so only one position per row and
channel receives a gradient. The backward pass adds each pooled gradient into the ``K``
table rows that position read (a scatter of ``rows * C * K`` numbers) instead of running
the convolution's dense backward over every position; the tables' gradient then reaches
``E`` and ``W`` through the small product that built them. The values are the dense
convolution's up to float rounding (the sums run in another order); ties for the maximum
send the gradient to the first position (``max``'s index), as the dense pool's backward
does.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["conv_max", "windows"]


class _PooledLookup(torch.autograd.Function):
    """``max over positions of sum_k table[idx[..., k]]`` with an argmax-only backward."""

    @staticmethod
    def forward(ctx, table: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        m, b, length, k = idx.shape
        channels = table.shape[1]
        y = nn.functional.embedding_bag(idx.reshape(-1, k), table, mode="sum")
        y = y.view(m, b, length, channels)
        if not ctx.needs_input_grad[0]:
            return y.amax(2)  # far cheaper than max's values and indices
        pooled, arg = y.max(2)  # the first position holding the maximum, (m, b, C)
        ctx.save_for_backward(idx, arg)
        ctx.rows = table.shape[0]
        return pooled

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        idx, arg = ctx.saved_tensors
        m, b, _, k = idx.shape
        channels = grad.shape[-1]
        read = torch.gather(idx, 2, arg.unsqueeze(-1).expand(m, b, channels, k))
        flat = read * channels + torch.arange(channels).view(1, 1, channels, 1)
        table_grad = grad.new_zeros(ctx.rows * channels)
        table_grad.index_add_(0, flat.reshape(-1),
                              grad.unsqueeze(-1).expand(m, b, channels, k).reshape(-1))
        return table_grad.view(ctx.rows, channels), None


def windows(x: torch.Tensor, states: int, kernel: int, padding: int) -> torch.Tensor:
    """The table rows each position of ``x`` (``(members, b, L)`` states) reads:
    ``(members, b, L, kernel)``, member ``m``'s rows offset into its own tables. Built once
    per training set, gathered per minibatch."""
    m = x.shape[0]
    read = nn.functional.pad(x, (padding, padding), value=states).unfold(2, kernel, 1)
    offsets = (torch.arange(m).view(m, 1, 1, 1) * kernel + torch.arange(kernel)) * (states + 1)
    return read + offsets


def conv_max(rows: torch.Tensor, embed: torch.Tensor, weight: torch.Tensor,
             bias: torch.Tensor) -> torch.Tensor:
    """Each member's ``max over positions of conv1d(embed[x])``.

    ``rows``: :func:`windows` of ``x``; ``embed``: ``(members, S, D)``; ``weight``:
    ``(members * C, D, K)`` (a grouped convolution's, member ``m`` owning channels
    ``m*C .. m*C + C - 1``); ``bias``: ``(members * C,)``. Returns ``(members, b, C)``: the
    same numbers as ``conv1d(..., groups=members)`` of the padded embeddings followed by
    ``max(-1)``, up to float rounding.
    """
    m, states, kernel = embed.shape[0], embed.shape[1], weight.shape[-1]
    channels = weight.shape[0] // m
    padded = nn.functional.pad(embed, (0, 0, 0, 1))  # state ``states``: the padding, zero
    table = torch.einsum("mcdk,msd->mksc", weight.view(m, channels, -1, kernel), padded)
    table = table.reshape(m * kernel * (states + 1), channels)
    return _PooledLookup.apply(table, rows) + bias.view(m, 1, channels)
