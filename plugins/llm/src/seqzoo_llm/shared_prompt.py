"""Decode-step attention that reads each prompt's keys once for all of that prompt's samples.

LLOME samples several completions of every prompt. A plain KV cache copies the prompt's keys
and values into each sample's row, and every decode step then reads all of them again: with
five samples a prompt, most of the memory traffic of a step is the same prompt read five
times, which is what bounds a tiny model's step on a CPU. Here the prompt cache stays one row
per distinct prompt; a step's queries are grouped by prompt (``slot``, and ``rank`` within
the prompt's samples) so that one small matrix product per prompt serves all its samples,
and only the generated tokens live in per-sample rows. The arithmetic is attention's own
(scaled scores, one float32 softmax over prompt and generated positions); only the order of
the sums changes.

Used by :mod:`seqzoo_llm.generation` for the decode steps of models whose every layer is full
attention through transformers' attention interface (Llama- and GPT-NeoX-style models; see
:func:`supports`); others decode with an ordinary static cache.
"""

from __future__ import annotations

import torch
from transformers import AttentionInterface
from transformers.cache_utils import Cache, CacheLayerMixin

__all__ = ["NAME", "SharedPromptCache", "supports"]

#: The attention implementation name registered with transformers.
NAME = "seqzoo_shared_prompt"
#: Model types whose attention modules call the attention interface with rotary-embedded
#: keys, a ``layer_idx`` and a ``scaling``, and have no sliding windows or soft-capping.
_MODEL_TYPES = {"llama", "gpt_neox"}


def supports(model) -> bool:
    """Whether ``model``'s decode steps can use the shared-prompt attention."""
    config = model.config
    return (config.model_type in _MODEL_TYPES
            and getattr(config, "sliding_window", None) is None
            and getattr(model, "_supports_attention_backend", False))


class _Generated(CacheLayerMixin):
    """One layer's cache: the prompts' keys and values, and the generated ones per row."""

    is_sliding = False

    def __init__(self, prompt_keys: torch.Tensor, prompt_values: torch.Tensor, rows: int,
                 capacity: int):
        super().__init__()
        self.prompt_keys, self.prompt_values = prompt_keys, prompt_values
        heads, dim = prompt_keys.shape[1], prompt_keys.shape[-1]
        self.keys = prompt_keys.new_empty((rows, heads, capacity, dim))
        self.values = prompt_values.new_empty((rows, heads, capacity, prompt_values.shape[-1]))
        self.filled = 0
        self.is_initialized = True

    def lazy_initialization(self, key_states, value_states) -> None:  # pragma: no cover
        raise AssertionError("the shared-prompt cache is built filled")

    def update(self, key_states, value_states, *args, **kwargs):
        self.keys[:, :, self.filled] = key_states[:, :, 0]
        self.values[:, :, self.filled] = value_states[:, :, 0]
        self.filled += 1
        return key_states, value_states

    def keep(self, rows: torch.Tensor) -> None:
        # whole rows, unfilled tail included: a plain row copy beats gathering a slice
        self.keys = self.keys.index_select(0, rows)
        self.values = self.values.index_select(0, rows)

    def get_seq_length(self) -> int:
        return self.prompt_keys.shape[2] + self.filled

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.get_seq_length() + query_length, 0

    def get_max_length(self) -> int:
        return self.prompt_keys.shape[2] + self.keys.shape[2]


class SharedPromptCache(Cache):
    """The prefilled prompt cache (one row per distinct prompt) plus per-row generated tokens.

    ``prefill`` is the cache of the prompts' forward pass; row ``i`` of the decode batch
    continues prompt ``expand[i]``; ``pad`` marks the prompts' left padding (``True`` where
    a prompt position is padding); ``capacity`` is the most tokens a row will generate.
    """

    def __init__(self, prefill: Cache, expand: torch.Tensor, pad: torch.Tensor, capacity: int):
        layers = [_Generated(layer.keys, layer.values, len(expand), capacity)
                  for layer in prefill.layers]
        super().__init__(layers=layers)
        self.slot = expand
        rank, seen = [], {}
        for prompt in expand.tolist():
            rank.append(seen.get(prompt, 0))
            seen[prompt] = rank[-1] + 1
        self.rank = torch.tensor(rank, device=expand.device)
        self.group = max(seen.values())
        self.flat = self.slot * self.group + self.rank  # a row's place in the grouped layout
        self.prompts = len(pad)
        self.bias = (torch.zeros(pad.shape, dtype=torch.float32, device=pad.device)
                     .masked_fill(pad, float("-inf"))[:, None, None, :]
                     if bool(pad.any()) else None)

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only the decode rows ``rows`` (the others have finished)."""
        self.slot, self.rank, self.flat = self.slot[rows], self.rank[rows], self.flat[rows]
        for layer in self.layers:
            layer.keep(rows)

    def _grouped(self, per_row: torch.Tensor) -> torch.Tensor:
        """``(rows, heads, g, n)`` -> ``(prompts, heads, group * g, n)``, zeros where a prompt
        has fewer rows than the largest group."""
        rows, heads, g, n = per_row.shape
        out = per_row.new_zeros((self.prompts, self.group, heads, g, n))
        out[self.slot, self.rank] = per_row
        return out.permute(0, 2, 1, 3, 4).reshape(self.prompts, heads, self.group * g, n)

    def _per_row(self, grouped: torch.Tensor, g: int) -> torch.Tensor:
        """The inverse of :meth:`_grouped`."""
        prompts, heads, _, n = grouped.shape
        out = grouped.view(prompts, heads, self.group, g, n).permute(0, 2, 1, 3, 4)
        # one copy to (prompt, rank)-major rows, then index_select: several times faster
        # than advanced indexing of the permuted view
        return out.reshape(prompts * self.group, heads, g, n).index_select(0, self.flat)


def _attention(module, query, key, value, attention_mask, scaling, dropout=0.0,
               shared_prompt: SharedPromptCache | None = None, **kwargs):
    """Attention of one new token per row over its prompt (shared) and its own tokens."""
    if shared_prompt is None or query.shape[2] != 1:
        raise RuntimeError(f"the {NAME} attention serves decode steps of seqzoo_llm.generation "
                           f"only")
    layer = shared_prompt.layers[module.layer_idx]
    rows, query_heads, _, dim = query.shape
    heads = layer.prompt_keys.shape[1]
    g = query_heads // heads  # query heads per key head (grouped-query attention)
    q = query.reshape(rows, heads, g, dim)
    prompt_scores = shared_prompt._per_row(
        torch.matmul(shared_prompt._grouped(q), layer.prompt_keys.transpose(-1, -2)), g)
    own_scores = torch.matmul(q, layer.keys[:, :, : layer.filled].transpose(-1, -2))
    scores = torch.cat([prompt_scores, own_scores], dim=-1).float() * scaling
    width = layer.prompt_keys.shape[2]
    if shared_prompt.bias is not None:
        scores[..., :width] += shared_prompt.bias[shared_prompt.slot]
    weights = torch.softmax(scores, dim=-1).to(query.dtype)
    out = shared_prompt._per_row(
        torch.matmul(shared_prompt._grouped(weights[..., :width].contiguous()),
                     layer.prompt_values), g)
    out = out + torch.matmul(weights[..., width:], layer.values[:, :, : layer.filled])
    return out.reshape(rows, 1, query_heads, -1), None


AttentionInterface.register(NAME, _attention)
