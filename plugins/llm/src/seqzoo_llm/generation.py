"""Fast batched sampling of completions, with each completion's log-likelihood.

LLOME decodes tens of thousands of edits a round, so decoding is a hand-rolled loop over the
KV cache rather than ``model.generate``: prompts are left-padded into one batch, each step
feeds only the newest token (attending to its prompt through one cache row shared by the
prompt's samples, :mod:`seqzoo_llm.shared_prompt`), and a row stops at its first token
containing ``]`` (or EOS).
The loop ends when every row has stopped. Randomness comes from one ``torch.Generator``
seeded with ``seed``, so the same call gives the same completions. With a
``constraint`` (:class:`~seqzoo_llm.constrained.FormatConstraint`) every step may only pick a
token that keeps the completion a well-formed list of the right length and range.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Sequence

import torch
from transformers import DynamicCache, StaticCache

from . import shared_prompt
from .scoring import encode_prompts
from .text import STOP

__all__ = ["Generation", "generate"]


@dataclass(frozen=True)
class Generation:
    """One completion: its text (cut after the first ``]``), log-likelihood and length.

    ``logprob`` is the sum over the generated tokens of ``log pi(token | prefix)`` at
    temperature 1, whatever temperature sampled them, so completions drawn at different
    temperatures compare on one scale; ``logprob / num_tokens`` is the normalised score.
    ``warped_logprob`` is the same sum under the distribution actually sampled from (logits
    divided by the temperature, after any constraint): what the reference LLOME ranks a
    trajectory's outputs by (``compute_transition_scores`` of its sampling scores); for
    greedy decoding it is ``logprob`` unless a constraint masked tokens.
    """

    text: str
    logprob: float
    num_tokens: int
    warped_logprob: float = float("nan")


@torch.inference_mode()  # lighter than no_grad: no version counters on the step tensors
def generate(lm, prompts: Sequence[str], *, temperature: float, num_samples: int,
             max_new_tokens: int, seed: int, batch_size: int = 256,
             constraint=None) -> list[list[Generation]]:
    """``num_samples`` completions of each prompt (one when ``temperature == 0``: greedy).

    ``constraint``, a :class:`~seqzoo_llm.constrained.FormatConstraint` for ``lm``'s
    tokenizer, restricts every step to tokens that keep the output well formed.

    ``lm`` is a :class:`seqzoo_llm.model.LanguageModel`. Rows are decoded ``batch_size`` at a
    time; the result for a given seed also depends on ``batch_size``.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 means greedy), got {temperature}")
    if num_samples < 1 or max_new_tokens < 1 or batch_size < 1:
        raise ValueError(f"num_samples, max_new_tokens and batch_size must be >= 1, got "
                         f"{num_samples}, {max_new_tokens}, {batch_size}")
    per_prompt = 1 if temperature == 0 else num_samples
    encoded = encode_prompts(lm.tokenizer, prompts)
    # Rows sorted by prompt length so that each batch needs little padding.
    rows = sorted(((len(encoded[p]), p) for p in range(len(prompts)) for _ in range(per_prompt)))
    device, was_training = lm.device, lm.model.training
    generator = torch.Generator(device=device).manual_seed(seed)
    results: list[list[Generation]] = [[] for _ in prompts]
    lm.model.eval()
    try:
        for start in range(0, len(rows), batch_size):
            chunk = [p for _, p in rows[start: start + batch_size]]
            unique = list(dict.fromkeys(chunk))
            slot = {p: i for i, p in enumerate(unique)}
            expand = torch.tensor([slot[p] for p in chunk], device=device)
            tokens, logps, warped, counts = _decode(lm, [encoded[p] for p in unique], expand,
                                                    temperature, max_new_tokens, generator,
                                                    constraint)
            # Special tokens stay visible (a stray "<pad>" makes a completion unparsable, as
            # it should) except a final EOS, which only marks the end.
            eos = lm.tokenizer.eos_token_id
            texts = lm.tokenizer.batch_decode([t[:-1] if t and t[-1] == eos else t
                                               for t in tokens], skip_special_tokens=False)
            for p, text, logp, wlogp, count in zip(chunk, texts, logps, warped, counts):
                head, stop, _ = text.partition(STOP)
                results[p].append(Generation(head + stop, logp, count, wlogp))
    finally:
        lm.model.train(was_training)
    return results


def _stop_ids(tokenizer, vocab_size: int, device: torch.device) -> torch.Tensor:
    """A boolean mask over the vocabulary: tokens that end a completion."""
    mask = torch.zeros(vocab_size, dtype=torch.bool)
    pieces = tokenizer.convert_ids_to_tokens(list(range(min(len(tokenizer), vocab_size))))
    mask[[i for i, piece in enumerate(pieces) if piece and STOP in piece]] = True
    if tokenizer.eos_token_id is not None:
        mask[tokenizer.eos_token_id] = True
    return mask.to(device)


@contextmanager
def _attention(config, name: str):
    """Run the model with attention implementation ``name`` for the duration."""
    before = config._attn_implementation
    config._attn_implementation = name
    try:
        yield
    finally:
        config._attn_implementation = before


