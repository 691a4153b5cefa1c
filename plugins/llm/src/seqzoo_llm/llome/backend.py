"""The language model behind LLOME: load, train with a registered trainer, decode, save.

The proposer talks to the model only through :class:`ModelBackend`, so the state machine
stays free of torch and can be tested with a stand-in. Trainers come from the seqzoo
registry (``sft``, ``dpo``, ``marge``, ``reinforce`` or any other installed one).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..generation import Request, generate_many
from ..model import LanguageModel, load_model
from ..text import format_prompt, format_target
from .presets import Settings


class ModelBackend:
    """A :class:`~seqzoo_llm.model.LanguageModel` with the operations a LLOME round needs."""

    def __init__(self, settings: Settings, num_states: int, length: int, seed: int):
        self.settings, self.seed = settings, seed
        self.length, self.num_states, self.constraint = length, num_states, None
        self.lm = load_model(settings.model, size=settings.model_size, num_states=num_states,
                             length=length, lora=settings.lora, lora_rank=settings.lora_rank,
                             seed=seed)
        # The longest valid completion, plus room to see that an invalid one runs on.
        longest = format_target([num_states - 1] * length)
        ids = self.lm.tokenizer(longest, add_special_tokens=False)["input_ids"]
        self.max_new_tokens = len(ids) + 4
        if settings.constrained:  # a constrained model may spell a state digit by digit
            self.max_new_tokens = max(self.max_new_tokens, len(longest) + 1)

    def fit(self, trainer: str, examples: Sequence[dict[str, Any]], *,
            eval_examples: Sequence[dict[str, Any]] | None = None,
            accept: Callable[[Any], bool] | None = None, checkpoints: int = 5,
            **options: Any) -> dict[str, float]:
        """Train in place with the registered trainer ``trainer`` and its ``options``; the
        reference model is the model as it was before this call (the previous round's).
        With ``eval_examples`` the trainer keeps its best accepted checkpoint."""
        from seqzoo.plugins import registry

        fit = registry().get("trainer", trainer).load()(**options).fit
        selection = {} if not eval_examples else {
            "eval_examples": list(eval_examples), "accept": accept, "checkpoints": checkpoints}
        return {k: float(v) for k, v in fit(self.lm, list(examples), **selection).items()}

    def complete(self, prompts: np.ndarray, temperature: float, num_samples: int,
                 seed: int) -> list[list[tuple[str, float, int, float]]]:
        """Completions of the edit prompts for ``prompts`` (see :data:`.editing.Complete`)."""
        return self.complete_many([(prompts, temperature, num_samples, seed)])[0]

    def complete_many(self, requests: Sequence[tuple[np.ndarray, float, int, int]]
                      ) -> list[list[list[tuple[str, float, int, float]]]]:
        """:meth:`complete` for each request, decoded side by side
        (see :data:`.editing.CompleteMany`)."""
        out = generate_many(
            self.lm, [Request([format_prompt(row.tolist()) for row in prompts], temperature,
                              num_samples, seed)
                      for prompts, temperature, num_samples, seed in requests],
            max_new_tokens=self.max_new_tokens, constraint=self._constraint())
        return [[[(g.text, g.logprob, g.num_tokens, g.warped_logprob) for g in per]
                 for per in request] for request in out]

    def _constraint(self):
        """The format constraint for the current tokenizer (built once), or ``None``."""
        if not self.settings.constrained:
            return None
        if self.constraint is None:
            from ..constrained import FormatConstraint

            vocab = self.lm.model.get_output_embeddings().weight.shape[0]
            self.constraint = FormatConstraint(self.lm.tokenizer, self.length,
                                               self.num_states, vocab_size=vocab)
        return self.constraint

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
