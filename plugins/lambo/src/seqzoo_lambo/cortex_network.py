"""cortex's LaMBO-2 network (``network=cortex``), laid out as bbo-bench's configuration builds it.

A :class:`~seqzoo_lambo.network.Network` like ``Lambo2Net``, a different model:

* **root** (cortex's ``Conv1dRoot``): token embeddings rescaled to norm ``sqrt(embed_dim)``,
  plus fixed sine positions, then residual blocks ``embed_dim -> width -> ... -> embed_dim``;
  its output is what cortex calls the trunk features (the ``SumTrunk`` of one root is the
  identity), and what ``guidance=trunk`` perturbs;
* **denoiser**: one linear layer on those features (the generation branch has no blocks);
* **regression ensemble**: each member its own branch (``Conv1dBranch``: one residual block down
  to ``BRANCH_DIM`` channels, mean-pooled) and a linear leaf giving a Gaussian's natural
  parameters (``RegressorLeaf``), trained by :func:`gaussian_loss`; ``values`` are the means.

Each residual block is pre-norm: layer norm, swish, bias-free convolution, twice, plus the input
(through a 1x1 convolution where the width changes). The pair feasibility classifier is kept
only so that ``feasibility_classifier=true`` still works; cortex has none.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .network import Lambo2Net, Network

#: bbo-bench's ``embed_dim`` (the root's input and output width).
EMBED_DIM = 32
#: bbo-bench's regression branch ``out_dim``.
BRANCH_DIM = 8
#: cortex's ``nominal_label_var`` in bbo-bench's regression task, and the leaf's variance floor.
LABEL_VAR, VAR_FLOOR = 0.01, 1e-4


def sine_positions(length: int, dim: int) -> torch.Tensor:
    """The transformer's fixed sinusoidal position codes, ``(length, dim)``."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    rates = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    codes = torch.zeros(length, dim)
    codes[:, 0::2], codes[:, 1::2] = torch.sin(position * rates), torch.cos(position * rates)
    return codes


class ResidBlock(nn.Module):
    """cortex's ``Conv1dResidBlock`` on ``(n, L, C)`` features."""

    def __init__(self, width_in: int, width_out: int, kernel: int):
        super().__init__()
        self.norm_1, self.norm_2 = nn.LayerNorm(width_in), nn.LayerNorm(width_out)
        self.conv_1 = nn.Conv1d(width_in, width_out, kernel, padding=kernel // 2, bias=False)
        self.conv_2 = nn.Conv1d(width_out, width_out, kernel, padding=kernel // 2, bias=False)
        self.proj = nn.Conv1d(width_in, width_out, 1) if width_in != width_out else None

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        x = self.conv_1(F.silu(self.norm_1(h)).transpose(1, 2)).transpose(1, 2)
        x = self.conv_2(F.silu(self.norm_2(x)).transpose(1, 2)).transpose(1, 2)
        skip = h if self.proj is None else self.proj(h.transpose(1, 2)).transpose(1, 2)
        return x + skip


class GaussianMember(nn.Module):
    """One ensemble member: its own branch and a Gaussian leaf."""

    def __init__(self, width: int, kernel: int):
        super().__init__()
        self.branch = ResidBlock(width, BRANCH_DIM, kernel)
        self.leaf = nn.Linear(BRANCH_DIM, 2)

    def natural(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(eta_1, eta_2)`` per row, ``eta_2 < 0``: mean ``-eta_1 / (2 eta_2)``."""
        raw_1, raw_2 = self.leaf(self.branch(hidden).mean(1)).unbind(-1)
        return raw_1, -F.softplus(raw_2, beta=0.5)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        eta_1, eta_2 = self.natural(hidden)
        return (eta_1 * (-0.5 / eta_2).clamp_min(VAR_FLOOR))[:, None]


def gaussian_loss(eta_1: torch.Tensor, eta_2: torch.Tensor, target: torch.Tensor,
                  smoothing: torch.Tensor | float = 0.0) -> torch.Tensor:
    """Per-row loss of cortex's ``RegressorLeaf`` on standardized ``target``.

    Without smoothing, the Gaussian negative log-likelihood. With ``smoothing`` (the masked
    fraction, cortex's ``label_smoothing="corrupt_frac"``), the KL divergence from the label
    ``N(target, LABEL_VAR)`` moment-mixed with the prior ``N(0, 1)`` to the prediction.
    """
    var = -0.5 / eta_2
    mean = eta_1 * var
    if not torch.is_tensor(smoothing) and smoothing == 0:
        return 0.5 * torch.log(2 * math.pi * var) + (target - mean) ** 2 / (2 * var)
    s = torch.as_tensor(smoothing, dtype=target.dtype)
    label_mean = (1 - s) * target
    label_var = s + (1 - s) * LABEL_VAR + s * (1 - s) * target ** 2
    return (0.5 * torch.log(var / label_var) + (label_var + (label_mean - mean) ** 2) / (2 * var)
            - 0.5)


class CortexNet(Network):
    """cortex's root, denoising leaf and Gaussian regression ensemble, plus the pair classifier."""

    def __init__(self, num_states: int, length: int, width: int = 128, layers: int = 2,
                 kernel: int = 5, ensemble_size: int = 8):
        super().__init__(num_states, length, ensemble_size, EMBED_DIM)
        self.register_buffer("position", sine_positions(length, EMBED_DIM), persistent=False)
        dims = [EMBED_DIM] + [width] * (layers - 1) + [EMBED_DIM]
        self.blocks = nn.Sequential(*(ResidBlock(a, b, kernel) for a, b in zip(dims, dims[1:])))
        self.lm_head = nn.Linear(EMBED_DIM, num_states)
        self.value_heads = nn.ModuleList(GaussianMember(EMBED_DIM, kernel)
                                         for _ in range(ensemble_size))

    def unit_embeddings(self) -> torch.Tensor:
        """Every token's embedding at norm ``sqrt(EMBED_DIM)``, as cortex's root rescales them."""
        w = self.embed.weight
        return w / w.norm(dim=-1, keepdim=True).clamp_min(1e-6) * math.sqrt(EMBED_DIM)

    def mask_embedding(self) -> torch.Tensor:
        return self.unit_embeddings()[self.mask_id]

    def embed_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.dtype.is_floating_point:
            return tokens @ self.unit_embeddings()[: self.num_states]
        return self.unit_embeddings()[tokens]

    def encode_embeddings(self, emb: torch.Tensor) -> torch.Tensor:
        return self.blocks(emb + self.position)

    def member_losses(self, hidden: torch.Tensor, target: torch.Tensor,
                      smoothing: torch.Tensor | float, members: list[int]) -> torch.Tensor:
        """cortex's likelihood loss of each listed Gaussian leaf on the smoothed label."""
        return torch.stack([gaussian_loss(*self.value_heads[m].natural(hidden), target,
                                          smoothing) for m in members], -1)


def build(network: str, num_states: int, length: int, width: int, layers: int, kernel: int,
          ensemble_size: int) -> Network:
    """The model ``network`` names (``project`` or ``cortex``), at these sizes."""
    cls = CortexNet if network == "cortex" else Lambo2Net
    return cls(num_states, length, width, layers, kernel, ensemble_size)
