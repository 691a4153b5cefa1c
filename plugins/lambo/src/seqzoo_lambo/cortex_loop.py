"""LaMBO-2's inner loop as cortex runs it (``cortex.optim.generative.LaMBO.step``).

A round starts from ``n`` sequences and runs ``steps`` guided steps on all of them. Step ``t``:

1. picks ``num_mutations`` edit positions per row by first-order occlusion saliency of the
   acquisition (``resample_edit_positions``), and masks each with probability
   ``1 / sqrt(1 + t)``: early steps rewrite many positions, late ones few;
2. samples the masked positions from the denoiser and considers that sample;
3. ``updates`` times: one Adam step (betas (0.09, 0.0999)) on a perturbation of the hidden
   states at the masked positions, minimising ``kl_weight * KL(guided || unguided) -
   (1 - kl_weight) * acquisition``, then samples the masked positions again and considers it.

A considered sample replaces its row when its score -- ``(1 - kl_weight) * acquisition +
kl_weight * pseudo-log-likelihood`` -- is at least the row's (``>=``, so equal-scoring moves
drift through plateaus; strictly greater with ``accept_ties=False``) and it is feasible (always,
without the classifier). A round starts from each row's own score, or from ``-inf`` with
``exclude_initial_solution`` (the first sample then always moves it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .infill import Scorer, salient_positions, sample_tokens, token_logp

#: cortex's Adam betas for the guidance perturbation.
GUIDANCE_BETAS = (0.09, 0.0999)
#: cortex clamps the unguided probabilities before taking the KL divergence to them.
MIN_BASE_PROB = 1e-6


@dataclass(frozen=True)
class StepOptions:
    num_mutations: int
    updates: int
    step_size: float
    kl_weight: float
    guidance: str  # "trunk" or "soft_tokens"
    forced: bool
    saliency_temperature: float
    saliency_norm: str
    accept_ties: bool = True


def corrupt_fraction(step: int) -> float:
    return 1.0 / math.sqrt(1 + step)


@torch.no_grad()
def pseudo_log_likelihood(score: Scorer, x: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
    """``(n,)`` mean over positions of ``log p(x_i | x without i)`` under the denoiser."""
    net, (n, length) = score.net, x.shape
    total = torch.zeros(n)
    for i in range(length):
        masked = x.clone()
        masked[:, i] = net.mask_id
        for lo in range(0, n, chunk):
            logp = torch.log_softmax(net.logits(net.encode(masked[lo:lo + chunk]))[:, i], -1)
            total[lo:lo + chunk] += logp.gather(-1, x[lo:lo + chunk, i, None]).squeeze(-1)
    return total / length


def run(score: Scorer, x: torch.Tensor, *, steps: int, options: StepOptions,
        generator: torch.Generator, exclude_initial: bool = False) -> torch.Tensor:
    """``steps`` guided steps from the rows of ``x``; returns the final rows."""
    current = torch.full((len(x),), -math.inf) if exclude_initial else value(score, x, options)
    for t in range(steps):
        allowed = salient_positions(score, x, options.num_mutations,
                                    options.saliency_temperature, generator, options.saliency_norm)
        draw = torch.rand(x.shape, generator=generator, dtype=torch.float64)
        x, current = step(score, x, current, allowed & (draw < corrupt_fraction(t)), options,
                          generator)
    return x


@torch.no_grad()
def value(score: Scorer, x: torch.Tensor, options: StepOptions) -> torch.Tensor:
    """What acceptance compares: ``(1 - kl_weight) * acquisition + kl_weight * PLL``."""
    out = (1 - options.kl_weight) * score(x)
    if options.kl_weight > 0:
        out = out + options.kl_weight * pseudo_log_likelihood(score, x)
    return out


def step(score: Scorer, x: torch.Tensor, current: torch.Tensor, mask: torch.Tensor,
         options: StepOptions, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One guided step on the masked positions; returns the rows and their scores."""
    net, kl_weight, start = score.net, options.kl_weight, x
    with torch.no_grad():
        hidden0 = net.encode(torch.where(mask, net.mask_id, x))
        base_logp = token_logp(net.logits(hidden0), start, options.forced)
        base_probs = base_logp.exp().clamp_min(MIN_BASE_PROB)
        base_probs = base_probs / base_probs.sum(-1, keepdim=True)

    def consider(hidden, x, current):
        with torch.no_grad():
            logp = token_logp(net.logits(hidden), start, options.forced)
            sample = torch.where(mask, sample_tokens(logp, generator), x)
            scored = value(score, sample, options)
            better = scored >= current if options.accept_ties else scored > current
            accept = better & score.feasible(sample)
            return (torch.where(accept[:, None], sample, x),
                    torch.where(accept, scored, current))

    x, current = consider(hidden0, x, current)
    delta = torch.zeros_like(hidden0, requires_grad=True)
    optimizer = torch.optim.Adam([delta], lr=options.step_size, betas=GUIDANCE_BETAS)
    edit = mask[..., None]
    onehot = torch.nn.functional.one_hot(start, net.num_states).float()
    count = mask.sum().clamp_min(1)
    for _ in range(options.updates):
        hidden = hidden0 + delta * edit
        logp = token_logp(net.logits(hidden), start, options.forced)
        probs = logp.exp()
        soft = torch.where(edit, probs, onehot)
        acq = score.from_hidden(hidden, soft) if options.guidance == "trunk" else score(soft)
        loss = -(1 - kl_weight) * acq.mean()
        if kl_weight > 0:  # paper's kl_weight is 0: skip the divergence it would multiply by 0
            kl = ((probs * (logp - base_probs.log())).sum(-1) * mask).sum() / count
            loss = loss + kl_weight * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        x, current = consider((hidden0 + delta * edit).detach(), x, current)
    return x, current
