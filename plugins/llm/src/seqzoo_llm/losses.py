"""The training objectives as pure functions of completion log-likelihoods.

Every argument is a 1-D tensor over the examples of a batch: ``logp`` is the policy's
``log pi(y|x)`` summed over the target's tokens (differentiable), ``reference_logp`` the
same under the frozen reference model, ``num_tokens`` the target lengths ``|y|`` and
``reward`` the per-example reward. Each function returns the scalar loss to minimise: the
mean over the batch of the per-example loss of the LLOME paper (see ``llome.md``).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["sft_loss", "dpo_loss", "marge_loss", "reinforce_loss", "improvement_reward"]


def sft_loss(logp: torch.Tensor, num_tokens: torch.Tensor) -> torch.Tensor:
    """Completion-only negative log-likelihood per target token, pooled over the batch."""
    return -logp.sum() / num_tokens.sum()


def dpo_loss(chosen_logp: torch.Tensor, rejected_logp: torch.Tensor,
             reference_chosen_logp: torch.Tensor, reference_rejected_logp: torch.Tensor,
             beta: float) -> torch.Tensor:
    """Sigmoid DPO: ``-log sigmoid(beta * (chosen log-ratio - rejected log-ratio))``."""
    margin = (chosen_logp - reference_chosen_logp) - (rejected_logp - reference_rejected_logp)
    return -F.logsigmoid(beta * margin).mean()


def marge_loss(logp: torch.Tensor, reference_logp: torch.Tensor, num_tokens: torch.Tensor,
               reward: torch.Tensor, alpha: float, beta: float,
               self_normalize: bool = True) -> torch.Tensor:
    """MargE: ``alpha * w * (log pi(y|x)/|y| - r) + beta * (-log pi(y|x)/|y|)``.

    ``w = pi(y|x) / pi_ref(y|x)`` is deliberately *not* detached: its gradient is part of
    the estimator of ``KL(pi || p_r)``. With ``self_normalize`` the weights are divided by
    their sum over the batch (a softmax of the log-ratios, which cannot overflow).
    """
    log_ratio = logp - reference_logp
    weight = torch.softmax(log_ratio, dim=0) if self_normalize else torch.exp(log_ratio)
    per_token = logp / num_tokens
    return (alpha * weight * (per_token - reward) - beta * per_token).mean()


def reinforce_loss(logp: torch.Tensor, num_tokens: torch.Tensor, reward: torch.Tensor,
                   beta: float) -> torch.Tensor:
    """The paper code's REINFORCE ablation: ``-log pi(y|x) * r + beta * (-log pi(y|x)/|y|)``."""
    return (-logp * reward - beta * logp / num_tokens).mean()


def improvement_reward(prompt_value: np.ndarray, target_value: np.ndarray) -> np.ndarray:
    """``max(0, f(y) - f(x))``, with infeasible (``-inf``) values counted as 0."""
    x = np.where(np.isneginf(prompt_value), 0.0, prompt_value)
    y = np.where(np.isneginf(target_value), 0.0, target_value)
    return np.maximum(0.0, y - x)
