"""The factories ``zoo`` registers: their signatures are the options, and they import nothing heavy.

``zoo list`` and ``zoo plugins`` read these signatures and docstrings; torch is
imported only when a proposer is actually built (see :mod:`.proposer`).
"""

from __future__ import annotations

from seqzoo import Problem

from .presets import DEFAULT_PRESET, PRESETS, signature

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
            (0: no cap)
        train_batch_size: sequences per training batch
        lr: Adam learning rate of the network
        saliency_temperature: softmax temperature of the edit-position saliency
        accelerator: where training runs: auto (a GPU if there is one), cpu, gpu"""


def lambo2(problem: Problem, **options):
    from .presets import resolve

    settings = resolve(options.pop("preset", DEFAULT_PRESET), options)
    from .proposer import Lambo2

    return Lambo2(problem, settings)


lambo2.__signature__ = signature()
lambo2.presets = tuple(PRESETS)  # type: ignore[attr-defined]  # shown by ``zoo list``
# seconds per 1,000 evaluations for zoo compare's ETA until a run of its own has finished:
# the default grid's run (3,000 evaluations in rounds of 100 after its warm start), CPU
# seconds on a loaded 2-core machine: quick 18.6 (seed 0) and 16.3 (seed 1), default 46.6
# and 50.0; paper (2,000 proposals of 64 steps a round) is not measured
lambo2.cost_hint = {"quick": 6.0, "default": 16.0}  # type: ignore[attr-defined]


def lambo2_lite(problem: Problem, batch_size: int = 200, num_mutations_per_step: int = 2,
                restarts: int = 2, pool_size: int = 16, ensemble_size: int = 4,
                width: int = 32, layers: int = 3, kernel: int = 5, epochs: int = 2,
                max_train_steps: int = 40, train_batch_size: int = 128, lr: float = 1e-3,
                saliency_temperature: float = 2.0, accelerator: str = "auto"):
    options = dict(locals())
    from .proposer import Lambo2Lite

    return Lambo2Lite(options.pop("problem"), **options)


lambo2.__doc__ = f"""LaMBO-2: guided discrete diffusion with an ensemble acquisition (Gruver et al. 2023).

    Every option but ``preset`` takes the preset's value unless given; defaults show
    ``default``'s value and, in brackets, ``paper``'s where it differs. ``default``: this
    project's CPU-sized LaMBO-2 with its three additions (the pair-feasibility classifier,
    forced edits, the soft-token objective). ``paper``: cortex's LaMBO-2 loop with the LLOME
    paper's settings (bbo-bench), none of the additions (see the plugin README).

    Options:
        preset: ``default``, ``paper`` or ``quick`` (``default`` at smaller sizes for the
            default ``zoo compare``: width 16, 20 training steps a round, one edit round)
        loop: ``project`` (one guided infill per restart from the best distinct sequences,
            novel proposals only) or ``cortex`` (poli-baselines' round: ``guided_steps``
            cortex steps on farthest-first starts, final rows proposed as they are)
        guided_steps: cortex steps per round, step t masking a 1/sqrt(1+t) share of the edit
            positions (``loop=cortex`` only)
        exclude_initial_solution: a round's first step counts each row's score as -inf, so
            its first sample always replaces it (cortex's option; ``loop=cortex`` only)
        max_guidance_updates: Adam steps on the hidden-state perturbation per guided infill
        guidance_step_size: Adam learning rate of the perturbation
        kl_weight: weight of the KL term toward the unguided denoiser (0 <= kl_weight < 1)
        guidance: ``soft_tokens`` (re-encode the guided token probabilities; an addition)
            or ``trunk`` (read the perturbed hidden states, as cortex)
        acquisition: ``log_ei`` (analytic log-EI of the ensemble mean and spread) or
            ``qlognei`` (BoTorch qLogEI per ensemble member over the starts, averaged:
            cortex's GraphNEI)
        feasibility_classifier: learn adjacent-pair feasibility and use it in the
            acquisition and acceptance (an addition; cortex ran with no constraint)
        forced_edits: an infill must change the token it masks (an addition)
        lr_schedule: ``constant`` or ``cosine`` (2 warm-up epochs, per epoch, as cortex)
        adam_beta2: Adam's second-moment decay in training (cortex: 0.99)
        masking: masked-LM corruption: ``uniform`` (5-30% of each sequence) or ``cosine``
            (one fraction a batch from cortex's cosine diffusion schedule, mean 0.64)
        corrupt_regression: the regression heads read masked inputs and fit targets shrunk
            toward the mean by the masked fraction (cortex's ``corrupt_train_inputs``; with
            ``network=cortex`` the whole smoothed Gaussian label)
        train_updates: ``joint`` (one step a batch on the summed losses) or ``per_head``
            (each head its own loss and Adam step a batch, in random order, as cortex)
        loaders: ``shared`` (every head trains on one loader's batches of every row) or
            ``per_task`` (as cortex: the denoiser on the distinct feasible sequences, the
            regression on the feasible rows, each its own loader; an epoch ends with the
            shortest)
        targets: regression targets: ``normal_scores`` of the values' ranks or the values
            ``standardize``d (cortex's DDPStandardize)
        retrain_from: each round's training starts from the ``previous`` round's weights or
            from the ``first`` weights: trained once on the first round's data before that
            round trains (poli-baselines pretrains, then reloads that checkpoint every round)
        saliency_norm: ``std`` (standardise the saliency per row) or ``l1`` (divide by its
            absolute sum, as cortex)
        network: ``project`` (this plugin's CNN: learned positions, one shared encoder,
            max- and mean-pooled squared-error heads) or ``cortex`` (cortex's root, branches
            and Gaussian leaves as bbo-bench sizes them; ``width`` is the root's inner
            width, ``layers`` its blocks)
{_COMMON_OPTIONS}
    """
lambo2_lite.__doc__ = f"""LaMBO-2 ablation: masked-LM infill at salient positions, ranked by the acquisition.

    Options:
{_COMMON_OPTIONS}
    """
