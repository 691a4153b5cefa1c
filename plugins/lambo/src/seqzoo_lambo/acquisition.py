"""The ensemble acquisition: log expected improvement times the probability of feasibility.

The ensemble's members give a mean ``mu`` and a spread ``sigma`` per sequence; expected
improvement over the best observed value ``best`` is ``sigma * h((mu - best) / sigma)`` with
``h(z) = phi(z) + z Phi(z)``. Far below the incumbent ``h`` underflows to zero and its
gradient vanishes, so we work with ``log h`` computed stably (the LogEI form of Ament et al.
2023): candidates that are all predicted to be worse still get a useful ranking and gradient.
Adding ``log P(feasible)`` makes it constrained EI, so predicted-infeasible edits lose.

:class:`QLogNEI` is the acquisition of ``lambo2:preset=paper``: cortex's ``GraphNEI`` for one
objective, on BoTorch. Each ensemble member is a Monte Carlo sample of the objective; member
``m``'s incumbent is its own best prediction over the round's baseline (the starting
sequences), and the acquisition is the mean over members of BoTorch's qLogEI sample term,
the fat-tailed smooth ``log max(f_m(x) - best_m, 0)``.
"""

from __future__ import annotations

import math

import torch

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_LOG_SQRT_PI_OVER_2 = 0.5 * math.log(math.pi / 2)
#: A floor on the ensemble spread: a collapsed ensemble must not make EI a step function.
MIN_SIGMA = 1e-3


def log_h(z: torch.Tensor) -> torch.Tensor:
    """``log(phi(z) + z * Phi(z))``, accurate and differentiable for every ``z``."""
    # each branch sees only its own range of z, so neither leaks a NaN gradient into where()
    zu = z.clamp(min=-1.0)
    upper = torch.log(torch.exp(-0.5 * zu**2 - _LOG_SQRT_2PI) + zu * torch.special.ndtr(zu))
    # for z <= -1: h(z) = phi(z) * (1 - |z| * erfcx(-z/sqrt2) * sqrt(pi/2)) with no cancellation
    zc = z.clamp(max=-1.0)
    t = torch.log(torch.special.erfcx(-zc / math.sqrt(2)) * zc.abs()) + _LOG_SQRT_PI_OVER_2
    lower = -0.5 * zc**2 - _LOG_SQRT_2PI + torch.log(-torch.expm1(t).clamp(max=-1e-30))
    return torch.where(z > -1.0, upper, lower)


def log_ei(values: torch.Tensor, best: float) -> torch.Tensor:
    """Log expected improvement of ``(n, ensemble)`` predictions over ``best``."""
    mu = values.mean(dim=-1)
    sigma = values.std(dim=-1, unbiased=False).clamp_min(MIN_SIGMA) if values.shape[-1] > 1 \
        else torch.full_like(mu, MIN_SIGMA)
    return log_h((mu - best) / sigma) + torch.log(sigma)


def acquisition(values: torch.Tensor, log_feasible: torch.Tensor, best: float) -> torch.Tensor:
    """Constrained log-EI: ``log EI + log P(feasible)``, one number per sequence."""
    return log_ei(values, best) + log_feasible


class QLogNEI:
    """Noisy log-EI over an ensemble, as cortex's ``GraphNEI`` computes it with BoTorch."""

    def __init__(self, baseline_values: torch.Tensor):
        """``baseline_values``: ``(n_baseline, ensemble)`` predictions for the baseline rows."""
        # imported here: BoTorch takes a second to import and only this preset needs it
        from botorch.acquisition.logei import qLogExpectedImprovement
        from botorch.acquisition.objective import IdentityMCObjective

        self.members = [qLogExpectedImprovement(model=None, best_f=best,
                                                objective=IdentityMCObjective())
                        for best in baseline_values.detach().amax(dim=0)]

    def __call__(self, values: torch.Tensor) -> torch.Tensor:
        """``(n, ensemble)`` predictions -> ``(n,)`` acquisition values."""
        # _sample_forward is the per-sample term cortex calls; q = 1 design per row
        terms = [fn._sample_forward(values[:, m, None]).squeeze(-1)
                 for m, fn in enumerate(self.members)]
        return torch.stack(terms).mean(dim=0)
