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

__all__ = ["Generation", "Request", "generate", "generate_many"]


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


@dataclass(frozen=True)
class Request:
    """One call's worth of decoding: ``num_samples`` completions of each of ``prompts`` at
    ``temperature`` (one when it is 0: greedy), random numbers from ``seed``."""

    prompts: Sequence[str]
    temperature: float
    num_samples: int
    seed: int


def generate(lm, prompts: Sequence[str], *, temperature: float, num_samples: int,
             max_new_tokens: int, seed: int, batch_size: int = 256,
             constraint=None) -> list[list[Generation]]:
    """``num_samples`` completions of each prompt (one when ``temperature == 0``: greedy).

    ``constraint``, a :class:`~seqzoo_llm.constrained.FormatConstraint` for ``lm``'s
    tokenizer, restricts every step to tokens that keep the output well formed.

    ``lm`` is a :class:`seqzoo_llm.model.LanguageModel`. Rows are decoded ``batch_size`` at a
    time; the result for a given seed also depends on ``batch_size``.
    """
    return generate_many(lm, [Request(prompts, temperature, num_samples, seed)],
                         max_new_tokens=max_new_tokens, batch_size=batch_size,
                         constraint=constraint)[0]


@torch.inference_mode()  # lighter than no_grad: no version counters on the step tensors
def generate_many(lm, requests: Sequence[Request], *, max_new_tokens: int,
                  batch_size: int = 256, constraint=None) -> list[list[list[Generation]]]:
    """What :func:`generate` returns for each request, decoded side by side.

    Each request draws from its own generator exactly as :func:`generate` would, so the
    results are those of one call per request, up to the order of floating-point sums (the
    batch is larger; a sampled token very rarely flips); but the requests' batches run
    through the model together (the first batch of every request, then the second, ...),
    so a step costs one forward pass for all of them instead of one each.
    """
    for r in requests:
        if r.temperature < 0:
            raise ValueError(f"temperature must be >= 0 (0 means greedy), got {r.temperature}")
        if r.num_samples < 1 or max_new_tokens < 1 or batch_size < 1:
            raise ValueError(f"num_samples, max_new_tokens and batch_size must be >= 1, got "
                             f"{r.num_samples}, {max_new_tokens}, {batch_size}")
    device, was_training = lm.device, lm.model.training
    encoded = [encode_prompts(lm.tokenizer, r.prompts) for r in requests]
    chunks = []  # per request, its batches of prompt indices
    for r, enc in zip(requests, encoded):
        per_prompt = 1 if r.temperature == 0 else r.num_samples
        # Rows sorted by prompt length so that each batch needs little padding.
        rows = sorted((len(enc[p]), p) for p in range(len(r.prompts)) for _ in range(per_prompt))
        chunks.append([[p for _, p in rows[i: i + batch_size]]
                       for i in range(0, len(rows), batch_size)])
    generators = [torch.Generator(device=device).manual_seed(r.seed) for r in requests]
    results: list[list[list[Generation]]] = [[[] for _ in r.prompts] for r in requests]
    eos = lm.tokenizer.eos_token_id
    lm.model.eval()
    try:
        for wave in range(max((len(c) for c in chunks), default=0)):
            members = [k for k in range(len(requests)) if wave < len(chunks[k])]
            ids = {}  # the wave's distinct prompts (as token tuples) -> slot
            groups = []
            for k in members:
                slots = [ids.setdefault(tuple(encoded[k][p]), len(ids))
                         for p in chunks[k][wave]]
                groups.append((torch.tensor(slots, device=device), requests[k].temperature,
                               generators[k]))
            tokens, logps, warped, counts = _decode(lm, [list(t) for t in ids], groups,
                                                    max_new_tokens, constraint)
            # Special tokens stay visible (a stray "<pad>" makes a completion unparsable, as
            # it should) except a final EOS, which only marks the end.
            texts = lm.tokenizer.batch_decode([t[:-1] if t and t[-1] == eos else t
                                               for t in tokens], skip_special_tokens=False)
            owners = [(k, p) for k in members for p in chunks[k][wave]]
            for (k, p), text, logp, wlogp, count in zip(owners, texts, logps, warped, counts):
                head, stop, _ = text.partition(STOP)
                results[k][p].append(Generation(head + stop, logp, count, wlogp))
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


