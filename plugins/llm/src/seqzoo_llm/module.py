"""The Lightning module every objective trains through.

It owns one thing: computing the policy's completion log-likelihoods ``log pi(y|x)`` for a
collated batch (prompt and padding masked out) and handing them to the objective's loss.
Anything an objective needs besides them (rewards, the reference model's log-likelihoods)
travels in the batch, computed once before training starts.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pytorch_lightning as pl
import torch

from . import quiet
from .scoring import completion_logprobs

__all__ = ["CompletionModule", "Objective", "BestCheckpoint"]

#: ``objective(logp, num_tokens, batch) -> loss``: the per-batch loss of a trainer.
Objective = Callable[[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]


class CompletionModule(pl.LightningModule):
    """Trains ``model`` in place by minimising ``objective`` with AdamW (or 8-bit AdamW).

    ``lr_schedule="linear"`` decays the rate linearly to 0 over the run's optimizer steps (the
    Hugging Face Trainer's default, which the reference LLOME code trains with);
    ``"constant"`` keeps it. ``weight_decay`` is AdamW's decoupled decay (torch's default
    0.01; the HF Trainer's 0).
    """

    def __init__(self, model: torch.nn.Module, objective: Objective, *, learning_rate: float,
                 optimizer: str = "adamw", lr_schedule: str = "constant",
                 weight_decay: float = 0.01):
        super().__init__()
        self.model, self.objective = model, objective
        self.learning_rate, self.optimizer_name = learning_rate, optimizer
        self.lr_schedule, self.weight_decay = lr_schedule, weight_decay
        self.epoch_losses: list[float] = []

    def on_train_epoch_start(self) -> None:
        self.epoch_losses = []

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        logp, num_tokens = completion_logprobs(self.model, batch["input_ids"],
                                               batch["attention_mask"], batch["target_mask"])
        loss = self.objective(logp, num_tokens, batch)
        self.epoch_losses.append(float(loss.detach()))
        return loss

    @torch.no_grad()
    def eval_loss(self, loader) -> float:
        """The objective's loss on held-out batches, averaged over examples."""
        device = next(self.model.parameters()).device
        total, count = 0.0, 0
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            logp, num_tokens = completion_logprobs(self.model, batch["input_ids"],
                                                   batch["attention_mask"], batch["target_mask"])
            size = len(batch["reward"])
            total += float(self.objective(logp, num_tokens, batch)) * size
            count += size
        return total / max(count, 1)

    def configure_optimizers(self):
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the model has no trainable parameters")
        if self.optimizer_name == "adamw":
            optimizer = torch.optim.AdamW(params, lr=self.learning_rate,
                                          weight_decay=self.weight_decay)
        else:
            try:
                with quiet.bitsandbytes_import():
                    from bitsandbytes.optim import AdamW8bit
            except ImportError:
                raise ValueError("optimizer=adamw8bit needs bitsandbytes: "
                                 "pip install 'seqzoo-llm[bnb]'") from None
            optimizer = AdamW8bit(params, lr=self.learning_rate, weight_decay=self.weight_decay)
        if self.lr_schedule == "constant":
            return optimizer
        total = max(1, int(self.trainer.estimated_stepping_batches))
        # HF's get_linear_schedule_with_warmup without warmup: step s trains at lr (1 - s/T).
        decay = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: max(0.0, 1.0 - step / total))
        return {"optimizer": optimizer,
                "lr_scheduler": {"scheduler": decay, "interval": "step"}}


class BestCheckpoint(pl.Callback):
    """Evaluates ``checkpoints`` times at evenly spaced optimizer steps and keeps, in memory,
    the weights with the lowest eval loss among those ``accept`` passes; :meth:`restore`
    puts them back (or leaves the final weights when none passed)."""

    def __init__(self, lm: Any, evaluate: Callable[[], float],
                 accept: Callable[[Any], bool] | None, checkpoints: int):
        self.lm, self.evaluate, self.accept, self.count = lm, evaluate, accept, checkpoints
        self.marks: set[int] = set()
        self.best: tuple[float, int, dict] | None = None
        self.last_step = 0

    def on_train_start(self, trainer, pl_module) -> None:
        total = max(1, int(trainer.estimated_stepping_batches))
        self.marks = {math.ceil(total * (i + 1) / self.count) for i in range(self.count)}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step in self.marks:
            self.marks.discard(trainer.global_step)
            self._check(trainer.global_step)

    def on_train_end(self, trainer, pl_module) -> None:
        if self.marks:  # a last step Lightning took after the last batch (accumulation)
            self.marks.clear()
            self._check(trainer.global_step)

    def _check(self, step: int) -> None:
        self.last_step = step
        loss = self.evaluate()
        if self.accept is not None and not self.accept(self.lm):
            return
        if self.best is None or loss < self.best[0]:
            state = {k: v.detach().clone() for k, v in self.lm.model.state_dict().items()}
            self.best = (loss, step, state)

    def restore(self) -> dict[str, float]:
        """Load the best accepted weights; the chosen step and its eval loss."""
        if self.best is None:
            return {"checkpoint_step": float(self.last_step), "eval_loss": float("nan")}
        loss, step, state = self.best
        self.lm.model.load_state_dict(state)
        return {"checkpoint_step": float(step), "eval_loss": loss}
