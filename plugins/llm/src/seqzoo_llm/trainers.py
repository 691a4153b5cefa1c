"""The four training objectives as seqzoo Trainers: ``sft``, ``dpo``, ``marge``, ``reinforce``.

Each is a thin class: options, how an example becomes token sequences and a reward, and a
loss from :mod:`seqzoo_llm.losses`. The rest is shared: examples are tokenized, the
reference model's log-likelihoods are computed once, and Lightning runs the loop over a
:class:`~seqzoo_llm.module.CompletionModule` on the model's device (``accelerator="auto"``
for a CUDA model, so Lightning's GPU and multi-GPU strategies apply; the CPU otherwise).

The reference model. ``fit(lm, examples)`` without ``reference`` compares against ``lm`` as
it stands when ``fit`` starts, which in LLOME is the previous round's model. Its
log-likelihoods never change while the policy trains, so they are computed in one pass before
the first step and no second copy of the model is held, with or without LoRA. A LoRA model
keeps its adapters between rounds, so "the model as it stands" includes them.

Options every trainer takes: ``learning_rate``, ``epochs``, ``batch_size`` (examples per
micro-batch; MargE normalises its weights over it), ``grad_accum`` (micro-batches per
optimizer step), ``max_length`` (an example with more tokens is an error, never silently
cut), ``optimizer`` (``adamw``, or ``adamw8bit`` from bitsandbytes, which also runs on CPU),
``seed`` (shuffling and dropout), ``max_grad_norm`` (gradient clipping, 0 for none),
``lr_schedule`` (``constant``, or ``linear`` decay to 0 as the HF Trainer does),
``weight_decay`` (AdamW's, default 0.01; the HF Trainer's is 0), and the
Lightning ``devices``, ``strategy`` and ``precision`` (e.g. ``bf16-mixed`` on a GPU). With
several devices in one process use a spawning strategy (``ddp_spawn``) or launch under
``torchrun``. The defaults' learning rates suit the tiny model trained from scratch; the
paper's for Pythia-2.8B are 1e-6 (SFT, MargE) and 1e-7 (DPO).

Best checkpoint. ``fit(..., eval_examples=E, accept=A, checkpoints=K)`` evaluates the model
``K`` times, evenly over the optimizer steps: the objective's mean loss on ``E`` and
``A(lm)`` (a validity check, e.g. of greedy outputs). The weights kept are those of the
checkpoint with the lowest eval loss that ``A`` accepts, or the final ones when none is
accepted: the reference LLOME code's rule (its save steps every 20% of a round).

Example dicts: ``sft``, ``marge`` and ``reinforce`` read ``prompt`` and ``target`` (integer
lists) and, for the reward ``max(0, f(y) - f(x))``, ``prompt_value`` and ``target_value``
(``-inf`` counts as 0); ``dpo`` reads ``prompt``, ``chosen`` and ``rejected``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import math
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

from . import quiet
from .text import format_prompt, format_target

if TYPE_CHECKING:
    import torch

# torch, Lightning and transformers (through .losses and .scoring) are imported where a
# trainer trains, not here: `zoo list` imports this module to read the trainers' options.

__all__ = ["SFT", "DPO", "MarGE", "Reinforce"]

_PRECISIONS = ("32-true", "bf16-mixed", "16-mixed", "bf16-true", "16-true", "64-true")


@dataclass(frozen=True)
class _Item:
    """One example, tokenized: its sequences (one, or chosen and rejected) and reward."""

    sequences: tuple[tuple[list[int], int], ...]
    reward: float
    reference: tuple[float, ...] = ()


class _LMTrainer(ABC):
    """Options and the training loop shared by every objective."""

    name: ClassVar[str]
    #: The example keys this objective reads.
    keys: ClassVar[tuple[str, ...]]
    needs_reference: ClassVar[bool] = False

    def __init__(self, learning_rate: float, epochs: int, batch_size: int, grad_accum: int,
                 max_length: int, optimizer: str, seed: int, max_grad_norm: float,
                 devices: int, strategy: str, precision: str, lr_schedule: str = "constant",
                 weight_decay: float = 0.01):
        if learning_rate <= 0 or not math.isfinite(learning_rate):
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate}")
        for option, value in (("epochs", epochs), ("batch_size", batch_size),
                              ("grad_accum", grad_accum), ("max_length", max_length),
                              ("devices", devices)):
            if value < 1:
                raise ValueError(f"{option} must be >= 1, got {value}")
        if optimizer not in ("adamw", "adamw8bit"):
            raise ValueError(f"optimizer must be 'adamw' or 'adamw8bit', got {optimizer!r}")
        if precision not in _PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(_PRECISIONS)}, "
                             f"got {precision!r}")
        if lr_schedule not in ("constant", "linear"):
            raise ValueError(f"lr_schedule must be 'constant' or 'linear', got {lr_schedule!r}")
        if weight_decay < 0 or not math.isfinite(weight_decay):
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        if max_grad_norm < 0:
            raise ValueError(f"max_grad_norm must be >= 0 (0 turns clipping off), "
                             f"got {max_grad_norm}")
        self.learning_rate, self.epochs, self.batch_size = learning_rate, epochs, batch_size
        self.grad_accum, self.max_length, self.optimizer = grad_accum, max_length, optimizer
        self.seed, self.max_grad_norm = seed, max_grad_norm
        self.devices, self.strategy, self.precision = devices, strategy, precision
        self.lr_schedule, self.weight_decay = lr_schedule, weight_decay

    # -- what each objective defines -------------------------------------------------
    def _texts(self, example: Mapping[str, Any]) -> tuple[str, list[str]]:
        """The prompt text and the target texts of one example."""
        return format_prompt(example["prompt"]), [format_target(example["target"])]

    def _rewards(self, examples: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.zeros(len(examples))

    @abstractmethod
    def _loss(self, logp: torch.Tensor, num_tokens: torch.Tensor,
              batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The batch loss from the policy's log-likelihoods (see :mod:`.module`)."""

    # -- the shared machinery --------------------------------------------------------
    def fit(self, lm, examples: Sequence[Mapping[str, Any]], *, reference=None,
            eval_examples: Sequence[Mapping[str, Any]] | None = None,
            accept: Callable[[Any], bool] | None = None,
            checkpoints: int = 5) -> dict[str, float]:
        """Train ``lm`` in place on ``examples``; metrics: ``loss`` (mean over the last
        epoch), ``steps`` (optimizer steps), ``seconds``, ``examples`` and, with
        ``eval_examples``, ``checkpoint_step`` (the step whose weights were kept) and
        ``eval_loss`` (its eval loss).

        ``reference`` (DPO, MargE) is a frozen model sharing ``lm``'s tokenizer; ``None``
        means ``lm`` as it is now. ``eval_examples``, ``accept`` and ``checkpoints`` choose
        the best checkpoint (see the module docstring).
        """
        import torch
        from torch.utils.data import DataLoader

        start = time.perf_counter()
        items = self._items(lm, examples, reference)
        collate_fn = partial(_collate, pad_id=lm.tokenizer.pad_token_id)
        module = _module(lm.model, self._loss, self.learning_rate, self.optimizer,
                         self.lr_schedule, self.weight_decay)
        loader = DataLoader(items, batch_size=self.batch_size, shuffle=True,
                            collate_fn=collate_fn,
                            generator=torch.Generator().manual_seed(self.seed))
        callbacks = []
        if eval_examples:
            if checkpoints < 1:
                raise ValueError(f"checkpoints must be >= 1, got {checkpoints}")
            from .module import BestCheckpoint

            held = self._items(lm, eval_examples, reference)  # before training moves lm
            held_out = DataLoader(held, batch_size=self.batch_size, collate_fn=collate_fn)
            callbacks.append(BestCheckpoint(lm, partial(module.eval_loss, held_out),
                                            accept, checkpoints))
        device, was_training = lm.device, lm.model.training
        # Dropout off while training, as the paper's code does (its disable_dropout=True):
        # a policy and its reference must score the same sequence the same way.
        lm.model.eval()
        with torch.random.fork_rng(devices=[]), quiet.lightning():
            torch.manual_seed(self.seed)
            # Train where the model lives: "auto" finds the GPU(s) of a CUDA model, and a model
            # deliberately kept on the CPU is not moved to a GPU behind the caller's back.
            trainer = _lightning(accelerator="cpu" if device.type == "cpu" else "auto",
                                 max_epochs=self.epochs, accumulate_grad_batches=self.grad_accum,
                                 gradient_clip_val=self.max_grad_norm or None,
                                 devices=self.devices, strategy=self.strategy,
                                 precision=self.precision, callbacks=callbacks)
            trainer.fit(module, loader)
        extra = callbacks[0].restore() if callbacks else {}
        # Lightning may leave the model on another device (its teardown) or in train mode.
        if lm.device != device:
            lm.model.to(device)
        lm.model.train(was_training)
        return {"loss": float(np.mean(module.epoch_losses)), "steps": float(trainer.global_step),
                "seconds": time.perf_counter() - start, "examples": float(len(items)), **extra}

    def _items(self, lm, examples: Sequence[Mapping[str, Any]], reference) -> list[_Item]:
        if not examples:
            raise ValueError(f"{self.name}: no examples to train on")
        for i, example in enumerate(examples):
            missing = [k for k in self.keys if k not in example]
            if missing:
                raise ValueError(f"{self.name}: example {i} lacks {missing[0]!r} "
                                 f"(expected keys: {', '.join(self.keys)})")
        from .scoring import encode_pairs, encoded_logprobs

        texts = [self._texts(e) for e in examples]
        width = len(texts[0][1])
        prompts = [p for p, targets in texts for _ in targets]
        targets = [t for _, ts in texts for t in ts]
        encoded = encode_pairs(lm.tokenizer, prompts, targets, self.max_length)
        sequences = [tuple(encoded[i * width: (i + 1) * width]) for i in range(len(texts))]
        if self.needs_reference:
            ref = reference if reference is not None else lm
            logp, _ = encoded_logprobs(ref.model, encoded, lm.tokenizer.pad_token_id)
            refs = [tuple(logp[i * width: (i + 1) * width]) for i in range(len(texts))]
        else:
            refs = [()] * len(texts)
        rewards = self._rewards(examples)
        return [_Item(s, float(r), ref) for s, r, ref in zip(sequences, rewards, refs)]


