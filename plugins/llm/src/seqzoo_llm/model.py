"""Causal language models for LLOME: a tiny one built from scratch, or any local checkpoint.

:func:`load_model` returns a :class:`LanguageModel`, a causal LM and its tokenizer moved
together. ``model="tiny"`` builds a small Llama-style model (sizes ``micro``/``small``/
``base``) with the word-level tokenizer of :mod:`seqzoo_llm.tokenizer`; any other value is a
local Hugging Face checkpoint directory (Pythia, Llama, ...) or a hub id that is already in
the local cache. Nothing is ever downloaded.

Options shared by both: LoRA adapters through peft (``lora=True``; only the adapters then
train) and 4-bit loading through bitsandbytes (QLoRA, needs ``lora=True`` and a CUDA GPU).
Checkpoints are written as safetensors; a LoRA model is saved with its adapters merged, so
every saved checkpoint loads as a plain model.
"""

from __future__ import annotations

import copy
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import (AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM,
                          PreTrainedModel, PreTrainedTokenizerBase)

from transformers.utils import logging as hf_logging

from . import quiet
from .tokenizer import build_tokenizer

# Loading and saving happen every LLOME round: per-shard progress bars would flood the log.
hf_logging.disable_progress_bar()

__all__ = ["LanguageModel", "load_model", "TINY_SIZES"]

#: hidden size, layers, attention heads and MLP width of each tiny size (parameters at
#: ``num_states=32``: micro ~85k, small ~0.86M, base ~5.1M).
TINY_SIZES: dict[str, tuple[int, int, int, int]] = {
    "micro": (64, 2, 2, 128),
    "small": (128, 4, 4, 384),
    "base": (256, 6, 8, 768),
}


@dataclass
class LanguageModel:
    """A causal LM (``model``, maybe peft-wrapped) and the tokenizer that goes with it."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def is_lora(self) -> bool:
        return hasattr(self.model, "peft_config")

    def save(self, path: str | Path) -> None:
        """Write the model (adapters merged in) and tokenizer as a safetensors checkpoint."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        # A LoRA model merges a deep copy, leaving the live adapters to train on.
        net = copy.deepcopy(self.model).merge_and_unload() if self.is_lora else self.model
        net.save_pretrained(path)
        self.tokenizer.save_pretrained(path)

    @classmethod
    def load(cls, path: str | Path, **options: Any) -> "LanguageModel":
        """Load a checkpoint written by :meth:`save` (options as for :func:`load_model`)."""
        return load_model(str(path), **options)

    def copy_frozen(self) -> "LanguageModel":
        """An eval-mode snapshot with ``requires_grad=False``: a fixed reference model."""
        model = copy.deepcopy(self.model).eval()
        model.requires_grad_(False)
        return LanguageModel(model, self.tokenizer)

    def num_parameters(self, trainable: bool = False) -> int:
        """How many parameters the model has (only those that train, if ``trainable``)."""
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad or not trainable)


def load_model(model: str = "tiny", *, size: str = "small", num_states: int = 32,
               length: int = 32, lora: bool = False, lora_rank: int = 8, lora_alpha: int = 16,
               lora_targets: list[str] | None = None, load_in_4bit: bool = False,
               seed: int = 0, device: str = "auto") -> LanguageModel:
    """Build the tiny model or load a local checkpoint, then add LoRA adapters if asked.

    ``num_states`` and ``length`` size the tiny model's vocabulary and context (they are
    ignored for checkpoints, whose tokenizer is their own). ``seed`` fixes the tiny model's
    initial weights. ``device="auto"`` picks CUDA when present, else CPU.
    """
    if load_in_4bit and not lora:
        raise ValueError("load_in_4bit=true needs lora=true: 4-bit weights cannot be trained "
                         "directly, only LoRA adapters on top of them")
    target = _pick_device(device)
    quantization = _four_bit_config() if load_in_4bit else None
    if model == "tiny":
        lm = _tiny(size, num_states, length, seed)
        if quantization is not None:  # quantise through the ordinary checkpoint path
            with tempfile.TemporaryDirectory() as tmp:
                lm.save(tmp)
                lm = _checkpoint(tmp, quantization)
    else:
        lm = _checkpoint(model, quantization)
    if quantization is None:  # bitsandbytes places quantised weights itself
        lm.model.to(target)
    if lora:
        lm = LanguageModel(_add_lora(lm.model, lora_rank, lora_alpha, lora_targets, load_in_4bit,
                                     seed), lm.tokenizer)
    return lm


def _pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', "
                         f"got {device!r}") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but no CUDA GPU is available; use device=cpu")
    return chosen


def _tiny(size: str, num_states: int, length: int, seed: int) -> LanguageModel:
    if size not in TINY_SIZES:
        raise ValueError(f"size must be one of {', '.join(TINY_SIZES)}, got {size!r}")
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    hidden, layers, heads, mlp = TINY_SIZES[size]
    tokenizer = build_tokenizer(num_states)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=heads, intermediate_size=mlp,
        # prompt (2L + 4 tokens) plus target (2L + 1), with room to spare
        max_position_embeddings=4 * length + 64, tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = LlamaForCausalLM(config)
    return LanguageModel(net.eval(), tokenizer)


def _checkpoint(name: str, quantization=None) -> LanguageModel:
    kwargs: dict[str, Any] = {"local_files_only": True}
    if quantization is not None:
        kwargs["quantization_config"] = quantization
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    path = Path(name)
    if path.is_dir() and not (path / "config.json").exists():
        raise ValueError(f"cannot load model {name!r}: the directory has no config.json; "
                         f"expected a Hugging Face checkpoint (what save_pretrained writes)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=True)
        net = AutoModelForCausalLM.from_pretrained(name, **kwargs)
    except OSError as exc:
        if path.exists():
            reason = str(exc).strip().splitlines()[0]
            raise ValueError(f"cannot load model {name!r}: {reason}") from None
        raise ValueError(
            f"cannot load model {name!r}: it is neither a local checkpoint directory nor a hub "
            f"id in the local Hugging Face cache, and nothing is downloaded at run time. Fetch "
            f"it beforehand (e.g. `huggingface-cli download {name} --local-dir DIR`) and pass "
            f"model=DIR"
        ) from None
    if tokenizer.pad_token is None:  # padding is masked out, any token will do
        tokenizer.pad_token = tokenizer.eos_token
    return LanguageModel(net.eval(), tokenizer)


def _four_bit_config():
    if not torch.cuda.is_available():
        raise ValueError("4-bit loading needs a CUDA GPU (bitsandbytes' 4-bit kernels do not "
                         "train on this device); load without load_in_4bit, optionally with "
                         "lora=true")
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                              bnb_4bit_compute_dtype=torch.bfloat16)


def _add_lora(net: PreTrainedModel, rank: int, alpha: int, targets: list[str] | None,
              quantized: bool, seed: int):
    with quiet.bitsandbytes_import():  # peft imports bitsandbytes when it is installed
        from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if rank < 1:
        raise ValueError(f"lora_rank must be >= 1, got {rank}")
    if quantized:
        net = prepare_model_for_kbit_training(net)
    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=targets, lora_dropout=0.0,
                        task_type="CAUSAL_LM")
    try:
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            # peft probes a transformers attribute that transformers itself deprecates
            warnings.filterwarnings("ignore", category=FutureWarning)
            torch.manual_seed(seed + 1)
            return get_peft_model(net, config)
    except ValueError as exc:
        raise ValueError(f"cannot add LoRA adapters: {exc}; name the layers with "
                         f"lora_targets=[...]") from None
