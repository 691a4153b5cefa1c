"""``lambo2``'s options and its two presets; imports nothing heavy.

``default`` is this project's LaMBO-2 at CPU sizes (tuned on f2 seeds 0-2): one guided infill
per round from a pool of the best distinct sequences, with three additions of its own --
an adjacent-pair feasibility classifier in the acquisition and in acceptance
(``feasibility_classifier``), infills that must change the token they replace
(``forced_edits``) and an acquisition read through soft tokens (``guidance=soft_tokens``).

``paper`` is LaMBO-2 as the LLOME paper ran it: cortex's ``LaMBO`` inside poli-baselines'
solver with prescient-design/bbo-bench's reproduction settings. Each round retrains the model
16 epochs at lr 5e-3 on a cosine schedule (Adam betas (0.9, 0.99)) from the weights first
trained on the warm start (poli reloads that checkpoint every round); each batch masks a
fraction of positions drawn from cortex's cosine corruption schedule, for the masked LM and
for the regression heads (whose standardized targets shrink toward the mean by that
fraction), and each head takes its own Adam step on it, in random order, as cortex's tree
steps per leaf. A round starts from the 2,000 sequences picked by farthest-first traversal
from the best 4,000 rows, and runs 64 guided steps; step ``t`` re-picks 16 edit positions
by occlusion saliency and masks each with probability ``1/sqrt(1+t)``; 2 Adam updates (lr
0.05, betas (0.09, 0.0999)) of the trunk features at the masked positions raise BoTorch's
qLogEI over the ensemble (cortex's GraphNEI); a sample
replaces a row when its acquisition is at least the row's (``>=``); the 2,000 final rows are
the proposals. None of the three additions; cortex's network (``network=cortex``: a root of
two residual blocks 32 -> 128 -> 32 over rescaled embeddings and sine positions, a linear
denoiser, one branch and Gaussian leaf per ensemble member) at bbo-bench's sizes (width 128,
kernel 5, 8 members). bbo-bench swept 16 and 24 mutations and step sizes 0.01 and
0.05; ``paper`` takes 16 and 0.05.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace

from seqzoo.presets import PROBLEM, check_choices
from seqzoo.presets import resolve as _resolve
from seqzoo.presets import signature as _signature

#: The options that take one of a few names, and those names.
CHOICES = {"loop": ("project", "cortex"), "guidance": ("soft_tokens", "trunk"),
           "acquisition": ("log_ei", "qlognei"), "lr_schedule": ("constant", "cosine"),
           "retrain_from": ("previous", "first"), "masking": ("uniform", "cosine"),
           "train_updates": ("joint", "per_head"), "saliency_norm": ("std", "l1"),
           "targets": ("normal_scores", "standardize"), "network": ("project", "cortex"),
           "loaders": ("shared", "per_task")}


@dataclass(frozen=True)
class Settings:
    """Every ``lambo2`` option, with the ``default`` preset's values."""

    batch_size: int = 200
    loop: str = "project"
    guided_steps: int = 64
    exclude_initial_solution: bool = False
    num_mutations_per_step: int = 2
    max_guidance_updates: int = 8
    guidance_step_size: float = 0.5
    kl_weight: float = 0.5
    guidance: str = "soft_tokens"
    acquisition: str = "log_ei"
    feasibility_classifier: bool = True
    forced_edits: bool = True
    restarts: int = 2
    pool_size: int = 16
    ensemble_size: int = 4
    network: str = "project"
    width: int = 32
    layers: int = 3
    kernel: int = 5
    epochs: int = 2
    max_train_steps: int = 40
    train_batch_size: int = 128
    lr: float = 1e-3
    lr_schedule: str = "constant"
    adam_beta2: float = 0.999
    masking: str = "uniform"
    corrupt_regression: bool = False
    train_updates: str = "joint"
    loaders: str = "shared"
    targets: str = "normal_scores"
    retrain_from: str = "previous"
    saliency_temperature: float = 2.0
    saliency_norm: str = "std"
    accelerator: str = "auto"

    def validate(self) -> "Settings":
        positive = ("batch_size", "guided_steps", "num_mutations_per_step",
                    "max_guidance_updates", "restarts", "pool_size", "ensemble_size", "width",
                    "layers", "kernel", "epochs", "train_batch_size")
        for key in positive:
            if getattr(self, key) < 1:
                raise ValueError(f"{key} must be >= 1, got {getattr(self, key)}")
        if self.max_train_steps < 0:
            raise ValueError(f"max_train_steps must be >= 0 (0: no cap), got "
                             f"{self.max_train_steps}")
        if self.kernel % 2 == 0:
            raise ValueError(f"kernel must be odd so convolutions keep the length, got "
                             f"{self.kernel}")
        if self.lr <= 0 or self.saliency_temperature <= 0 or self.guidance_step_size <= 0:
            raise ValueError("lr, saliency_temperature and guidance_step_size must be > 0")
        if not 0 < self.adam_beta2 < 1:
            raise ValueError(f"adam_beta2 must be in (0, 1), got {self.adam_beta2}")
        if not 0 <= self.kl_weight < 1:
            raise ValueError(f"kl_weight must be in [0, 1), got {self.kl_weight}")
        check_choices(self, CHOICES)
        return self


PRESETS = {
    "default": Settings(),
    "paper": Settings(batch_size=2000, loop="cortex", guided_steps=64,
                      num_mutations_per_step=16, max_guidance_updates=2,
                      guidance_step_size=0.05, kl_weight=0.0, guidance="trunk",
                      acquisition="qlognei", feasibility_classifier=False, forced_edits=False,
                      ensemble_size=8, network="cortex", width=128, layers=2, kernel=5,
                      epochs=16, max_train_steps=0, lr=5e-3, lr_schedule="cosine",
                      adam_beta2=0.99, masking="cosine", corrupt_regression=True,
                      train_updates="per_head", loaders="per_task", targets="standardize",
                      retrain_from="first", saliency_temperature=1.0, saliency_norm="l1"),
}
#: ``default`` at smaller sizes for ``zoo compare``'s default grid (``seqzoo.presets.QUICK``):
#: an encoder half as wide, half the training steps a round and one edit round an ask
#: instead of up to two; the same algorithm.
PRESETS["quick"] = replace(PRESETS["default"], width=16, max_train_steps=20, restarts=1)
DEFAULT_PRESET = "default"


def resolve(preset: str, options: dict) -> Settings:
    return _resolve(PRESETS, preset, options, what="lambo2").validate()


def signature() -> inspect.Signature:
    return _signature(Settings, PRESETS, DEFAULT_PRESET, (PROBLEM,))
