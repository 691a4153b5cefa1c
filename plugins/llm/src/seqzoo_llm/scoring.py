"""Completion log-likelihoods: ``log pi(target | prompt)`` summed over the target's tokens.

The same masked computation serves training (with gradients, in :mod:`seqzoo_llm.module`)
and scoring (without, :func:`sequence_logprobs`): prompt and target are tokenized
separately and concatenated, padding goes on the right, and only target positions count.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from transformers import PreTrainedTokenizerBase

__all__ = ["encode_prompts", "encode_pairs", "collate", "completion_logprobs",
           "encoded_logprobs", "sequence_logprobs"]

#: The most logits (float32 elements, 1 GiB) one scoring pass may hold.
_LOGIT_BUDGET = 2**28


def encode_prompts(tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str]) -> list[list[int]]:
    """Token ids of each prompt, led by the tokenizer's BOS token when it has one."""
    ids = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    return [[bos, *row] for row in ids] if bos is not None else ids


def encode_pairs(tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str],
                 targets: Sequence[str], max_length: int | None = None
                 ) -> list[tuple[list[int], int]]:
    """``(prompt ids + target ids, number of prompt ids)`` per pair.

    Tokenizing the two halves apart keeps the prompt's tokens exactly those generation
    conditions on. A pair longer than ``max_length`` is an error rather than silently cut,
    since a truncated target would change its likelihood.
    """
    if len(prompts) != len(targets):
        raise ValueError(f"got {len(prompts)} prompts but {len(targets)} targets")
    heads = encode_prompts(tokenizer, prompts)
    tails = tokenizer(list(targets), add_special_tokens=False)["input_ids"]
    out = []
    for i, (head, tail) in enumerate(zip(heads, tails)):
        if not tail:
            raise ValueError(f"target {i} is empty: nothing to score")
        if max_length is not None and len(head) + len(tail) > max_length:
            raise ValueError(f"example {i} has {len(head) + len(tail)} tokens, more than "
                             f"max_length={max_length}; raise max_length")
        out.append((head + tail, len(head)))
    return out


def collate(encoded: Sequence[tuple[list[int], int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a batch: ``input_ids``, ``attention_mask`` and ``target_mask`` (bool)."""
    width = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(encoded), width), dtype=torch.long)
    target = torch.zeros((len(encoded), width), dtype=torch.bool)
    for row, (ids, n_prompt) in enumerate(encoded):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        attention[row, : len(ids)] = 1
        target[row, n_prompt: len(ids)] = True
    return {"input_ids": input_ids, "attention_mask": attention, "target_mask": target}


def completion_logprobs(model: torch.nn.Module, input_ids: torch.Tensor,
                        attention_mask: torch.Tensor, target_mask: torch.Tensor
                        ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: the summed log-probability of the target tokens, and how many there are.

    Differentiable; the caller decides about ``no_grad``.
    """
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    # Token t is predicted from position t - 1. The log-softmax is taken only at the observed
    # token (logit minus log-sum-exp), never materialised over a large vocabulary.
    logits = logits[:, :-1].float()
    token_logp = (logits.gather(-1, input_ids[:, 1:, None]).squeeze(-1)
                  - torch.logsumexp(logits, dim=-1))
    mask = target_mask[:, 1:]
    return (token_logp * mask).sum(-1), mask.sum(-1)


@torch.no_grad()
def encoded_logprobs(model: torch.nn.Module, encoded: Sequence[tuple[list[int], int]],
                     pad_id: int, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """:func:`completion_logprobs` over already-encoded pairs, in eval mode, without grad.

    Pairs are batched by length, so padding stays small; the model's train/eval mode is
    restored afterwards.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.argsort([len(ids) for ids, _ in encoded], kind="stable")
    sums, counts = np.zeros(len(encoded)), np.zeros(len(encoded), dtype=np.int64)
    # Fewer rows per pass when the logits (rows x tokens x vocabulary) would not fit the
    # budget: a real checkpoint's 50k-token vocabulary at 256 rows would need tens of GB.
    width = max(len(ids) for ids, _ in encoded)
    vocab = model.get_output_embeddings().weight.shape[0]
    batch_size = max(1, min(batch_size, _LOGIT_BUDGET // (width * vocab)))
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            rows = order[start: start + batch_size]
            batch = {k: v.to(device) for k, v in
                     collate([encoded[r] for r in rows], pad_id).items()}
            s, c = completion_logprobs(model, **batch)
            sums[rows], counts[rows] = s.cpu().double().numpy(), c.cpu().numpy()
    finally:
        model.train(was_training)
    return sums, counts


def sequence_logprobs(lm, prompts: Sequence[str], targets: Sequence[str],
                      batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(sum of log pi(target tokens | prompt), number of target tokens)`` per pair.

    ``lm`` is a :class:`seqzoo_llm.model.LanguageModel`; no gradients are kept.
    """
    encoded = encode_pairs(lm.tokenizer, prompts, targets)
    return encoded_logprobs(lm.model, encoded, lm.tokenizer.pad_token_id, batch_size)