def _collate(items: list[_Item], pad_id: int) -> dict[str, torch.Tensor]:
    import torch

    from .scoring import collate

    # Column-major: all first sequences, then all second ones (DPO: chosen, then rejected).
    width = len(items[0].sequences)
    batch = collate([item.sequences[k] for k in range(width) for item in items], pad_id)
    batch["reward"] = torch.tensor([item.reward for item in items])
    if items[0].reference:
        batch["reference_logp"] = torch.tensor(
            [item.reference[k] for k in range(width) for item in items])
    return batch


def _module(model, objective, learning_rate: float, optimizer: str, lr_schedule: str,
            weight_decay: float):
    from .module import CompletionModule

    return CompletionModule(model, objective, learning_rate=learning_rate, optimizer=optimizer,
                            lr_schedule=lr_schedule, weight_decay=weight_decay)


def _lightning(**options):
    import pytorch_lightning as pl

    return pl.Trainer(logger=False,
                      enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, num_sanity_val_steps=0, **options)


def _losses():
    from . import losses

    return losses


def _values(examples: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    return np.array([float(e[key]) for e in examples])


class SFT(_LMTrainer):
    """Supervised fine-tuning: completion-only negative log-likelihood of the target.

    Options:
        learning_rate: AdamW learning rate (1e-3 suits the tiny model from scratch; the paper
            used 1e-6 for Pythia-2.8B).
        epochs: passes over the examples.
        batch_size: examples per micro-batch.
        grad_accum: micro-batches per optimizer step.
        max_length: most tokens an example may have (a longer one is an error, never cut).
        optimizer: ``adamw``, or ``adamw8bit`` (bitsandbytes; CPU too).
        seed: shuffling order and any randomness in training.
        max_grad_norm: gradient clipping norm; 0 turns clipping off.
        lr_schedule: ``constant``, or ``linear`` decay to 0 over the optimizer steps (the HF
            Trainer's default, used by the reference LLOME code).
        weight_decay: AdamW's decoupled weight decay (torch's default 0.01; HF Trainer's 0).
        devices: Lightning devices to train on.
        strategy: Lightning strategy (``auto``, ``ddp_spawn``, ...).
        precision: Lightning precision (``32-true``, ``bf16-mixed``, ...).
    """

    name = "sft"
    keys = ("prompt", "target")

    def __init__(self, learning_rate: float = 1e-3, epochs: int = 1, batch_size: int = 32,
                 grad_accum: int = 1, max_length: int = 1024, optimizer: str = "adamw",
                 seed: int = 0, max_grad_norm: float = 1.0, devices: int = 1,
                 strategy: str = "auto", precision: str = "32-true",
                 lr_schedule: str = "constant", weight_decay: float = 0.01):
        super().__init__(learning_rate, epochs, batch_size, grad_accum, max_length, optimizer,
                         seed, max_grad_norm, devices, strategy, precision, lr_schedule,
                         weight_decay)

    def _loss(self, logp, num_tokens, batch):
        return _losses().sft_loss(logp, num_tokens)


class DPO(_LMTrainer):
    """Direct preference optimisation (sigmoid loss) of chosen over rejected targets.

    Options:
        learning_rate: AdamW learning rate (1e-4 suits the tiny model from scratch; the paper
            used 1e-7 for Pythia-2.8B).
        epochs: passes over the examples.
        batch_size: examples per micro-batch.
        grad_accum: micro-batches per optimizer step.
        max_length: most tokens an example may have (a longer one is an error, never cut).
        optimizer: ``adamw``, or ``adamw8bit`` (bitsandbytes; CPU too).
        seed: shuffling order and any randomness in training.
        max_grad_norm: gradient clipping norm; 0 turns clipping off.
        lr_schedule: ``constant``, or ``linear`` decay to 0 over the optimizer steps (the HF
            Trainer's default, used by the reference LLOME code).
        weight_decay: AdamW's decoupled weight decay (torch's default 0.01; HF Trainer's 0).
        devices: Lightning devices to train on.
        strategy: Lightning strategy (``auto``, ``ddp_spawn``, ...).
        precision: Lightning precision (``32-true``, ``bf16-mixed``, ...).
        beta: inverse temperature of the preference margin (the paper: 0.4).
    """

    name = "dpo"
    keys = ("prompt", "chosen", "rejected")
    needs_reference = True

    def __init__(self, learning_rate: float = 1e-4, epochs: int = 1, batch_size: int = 32,
                 grad_accum: int = 1, max_length: int = 1024, optimizer: str = "adamw",
                 seed: int = 0, beta: float = 0.4, max_grad_norm: float = 1.0,
                 devices: int = 1, strategy: str = "auto", precision: str = "32-true",
                 lr_schedule: str = "constant", weight_decay: float = 0.01):
        super().__init__(learning_rate, epochs, batch_size, grad_accum, max_length, optimizer,
                         seed, max_grad_norm, devices, strategy, precision, lr_schedule,
                         weight_decay)
        if beta <= 0:
            raise ValueError(f"beta must be > 0, got {beta}")
        self.beta = beta

    def _texts(self, example):
        return format_prompt(example["prompt"]), [format_target(example["chosen"]),
                                                  format_target(example["rejected"])]

    def _loss(self, logp, num_tokens, batch):
        half = len(logp) // 2
        ref = batch["reference_logp"]
        return _losses().dpo_loss(logp[:half], logp[half:], ref[:half], ref[half:], self.beta)


class MarGE(_LMTrainer):
    """MargE: reward-weighted KL to the reward distribution plus KL to the reference.

    Options:
        learning_rate: AdamW learning rate (1e-3 suits the tiny model from scratch; the paper
            used 1e-6 for Pythia-2.8B).
        epochs: passes over the examples.
        batch_size: examples per micro-batch; MargE self-normalises its weights over it.
        grad_accum: micro-batches per optimizer step.
        max_length: most tokens an example may have (a longer one is an error, never cut).
        optimizer: ``adamw``, or ``adamw8bit`` (bitsandbytes; CPU too).
        seed: shuffling order and any randomness in training.
        max_grad_norm: gradient clipping norm; 0 turns clipping off.
        lr_schedule: ``constant``, or ``linear`` decay to 0 over the optimizer steps (the HF
            Trainer's default, used by the reference LLOME code).
        weight_decay: AdamW's decoupled weight decay (torch's default 0.01; HF Trainer's 0).
        devices: Lightning devices to train on.
        strategy: Lightning strategy (``auto``, ``ddp_spawn``, ...).
        precision: Lightning precision (``32-true``, ``bf16-mixed``, ...).
        alpha: weight of the KL to the reward distribution (the paper: 1.0).
        beta: weight of the KL to the reference model (the paper: 10.0).
        self_normalize: divide the importance weights by their sum over the micro-batch.
    """

    name = "marge"
    keys = ("prompt", "target", "prompt_value", "target_value")
    needs_reference = True

    def __init__(self, learning_rate: float = 1e-3, epochs: int = 1, batch_size: int = 32,
                 grad_accum: int = 1, max_length: int = 1024, optimizer: str = "adamw",
                 seed: int = 0, alpha: float = 1.0, beta: float = 10.0,
                 self_normalize: bool = True, max_grad_norm: float = 1.0, devices: int = 1,
                 strategy: str = "auto", precision: str = "32-true",
                 lr_schedule: str = "constant", weight_decay: float = 0.01):
        super().__init__(learning_rate, epochs, batch_size, grad_accum, max_length, optimizer,
                         seed, max_grad_norm, devices, strategy, precision, lr_schedule,
                         weight_decay)
        if alpha < 0 or beta < 0:
            raise ValueError(f"alpha and beta must be >= 0, got {alpha} and {beta}")
        self.alpha, self.beta, self.self_normalize = alpha, beta, self_normalize

    def _rewards(self, examples):
        return _losses().improvement_reward(_values(examples, "prompt_value"),
                                         _values(examples, "target_value"))

    def _loss(self, logp, num_tokens, batch):
        return _losses().marge_loss(logp, batch["reference_logp"], num_tokens, batch["reward"],
                                 self.alpha, self.beta, self.self_normalize)


class Reinforce(_LMTrainer):
    """REINFORCE ablation: reward-weighted log-likelihood plus a likelihood anchor.

    Options:
        learning_rate: AdamW learning rate (1e-3 suits the tiny model from scratch; the paper
            used 1e-6 for Pythia-2.8B).
        epochs: passes over the examples.
        batch_size: examples per micro-batch.
        grad_accum: micro-batches per optimizer step.
        max_length: most tokens an example may have (a longer one is an error, never cut).
        optimizer: ``adamw``, or ``adamw8bit`` (bitsandbytes; CPU too).
        seed: shuffling order and any randomness in training.
        max_grad_norm: gradient clipping norm; 0 turns clipping off.
        lr_schedule: ``constant``, or ``linear`` decay to 0 over the optimizer steps (the HF
            Trainer's default, used by the reference LLOME code).
        weight_decay: AdamW's decoupled weight decay (torch's default 0.01; HF Trainer's 0).
        devices: Lightning devices to train on.
        strategy: Lightning strategy (``auto``, ``ddp_spawn``, ...).
        precision: Lightning precision (``32-true``, ``bf16-mixed``, ...).
        beta: weight of the likelihood anchor ``-log pi(y|x)/|y|``.
    """

    name = "reinforce"
    keys = ("prompt", "target", "prompt_value", "target_value")

    def __init__(self, learning_rate: float = 1e-3, epochs: int = 1, batch_size: int = 32,
                 grad_accum: int = 1, max_length: int = 1024, optimizer: str = "adamw",
                 seed: int = 0, beta: float = 1.0, max_grad_norm: float = 1.0,
                 devices: int = 1, strategy: str = "auto", precision: str = "32-true",
                 lr_schedule: str = "constant", weight_decay: float = 0.01):
        super().__init__(learning_rate, epochs, batch_size, grad_accum, max_length, optimizer,
                         seed, max_grad_norm, devices, strategy, precision, lr_schedule,
                         weight_decay)
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.beta = beta

    def _rewards(self, examples):
        return _losses().improvement_reward(_values(examples, "prompt_value"),
                                         _values(examples, "target_value"))

    def _loss(self, logp, num_tokens, batch):
        return _losses().reinforce_loss(logp, num_tokens, batch["reward"], self.beta)
