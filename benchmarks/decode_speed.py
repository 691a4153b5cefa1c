"""How fast LLOME's decoding runs, three ways, with the same completions each way.

    python benchmarks/decode_speed.py [--prompts 50] [--repeats 3]

One edit iteration of ``llome:preset=cpu`` on f2-sized sequences (32 states, length 32): every
prompt rewritten once greedily and 5 times at each of the temperatures 0.6-1.6, by the
``micro`` model after a short copy training (so that completions run to full length, as a
trained LLOME model's do). Timed, best of ``--repeats``, on one thread:

* ``per request, per-row cache``: one :func:`generate` call per temperature, the prompt's
  cache copied to each sample's row (the decoding before the shared-prompt attention);
* ``per request, shared prompt``: the same calls, each prompt's cache read once per step
  for all its samples (:mod:`seqzoo_llm.shared_prompt`);
* ``side by side``: all seven requests in one :func:`generate_many` call, as LLOME now
  decodes an edit iteration.

Printed: seconds and generated tokens per second each way, and whether every completion
(text and token count) is the same as the first way's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from seqzoo_llm import shared_prompt
from seqzoo_llm.generation import Request, generate, generate_many
from seqzoo_llm.model import load_model
from seqzoo_llm.text import format_prompt
from seqzoo_llm.trainers import SFT

STATES, LENGTH = 32, 32
TEMPERATURES = (0.6, 0.8, 1.0, 1.2, 1.4, 1.6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    lm = load_model(size="micro", num_states=STATES, length=LENGTH, device="cpu")
    examples = [{"prompt": (x := rng.integers(0, STATES, LENGTH).tolist()), "target": x}
                for _ in range(400)]
    start = time.perf_counter()
    SFT(epochs=3, batch_size=32, learning_rate=3e-3).fit(lm, examples)
    print(f"copy training: {time.perf_counter() - start:.1f} s")
    prompts = [format_prompt(rng.integers(0, STATES, LENGTH).tolist())
               for _ in range(args.prompts)]
    requests = [Request(prompts, 0.0, 1, 1)] + [Request(prompts, t, 5, 2 + i)
                                                for i, t in enumerate(TEMPERATURES)]
    ids = lm.tokenizer(format_prompt([STATES - 1] * LENGTH))["input_ids"]
    max_new = len(ids) + 4

    def one_by_one():
        return [generate(lm, r.prompts, temperature=r.temperature, num_samples=r.num_samples,
                         max_new_tokens=max_new, seed=r.seed) for r in requests]

    def per_row_cache():
        supports = shared_prompt.supports
        shared_prompt.supports = lambda model: False
        try:
            return one_by_one()
        finally:
            shared_prompt.supports = supports

    ways = {"per request, per-row cache": per_row_cache,
            "per request, shared prompt": one_by_one,
            "side by side": lambda: generate_many(lm, requests, max_new_tokens=max_new)}
    reference, rows = None, []
    for name, way in ways.items():
        out = way()
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            way()
            seconds.append(time.perf_counter() - start)
        got = [(g.text, g.num_tokens) for r in out for o in r for g in o]
        reference = reference or got
        tokens = sum(n for _, n in got)
        rows.append((name, min(seconds), tokens / min(seconds), got == reference))
    print(f"\n{len(requests)} requests, {args.prompts} prompts, "
          f"{sum(len(o) for r in out for o in r)} completions, {tokens} tokens\n")
    print("| decoding | seconds | tokens/s | same completions |")
    print("|---|---|---|---|")
    for name, sec, rate, same in rows:
        print(f"| {name} | {sec:.2f} | {rate:,.0f} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
