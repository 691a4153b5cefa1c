"""The LaMBO-2 model: one encoder over the oracle's tokens, its two heads, and a classifier.

* a masked-LM **denoising head** (``logits``): what token belongs at each masked position;
* a **regression ensemble** (``values``): ``ensemble_size`` small heads, each trained on its own
  bootstrap resample, whose spread is the model's uncertainty;
* a **feasibility classifier** (``log_feasible``): infeasibility is only seen as ``-inf``
  observations, so the model must learn it apart from the values. It reads the tokens
  directly, as a noisy-AND over neighbouring pairs: ``P(feasible) = prod_t sigmoid(s(x_t,
  x_t+1))``. Constraints on
  biological sequences are mostly local incompatibilities (Ehrlich's banned transitions, a
  Hamming oracle's ``max_step``), and this form learns them from few examples: every pair in
  a feasible sequence is evidence that the pair is allowed, so an infeasible sequence's blame
  falls on its unfamiliar pairs.

Inputs are token ids (state ``V`` is the mask token) or, for guidance, soft tokens: a
``(n, L, V)`` distribution over the states, embedded as the expected token embedding, so that
the acquisition of an infill is differentiable in the infill's probabilities.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvBlock(nn.Module):
    """A pre-norm residual 1-D convolution: local context is what motifs and bands need."""

    def __init__(self, width: int, kernel: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.conv = nn.Conv1d(width, width, kernel, padding=kernel // 2)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        # The (n, L, width) states viewed as an (n, width, 1, L) image are channels-last, a
        # layout oneDNN convolves as it is: the (n, width, L) transposes of a Conv1d cost a
        # copy each way and a third of a training step. Same weights, same function; the
        # sums run in another order (float32 results within about 1e-6).
        x = self.norm(h).unsqueeze(1).permute(0, 3, 1, 2)
        weight = self.conv.weight.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        y = nn.functional.conv2d(x, weight, self.conv.bias, padding=(0, self.conv.padding[0]))
        return h + nn.functional.gelu(y.permute(0, 2, 3, 1).squeeze(1))


class PoolHead(nn.Module):
    """One scalar per sequence: per-position features, max- and mean-pooled, read out linearly.

    Max-pooling answers "is there a place where ..." questions (is a motif present?), the
    questions Ehrlich-like objectives ask; the mean keeps additive landscapes easy.
    """

    def __init__(self, width: int):
        super().__init__()
        self.local = nn.Linear(width, width)
        self.out = nn.Linear(2 * width, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        z = nn.functional.gelu(self.local(h))
        # max, not amax: the same maximum, and a gradient that goes straight to where it was
        # (amax splits it among exact ties, found by comparing every entry: a fifth of the
        # head's training step)
        return self.out(torch.cat([z.max(dim=1).values, z.mean(dim=1)], dim=-1))


class PairFeasibility(nn.Module):
    """``log P(feasible)`` as a sum of log-sigmoid scores of neighbouring token pairs.

    Each pair's score is a learned table entry plus a shared prior: pairs never observed keep
    the prior, which the data pulls toward how often unfamiliar pairs turn out infeasible.
    """

    def __init__(self, num_states: int):
        super().__init__()
        self.table = nn.Parameter(torch.zeros(num_states, num_states))
        # start by trusting every pair: an untrained model should not veto edits
        self.prior = nn.Parameter(torch.tensor(4.0))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.dtype.is_floating_point:  # soft tokens: the expected pair score
            scores = torch.einsum("nta,ab,ntb->nt", tokens[:, :-1], self.table, tokens[:, 1:])
        else:
            scores = self.table[tokens[:, :-1], tokens[:, 1:]]
        return nn.functional.logsigmoid(scores + self.prior).sum(-1)


class Network(nn.Module):
    """What the training, the infill and the loops use of a LaMBO-2 model.

    This base holds the sizes, the token embedding (``embed_dim`` wide, one extra row for the
    mask token) and the pair classifier. A subclass builds ``lm_head`` and ``value_heads``
    (one module per ensemble member, each mapping hidden states to ``(n, 1)``) and says how
    tokens become hidden states: ``embed_tokens``, ``mask_embedding`` and
    ``encode_embeddings``.
    """

    def __init__(self, num_states: int, length: int, ensemble_size: int, embed_dim: int):
        super().__init__()
        self.num_states, self.length, self.ensemble_size = num_states, length, ensemble_size
        self.embed = nn.Embedding(num_states + 1, embed_dim)
        # no random draws: subclasses draw their weights after the embedding's, as before
        self.feasibility = PairFeasibility(num_states)

    @property
    def mask_id(self) -> int:
        return self.num_states

    def embed_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def mask_embedding(self) -> torch.Tensor:
        raise NotImplementedError

    def encode_embeddings(self, emb: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """Hidden states ``(n, L, width)`` of ids ``(n, L)`` or soft tokens ``(n, L, V)``."""
        return self.encode_embeddings(self.embed_tokens(tokens))

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.lm_head(hidden)

    def values(self, hidden: torch.Tensor) -> torch.Tensor:
        """``(n, ensemble_size)`` predicted (transformed) values, one column per member."""
        return torch.cat([head(hidden) for head in self.value_heads], dim=-1)

    def log_feasible(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(n,)`` log-probability that each sequence (ids or soft tokens) is feasible."""
        return self.feasibility(tokens)

    def member_losses(self, hidden: torch.Tensor, target: torch.Tensor,
                      smoothing: torch.Tensor | float, members: list[int]) -> torch.Tensor:
        """``(n, len(members))`` each listed member's regression loss on ``target``, whose
        label is smoothed toward the prior by ``smoothing`` (0, or each row's masked fraction
        under corrupt regression). Here: squared error of the member's value, a mean only,
        so only the target's mean shrinks toward 0."""
        if torch.is_tensor(smoothing):
            target = target * (1 - smoothing)
        values = torch.cat([self.value_heads[m](hidden) for m in members], dim=-1)
        return (values - target[:, None]) ** 2


