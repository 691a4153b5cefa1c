"""Editing a sequence with the model: pick salient positions, mask them, infill them.

* :func:`salient_positions` -- where to edit. First-order occlusion: how much the predicted
  value would change if a position's embedding were replaced by the mask token's, from one
  gradient (``grad . (e_mask - e_token)``). Positions whose masking would raise it are the
  ones holding the sequence back; they are sampled with a softmax over those scores.
* :func:`unguided_infill` -- the denoiser alone: sample the masked positions from the masked-LM.
* :func:`guided_infill` -- LaMBO-2's guidance: optimise a perturbation ``delta`` of the hidden
  states at the masked positions so that the infill's acquisition rises, with a KL term that
  keeps the guided token distribution near the unguided denoiser's; after every update sample
  an infill and keep it if the model predicts it improves on the row's current sequence and
  is feasible.

With ``forced`` (``forced_edits``, the default preset) infills never put back the token they
replace (see :func:`_alternatives`). The acquisition of a partly decoded infill is evaluated
on soft tokens (the guided token probabilities at the masked positions, re-encoded:
``guidance=soft_tokens``) or read off the perturbed hidden states themselves
(``guidance=trunk``, cortex's choice); either way it is differentiable in ``delta``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .acquisition import QLogNEI, log_ei
from .network import Network


@dataclass(frozen=True)
class Scorer:
    """The acquisition of sequences under one trained model and incumbent.

    ``nei`` (when given) replaces log-EI over ``best`` by cortex's ensemble qLogNEI;
    ``classifier=False`` drops the feasibility classifier from the acquisition and from
    :meth:`feasible` (every row counts as feasible, as in cortex with no constraint).
    """

    net: Network
    best: float
    classifier: bool = True
    nei: QLogNEI | None = None

    def objective(self, hidden: torch.Tensor) -> torch.Tensor:
        """The value part of the acquisition, read off hidden states ``(n, L, width)``."""
        values = self.net.values(hidden)
        return self.nei(values) if self.nei is not None else log_ei(values, self.best)

    def from_hidden(self, hidden: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Acquisition of hidden states, with the classifier's term on ``tokens``."""
        if not self.classifier:
            return self.objective(hidden)
        return self.objective(hidden) + self.net.log_feasible(tokens)

    def __call__(self, tokens: torch.Tensor) -> torch.Tensor:
        """Acquisition of ids ``(n, L)`` or soft tokens ``(n, L, V)``."""
        return self.from_hidden(self.net.encode(tokens), tokens)

    @torch.no_grad()
    def feasible(self, x: torch.Tensor) -> torch.Tensor:
        """Whether the classifier says each row is more likely feasible than not."""
        if not self.classifier:
            return torch.ones(len(x), dtype=torch.bool)
        return self.net.log_feasible(x) > -math.log(2)


def salient_positions(score: Scorer, x: torch.Tensor, num: int, temperature: float,
                      generator: torch.Generator, norm: str = "std") -> torch.Tensor:
    """A boolean ``(n, L)`` mask with ``num`` edit positions per row, sampled by saliency.

    ``norm``: the scores are standardised per row (``std``) or divided by the sum of their
    absolute values (``l1``, cortex's ``_coordinate_selection``) before the softmax.
    """
    net = score.net
    emb = net.embed_tokens(x).detach().requires_grad_(True)
    grad, = torch.autograd.grad(score.objective(net.encode_embeddings(emb)).sum(), emb)
    gain = (grad * (net.mask_embedding() - emb)).sum(-1).detach()
    if norm == "l1":
        gain = gain / (gain.abs().sum(-1, keepdim=True) + 1e-6)
    else:
        gain = (gain - gain.mean(-1, keepdim=True)) / gain.std(-1, keepdim=True).clamp_min(1e-8)
    probs = torch.softmax(gain / temperature, dim=-1)
    picks = torch.multinomial(probs, min(num, x.shape[1]), replacement=False,
                              generator=generator)
    return torch.zeros_like(x, dtype=torch.bool).scatter(1, picks, True)


