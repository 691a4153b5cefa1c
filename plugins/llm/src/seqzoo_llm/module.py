"""The Lightning module every objective trains through.

It owns one thing: computing the policy's completion log-likelihoods ``log pi(y|x)`` for a
collated batch (prompt and padding masked out) and handing them to the objective's loss.
Anything an objective needs besides them (rewards, the reference model's log-likelihoods)
travels in the batch, computed once before training starts.
"""

from __future__ import annotations

from typing import Callable

import pytorch_lightning as pl
import torch

from . import quiet
from .scoring import completion_logprobs

__all__ = ["CompletionModule", "Objective"]

#: ``objective(logp, num_tokens, batch) -> loss``: the per-batch loss of a trainer.
Objective = Callable[[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


class CompletionModule(pl.LightningModule):
    """Trains ``model`` in place by minimising ``objective`` with AdamW (or 8-bit AdamW)."""

    def __init__(self, model: torch.nn.Module, objective: Objective, *, learning_rate: float,
                 optimizer: str = "adamw"):
        super().__init__()
        self.model, self.objective = model, objective
        self.learning_rate, self.optimizer_name = learning_rate, optimizer
        self.epoch_losses: list[float] = []

    def on_train_epoch_start(self) -> None:
        self.epoch_losses = []

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        logp, num_tokens = completion_logprobs(self.model, batch["input_ids"],
                                               batch["attention_mask"], batch["target_mask"])
        loss = self.objective(logp, num_tokens, batch)
        self.epoch_losses.append(float(loss.detach()))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the model has no trainable parameters")
        if self.optimizer_name == "adamw":
            return torch.optim.AdamW(params, lr=self.learning_rate)
        try:
            with quiet.bitsandbytes_import():
                from bitsandbytes.optim import AdamW8bit
        except ImportError:
            raise ValueError("optimizer=adamw8bit needs bitsandbytes: "
                             "pip install 'seqzoo-llm[bnb]'") from None
        return AdamW8bit(params, lr=self.learning_rate)