class Lambo2Net(Network):
    """Shared CNN encoder with denoising and regression-ensemble heads, plus the pair classifier."""

    def __init__(self, num_states: int, length: int, width: int = 32, layers: int = 3,
                 kernel: int = 5, ensemble_size: int = 4):
        super().__init__(num_states, length, ensemble_size, width)
        self.position = nn.Parameter(torch.randn(length, width) * 0.02)
        self.blocks = nn.Sequential(*(ConvBlock(width, kernel) for _ in range(layers)))
        self.norm = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, num_states)
        self.value_heads = nn.ModuleList(PoolHead(width) for _ in range(ensemble_size))

    def mask_embedding(self) -> torch.Tensor:
        return self.embed.weight[self.mask_id]

    def values(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.member_values(hidden, range(self.ensemble_size))

    def member_values(self, hidden: torch.Tensor, members) -> torch.Tensor:
        """``(n, len(members))``: the listed heads run as one wide head (their weights side by
        side), one matrix product and one pass of each pooling for all of them instead of one
        each; the same function as calling every :class:`PoolHead`."""
        heads = [self.value_heads[m] for m in members]
        if len(heads) == 1:
            return heads[0](hidden)
        width = hidden.shape[-1]
        z = nn.functional.gelu(nn.functional.linear(
            hidden, torch.cat([h.local.weight for h in heads]),
            torch.cat([h.local.bias for h in heads])))
        pooled = torch.cat([z.max(dim=1).values.unflatten(-1, (len(heads), width)),
                            z.mean(dim=1).unflatten(-1, (len(heads), width))], dim=-1)
        out = torch.cat([h.out.weight for h in heads])  # (members, 2 * width)
        return (pooled * out).sum(-1) + torch.cat([h.out.bias for h in heads])

    def member_losses(self, hidden: torch.Tensor, target: torch.Tensor,
                      smoothing: torch.Tensor | float, members: list[int]) -> torch.Tensor:
        if torch.is_tensor(smoothing):
            target = target * (1 - smoothing)
        return (self.member_values(hidden, members) - target[:, None]) ** 2

    def embed_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Embeddings of ids ``(n, L)`` or of soft tokens ``(n, L, V)`` (expected embedding)."""
        if tokens.dtype.is_floating_point:
            return tokens @ self.embed.weight[: self.num_states]
        return self.embed(tokens)

    def encode_embeddings(self, emb: torch.Tensor) -> torch.Tensor:
        return self.norm(self.blocks(emb + self.position))