def _alternatives(logits: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    """Log-probabilities over the tokens other than ``current``: an edit position must change.

    A denoiser trained on near-copies of a few sequences mostly puts back what it masked; an
    infill identical to its start would be a wasted evaluation.
    """
    # a finite floor rather than -inf keeps KL terms and their gradients free of inf - inf
    return F.log_softmax(logits.scatter(-1, current[..., None], -1e9), dim=-1)


def token_logp(logits: torch.Tensor, current: torch.Tensor, forced: bool) -> torch.Tensor:
    """The infill distribution: :func:`_alternatives` when edits are forced, else the LM's."""
    return _alternatives(logits, current) if forced else F.log_softmax(logits, dim=-1)


def sample_tokens(logp: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    probs = logp.exp()
    flat = torch.multinomial(probs.reshape(-1, probs.shape[-1]), 1, generator=generator)
    return flat.reshape(probs.shape[:-1])


def fill_masked(x: torch.Tensor, mask: torch.Tensor, logp: torch.Tensor,
                generator: torch.Generator) -> torch.Tensor:
    """``x`` with each masked position drawn from its row of ``logp`` ``(n, L, V)``.

    Only the masked positions are drawn (a few of each row's ``L``), so the draws differ
    from sampling every position and keeping the masked ones, but each masked position has
    the same distribution.
    """
    out = x.clone()
    out[mask] = sample_tokens(logp[mask], generator)
    return out


@torch.no_grad()
def unguided_infill(net: Network, x: torch.Tensor, mask: torch.Tensor,
                    generator: torch.Generator, forced: bool = True) -> torch.Tensor:
    """Sample the masked positions of each row from the denoiser in one shot."""
    logits = net.logits(net.encode(torch.where(mask, net.mask_id, x)))
    return fill_masked(x, mask, token_logp(logits, x, forced), generator)


@dataclass(frozen=True)
class GuidedResult:
    x: torch.Tensor  # (n, L) the best accepted infill per row (the input row if none)
    acquisition: torch.Tensor  # (n,) its predicted acquisition
    improved: torch.Tensor  # (n,) bool: an infill predicted better and feasible was found
    unguided: torch.Tensor  # (n, L) the denoiser's own sample, before any guidance


def guided_infill(score: Scorer, x: torch.Tensor, mask: torch.Tensor, *, steps: int,
                  step_size: float, kl_weight: float, generator: torch.Generator,
                  guidance: str = "soft_tokens", forced: bool = True) -> GuidedResult:
    """LaMBO-2 guided infill of the masked positions of ``x`` (see the module docstring).

    ``guidance="trunk"`` reads the acquisition's value part off the perturbed hidden states
    themselves (cortex's trunk guidance) instead of re-encoding the soft tokens.
    """
    net = score.net
    with torch.no_grad():
        hidden0 = net.encode(torch.where(mask, net.mask_id, x))
        base_logp = token_logp(net.logits(hidden0), x, forced)
        unguided = fill_masked(x, mask, base_logp, generator)
        best_x, best_acq = x.clone(), score(x)
    onehot = F.one_hot(x, net.num_states).float()
    delta = torch.zeros_like(hidden0, requires_grad=True)
    optimizer = torch.optim.Adam([delta], lr=step_size)
    edit = mask[..., None]
    for _ in range(steps):
        hidden = hidden0 + delta * edit
        logp = token_logp(net.logits(hidden), x, forced)
        probs = logp.exp()
        soft = torch.where(edit, probs, onehot)
        acq = score.from_hidden(hidden, soft) if guidance == "trunk" else score(soft)
        kl = ((probs * (logp - base_logp)).sum(-1) * mask).sum() / mask.sum().clamp_min(1)
        loss = (1.0 - kl_weight) * -acq.mean() + kl_weight * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.inference_mode():
            logp = token_logp(net.logits(hidden0 + delta * edit), x, forced)
            sample = fill_masked(x, mask, logp, generator)
            sample_acq = score(sample)
            accept = (sample_acq > best_acq) & score.feasible(sample)
            best_x = torch.where(accept[:, None], sample, best_x)
            best_acq = torch.where(accept, sample_acq, best_acq)
    return GuidedResult(best_x, best_acq, (best_x != x).any(-1), unguided)