def _cache_keyword(model: torch.nn.Module) -> str:
    """The forward keyword that takes the KV cache (``cache`` in newer transformers)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _decode(lm, prompts: list[list[int]], expand: torch.Tensor, temperature: float,
            max_new_tokens: int, generator: torch.Generator, constraint=None
            ) -> tuple[list[list[int]], list[float], list[float], list[int]]:
    """Decode one batch whose row ``i`` continues ``prompts[expand[i]]``; per row the new
    tokens up to the stop, their log-prob, warped log-prob and count.

    Each distinct prompt is read once. Where the model allows it
    (:func:`seqzoo_llm.shared_prompt.supports`) its cache entry then stays one row that the
    decode steps of all its samples read together; otherwise it is copied to each of them.
    With ``num_samples`` completions per prompt, reading the prompt for each would cost
    about as much as writing the completion.
    """
    device, pad = lm.device, lm.tokenizer.pad_token_id
    width = max(len(p) for p in prompts)
    input_ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    attention = torch.zeros((len(prompts), width + max_new_tokens), dtype=torch.long)
    for row, ids in enumerate(prompts):
        input_ids[row, width - len(ids):] = torch.tensor(ids)
        attention[row, width - len(ids):] = 1  # generated positions are always attended
    input_ids, attention = input_ids.to(device), attention.to(device)
    position = (attention[:, :width].cumsum(-1) - 1).clamp(min=0)
    key = _cache_keyword(lm.model)
    base = lm.model.get_base_model() if hasattr(lm.model, "get_base_model") else lm.model
    shared = shared_prompt.supports(base)
    # The shared-prompt path keeps the prompts' cache one row per prompt; otherwise a
    # preallocated cache (a growing one re-copies every key and value at every step) gets
    # each prompt's entry copied to all its rows.
    cache = (DynamicCache(config=base.config) if shared else
             StaticCache(config=lm.model.config, max_cache_len=width + max_new_tokens))
    out = lm.model(input_ids=input_ids, attention_mask=attention[:, :width],
                   position_ids=position, use_cache=True, logits_to_keep=1, **{key: cache})
    if shared:
        cache = shared_prompt.SharedPromptCache(cache, expand, attention[:, :width] == 0,
                                                max_new_tokens)
        step_options = {key: cache, "shared_prompt": cache}
    else:
        cache.reorder_cache(expand)
        step_options = {key: cache}
    logits, position = out.logits[expand, -1].float(), position[expand, -1:]
    attention = attention[expand]
    size = len(expand)
    stop = _stop_ids(lm.tokenizer, logits.shape[-1], device)
    generated = torch.full((size, max_new_tokens), pad, dtype=torch.long, device=device)
    total = torch.zeros(size, dtype=torch.float64, device=device)
    warped = torch.zeros(size, dtype=torch.float64, device=device)
    state = constraint.start(size) if constraint is not None else None
    count = torch.zeros(size, dtype=torch.long, device=device)
    rows = torch.arange(size, device=device)  # the output row of each batch row
    live = torch.ones(size, dtype=torch.bool, device=device)
    for step in range(max_new_tokens):
        logp = torch.log_softmax(logits, dim=-1)
        scaled = logits if temperature == 0 else logits / temperature
        if state is not None:
            scaled = scaled.masked_fill(~constraint.allowed(state), float("-inf"))
        wlogp = torch.log_softmax(scaled, dim=-1)
        if temperature == 0:
            token = scaled.argmax(-1)
        else:
            token = torch.multinomial(wlogp.exp(), 1, generator=generator).squeeze(-1)
        if state is not None:
            state = constraint.advance(state, token)
        mine = rows[live]
        generated[mine, step] = token[live]
        total[mine] += logp[live].gather(-1, token[live, None]).squeeze(-1).double()
        warped[mine] += wlogp[live].gather(-1, token[live, None]).squeeze(-1).double()
        count[mine] += 1
        live &= ~stop[token]
        alive = int(live.sum())
        if alive == 0 or step + 1 == max_new_tokens:
            break
        if alive <= 0.75 * len(live):
            # Drop finished rows once a quarter of the batch is done: stragglers (long
            # high-temperature samples) then no longer pay for the whole batch.
            keep = live.nonzero().squeeze(-1)
            if shared:
                cache.keep(keep)
            else:
                cache.reorder_cache(keep)
            rows, live, token = rows[keep], live[keep], token[keep]
            state = state[keep] if state is not None else None
            position, attention = position[keep], attention[keep]
        position = position + 1
        if shared:
            with _attention(base.config, shared_prompt.NAME):
                out = lm.model(input_ids=token[:, None], position_ids=position, use_cache=True,
                               **step_options)
        else:
            out = lm.model(input_ids=token[:, None],
                           attention_mask=attention[:, : width + step + 1],
                           position_ids=position, use_cache=True, **step_options)
        logits = out.logits[:, -1].float()
    lengths = count.cpu().tolist()
    generated = generated.cpu()
    tokens = [generated[row, :n].tolist() for row, n in enumerate(lengths)]
    return tokens, total.cpu().tolist(), warped.cpu().tolist(), lengths
