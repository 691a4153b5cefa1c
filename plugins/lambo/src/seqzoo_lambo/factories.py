"""The factories ``zoo`` registers: their signatures are the options, and they import nothing heavy.

``zoo list`` and ``zoo plugins`` read these signatures and docstrings; torch and Lightning are
imported only when a proposer is actually built (see :mod:`.proposer`).
"""

from __future__ import annotations

from seqzoo import Problem

_COMMON_OPTIONS = """
        batch_size: proposals per round (one ``ask``)
        num_mutations_per_step: edit positions masked and infilled in each starting sequence
        restarts: edit rounds per ask while too few novel candidates are predicted to improve
        pool_size: best distinct feasible sequences the round's starting points are drawn from
        ensemble_size: regression heads, each fitted on its own Poisson bootstrap of the data
        width: channels of the CNN encoder
        layers: residual convolution blocks of the encoder
        kernel: convolution kernel size (odd, so the length is kept)
        epochs: training epochs per round (warm-started from the previous round)
        max_train_steps: cap on optimizer steps per round, so a round's cost stays flat
        train_batch_size: sequences per training batch
        lr: Adam learning rate of the network
        saliency_temperature: softmax temperature of the edit-position saliency
        accelerator: Lightning accelerator for training (auto, cpu, gpu)"""


def lambo2(problem: Problem, batch_size: int = 200, num_mutations_per_step: int = 2,
           max_guidance_updates: int = 8, guidance_step_size: float = 0.5,
           kl_weight: float = 0.5, restarts: int = 2, pool_size: int = 16,
           ensemble_size: int = 4, width: int = 32, layers: int = 3, kernel: int = 5,
           epochs: int = 2, max_train_steps: int = 40, train_batch_size: int = 128,
           lr: float = 1e-3, saliency_temperature: float = 2.0, accelerator: str = "auto"):
    options = dict(locals())
    from .proposer import Lambo2

    return Lambo2(**options)


def lambo2_lite(problem: Problem, batch_size: int = 200, num_mutations_per_step: int = 2,
                restarts: int = 2, pool_size: int = 16, ensemble_size: int = 4,
                width: int = 32, layers: int = 3, kernel: int = 5, epochs: int = 2,
                max_train_steps: int = 40, train_batch_size: int = 128, lr: float = 1e-3,
                saliency_temperature: float = 2.0, accelerator: str = "auto"):
    options = dict(locals())
    from .proposer import Lambo2Lite

    return Lambo2Lite(**options)


lambo2.__doc__ = f"""LaMBO-2: guided discrete diffusion with an ensemble acquisition (Gruver et al. 2023).

    Options:
        max_guidance_updates: Adam steps on the hidden-state perturbation per guided infill
        guidance_step_size: Adam learning rate of the perturbation
        kl_weight: weight of the KL term toward the unguided denoiser (0 <= kl_weight < 1)
{_COMMON_OPTIONS}
    """
lambo2_lite.__doc__ = f"""LaMBO-2 ablation: masked-LM infill at salient positions, ranked by the acquisition.

    Options:
{_COMMON_OPTIONS}
    """