def _base_model(model: torch.nn.Module) -> torch.nn.Module:
    """The transformers model under a peft wrapper (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _cache_keyword(base: torch.nn.Module) -> str:
    """The forward keyword that takes the KV cache (``cache`` in newer transformers)."""
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


def _decode(lm, prompts: list[list[int]], groups, max_new_tokens: int, constraint=None
            ) -> tuple[list[list[int]], list[float], list[float], list[int]]:
    """Decode the rows of ``groups`` side by side; per row (groups in order) the new tokens
    up to the stop, their log-prob, warped log-prob and count.

    ``groups[g] = (expand, temperature, generator)``: the group's row ``i`` continues
    ``prompts[expand[i]]``. A group is what one batch of :func:`generate` decodes, and it
    stays so: its rows sample with its generator, in its order, and it drops its finished
    rows or stops exactly when that batch would, so its random numbers are those of
    decoding it alone, and so are its completions up to float rounding. Only the forward
    passes are shared.

    Each distinct prompt is read once. Where the model allows it
    (:func:`seqzoo_llm.shared_prompt.supports`) its cache entry then stays one row that the
    decode steps of all its samples read together; otherwise it is copied to each of them.
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
    base = _base_model(lm.model)
    key = _cache_keyword(base)
    shared = shared_prompt.supports(base)
    # The shared-prompt path keeps the prompts' cache one row per prompt; otherwise a
    # preallocated cache (a growing one re-copies every key and value at every step) gets
    # each prompt's entry copied to all its rows.
    cache = (DynamicCache(config=base.config) if shared else
             StaticCache(config=lm.model.config, max_cache_len=width + max_new_tokens))
    out = lm.model(input_ids=input_ids, attention_mask=attention[:, :width],
                   position_ids=position, use_cache=True, logits_to_keep=1, **{key: cache})
    expand = torch.cat([e for e, _, _ in groups])
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
    # the batch rows of each group still decoding: [start, end) and its sampling settings
    spans = []
    for e, temperature, generator in groups:
        start = spans[-1][1] if spans else 0
        spans.append((start, start + len(e), temperature, generator))
    for step in range(max_new_tokens):
        logp = torch.log_softmax(logits, dim=-1)
        allowed = constraint.allowed(state) if state is not None else None
        picked, wlogps = [], []
        for start, end, temperature, generator in spans:
            scaled = logits[start:end]
            if temperature != 0:
                scaled = scaled / temperature
            if allowed is not None:
                scaled = scaled.masked_fill(~allowed[start:end], float("-inf"))
            wlogp = torch.log_softmax(scaled, dim=-1)
            if temperature == 0:
                picked.append(scaled.argmax(-1))
            else:
                picked.append(torch.multinomial(wlogp.exp(), 1, generator=generator)
                              .squeeze(-1))
            wlogps.append(wlogp)
        token = torch.cat(picked)
        wlogp = torch.cat(wlogps)
        if state is not None:
            state = constraint.advance(state, token)
        mine = rows[live]
        generated[mine, step] = token[live]
        total[mine] += logp.gather(-1, token[:, None]).squeeze(-1)[live].double()
        warped[mine] += wlogp.gather(-1, token[:, None]).squeeze(-1)[live].double()
        count[mine] += 1
        live &= ~stop[token]
        # Each group ends when its rows all have, and drops its finished rows once a quarter
        # of them are done: stragglers (long high-temperature samples) then no longer pay
        # for the whole batch.
        keep, kept_spans, changed = [], [], False
        for start, end, temperature, generator in spans:
            alive = int(live[start:end].sum())
            if alive == 0 or step + 1 == max_new_tokens:
                changed = True
                continue
            if alive <= 0.75 * (end - start):
                part = live[start:end].nonzero().squeeze(-1) + start
                changed = True
            else:
                part = torch.arange(start, end, device=device)
            first = kept_spans[-1][1] if kept_spans else 0
            kept_spans.append((first, first + len(part), temperature, generator))
            keep.append(part)
        if not keep:
            break
        spans = kept_spans
        if changed:
            keep = torch.cat(keep)
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
