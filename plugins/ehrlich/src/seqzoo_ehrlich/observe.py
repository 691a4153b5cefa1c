"""From true values to observed ones, as botorch's test functions do it.

Noise is drawn from torch's *global* stream (``torch.randn_like``), so ``torch.manual_seed``
makes noisy observations reproducible, exactly as with the reference. Without noise nothing is
drawn (the reference draws and discards a sample even when ``noise_std`` is 0).
"""

from __future__ import annotations

from typing import Any


def observe(values: Any, noise_std: float, negate: bool) -> Any:
    """``values`` (numpy or torch float32) plus Gaussian noise, negated if asked."""
    if noise_std == 0 and not negate:
        return values
    import torch  # only noise and negation need it; exact values go back untouched

    observed = torch.as_tensor(values)
    if noise_std > 0:
        scale = torch.tensor(noise_std, dtype=observed.dtype, device=observed.device)
        observed = observed + scale * torch.randn_like(observed)
    if negate:
        observed = -observed
    return observed if isinstance(values, torch.Tensor) else observed.numpy()
