"""The language model behind LLOME: load, train with a registered trainer, decode, save.

The proposer talks to the model only through :class:`ModelBackend`, so the state machine
stays free of torch and can be tested with a stand-in. Trainers come from the seqzoo
registry (``sft``, ``dpo``, ``marge``, ``reinforce`` or any other installed one).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..generation import generate
from ..model import LanguageModel, load_model
from ..text import format_prompt, format_target
from .presets import Settings


class ModelBackend:
    """A :class:`~seqzoo_llm.model.LanguageModel` with the operations a LLOME round needs."""

    def __init__(self, settings: Settings, num_states: int, length: int, seed: int):
        self.settings, self.seed = settings, seed
        self.lm = load_model(settings.model, size=settings.model_size, num_states=num_states,
                             length=length, lora=settings.lora, lora_rank=settings.lora_rank,
                             seed=seed)
        # The longest valid completion, plus room to see that an invalid one runs on.
        longest = format_target([num_states - 1] * length)
        ids = self.lm.tokenizer(longest, add_special_tokens=False)["input_ids"]
        self.max_new_tokens = len(ids) + 4

    def fit(self, trainer: str, examples: Sequence[dict[str, Any]], *,
            learning_rate: float | None, epochs: int, seed: int) -> dict[str, float]:
        """Train in place with the registered trainer ``trainer``; the reference model is the
        model as it was before this call (the previous round's)."""
        from seqzoo.plugins import registry

        s = self.settings
        options: dict[str, Any] = {"epochs": epochs, "optimizer": s.optimizer, "seed": seed}
        if learning_rate is not None:
            options["learning_rate"] = learning_rate
        if s.train_batch_size is not None:
            options["batch_size"] = s.train_batch_size
        factory = registry().get("trainer", trainer).load()
        return {k: float(v) for k, v in factory(**options).fit(self.lm, list(examples)).items()}

    def complete(self, prompts: np.ndarray, temperature: float, num_samples: int,
                 seed: int) -> list[list[tuple[str, float, int]]]:
        """Completions of the edit prompts for ``prompts`` (see :data:`.editing.Complete`)."""
        texts = [format_prompt(row.tolist()) for row in prompts]
        out = generate(self.lm, texts, temperature=temperature, num_samples=num_samples,
                       max_new_tokens=self.max_new_tokens, seed=seed)
        return [[(g.text, g.logprob, g.num_tokens) for g in per] for per in out]

    def snapshot(self) -> LanguageModel:
        """A trainable copy to fall back to when a new checkpoint is rejected."""
        return copy.deepcopy(self.lm)

    def revert(self, snapshot: LanguageModel) -> None:
        self.lm = snapshot

    def save(self, path: Path) -> None:
        self.lm.save(path)

    def load(self, path: Path) -> None:
        s = self.settings
        self.lm = LanguageModel.load(path, lora=s.lora, lora_rank=s.lora_rank, seed=self.seed)
