"""LLOME's settings: the paper's sizes with this project's loop, the reference code's loop,
and a preset sized for a laptop CPU.

``paper`` follows arXiv 2410.22296 on f2: a GA warm start of 1,000 particles x 10 steps,
10 rounds (round 0 SFT) of 2,000 labels, 200 seeds x 10 edit iterations x (greedy + 10
samples at each of six temperatures), the 0.6 likelihood quantile, 0.25 Hamming
neighbourhoods of 30 nearest neighbours, at most 10% infeasible pairs.

``cpu`` keeps the budget and every rule but generates and trains less per round, so that a
full f2 run (about 30k evaluations) with the tiny ``micro`` model fits in about half an hour
on two cores: 50 seeds x 4 edit iterations x 5 samples per temperature (6,200 completions a
round instead of 122,000), repeated up to 4 times (``max_edit_passes``) while there are
too few distinct new candidates for 2,000 labels above the likelihood quantile, and at most
1,500 training examples a round. A model trained from scratch must first learn the
prompt language, so round 0's SFT runs 5 epochs (``sft_epochs``; the paper's pretrained
Pythia needs one). The tiny model's greedy outputs are measured 60-80% feasible where the
paper's checkpoints reach 90%, so the checkpoint guard asks for 60% (``guard_min_valid``).
These ``cpu`` sizes and the 60% were set from runs on f2 with seeds 0, 1 and 2; the docs
report other seeds.

``reference`` is ``paper`` with every loop choice set as the public reference code
(prescient-design/llome) makes it, where this project chose differently (each is a named
option, see :class:`Settings`): seeds are the best target rows of the round's training set
(``seeds=round``), greedy decoding and each temperature run their own trajectories ranked by
temperature-warped likelihood (``trajectories=separate``), DPO uses every qualifying triple
(``dpo_pairs=all``), the best checkpoint of a round is kept on a 5% eval split of at most
100 examples (``checkpoints=best``), the learning rate decays linearly with no weight decay,
and the micro-batches are the f2 configs' (SFT 2, MargE and DPO 1) with 32 accumulation steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqzoo.presets import check_choices
from seqzoo.presets import resolve as _resolve

from .guards import PAPER_COLLAPSE_STARTS, PAPER_COLLAPSE_THRESHOLDS


@dataclass(frozen=True)
class Settings:
    """Every LLOME option, with the paper's values as defaults (see :class:`~.proposer.Llome`)."""

    objective: str = "marge"
    model: str = "tiny"
    model_size: str = "small"
    lora: bool = False
    lora_rank: int = 8
    rounds: int = 10
    labels_per_round: int = 2000
    seed_evaluations: int = 10_000
    ga_population: int = 1000
    seeds_per_round: int = 200
    edit_iterations: int = 10
    max_edit_passes: int = 1
    temperatures: tuple[float, ...] = (0.6, 0.8, 1.0, 1.2, 1.4, 1.6)
    samples_per_temperature: int = 10
    likelihood_quantile: float = 0.6
    hamming_threshold: float = 0.25
    neighbours: int = 30
    max_infeasible_fraction: float = 0.1
    max_train_examples: int | None = None
    collapse_thresholds: tuple[float, ...] = PAPER_COLLAPSE_THRESHOLDS
    collapse_starts: tuple[float, ...] = PAPER_COLLAPSE_STARTS
    guard_prompts: int = 50
    guard_min_valid: float = 0.9
    guard_max_repeated: float = 0.1
    learning_rate: float | None = None
    sft_learning_rate: float | None = None
    epochs: int = 1
    sft_epochs: int | None = None
    train_batch_size: int | None = None
    optimizer: str = "adamw"
    grad_accum: int = 1
    sft_train_batch_size: int | None = None
    sft_grad_accum: int | None = None
    lr_schedule: str = "constant"
    weight_decay: float = 0.01
    seeds: str = "history"
    trajectories: str = "pooled"
    dpo_pairs: str = "zipped"
    checkpoints: str = "round"
    checkpoint_count: int = 5
    constrained: bool = False

    def validate(self) -> "Settings":
        """Return ``self`` or raise ValueError naming the first bad option."""
        positive = ("lora_rank", "rounds", "labels_per_round", "ga_population",
                    "seeds_per_round", "edit_iterations", "max_edit_passes", "samples_per_temperature",
                    "neighbours", "epochs", "grad_accum", "checkpoint_count")
        if self.sft_epochs is not None and self.sft_epochs < 1:
            raise ValueError(f"sft_epochs must be >= 1 or none, got {self.sft_epochs}")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.seed_evaluations < 0 or self.guard_prompts < 0:
            raise ValueError("seed_evaluations and guard_prompts must be >= 0")
        for name in ("likelihood_quantile", "hamming_threshold", "max_infeasible_fraction",
                     "guard_min_valid", "guard_max_repeated"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        if not self.temperatures or min(self.temperatures) <= 0:
            raise ValueError(f"temperatures must be a non-empty list of positive numbers, "
                             f"got {list(self.temperatures)}")
        if len(self.collapse_thresholds) != len(self.collapse_starts):
            raise ValueError("collapse_thresholds and collapse_starts must have equal lengths")
        if self.optimizer not in ("adamw", "adamw8bit"):
            raise ValueError(f"optimizer must be 'adamw' or 'adamw8bit', got {self.optimizer!r}")
        check_choices(self, CHOICES)
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        for name in ("max_train_examples", "train_batch_size", "sft_train_batch_size",
                     "sft_grad_accum"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 or none, got {getattr(self, name)}")
        return self


#: The options that pick between this project's choice (first) and the reference code's.
CHOICES = {"seeds": ("history", "round"), "trajectories": ("pooled", "separate"),
           "dpo_pairs": ("zipped", "all"), "checkpoints": ("round", "best"),
           "lr_schedule": ("constant", "linear")}

PRESETS: dict[str, Settings] = {
    "paper": Settings(),
    "reference": Settings(seeds="round", trajectories="separate", dpo_pairs="all",
                          checkpoints="best", guard_prompts=100, lr_schedule="linear",
                          weight_decay=0.0, train_batch_size=1, grad_accum=32,
                          sft_train_batch_size=2, sft_grad_accum=32),
    "cpu": Settings(model_size="micro", seeds_per_round=50, edit_iterations=4,
                    samples_per_temperature=5, max_edit_passes=4, max_train_examples=1500,
                    sft_epochs=5, guard_prompts=32, guard_min_valid=0.6),
    # zoo compare's default grid (3,000 labels after a 2,000-row warm start, rounds of 100):
    # cpu's loop and model, two rounds of 1,500 labels edited from 25 seeds
    "quick": Settings(model_size="micro", labels_per_round=1500, seeds_per_round=25,
                      edit_iterations=4, samples_per_temperature=5, max_edit_passes=4,
                      max_train_examples=1500, sft_epochs=5, guard_prompts=32,
                      guard_min_valid=0.6),
}


DEFAULT_PRESET = "paper"


def resolve(preset: str, overrides: dict[str, Any]) -> Settings:
    """The preset's settings with every given override applied, validated (an option left
    at its default, or ``None``, keeps the preset's value)."""
    return _resolve(PRESETS, preset, overrides, what="llome").validate()
